"""Converter options side by side on real speakers: each variant is fitted on every speaker's clips but the last
(one fixed stock source voice per speaker, no refinement), reads a sentence that no clip says (the evaluation's
UNSEEN_TEXT) and is compared with the held-out clip on every embedding; the ASR error of that reading too. Then it
reads the held-out clip's own sentence (short, so a wrong tone shows): CAM++ and the ASR error of that reading.
Prints a table: means over the Chinese speakers, then each speaker.

    .venv/bin/python bench/conversion_variants.py --manifest ../shared/eval/dev/manifest.csv \\
        --variants '{"default": {}, "per-sound only": {"local_weight": 1.0}}'

Variants are KnnWorldConverter keyword options (voices/conversion/knn.py). The full protocol, with the source voice
chosen by cross-validation, is `manage.py evaluate_cloning` (docs/cloning.md).
"""

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "platform")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostsite.settings")

# The source voices the last full evaluation picked for the dev set's speakers; others get the first source of
# their language and sex (voices.cloning.candidate_voices).
SOURCES = {"en_librispeech_3752": "am_fenrir", "zh_sparktts_prompt": "zm_yunjian", "zh_aishell1_S0150": "zm_yunxia",
           "zh_aishell1_S0252": "zf_xiaobei", "zh_aishell1_S0765": "zf_xiaoxiao", "zh_thchs30_A2": "zm_yunxi"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--variants", default='{"default": {}}', help="JSON: name -> KnnWorldConverter options")
    parser.add_argument("--speakers", nargs="*", default=None)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    variants = json.loads(args.variants)
    import django

    django.setup()
    import numpy as np
    import torch
    from tqdm import tqdm

    from voices.cloning import author_median_f0, author_sex, candidate_voices
    from voices.conversion import ParallelPair
    from voices.conversion.knn import KnnWorldConverter
    from voices.engines.base import Reading
    from voices.evaluation import metrics
    from voices.evaluation.runner import Evaluator, _load, read_manifest, unseen_text

    torch.set_num_threads(args.threads)
    evaluator = Evaluator(read_manifest(args.manifest), verify=False)
    results = {}
    speakers = evaluator.speakers(args.speakers)
    for speaker, rows in tqdm(speakers.items(), desc="speakers", file=sys.stderr):
        language = rows[0]["language"]
        fitting, held = rows[:-1], rows[-1]
        readings = [Reading(*_load(r["path"]), r["transcript"], language) for r in fitting]
        voice = SOURCES.get(speaker) or candidate_voices(
            evaluator.engine, language, author_sex(author_median_f0(readings)))[0]
        held_embedding = evaluator.embed_real(held)
        pairs = []
        for reading in readings:
            spoken = evaluator.engine.synthesize(reading.transcript, voice, language)
            pairs.append(ParallelPair(spoken.audio, spoken.sample_rate, reading.audio, reading.sample_rate,
                                      reading.transcript, language))
        texts = {"unseen": unseen_text(language), "held": held["transcript"]}
        spoken = {which: evaluator.engine.synthesize(text, voice, language) for which, text in texts.items()}
        fitted = {"stock source": None}
        for name, options in variants.items():
            converter = KnnWorldConverter(**options)
            fitted[name] = (converter, converter.fit(pairs))
        row = {}
        for name, voice_fit in fitted.items():
            row[name] = {}
            for which, text in texts.items():
                audio, rate = spoken[which].audio, spoken[which].sample_rate
                if voice_fit:
                    audio, rate = voice_fit[0].convert(audio, rate, voice_fit[1])
                similarity = evaluator.similarity(held_embedding, evaluator.embed(audio, rate))
                error = metrics.intelligibility(evaluator.asr, audio, rate, text, language)["error_rate"]
                row[name].update({**similarity, "err": error} if which == "unseen"
                                 else {"cam held": similarity["campplus"], "err held": error})
        results[speaker] = (language, voice, row)

    names = ["stock source", *variants]
    zh = [row for language, _, row in results.values() if language == "zh"]
    keys = ("resemblyzer", "whisper-spk", "campplus", "err", "cam held", "err held")
    print(f"{'variant':24s} " + " ".join(f"{'zh ' + k[:8]:>11s}" for k in keys) + "  "
          + "  ".join(f"{s[-10:]:>34s}" for s in results))
    for name in names:
        means = [np.mean([r[name][k] for r in zh]) if zh else float("nan") for k in keys]
        cells = "  ".join("/".join(f"{r[name][k]:+.2f}" for k in keys) for _, _, r in results.values())
        print(f"{name[:24]:24s} " + " ".join(f"{m:11.3f}" for m in means) + f"  {cells}")
    print("cells: resemblyzer / whisper-spk / campplus / ASR error, unseen text; campplus / ASR error, the held-out "
          "clip's text; sources: " + ", ".join(f"{s}={v}" for s, (_, v, _) in results.items()))


if __name__ == "__main__":
    main()
