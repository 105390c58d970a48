"""Encoding rendition audio: MP3 (MediaSource plays `audio/mpeg` in Chromium and Firefox, and MP3 frames of
consecutive sentences concatenate into one valid stream), loudness normalisation, and the ID3 label."""

import io
from dataclasses import dataclass

import numpy as np

MP3_BITRATE = 64_000
TARGET_LUFS = -18.0
PEAK_CEILING = 10 ** (-1.0 / 20)  # -1 dBFS


@dataclass(frozen=True)
class EncodedClip:
    data: bytes
    duration_seconds: float  # of the encoded frames (what a player will actually play)
    sample_rate: int


def normalize_loudness(audio: np.ndarray, sample_rate: int, target_lufs: float = TARGET_LUFS) -> np.ndarray:
    import pyloudnorm

    audio = np.asarray(audio, dtype=np.float32)
    if audio.size == 0 or not np.any(audio):
        return audio
    meter = pyloudnorm.Meter(sample_rate)
    if audio.size >= int(meter.block_size * sample_rate):
        loudness = meter.integrated_loudness(audio.astype(np.float64))
        if np.isfinite(loudness):
            audio = audio * np.float32(10 ** ((target_lufs - loudness) / 20))
    peak = float(np.max(np.abs(audio)))
    if peak > PEAK_CEILING:
        audio = audio * np.float32(PEAK_CEILING / peak)
    return audio


def with_pause(audio: np.ndarray, sample_rate: int, pause_ms: int) -> np.ndarray:
    silence = np.zeros(int(sample_rate * pause_ms / 1000), dtype=np.float32)
    return np.concatenate([np.asarray(audio, dtype=np.float32), silence])


def encode_mp3(audio: np.ndarray, sample_rate: int, bitrate: int = MP3_BITRATE) -> EncodedClip:
    """Raw MP3 frames (no ID3, no Xing header) so that clips can be concatenated and streamed as they are."""
    import av

    buffer = io.BytesIO()
    samples = 0
    with av.open(buffer, "w", format="mp3", options={"id3v2_version": "0", "write_xing": "0"}) as container:
        stream = container.add_stream("libmp3lame", rate=sample_rate, layout="mono")
        stream.bit_rate = bitrate
        frame = av.AudioFrame.from_ndarray(np.asarray(audio, dtype=np.float32)[None, :], format="flt", layout="mono")
        frame.sample_rate = sample_rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
            samples += stream.codec_context.frame_size
    return EncodedClip(data=buffer.getvalue(), duration_seconds=samples / sample_rate, sample_rate=sample_rate)


def id3_label(*, title: str, voice_label: str, producer: str, content_id: str, language: str) -> bytes:
    """The implicit AI-generated label carried by the file itself (GB 45438-2025 implicit label, EU AI Act Art. 50)."""
    from mutagen.id3 import COMM, ID3, TENC, TIT2, TLAN, TPE1, TXXX

    tag = ID3()
    tag.add(TIT2(encoding=3, text=title))
    tag.add(TPE1(encoding=3, text=voice_label))
    tag.add(TENC(encoding=3, text=producer))
    tag.add(TLAN(encoding=3, text=language))
    tag.add(TXXX(encoding=3, desc="AIGC", text="AI-generated"))
    tag.add(TXXX(encoding=3, desc="AIGC-Producer", text=producer))
    tag.add(TXXX(encoding=3, desc="AIGC-ContentID", text=content_id))
    tag.add(COMM(encoding=3, lang="eng", desc="", text=f"AI-generated speech ({voice_label}). Produced by {producer}."))
    buffer = io.BytesIO()
    tag.save(buffer, v2_version=4, padding=lambda info: 0)
    return buffer.getvalue()
