"""Cloning and conversion cost on this machine: time to the first voice, and synthesis speed (RTF, characters per
second) of the stock voice alone and with the conversion, Chinese and English. Prints a table.

    .venv/bin/python bench/cloning.py [--threads 2]

The "author" is a stock voice reading three sentences (no recordings needed); the evaluation on real speakers is
`manage.py evaluate_cloning` (docs/cloning.md).
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "platform")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostsite.settings")

CASES = {
    "zh": ("zm_yunxi", ["今天天气很好，我们去公园散步吧。", "我们明天早上八点在图书馆见面。",
                        "这个问题很难回答，请再想一想。"],
           "春天来了，河边的柳树都发芽了。他每天骑自行车去上班，路上要半个小时。周末我们一起去看电影吧。"),
    "en": ("am_fenrir", ["The quick brown fox jumps over the lazy dog.",
                         "Please call Stella and ask her to bring these things.",
                         "We will meet at the library at eight tomorrow morning."],
           "Spring has come, and the willows by the river are green again. He rides his bicycle to work every day, "
           "and the trip takes half an hour."),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import django

    django.setup()
    import torch

    torch.set_num_threads(args.threads)
    from voices.cloning import clone_voice
    from voices.conversion import apply
    from voices.engines.base import Reading
    from voices.synthesis import get_engine

    engine = get_engine()
    engine.load()
    rows = []
    for language, (author, texts, article) in CASES.items():
        readings = []
        for text in texts:
            result = engine.synthesize(text, author, language)
            readings.append(Reading(result.audio, result.sample_rate, text, language))
        started = time.monotonic()
        artifact = clone_voice(readings, engine=engine, refine=False)
        first = time.monotonic() - started
        engine.synthesize(texts[0], artifact.base_voice, language)  # warm
        started = time.monotonic()
        spoken = engine.synthesize(article, artifact.base_voice, language)
        tts = time.monotonic() - started
        started = time.monotonic()
        converted, rate = apply(spoken.audio, spoken.sample_rate, artifact)
        conversion = time.monotonic() - started
        seconds = len(converted) / rate
        chars = len(article)
        rows.append((language, f"{first:.1f}", f"{spoken.duration:.1f}", f"{tts / spoken.duration:.2f}",
                     f"{chars / tts:.1f}", f"{(tts + conversion) / seconds:.2f}", f"{chars / (tts + conversion):.1f}",
                     f"{conversion / seconds:.2f}"))
    header = ("lang", "first voice s", "audio s", "RTF stock", "chars/s stock", "RTF converted", "chars/s converted",
              "RTF conversion only")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
