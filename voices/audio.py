"""Audio I/O used everywhere in voices: read (WAV/FLAC/OGG) to float32 mono, resample, write, and level helpers.

Arrays are float32 in [-1, 1], mono unless said otherwise. Nothing here knows about Django.
"""

import io
import os
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

MAX_SECONDS = 120.0  # default limit of read_audio(); readings are ~5-30 s
MAX_BYTES = 32 * 1024 * 1024  # default limit of read_audio(); 30 s of 48 kHz stereo 16-bit WAV is ~5.8 MB
SILENCE_DBFS = -120.0  # what rms_dbfs() reports for digital silence (a finite number, JSON-friendly)


class AudioFormatError(ValueError):
    """The input is not usable audio; the message says why, in words an end user can act on."""


def _size_of(source) -> int | None:
    if isinstance(source, bytes | bytearray | memoryview):
        return len(source)
    if isinstance(source, str | os.PathLike):
        try:
            return os.path.getsize(source)
        except OSError as exc:
            raise AudioFormatError(f"cannot read the audio file: {exc.strerror or exc}") from None
    size = getattr(source, "size", None)  # Django File / UploadedFile
    if isinstance(size, int):
        return size
    try:
        position = source.tell()
        end = source.seek(0, io.SEEK_END)
        source.seek(position)
        return end - position
    except (AttributeError, OSError, ValueError):
        return None


def read_audio(source, *, max_seconds: float | None = MAX_SECONDS, max_bytes: int | None = MAX_BYTES
               ) -> tuple[np.ndarray, int]:
    """Decode `source` (a path, bytes, or a binary file object such as an UploadedFile) to (float32 mono, rate).

    Formats: whatever libsndfile reads (WAV, FLAC, OGG/Vorbis/Opus, ...). Raises AudioFormatError when the input is
    empty, bigger than `max_bytes`, not audio, has no samples, is longer than `max_seconds`, or holds NaN/inf.
    Pass None to lift a limit.
    """
    size = _size_of(source)
    if size == 0:
        raise AudioFormatError("the audio file is empty")
    if size is not None and max_bytes is not None and size > max_bytes:
        raise AudioFormatError(f"the audio file is too big ({size / 1e6:.1f} MB; at most {max_bytes / 1e6:.1f} MB)")
    if isinstance(source, bytes | bytearray | memoryview):
        source = io.BytesIO(bytes(source))
    elif isinstance(source, Path):
        source = str(source)
    elif hasattr(source, "seek") and not isinstance(source, str):
        try:
            source.seek(0)
        except (OSError, ValueError):
            pass
    try:
        with sf.SoundFile(source) as f:
            frames, sample_rate = f.frames, f.samplerate
            if frames <= 0 or sample_rate <= 0:
                raise AudioFormatError("the audio file contains no audio samples")
            duration = frames / sample_rate
            if max_seconds is not None and duration > max_seconds:
                raise AudioFormatError(f"the audio is too long ({duration:.1f} s; at most {max_seconds:g} s)")
            data = f.read(dtype="float32", always_2d=True)
    except AudioFormatError:
        raise
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError, EOFError) as exc:
        reason = getattr(exc, "error_string", None) or str(exc)  # libsndfile's reason, without the object's repr
        raise AudioFormatError(f"not a readable audio file (WAV, FLAC or OGG expected): {reason}") from None
    if data.shape[0] == 0:
        raise AudioFormatError("the audio file contains no audio samples")
    if not np.isfinite(data).all():
        raise AudioFormatError("the audio file contains invalid samples (NaN or infinity)")
    return to_mono(data), int(sample_rate)


def to_mono(x: np.ndarray) -> np.ndarray:
    """[frames] or [frames, channels] -> float32 [frames] (the mean of the channels)."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=1, dtype=np.float32) if x.shape[1] > 1 else x[:, 0]
    elif x.ndim != 1:
        raise ValueError(f"expected [frames] or [frames, channels] audio, got shape {x.shape}")
    return np.ascontiguousarray(x, dtype=np.float32)


def resample(x: np.ndarray, sr_from: int, sr_to: int) -> np.ndarray:
    """Resample float32 audio (mono or [frames, channels]) with soxr (HQ)."""
    x = np.asarray(x, dtype=np.float32)
    if int(sr_from) == int(sr_to) or len(x) == 0:
        return x
    return np.asarray(soxr.resample(x, int(sr_from), int(sr_to), quality="HQ"), dtype=np.float32)


def to_pcm16(x: np.ndarray) -> np.ndarray:
    """float32 [-1, 1] -> int16 (clipped, rounded)."""
    return np.round(np.clip(np.asarray(x, dtype=np.float32), -1.0, 1.0) * 32767.0).astype(np.int16)


def to_pcm16_bytes(x: np.ndarray) -> bytes:
    """float32 [-1, 1] -> raw 16-bit little-endian PCM (what webrtcvad takes)."""
    return to_pcm16(x).astype("<i2", copy=False).tobytes()


def write_wav(path_or_buffer, x: np.ndarray, sample_rate: int, subtype: str = "PCM_16") -> None:
    """Write a WAV file (16-bit PCM by default) to a path or a binary buffer."""
    sf.write(path_or_buffer, np.asarray(x, dtype=np.float32), int(sample_rate), format="WAV", subtype=subtype)


def wav_bytes(x: np.ndarray, sample_rate: int, subtype: str = "PCM_16") -> bytes:
    buffer = io.BytesIO()
    write_wav(buffer, x, sample_rate, subtype)
    return buffer.getvalue()


# --- levels ------------------------------------------------------------------------------------------------------


def rms_dbfs(x: np.ndarray) -> float:
    """RMS level in dBFS (a full-scale sine is -3 dBFS); SILENCE_DBFS for silence or no samples."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return SILENCE_DBFS
    rms = float(np.sqrt(np.mean(np.square(x))))
    return max(SILENCE_DBFS, 20.0 * np.log10(rms)) if rms > 0 else SILENCE_DBFS


def peak(x: np.ndarray) -> float:
    """Largest absolute sample value (1.0 = full scale)."""
    x = np.asarray(x)
    return float(np.max(np.abs(x))) if x.size else 0.0


def clipping_ratio(x: np.ndarray, threshold: float = 0.999) -> float:
    """Fraction of samples at or beyond `threshold` of full scale (clipped recordings sit flat at the rail)."""
    x = np.asarray(x)
    return float(np.count_nonzero(np.abs(x) >= threshold) / x.size) if x.size else 0.0
