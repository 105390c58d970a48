"""Speech for callers: engine -> the voice's conversion (if any) -> watermark, for every result.

    synthesize_text(text, voice=None, language="auto", speed=1.0) -> SynthesisResult
    synthesize_stream(text, voice=None, language="auto", speed=1.0) -> Iterator[SynthesisResult]   (per sentence)
    render_version(voice=None, language="auto") -> str

`voice` is a VoiceRef (stock name, artifact path or binary file, VoiceArtifact) or None for
VOICES["DEFAULT_VOICES"] of the language. An artifact with conversion data (`conversion_kind`, made by
voices.cloning) has the engine's audio converted toward the author with voices.conversion.apply, whatever the
engine. Nothing here bypasses the watermark: unmarked audio exists only inside the engine and the conversion.
"""

from collections.abc import Iterator

from .app_settings import app_settings
from .backends.loading import load_backend
from .engines.artifact import ArtifactError, VoiceArtifact, load_voice_ref
from .engines.base import SynthesisResult, VoiceNotFound, VoiceRef
from .g2p import detect_language, split_sentences


def get_engine():
    return load_backend("ENGINE")


def get_watermark():
    return load_backend("WATERMARK")


def default_voice(language: str, text: str = "") -> str:
    if language in (None, "", "auto"):
        language = detect_language(text)
    voices = app_settings.DEFAULT_VOICES
    return voices.get(language) or voices["zh"]


def _resolve(voice: VoiceRef | None, language: str, text: str) -> tuple[VoiceRef, VoiceArtifact | None]:
    """(what to hand the engine, the artifact when the voice is one): an artifact is read once, here."""
    voice = voice if voice is not None else default_voice(language, text)
    try:
        artifact = load_voice_ref(voice)
    except (ArtifactError, OSError) as exc:
        raise VoiceNotFound(f"No voice artifact {voice!r}: {exc}") from exc
    return (artifact if artifact is not None else voice), artifact


def _finish(result: SynthesisResult, artifact: VoiceArtifact | None) -> SynthesisResult:
    if artifact is not None and artifact.conversion_kind and len(result.audio):
        from .conversion import apply

        result.audio, result.sample_rate = apply(result.audio, result.sample_rate, artifact)
    if len(result.audio):
        result.audio = get_watermark().embed(result.audio, result.sample_rate)
    return result


def synthesize_text(
    text: str, voice: VoiceRef | None = None, language: str = "auto", speed: float = 1.0
) -> SynthesisResult:
    """The whole text in the voice, converted and watermarked as one piece."""
    ref, artifact = _resolve(voice, language, text)
    return _finish(get_engine().synthesize(text, ref, language, speed), artifact)


def synthesize_stream(
    text: str, voice: VoiceRef | None = None, language: str = "auto", speed: float = 1.0
) -> Iterator[SynthesisResult]:
    """One converted, watermarked result per sentence, each as soon as it is ready (progressive playback)."""
    ref, artifact = _resolve(voice, language, text)
    for result in get_engine().synthesize_sentences(split_sentences(text), ref, language, speed):
        yield _finish(result, artifact)


def render_version(voice: VoiceRef | None = None, language: str = "auto") -> str:
    """What a cached rendering depends on besides text and speed: engine, voice (its artifact's content hash covers
    the conversion data) and watermark versions."""
    engine = get_engine()
    ref, artifact = _resolve(voice, language, "")
    version = f"{engine.engine_version}|{engine.voice_version(ref)}|{get_watermark().version}"
    if artifact is not None and artifact.conversion_kind:
        from .conversion import revision

        version += f"|{revision(artifact)}"  # the conversion code's own revision: new code, new renders
    return version
