"""WebRTC VAD (the `webrtcvad` module of webrtcvad-wheels), with smoothing and level measurements.

webrtcvad takes 16-bit mono PCM at 8/16/32/48 kHz in 10/20/30 ms frames: the audio is resampled to 16 kHz. Its raw
frame decisions flicker, so pauses shorter than `hangover_ms` inside speech are bridged and speech bursts shorter than
`min_speech_ms` are dropped. Frames quieter than `energy_floor_dbfs` never count as speech, nor do frames whose
spectrum is as flat as white noise (spectral flatness over 100-7000 Hz above `max_flatness`: white noise measures
0.5-0.6, voiced speech 0.001-0.1, fricatives up to ~0.4), which webrtcvad alone takes for speech when loud.
"""

import numpy as np

from ... import audio as audio_utils
from .base import BaseVAD, VadResult

VAD_SAMPLE_RATE = 16000
_MIN_POWER = 1e-10  # -100 dBFS: the floor of the noise estimate, so digital silence gives a finite SNR


def _runs(flags: np.ndarray, value: bool) -> list[tuple[int, int]]:
    """[start, end) index ranges where flags == value."""
    padded = np.concatenate([[0], flags == value, [0]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def spectral_flatness(frames: np.ndarray, sample_rate: int = VAD_SAMPLE_RATE) -> np.ndarray:
    """Geometric over arithmetic mean of each frame's power spectrum in 100-7000 Hz (1 = white noise, ~0 = tones)."""
    n = frames.shape[1]
    spectrum = np.abs(np.fft.rfft(frames * np.hanning(n), axis=1)) ** 2 + 1e-12
    freqs = np.fft.rfftfreq(n, 1 / sample_rate)
    band = spectrum[:, (freqs >= 100) & (freqs <= 7000)]
    return np.exp(np.mean(np.log(band), axis=1)) / np.mean(band, axis=1)


def smooth(flags: np.ndarray, hangover: int, min_speech: int) -> np.ndarray:
    """Bridge non-speech gaps shorter than `hangover` frames between speech, then drop speech runs < `min_speech`."""
    flags = np.asarray(flags, dtype=bool).copy()
    for start, end in _runs(flags, False):
        if 0 < start and end < len(flags) and end - start < hangover:
            flags[start:end] = True
    for start, end in _runs(flags, True):
        if end - start < min_speech:
            flags[start:end] = False
    return flags


class WebRtcVAD(BaseVAD):
    def __init__(self, aggressiveness: int = 2, frame_ms: int = 30, hangover_ms: int = 300, min_speech_ms: int = 150,
                 energy_floor_dbfs: float = -55.0, max_flatness: float = 0.45):
        if aggressiveness not in (0, 1, 2, 3):
            raise ValueError("aggressiveness must be 0, 1, 2 or 3")
        if frame_ms not in (10, 20, 30):
            raise ValueError("frame_ms must be 10, 20 or 30")
        self.aggressiveness = aggressiveness
        self.frame_ms = frame_ms
        self.hangover_frames = max(0, round(hangover_ms / frame_ms))
        self.min_speech_frames = max(1, round(min_speech_ms / frame_ms))
        self.energy_floor_dbfs = energy_floor_dbfs
        self.max_flatness = max_flatness

    def frame_flags(self, audio16k: np.ndarray) -> np.ndarray:
        """Raw webrtcvad decisions, one per frame of 16 kHz float32 audio (a trailing partial frame is dropped)."""
        import webrtcvad

        vad = webrtcvad.Vad(self.aggressiveness)  # one per call: cheap, and calls stay thread-safe
        n = VAD_SAMPLE_RATE * self.frame_ms // 1000
        count = len(audio16k) // n
        pcm = audio_utils.to_pcm16_bytes(audio16k[: count * n])
        return np.array([vad.is_speech(pcm[i * 2 * n:(i + 1) * 2 * n], VAD_SAMPLE_RATE) for i in range(count)],
                        dtype=bool)

    def analyze(self, audio: np.ndarray, sample_rate: int) -> VadResult:
        x = audio_utils.to_mono(audio)
        total = len(x) / sample_rate if sample_rate else 0.0
        peak, clipping = audio_utils.peak(x), audio_utils.clipping_ratio(x)
        y = audio_utils.resample(x, sample_rate, VAD_SAMPLE_RATE)
        n = VAD_SAMPLE_RATE * self.frame_ms // 1000
        count = len(y) // n
        if count == 0:
            return VadResult(0.0, total, 0.0, [], None, audio_utils.rms_dbfs(x), peak, clipping, None)

        frames = y[: count * n].reshape(count, n).astype(np.float64)
        power = np.mean(np.square(frames), axis=1)
        loud = 10 * np.log10(np.maximum(power, 1e-20)) > self.energy_floor_dbfs
        voiced = spectral_flatness(frames) <= self.max_flatness
        flags = smooth(self.frame_flags(y) & loud & voiced, self.hangover_frames, self.min_speech_frames)

        seconds = self.frame_ms / 1000
        segments = [(round(s * seconds, 3), round(min(e * seconds, total), 3)) for s, e in _runs(flags, True)]
        speech_seconds = round(sum(end - start for start, end in segments), 3)
        if not segments:
            return VadResult(0.0, total, 0.0, [], None, audio_utils.rms_dbfs(x), peak, clipping, None)

        speech_power = float(np.mean(power[flags]))
        pauses = power[~flags]
        # The noise floor: the median power of the pauses when there are enough of them (>= 150 ms; the median
        # ignores the edges of words next to them), else of the quietest tenth of all frames.
        noise = float(np.median(pauses)) if len(pauses) * seconds >= 0.15 else float(np.percentile(power, 10))
        snr = 10 * np.log10(speech_power / max(noise, _MIN_POWER))
        level = max(audio_utils.SILENCE_DBFS, 10 * np.log10(max(speech_power, 1e-12)))
        return VadResult(
            speech_seconds=speech_seconds,
            total_seconds=total,
            speech_ratio=speech_seconds / total if total else 0.0,
            speech_segments=segments,
            trimmed=(segments[0][0], segments[-1][1]),
            level_dbfs=round(float(level), 2),
            peak=peak,
            clipping_ratio=clipping,
            snr_db=round(float(snr), 2),
        )
