// AudioWorklet processor: hands the microphone's PCM (mono float32, at the context's own rate) to the page, and
// reports the level about 20 times a second. The page encodes the WAV; nothing here forces a sample rate.
class PcmRecorder extends AudioWorkletProcessor {
  constructor() {
    super();
    this.recording = false;
    this.chunks = [];
    this.frames = 0;
    this.levelFrames = 0;
    this.sumSquares = 0;
    this.peak = 0;
    this.port.onmessage = (event) => {
      if (event.data === "start") {
        this.recording = true;
      } else if (event.data === "stop") {
        this.flush();
        this.recording = false;
        this.port.postMessage({ type: "stopped" });
      }
    };
  }

  flush() {
    if (!this.frames) return;
    const out = new Float32Array(this.frames);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    this.chunks = [];
    this.frames = 0;
    this.port.postMessage({ type: "pcm", samples: out }, [out.buffer]);
  }

  process(inputs) {
    const input = inputs[0];
    if (!input || input.length === 0 || input[0].length === 0) return true;
    const length = input[0].length;
    const mono = new Float32Array(length);
    for (const channel of input) {
      for (let i = 0; i < length; i++) mono[i] += channel[i] / input.length;
    }
    for (let i = 0; i < length; i++) {
      const v = mono[i];
      this.sumSquares += v * v;
      const a = Math.abs(v);
      if (a > this.peak) this.peak = a;
    }
    this.levelFrames += length;
    if (this.levelFrames >= sampleRate / 20) {
      this.port.postMessage({ type: "level", rms: Math.sqrt(this.sumSquares / this.levelFrames), peak: this.peak });
      this.levelFrames = 0;
      this.sumSquares = 0;
      this.peak = 0;
    }
    if (this.recording) {
      this.chunks.push(mono);
      this.frames += length;
      if (this.frames >= sampleRate / 4) this.flush();
    }
    return true;
  }
}

registerProcessor("pcm-recorder", PcmRecorder);
