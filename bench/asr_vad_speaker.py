"""ASR, forced scoring, VAD and speaker similarity on real human speech (the dev set of ../shared/eval/dev).

    .venv/bin/python bench/asr_vad_speaker.py                     # table per clip, then speaker similarities
    .venv/bin/python bench/asr_vad_speaker.py --dev path/to/dev --json

Per clip: duration, ASR time (transcribe only, wall and process CPU seconds: on a shared machine the CPU time is the
steadier figure; the model load is timed apart), CER (punctuation and case removed,
traditional -> simplified with OpenCC, Arabic numerals -> Chinese numerals, spaces ignored for Chinese), the
forced score (mean token log-prob) of the right transcript and of the best distractor (the other clips' transcripts
of the same language), and the VAD's speech seconds. Then Resemblyzer cosine similarity of same-speaker and
different-speaker pairs (min / mean / max). Uses the backends named by VOICES (load_backend), as the app does.
"""

import argparse
import csv
import itertools
import json
import os
import statistics
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostsite.settings")


def normalize(text: str, language: str) -> str:
    import cn2an
    import opencc

    text = opencc.OpenCC("t2s").convert(text).lower()
    text = "".join(" " if unicodedata.category(c)[0] in "PS" else c for c in unicodedata.normalize("NFKC", text))
    if language == "zh":
        try:
            text = cn2an.transform(text, "an2cn")
        except Exception:  # cn2an refuses a few digit strings; keep them as they are
            pass
        return "".join(text.split())
    return " ".join(text.split())


def cer(reference: str, hypothesis: str, language: str) -> float:
    import jiwer

    reference, hypothesis = normalize(reference, language), normalize(hypothesis, language)
    return jiwer.cer(reference, hypothesis) if reference else float(bool(hypothesis))


def load_manifest(dev: Path) -> list[dict]:
    with open(dev / "manifest.csv", encoding="utf-8", newline="") as f:
        return [row for row in csv.DictReader(f) if (dev / row["file"]).is_file()]


def run(dev: Path) -> dict:
    import django

    django.setup()
    from voices.audio import read_audio
    from voices.backends.loading import load_backend

    rows = load_manifest(dev)
    asr, vad, encoder = load_backend("ASR"), load_backend("VAD"), load_backend("SPEAKER_ENCODER")
    loads = {}
    for name, load in (("asr", lambda: asr.model), ("speaker", lambda: encoder.encoder)):
        started = time.perf_counter()
        load()
        loads[name] = round(time.perf_counter() - started, 2)

    clips, embeddings = [], {}
    for row in rows:
        audio, rate = read_audio(dev / row["file"])
        language = row["language"]
        started, cpu = time.perf_counter(), time.process_time()
        transcript = asr.transcribe(audio, rate, language)
        asr_s, asr_cpu_s = time.perf_counter() - started, time.process_time() - cpu
        others = [r["transcript"] for r in rows if r["language"] == language and r["file"] != row["file"]]
        started = time.perf_counter()
        scores = asr.score_text(audio, rate, language, [row["transcript"], *others])
        score_s = time.perf_counter() - started
        started = time.perf_counter()
        voice = vad.analyze(audio, rate)
        vad_s = time.perf_counter() - started
        started = time.perf_counter()
        embeddings[row["file"]] = encoder.embed(audio, rate)
        embed_s = time.perf_counter() - started
        clips.append({
            "file": row["file"], "speaker": row["speaker_id"], "language": language,
            "duration": round(len(audio) / rate, 2), "asr_s": round(asr_s, 2), "asr_cpu_s": round(asr_cpu_s, 2),
            "cer": round(cer(row["transcript"], transcript.text, language), 3),
            "right_score": round(scores[0], 2), "best_other": round(max(scores[1:]), 2) if others else None,
            "score_s": round(score_s, 2), "candidates": len(scores),
            "speech_s": round(voice.speech_seconds, 2), "snr_db": voice.snr_db, "vad_s": round(vad_s, 3),
            "embed_s": round(embed_s, 2), "reference": row["transcript"], "hypothesis": transcript.text,
        })

    speakers = {row["file"]: row["speaker_id"] for row in rows}
    same, different = [], []
    for a, b in itertools.combinations(embeddings, 2):
        (same if speakers[a] == speakers[b] else different).append(encoder.similarity(embeddings[a], embeddings[b]))

    def stats(values):
        if not values:
            return None
        return {"n": len(values), "min": round(min(values), 3), "mean": round(statistics.fmean(values), 3),
                "max": round(max(values), 3)}

    summary = {}
    for language in sorted({c["language"] for c in clips}):
        mine = [c for c in clips if c["language"] == language]
        summary[language] = {
            "clips": len(mine), "mean_cer": round(statistics.fmean(c["cer"] for c in mine), 3),
            "right_score_min": min(c["right_score"] for c in mine),
            "best_other_max": max((c["best_other"] for c in mine if c["best_other"] is not None), default=None),
            "ranked_first": sum(c["best_other"] is None or c["right_score"] > c["best_other"] for c in mine),
            "asr_s_mean": round(statistics.fmean(c["asr_s"] for c in mine), 2),
            "asr_cpu_s_mean": round(statistics.fmean(c["asr_cpu_s"] for c in mine), 2),
        }
    return {"load_s": loads, "clips": clips, "summary": summary,
            "speaker_similarity": {"same": stats(same), "different": stats(different)}}


