"""Speak a text in a voice and write a WAV file (watermarked, as everything voices.synthesis produces).

    python manage.py synthesize --voice zf_xiaoxiao --text "你好，世界。" -o hello.wav
    python manage.py synthesize --voice var/private/voices/42.npz --text "Hello." --language en --speed 1.2 -o out.wav
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from voices.engines.base import VoiceNotFound
from voices.g2p import LANGUAGES, detect_language


class Command(BaseCommand):
    help = "Synthesize TEXT with a stock voice or a voice artifact file and write a 16-bit WAV."

    def add_arguments(self, parser):
        parser.add_argument("--voice", required=True, help="stock voice name (zf_xiaoxiao) or voice artifact .npz")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--text", help="the text to speak")
        source.add_argument("--text-file", help="read the text from this UTF-8 file")
        parser.add_argument("--language", choices=LANGUAGES, default="auto", help="default: by script")
        parser.add_argument("--speed", type=float, default=1.0, help="0.5 .. 2.0 (default 1.0)")
        parser.add_argument("-o", "--output", required=True, help="the WAV file to write")

    def handle(self, *args, **options):
        import soundfile as sf

        from voices.synthesis import synthesize_text

        text = options["text"] if options["text"] is not None else Path(options["text_file"]).read_text("utf-8")
        if not text.strip():
            raise CommandError("Nothing to say: the text is empty")
        language = options["language"]
        if language == "auto":
            language = detect_language(text)
        started = time.perf_counter()
        try:
            result = synthesize_text(text, options["voice"], language, options["speed"])
        except VoiceNotFound as exc:
            raise CommandError(str(exc)) from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        if not len(result.audio):
            raise CommandError("The text produced no speech")
        sf.write(options["output"], result.audio, result.sample_rate, subtype="PCM_16", format="WAV")
        self.stdout.write(
            f"{options['output']}: {result.duration:.2f} s at {result.sample_rate} Hz, language {language}, "
            f"synthesized in {elapsed:.2f} s (RTF {elapsed / result.duration:.2f}), watermarked"
        )
        if options["verbosity"] >= 2:
            self.stdout.write(f"phonemes: {result.phonemes}")
