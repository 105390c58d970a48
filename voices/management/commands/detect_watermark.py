"""Tell whether an audio file carries the watermark voices.synthesis embeds.

    python manage.py detect_watermark rendition.wav          -> "present (confidence 1.0000, threshold 0.50)"
    python manage.py detect_watermark rendition.wav --json   -> {"file": ..., "present": true, "confidence": 1.0, ...}
"""

import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Detect the VOICES['WATERMARK'] watermark in an audio file (any format libsndfile reads)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options):
        import numpy as np
        import soundfile as sf

        from voices.synthesis import get_watermark

        try:
            audio, sample_rate = sf.read(options["file"], dtype="float32", always_2d=True)
        except (OSError, RuntimeError, sf.LibsndfileError) as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc}") from exc
        audio = np.mean(audio, axis=1)
        backend = get_watermark()
        detection = backend.detect(audio, sample_rate)
        threshold = getattr(backend, "threshold", None)
        if options["json"]:
            payload = {
                "file": options["file"],
                "present": detection.present,
                "confidence": round(detection.confidence, 6),
                "threshold": threshold,
                "backend": backend.version,
                "duration_s": round(len(audio) / sample_rate, 3),
            }
            self.stdout.write(json.dumps(payload))
            return
        verdict = "present" if detection.present else "absent"
        extra = f", threshold {threshold:.2f}" if threshold is not None else ""
        self.stdout.write(f"{verdict} (confidence {detection.confidence:.4f}{extra})")