def print_table(report: dict) -> None:
    columns = [("file", 42), ("lang", 4), ("dur_s", 6), ("asr_s", 6), ("asr_cpu", 7), ("CER", 6), ("right", 6),
               ("other", 6), ("score_s", 7), ("speech_s", 8), ("snr_db", 7)]
    print("  ".join(name.ljust(width) for name, width in columns))
    for c in report["clips"]:
        other = "-" if c["best_other"] is None else f"{c['best_other']:.2f}"
        cells = [c["file"][:42], c["language"], f"{c['duration']:.2f}", f"{c['asr_s']:.2f}", f"{c['asr_cpu_s']:.2f}",
                 f"{c['cer']:.3f}",
                 f"{c['right_score']:.2f}", other, f"{c['score_s']:.2f}", f"{c['speech_s']:.2f}",
                 "-" if c["snr_db"] is None else f"{c['snr_db']:.1f}"]
        print("  ".join(cell.ljust(width) for cell, (_, width) in zip(cells, columns, strict=True)))
    print()
    for language, s in report["summary"].items():
        print(f"{language}: {s['clips']} clips, mean CER {s['mean_cer']:.3f}, right sentence ranked first "
              f"{s['ranked_first']}/{s['clips']}, right score min {s['right_score_min']:.2f}, best distractor max "
              f"{s['best_other_max']}, ASR {s['asr_s_mean']:.2f} s/clip wall, {s['asr_cpu_s_mean']:.2f} s CPU")
    print(f"model load: {report['load_s']}")
    for kind, s in report["speaker_similarity"].items():
        if s:
            print(f"speaker similarity, {kind:9} speaker: n={s['n']:3}  min {s['min']:.3f}  mean {s['mean']:.3f}  "
                  f"max {s['max']:.3f}")
    worst = sorted(report["clips"], key=lambda c: -c["cer"])[:3]
    print("\nhighest CER:")
    for c in worst:
        print(f"  {c['cer']:.3f}  ref: {c['reference']}\n         hyp: {c['hypothesis']}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "eval" / "dev",
                        help="folder with manifest.csv and the WAVs (default: ../shared/eval/dev)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if not (args.dev / "manifest.csv").is_file():
        parser.error(f"no manifest.csv in {args.dev}")
    report = run(args.dev)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_table(report)


if __name__ == "__main__":
    main()
