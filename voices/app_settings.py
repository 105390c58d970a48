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
    "SPEAKER_ENCODER": {
        "BACKEND": "voices.backends.speaker.resemblyzer_encoder.ResemblyzerEncoder",
        # one thread: beside the ASR, more threads fight for the 2 cores (measured: seconds -> 0.1 s per clip)
        "OPTIONS": {"torch_threads": 1},
    },
    "ENGINE": {"BACKEND": "voices.engines.kokoro.KokoroEngine", "OPTIONS": {}},
    # Post-synthesis conversion toward the author (voices.conversion): fits new voices; "KINDS" may map extra
    # conversion kinds to classes so that artifacts fitted by them still apply.
    "CONVERTER": {"BACKEND": "voices.conversion.knn.KnnWorldConverter", "OPTIONS": {}},
    "WATERMARK": {"BACKEND": "voices.backends.watermark.perth_watermark.PerthWatermark", "OPTIONS": {}},
    # The system voice of each article language (Kokoro stock voice names).
    "DEFAULT_VOICES": {"zh": "zf_xiaoxiao", "en": "af_heart", "mixed": "zf_xiaoxiao"},
    # --- enrollment (consent, reading challenges, verification) ---------------------------------------------------
    # Consent terms: voices/consent_terms/<version>.<lang>.md; a new version needs a new consent.
    "CONSENT_TERMS_VERSION": "2025-1",
    # Sentences per challenge, how long a challenge lives, and what a readable sentence is.
    "CHALLENGE_SENTENCES": 5,
    "CHALLENGE_TTL_SECONDS": 15 * 60,
    "CHALLENGE_DISTRACTORS": 3,
    "SENTENCE_CHARS_ZH": (8, 30),
    "SENTENCE_WORDS_EN": (6, 20),
    # Uploaded readings: WAV (anything soundfile reads), limits checked before anything else.
    "READING_MAX_BYTES": 8 * 1024 * 1024,
    "READING_MAX_SECONDS": 30.0,
    "READING_MIN_SECONDS": 1.0,
    "READING_MIN_SAMPLE_RATE": 16000,
    "READING_MAX_SAMPLE_RATE": 96000,
    "READING_MAX_CHANNELS": 2,
    # Liveness: a reading must arrive after the sentence was shown, within the audio's length plus this delay.
    "READING_MAX_DELAY_SECONDS": 180.0,
    "READING_TIMING_SLACK_SECONDS": 1.5,
    # The thresholds of the verification service (see voices.services.verification.Thresholds; bench/verification.py
    # measures them on real speech). Keys given here replace the defaults one by one.
    "VERIFICATION": {},
    # Readings verified at once per process; the others wait their turn. The speech models run one request at a time
    # anyway (CTranslate2 with one worker): taking turns whole, instead of interleaving stages, finishes the first
    # uploads sooner and none later.
    "VERIFICATION_CONCURRENCY": 1,
    # When an enrollment is verified (ready for cloning).
    "ENROLLMENT_MIN_READINGS": 5,
    "ENROLLMENT_MIN_SPEECH_SECONDS": 20.0,
    # A "record more" round (voices.services.refine) after a voice is ready: new sentences to read before the voice
    # is rebuilt from every accepted reading (more when retention deleted the audio of older readings, so that the
    # readings still kept meet the two minimums above).
    "REFINE_MIN_READINGS": 3,
    # Attempts per author, and the lockout after many rejections in a row.
    "RATE_LIMIT_PER_HOUR": 40,
    "RATE_LIMIT_PER_DAY": 120,
    "LOCKOUT_AFTER_REJECTIONS": 10,
    "LOCKOUT_SECONDS": 30 * 60,
}

app_settings = AppSettings("VOICES", DEFAULTS)
