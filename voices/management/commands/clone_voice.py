"""Make a voice artifact from recordings of the author reading known texts.

    python manage.py clone_voice --clip a.wav "第一句。" --clip b.wav "第二句。" --budget-seconds 60 --out voice.npz
    python manage.py synthesize --voice voice.npz --text "新的句子。" -o out.wav

The clips are taken as verified (this command does not run the enrollment checks). See docs/cloning.md.
"""

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from voices.g2p import detect_language


class Command(BaseCommand):
    help = "Clone a voice from (audio, transcript) clips and write the voice artifact (.npz)."

    def add_arguments(self, parser):
        parser.add_argument("--clip", nargs=2, action="append", metavar=("AUDIO", "TEXT"), required=True,
                            help="an audio file and the text read in it (repeat for every clip)")
        parser.add_argument("--budget-seconds", type=float, default=None,
                            help="time budget for cloning (default: VOICES['CONVERTER']['BUDGET_SECONDS'], 180)")
        parser.add_argument("--language", choices=("zh", "en", "mixed", "auto"), default="auto",
                            help="language of the clips (default: by script of the texts)")
        parser.add_argument("--no-refine", action="store_true", help="stop after the first voice")
        parser.add_argument("--out", required=True, help="the voice artifact file to write (.npz)")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print a JSON summary")

    def handle(self, *args, clip, budget_seconds, language, no_refine, out, as_json, **options):
        from voices.audio import AudioFormatError, read_audio
        from voices.cloning import CloningError, clone_voice
        from voices.engines.base import Reading

        readings = []
        for path, text in clip:
            try:
                audio, rate = read_audio(path, max_seconds=None, max_bytes=None)
            except (AudioFormatError, OSError) as exc:
                raise CommandError(f"{path}: {exc}") from exc
            if not text.strip():
                raise CommandError(f"{path}: the text is empty")
            readings.append(Reading(audio, rate, text.strip(), detect_language(text) if language == "auto"
                                    else language))
        events = []

        def progress(fraction, message):
            events.append({"fraction": round(fraction, 3), "message": message})
            if not as_json and options["verbosity"] >= 1:
                sys.stderr.write(f"[{fraction * 100:5.1f} %] {message}\n")

        started = time.monotonic()
        try:
            artifact = clone_voice(readings, progress=progress, time_budget_s=budget_seconds, refine=not no_refine)
        except CloningError as exc:
            raise CommandError(str(exc)) from exc
        artifact.save(out)
        summary = {
            "out": out,
            "seconds": round(time.monotonic() - started, 2),
            "language": artifact.language,
            "base_voice": artifact.base_voice,
            "conversion_kind": artifact.conversion_kind,
            "voice_version": artifact.content_hash()[:16],
            "meta": artifact.meta,
            "progress": events,
        }
        if as_json:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(f"{out}: {artifact.language} voice from {len(readings)} clip(s), source "
                              f"{artifact.base_voice}, conversion {artifact.conversion_kind}, "
                              f"in {summary['seconds']} s")
