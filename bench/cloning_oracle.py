"""Where the clone's gap to the author is: the engine reads one of the author's own sentences, and pieces of the
author's real reading of it (aligned to the engine's frames by the converter's DTW) are put in one at a time. Each
result is compared with the speaker's held-out clip on every evaluation embedding. Prints a table of means per
language (the baseline rows, the engine's copy and the author's own reading, are measured in the same run).

    .venv/bin/python bench/cloning_oracle.py --manifest ../shared/eval/dev/manifest.csv

An oracle, not a method: for a sentence the author never read there is no aligned reading to take pieces from.
What it shows is how far each part (envelope, F0 contour, energy contour, aperiodicity, timing) can carry the clone
(docs/cloning.md, sessions 6 and 7).
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "platform"), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostsite.settings")


def oracle_variants(evaluator, rows: list[dict], voice: str) -> dict:
    """name -> (audio, rate): the engine's reading of the first fitting sentence with pieces of the author's own."""
    import numpy as np

    from voices.conversion import ParallelPair, contours, world
    from voices.conversion.frames import moving_average
    from voices.conversion.knn import KnnWorldConverter, author_audio
    from voices.engines.base import Reading
    from voices.evaluation.runner import _load

    language = rows[0]["language"]
    readings = [Reading(*_load(r["path"]), r["transcript"], language) for r in rows[:-1]]
    pairs = []
    for reading in readings:
        spoken = evaluator.engine.synthesize(reading.transcript, voice, language)
        pairs.append(ParallelPair(spoken.audio, spoken.sample_rate, reading.audio, reading.sample_rate,
                                  reading.transcript, language))
    converter = KnnWorldConverter()
    data = converter.fit(pairs)
    pair = pairs[0]
    source = world.trim_silence(world.resample(pair.source, pair.source_rate, world.SAMPLE_RATE), world.SAMPLE_RATE)
    engine = world.analyze(source, world.SAMPLE_RATE)
    author, author_content = converter._analyze_target(pair.target, pair.target_rate)
    author_order_40 = world.analyze(author_audio(pair.target, pair.target_rate), world.SAMPLE_RATE,
                                    accurate_f0=True, order=40)
    mapping, _ = converter.align(converter._content(source), author_content, len(engine), len(author))
    engine_f0 = world.transform_f0(engine.f0, tuple(data["source_logf0"]), tuple(data["target_logf0"]))
    # The author's log F0 on the engine's frames, bridged across the author's unvoiced ones; voiced where the engine is.
    author_log_f0 = contours.relative_log_f0(author.f0)[mapping] + np.log(author.f0[author.f0 > 0]).mean()
    author_f0 = np.where(engine.f0 > 0, np.exp(author_log_f0), 0.0)
    smoothed_f0 = np.where(engine.f0 > 0, np.exp(moving_average(author_log_f0[:, None], 11)[:, 0]), 0.0)
    envelope = engine.mcep.copy()
    envelope[:, 1:] = author.mcep[mapping, 1:]
    with_energy = envelope.copy()
    with_energy[:, 0] = author.mcep[mapping, 0]

    def render(f0, mcep, ap):
        audio = world.synthesize(f0, mcep, ap)[: len(source)]
        return world.match_loudness(audio, source), world.SAMPLE_RATE

    return {
        "engine (WORLD copy)": render(engine.f0, engine.mcep, engine.ap),
        "default conversion (seen text)": converter.convert(pair.source, pair.source_rate, data),
        f"author's envelope c1-c{world.ORDER}": render(engine_f0, envelope, engine.ap),
        "+ author's F0 contour": render(author_f0, envelope, engine.ap),
        "+ author's F0, smoothed 55 ms": render(smoothed_f0, envelope, engine.ap),
        "+ author's energy contour": render(engine_f0, with_energy, engine.ap),
        "+ author's F0 and energy": render(author_f0, with_energy, engine.ap),
        "+ F0, energy, aperiodicity": render(author_f0, with_energy, author.ap[mapping]),
        "author (WORLD copy, own timing)": (world.synthesize(author.f0, author.mcep, author.ap), world.SAMPLE_RATE),
        # What the mel-cepstral order alone costs (40 before session 7).
        "author (WORLD copy, order 40)": (world.synthesize(author.f0, author_order_40.mcep, author.ap),
                                          world.SAMPLE_RATE),
        "author (real reading)": (pair.target, pair.target_rate),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--speakers", nargs="*", default=None)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import django

    django.setup()
    import numpy as np
    import torch
    from conversion_variants import SOURCES
    from tqdm import tqdm

    from voices.cloning import author_median_f0, author_sex, candidate_voices
    from voices.engines.base import Reading
    from voices.evaluation.runner import Evaluator, _load, read_manifest

    torch.set_num_threads(args.threads)
    evaluator = Evaluator(read_manifest(args.manifest), verify=False)
    scores: dict[tuple[str, str], list[dict]] = {}
    for speaker, rows in tqdm(evaluator.speakers(args.speakers).items(), desc="speakers", file=sys.stderr):
        language = rows[0]["language"]
        voice = SOURCES.get(speaker) or candidate_voices(evaluator.engine, language, author_sex(author_median_f0(
            [Reading(*_load(r["path"]), r["transcript"], language) for r in rows[:-1]])))[0]
        held = evaluator.embed_real(rows[-1])
        for name, (audio, rate) in oracle_variants(evaluator, rows, voice).items():
            scores.setdefault((language, name), []).append(evaluator.similarity(held, evaluator.embed(audio, rate)))

    names = list(dict.fromkeys(name for _, name in scores))
    embeddings = list(next(iter(scores.values()))[0])
    languages = sorted({language for language, _ in scores}, reverse=True)
    print(f"{'engine reading of a fitting sentence with':34s} "
          + " ".join(f"{lang + ' ' + e[:4]:>9s}" for lang in languages for e in embeddings))
    for name in names:
        cells = [np.mean([s[e] for s in scores[(lang, name)]]) if (lang, name) in scores else float("nan")
                 for lang in languages for e in embeddings]
        print(f"{name:34s} " + " ".join(f"{c:9.3f}" for c in cells))
    print("means over speakers, similarity to the held-out clip; sources fixed per speaker "
          "(bench/conversion_variants.py)")


if __name__ == "__main__":
    main()
