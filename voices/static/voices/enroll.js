// The reading page: shows one sentence at a time, records the microphone through an AudioWorklet, encodes a 16-bit
// PCM WAV at the microphone's own sample rate, uploads it with the CSRF token and shows what the server heard.
(() => {
  "use strict";
  const root = document.getElementById("voices-enroll");
  if (!root) return;
  const config = JSON.parse(document.getElementById("voices-config").textContent);
  const csrf = root.dataset.csrf;
  const part = (role) => root.querySelector(`[data-role="${role}"]`);
  const button = (action) => root.querySelector(`[data-action="${action}"]`);

  let challenge = null; // {id, expires_at, sentences: [{index, language, shown, accepted, text}]}
  let current = null; // {index, text, language, token}
  let recorder = null;
  let busy = false;

  // --- small helpers ---------------------------------------------------------------------------------------------

  function bilingual(element, zh, en) {
    element.textContent = zh + " ";
    if (en) {
      const span = document.createElement("span");
      span.className = "en";
      span.textContent = en;
      element.appendChild(span);
    }
  }

  function showError(zh, en) {
    const box = part("error");
    if (!zh) {
      box.hidden = true;
      box.textContent = "";
      return;
    }
    bilingual(box, zh, en);
    box.hidden = false;
  }

  function problemOf(response) {
    const data = response.data || {};
    if (data.zh || data.en) return [data.zh || "", data.en || ""];
    if (data.detail) return ["出错了。", String(data.detail)];
    return [`请求失败（${response.status}）。`, `The request failed (${response.status}).`];
  }

  async function api(url, { method = "GET", json, body } = {}) {
    const headers = { Accept: "application/json", "X-CSRFToken": csrf };
    if (json !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(url, {
        method, headers, credentials: "same-origin", body: json !== undefined ? JSON.stringify(json) : body,
      });
    } catch (error) {
      return { ok: false, status: 0, data: { zh: "网络连接失败。", en: `Network error: ${error.message}` } };
    }
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    return { ok: response.ok, status: response.status, data };
  }

  function setButtons({ show = false, record = false, stop = false, fresh = true } = {}) {
    button("show").disabled = !show;
    button("record").disabled = !record;
    button("stop").disabled = !stop;
    button("new").disabled = !fresh;
  }

  // --- progress ----------------------------------------------------------------------------------------------------

  function renderProgress(progress) {
    if (progress) {
      config.progress = progress;
    }
    const p = config.progress;
    if (p.refining) {
      // A "record more" round: the counts are this round's new readings.
      bilingual(part("overall"), `第 ${p.round} 轮：已通过 ${p.readings}/${p.readings_needed} 句新的句子。`,
        `Round ${p.round}: ${p.readings} of ${p.readings_needed} new readings accepted.`);
      root.querySelectorAll('[data-role^="refine-remaining"]').forEach((el) => {
        el.textContent = String(p.readings_remaining);
      });
    } else {
      bilingual(part("overall"),
        `已通过 ${p.readings}/${p.readings_needed} 段，说话 ${p.speech_seconds}/${p.speech_seconds_needed} 秒。`,
        `${p.readings} of ${p.readings_needed} readings accepted, ${p.speech_seconds} of ${p.speech_seconds_needed} s of speech.`);
    }
    const bar = part("overall-bar");
    bar.max = 1;
    // A need of zero (speech in a "record more" round) counts as met.
    const share = (have, need) => (need > 0 ? have / need : 1);
    bar.value = Math.min(share(p.readings, p.readings_needed), share(p.speech_seconds, p.speech_seconds_needed), 1);
    if (challenge) {
      const total = challenge.sentences.length;
      const done = challenge.sentences.filter((s) => s.accepted).length;
      const position = current ? current.index + 1 : Math.min(done + 1, total);
      bilingual(part("round"), `第 ${position} 句，共 ${total} 句（本组已通过 ${done} 句）`,
        `Sentence ${position} of ${total} (${done} accepted in this set)`);
    }
  }

  function finished() {
    setButtons({ fresh: false });
    part("done").hidden = false;
    part("sentence").textContent = "✓";
  }

  // --- challenge ---------------------------------------------------------------------------------------------------

  async function loadChallenge(fresh = false) {
    showError();
    setButtons({ fresh: false });
    const open = fresh ? null : config.challenge; // the open challenge the page came with, if any
    config.challenge = null;
    const response = open ? { ok: true, status: 200, data: open }
      : await api(config.api.challenges, { method: "POST" });
    if (!response.ok) {
      showError(...problemOf(response));
      setButtons({ fresh: response.status !== 422 && response.status !== 409 });
      return;
    }
    challenge = response.data;
    current = null;
    part("sentence").textContent = "…";
    part("result").textContent = "";
    renderProgress();
    setButtons({ show: true });
  }

  async function showSentence() {
    showError();
    const next = challenge && challenge.sentences.find((s) => !s.accepted);
    if (!next) {
      await loadChallenge(true);
      return;
    }
    const url = `${config.api.challenges}${challenge.id}/sentences/${next.index}/show/`;
    const response = await api(url, { method: "POST" });
    if (!response.ok) {
      showError(...problemOf(response));
      setButtons({ fresh: true });
      return;
    }
    current = { index: response.data.index, text: response.data.text, language: response.data.language,
                token: response.data.shown_token };
    const sentence = part("sentence");
    sentence.textContent = current.text;
    sentence.lang = current.language === "en" ? "en" : "zh-Hans";
    part("result").textContent = "";
    renderProgress();
    setButtons({ record: true });
  }

  // --- recording ---------------------------------------------------------------------------------------------------

  const RESUME_TIMEOUT_MS = 5000;

  function withTimeout(promise, milliseconds, message) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), milliseconds);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  class Recorder {
    constructor(onLevel) {
      this.onLevel = onLevel;
      this.context = null;
      this.chunks = [];
    }

    async start() {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
      if (!this.context) {
        // No sampleRate option: the context runs at the device's rate (Firefox refuses mismatched rates).
        this.context = new AudioContext();
        await this.context.audioWorklet.addModule(root.dataset.worklet);
      }
      try {
        // A browser with no usable audio output never resumes: fail with a message, not a page that hangs.
        await withTimeout(this.context.resume(), RESUME_TIMEOUT_MS, "the browser's audio did not start");
      } catch (error) {
        this.stream.getTracks().forEach((track) => track.stop());
        throw error;
      }
      this.chunks = [];
      this.source = this.context.createMediaStreamSource(this.stream);
      this.node = new AudioWorkletNode(this.context, "pcm-recorder", { numberOfInputs: 1, numberOfOutputs: 1 });
      this.mute = this.context.createGain();
      this.mute.gain.value = 0;
      this.source.connect(this.node);
      this.node.connect(this.mute).connect(this.context.destination); // keeps the node pulled, silently
      this.stopped = new Promise((resolve) => {
        this.node.port.onmessage = (event) => {
          const message = event.data;
          if (message.type === "pcm") this.chunks.push(message.samples);
          else if (message.type === "level") this.onLevel(message.rms, message.peak);
          else if (message.type === "stopped") resolve();
        };
      });
      this.node.port.postMessage("start");
      this.startedAt = performance.now();
    }

    async stop() {
      this.node.port.postMessage("stop");
      await this.stopped;
      this.source.disconnect();
      this.node.disconnect();
      this.mute.disconnect();
      this.stream.getTracks().forEach((track) => track.stop()); // free the microphone between readings
      const length = this.chunks.reduce((n, c) => n + c.length, 0);
      const samples = new Float32Array(length);
      let offset = 0;
      for (const chunk of this.chunks) {
        samples.set(chunk, offset);
        offset += chunk.length;
      }
      return encodeWav(samples, this.context.sampleRate);
    }
  }

  function encodeWav(samples, sampleRate) {
    const buffer = new ArrayBuffer(44 + samples.length * 2);
    const view = new DataView(buffer);
    const text = (offset, value) => [...value].forEach((ch, i) => view.setUint8(offset + i, ch.charCodeAt(0)));
    text(0, "RIFF");
    view.setUint32(4, 36 + samples.length * 2, true);
    text(8, "WAVE");
    text(12, "fmt ");
    view.setUint32(16, 16, true);
    view.setUint16(20, 1, true); // PCM
    view.setUint16(22, 1, true); // mono
    view.setUint32(24, sampleRate, true);
    view.setUint32(28, sampleRate * 2, true);
    view.setUint16(32, 2, true);
    view.setUint16(34, 16, true);
    text(36, "data");
    view.setUint32(40, samples.length * 2, true);
    for (let i = 0; i < samples.length; i++) {
      const v = Math.max(-1, Math.min(1, samples[i]));
      view.setInt16(44 + i * 2, v < 0 ? v * 0x8000 : v * 0x7fff, true);
    }
    return new Blob([buffer], { type: "audio/wav" });
  }

  let timer = null;
  let autoStop = null;

  function showLevel(rms, peak) {
    const db = 20 * Math.log10(Math.max(rms, 1e-6));
    const fraction = Math.max(0, Math.min(1, (db + 60) / 60));
    const meter = part("meter");
    meter.setAttribute("aria-valuenow", fraction.toFixed(2));
    part("meter-bar").style.width = `${(fraction * 100).toFixed(0)}%`;
    meter.dataset.state = peak >= 0.99 ? "clip" : db < -50 ? "quiet" : "ok";
    const hint = part("level-hint");
    if (peak >= 0.99) bilingual(hint, "太响了", "too loud");
    else if (db < -50) bilingual(hint, "声音太小", "too quiet");
    else hint.textContent = "";
  }

  async function startRecording() {
    if (busy) return;
    showError();
    setButtons({ fresh: false }); // no second click while the microphone opens
    part("result").textContent = "";
    recorder = recorder || new Recorder(showLevel);
    try {
      await recorder.start();
    } catch (error) {
      showError("无法打开麦克风，请允许本站使用麦克风。", `The microphone could not be opened: ${error.message}`);
      setButtons({ record: true, fresh: true });
      return;
    }
    setButtons({ stop: true, fresh: false });
    const started = performance.now();
    timer = setInterval(() => {
      part("timer").textContent = ((performance.now() - started) / 1000).toFixed(1);
    }, 100);
    autoStop = setTimeout(stopRecording, config.maxSeconds * 1000 - 250);
  }

  async function stopRecording() {
    if (busy || !recorder || button("stop").disabled) return;
    busy = true;
    clearInterval(timer);
    clearTimeout(autoStop);
    setButtons({ fresh: false });
    const wav = await recorder.stop();
    showLevel(0, 0);
    bilingual(part("result"), "正在检查……", "Checking…");
    try {
      await upload(wav);
    } finally {
      busy = false;
    }
  }

  // --- upload and result ---------------------------------------------------------------------------------------------

  async function upload(wav) {
    const form = new FormData();
    form.append("audio", wav, "reading.wav");
    form.append("challenge", challenge.id);
    form.append("index", String(current.index));
    form.append("shown_token", current.token);
    const response = await api(config.api.readings, { method: "POST", body: form });
    if (!response.ok || !response.data.attempt) {
      part("result").textContent = "";
      showError(...problemOf(response.data && response.data.attempt
        ? { data: response.data.attempt.reasons[0], status: response.status } : response));
      setButtons({ record: response.status !== 429, fresh: true });
      return;
    }
    const { attempt, enrollment, progress } = response.data;
    renderResult(attempt);
    renderProgress(progress);
    if (attempt.accepted) {
      challenge.sentences.find((s) => s.index === current.index).accepted = true;
      current = null;
      renderProgress();
      // Verified: cloning usually has already started by the time the answer is sent.
      if (enrollment && (enrollment.state === "verified" || enrollment.state === "cloning")) {
        finished();
        return;
      }
      setButtons({ show: true });
    } else {
      const closed = attempt.reasons.some((r) => r.ok === false && r.code.startsWith("challenge_")
        || r.code === "timing_too_late");
      setButtons({ record: !closed, fresh: true });
    }
  }

  function renderResult(attempt) {
    const box = part("result");
    box.textContent = "";
    box.dataset.decision = attempt.decision;
    const head = document.createElement("p");
    head.className = attempt.accepted ? "enroll__ok" : "enroll__fail";
    bilingual(head, attempt.accepted ? "✓ 通过" : "✗ 未通过", attempt.accepted ? "Accepted" : "Not accepted");
    box.appendChild(head);
    const heard = document.createElement("p");
    bilingual(heard, `我们听到：“${attempt.transcript || "……"}”`, `We heard: “${attempt.transcript || "…"}”`);
    box.appendChild(heard);
    const problems = attempt.reasons.filter((r) => r.ok === false);
    if (problems.length) {
      const list = document.createElement("ul");
      for (const reason of problems) {
        const item = document.createElement("li");
        bilingual(item, reason.zh, reason.en);
        list.appendChild(item);
      }
      box.appendChild(list);
      const again = document.createElement("p");
      again.className = "muted";
      bilingual(again, "请按提示调整后再录一次。", "Fix what is listed above and record again.");
      box.appendChild(again);
    }
  }

  button("show").addEventListener("click", showSentence);
  button("record").addEventListener("click", startRecording);
  button("stop").addEventListener("click", stopRecording);
  button("new").addEventListener("click", () => loadChallenge(true));
  if (!window.AudioWorkletNode || !navigator.mediaDevices) {
    showError("这个浏览器不支持网页录音（需要 HTTPS 或 localhost）。",
      "This browser cannot record here (a secure page, HTTPS or localhost, is needed).");
  }
  renderProgress();
  loadChallenge();
})();
