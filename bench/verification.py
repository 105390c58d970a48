"""The enrollment's reading verification on real human speech (../shared/eval/dev): does it accept honest readings
and refuse everything else?

    .venv/bin/python bench/verification.py                  # the table
    .venv/bin/python bench/verification.py --json           # everything as one JSON object
    .venv/bin/python bench/verification.py --dev DIR --quick

Every trial calls voices.services.verification.reading_verify, the service behind the page, the API and
`manage.py verify_reading`, with the thresholds of the settings:

- honest: each clip with its own transcript, four other transcripts of the same language as distractors;
- other text: each clip with another clip's transcript (its own transcript is not among the distractors);
- near-miss: each clip with its transcript with 3, then 4, Chinese characters (of another pinyin) or English words
  replaced;
- silence, noise (white, brown), clipped (real clips amplified into the rails);
- replay: a reading submitted again, byte-identical (SHA-256) and re-encoded (spectral fingerprint);
- mixed speakers: enrollments of 3-4 clips where one clip is another person's (voices.services.verification
  .speakers_agree, as the enrollment does), and the same groups without the intruder;
- latency per clip (wall and process CPU seconds; the machine may be shared), and per 5 s of audio.

The measured ranges printed at the end are what Thresholds' defaults were set from. Transcripts in LibriSpeech's
ALL-CAPS are scored as sentence case, as an article would write them (verification.scoring_text).
"""

import argparse
import csv
import itertools
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostsite.settings")
DEFAULT_DEV = ROOT.parent / "shared" / "eval" / "dev"

ZH_POOL = list("天地人和风云山水花草鸟鱼书画琴棋桌椅门窗灯火星月雪雨河海")
EN_POOL = "apple river stone music garden yellow window silver paper ocean purple table forest candle".split()
MIXED_GROUPS = [  # (speaker with several clips, how many of them, intruder speaker)
    ("zh_aishell1_S0150", 2, "zh_aishell1_S0252"),
    ("zh_aishell1_S0252", 2, "zh_aishell1_S0765"),
    ("zh_thchs30_A2", 3, "zh_aishell1_S0150"),
    ("zh_aishell1_S0765", 2, "zh_aishell3_SSB1711"),
    ("en_librispeech_3752", 2, "en_librispeech_1995"),
    ("zh_sparktts_prompt", 2, "zh_funasr_example"),
]


def load_manifest(dev: Path) -> list[dict]:
    with open(dev / "manifest.csv", encoding="utf-8", newline="") as f:
        return [row for row in csv.DictReader(f) if (dev / row["file"]).is_file()]


def near_miss(text: str, language: str, count: int, rng: random.Random) -> str:
    """`count` Chinese characters replaced by characters of another toneless pinyin, or English words by others."""
    from voices.text_match import pinyin_units

    if language == "en":
        words = text.split()
        for i in rng.sample(range(len(words)), min(count, len(words))):
            words[i] = rng.choice([w for w in EN_POOL if w != words[i].lower()])
        return " ".join(words)
    chars = list(text)
    positions = [i for i, c in enumerate(chars) if "\u4e00" <= c <= "\u9fff"]
    for i in rng.sample(positions, min(count, len(positions))):
        sound = pinyin_units([chars[i]])[0]
        chars[i] = rng.choice([c for c in ZH_POOL if pinyin_units([c])[0] != sound])
    return "".join(chars)


def synthetic(kind: str, clip_audio, rate: int):
    import numpy as np

    from voices import audio as audio_utils

    rng = np.random.default_rng(0)
    if kind == "silence":
        x = rng.normal(0, 1e-4, 4 * rate)
    elif kind == "white noise":
        x = rng.normal(0, 0.1, 4 * rate)
    elif kind == "brown noise":
        x = np.cumsum(rng.normal(0, 1, 4 * rate))
        x = 0.3 * (x - x.mean()) / np.abs(x - x.mean()).max()
    else:  # clipped
        x = np.clip(clip_audio * (0.99 / max(1e-6, np.abs(clip_audio).max())) * 12, -1, 1)
    return audio_utils.wav_bytes(np.asarray(x, dtype=np.float32), rate)


def reencoded(data: bytes) -> bytes:
    """The same recording played back into another device: 44.1 kHz, 30 % quieter, faint noise added."""
    import numpy as np

    from voices import audio as audio_utils

    samples, rate = audio_utils.read_audio(data)
    x = audio_utils.resample(samples * 0.7, rate, 44100)
    x = x + np.random.default_rng(4).normal(0, 1e-3, len(x)).astype(np.float32)
    return audio_utils.wav_bytes(x, 44100)


class Runner:
    def __init__(self, dev: Path, rows: list[dict]):
        from voices.services.verification import Thresholds

        self.dev, self.rows, self.thresholds = dev, rows, Thresholds.from_settings()
        self.rng = random.Random(20250101)
        self.trials = []

    def others(self, row, count):
        pool = [r["transcript"] for r in self.rows if r["language"] == row["language"] and r["file"] != row["file"]]
        return self.rng.sample(pool, min(count, len(pool)))

    def verify(self, trial: str, row: dict, data: bytes, text: str, distractors: list[str], expect: bool,
               history=None):
        from voices.services.verification import reading_verify

        wall, cpu = time.perf_counter(), time.process_time()
        verdict = reading_verify(data, expected_text=text, language=row["language"], distractors=distractors,
                                 history=history, thresholds=self.thresholds)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        duration = verdict.audio.duration_seconds if verdict.audio else 0.0
        match = verdict.text
        result = {
            "trial": trial, "file": row["file"], "speaker": row["speaker_id"], "language": row["language"],
            "text": text, "expect_accept": expect, "accepted": verdict.accepted, "correct": verdict.accepted == expect,
            "failed": [c.code for c in verdict.checks if c.ok is False], "transcript": verdict.transcript,
            "text_error": None if match is None else round(match.error, 4),
            "cer": None if match is None else round(match.cer, 4),
            "forced_score": verdict.forced_score,
            "margin": (round(verdict.forced_score - max(verdict.distractor_scores), 3)
                       if verdict.forced_score is not None and verdict.distractor_scores else None),
            "mismatch_evidence": verdict.mismatch_evidence, "speech_seconds": verdict.speech_seconds,
            "fingerprint_distance": verdict.fingerprint_distance,
            "seconds": round(wall, 3), "cpu_seconds": round(cpu, 3), "audio_seconds": duration,
            "stages": verdict.seconds,
        }
        self.trials.append(result)
        mark = "ok " if result["correct"] else "BAD"
        print(f"  {mark} {trial:12s} {row['file'][:40]:40s} accepted={verdict.accepted!s:5s} "
              f"failed={','.join(result['failed']) or '-'} {wall:.2f}s", file=sys.stderr, flush=True)
        return verdict

    def run(self, quick: bool) -> dict:
        from voices import liveness
        from voices.services.verification import History, speakers_agree

        embeddings, fingerprints = {}, {}
        for row in self.rows:
            data = (self.dev / row["file"]).read_bytes()
            verdict = self.verify("honest", row, data, row["transcript"], self.others(row, 4), True)
            if verdict.embedding is not None:
                embeddings[row["file"]] = verdict.embedding
            fingerprints[row["file"]] = verdict.fingerprint
            if quick:
                continue
            wrong = self.others(row, 1)[0]
            foils = [t for t in self.others(row, 5) if t != wrong][:4]
            self.verify("other text", row, data, wrong, foils, False)
            for count in (3, 4):
                self.verify(f"near-miss {count}", row, data, near_miss(row["transcript"], row["language"], count,
                                                                        self.rng), self.others(row, 4), False)
        if not quick:
            import soundfile as sf

            for kind, row in [("silence", self.rows[0]), ("white noise", self.rows[5]), ("brown noise", self.rows[8]),
                              ("clipped", self.rows[0]), ("clipped", self.rows[9]), ("clipped", self.rows[20])]:
                audio, rate = sf.read(self.dev / row["file"], dtype="float32")
                self.verify(kind, row, synthetic(kind, audio, rate), row["transcript"], self.others(row, 4), False)
            for row in self.rows[::6]:  # the same reading again: byte-identical, then re-encoded
                data = (self.dev / row["file"]).read_bytes()
                self.verify("replay", row, data, row["transcript"], self.others(row, 4), False,
                            History(sha256s=frozenset({liveness.sha256_of(data)})))
                self.verify("replay copy", row, reencoded(data), row["transcript"], self.others(row, 4), False,
                            History(fingerprints=(fingerprints[row["file"]],)))

        groups = []
        by_speaker = {}
        for row in self.rows:
            by_speaker.setdefault(row["speaker_id"], []).append(row["file"])
        for speaker, count, intruder in MIXED_GROUPS:
            own = [f for f in by_speaker.get(speaker, []) if f in embeddings][:count]
            other = [f for f in by_speaker.get(intruder, []) if f in embeddings][:1]
            if len(own) < 2 or not other:
                continue
            for members, expect in ((own, True), (own + other, False)):
                same, scores = speakers_agree([embeddings[f] for f in members], self.thresholds)
                groups.append({"members": members, "expect_same": expect, "same_speaker": same, "scores": scores,
                               "correct": same == expect})
        pairs = {"same": [], "different": []}
        for (a, ea), (b, eb) in itertools.combinations(embeddings.items(), 2):
            speaker_a = next(r["speaker_id"] for r in self.rows if r["file"] == a)
            speaker_b = next(r["speaker_id"] for r in self.rows if r["file"] == b)
            if speaker_a.split("_")[0] != speaker_b.split("_")[0]:
                continue  # only same-language pairs: an enrollment reads one language
            pairs["same" if speaker_a == speaker_b else "different"].append(round(float(ea @ eb), 4))
        pairs["fingerprints"] = [round(liveness.fingerprint_distance(a, b), 4)
                                 for a, b in itertools.combinations(fingerprints.values(), 2)]
        return {"thresholds": self.thresholds.__dict__, "trials": self.trials, "groups": groups, "pairs": pairs}


def summarize(result: dict) -> dict:
    trials = result["trials"]
    kinds = list(dict.fromkeys(t["trial"] for t in trials))
    rows = []
    for kind in kinds:
        of_kind = [t for t in trials if t["trial"] == kind]
        rows.append({"trial": kind, "n": len(of_kind), "accepted": sum(t["accepted"] for t in of_kind),
                     "target": "accept" if of_kind[0]["expect_accept"] else "reject",
                     "correct": sum(t["correct"] for t in of_kind)})
    honest = [t for t in trials if t["trial"] == "honest"]
    false_accepts = sum(t["accepted"] for t in trials if not t["expect_accept"])
    groups = result["groups"]
    per5 = [t["seconds"] / t["audio_seconds"] * 5 for t in honest if t["audio_seconds"]]
    cpu5 = [t["cpu_seconds"] / t["audio_seconds"] * 5 for t in honest if t["audio_seconds"]]

    def span(values):
        values = [v for v in values if v is not None]
        return [round(min(values), 3), round(max(values), 3)] if values else None

    near = [t for t in trials if t["trial"].startswith("near-miss")]
    other = [t for t in trials if t["trial"] == "other text"]
    return {
        "rows": rows,
        "honest_accept_rate": round(sum(t["accepted"] for t in honest) / len(honest), 4) if honest else None,
        "false_accepts": false_accepts,
        "mixed_groups_rejected": f"{sum(not g['same_speaker'] for g in groups if not g['expect_same'])}/"
                                 f"{sum(not g['expect_same'] for g in groups)}",
        "same_groups_accepted": f"{sum(g['same_speaker'] for g in groups if g['expect_same'])}/"
                                f"{sum(g['expect_same'] for g in groups)}",
        "latency": {
            "wall_mean": round(statistics.mean(t["seconds"] for t in honest), 3) if honest else None,
            "wall_max": round(max(t["seconds"] for t in honest), 3) if honest else None,
            "wall_per_5s_mean": round(statistics.mean(per5), 3) if per5 else None,
            "cpu_per_5s_mean": round(statistics.mean(cpu5), 3) if cpu5 else None,
            "stages_mean": {k: round(statistics.mean(t["stages"].get(k, 0) for t in honest), 3)
                            for k in ("read", "vad", "asr", "scoring", "liveness", "speaker")} if honest else None,
        },
        "measured": {
            "honest text_error": span(t["text_error"] for t in honest),
            "honest forced_score": span(t["forced_score"] for t in honest),
            "honest margin": span(t["margin"] for t in honest),
            "honest mismatch_evidence": span(t["mismatch_evidence"] for t in honest),
            "near-miss mismatch_evidence": span(t["mismatch_evidence"] for t in near),
            "near-miss text_error": span(t["text_error"] for t in near),
            "other-text forced_score": span(t["forced_score"] for t in other),
            "fingerprint copy distance": span(t["fingerprint_distance"] for t in trials if t["trial"] == "replay copy"),
            "fingerprint different clips": span(result["pairs"]["fingerprints"]),
            "speaker same": span(result["pairs"]["same"]),
            "speaker different": span(result["pairs"]["different"]),
        },
    }


def print_table(result: dict, summary: dict) -> None:
    print(f"{'trial':14s} {'n':>4s} {'accepted':>9s} {'target':>7s} {'correct':>8s}")
    for row in summary["rows"]:
        print(f"{row['trial']:14s} {row['n']:4d} {row['accepted']:9d} {row['target']:>7s} "
              f"{row['correct']:4d}/{row['n']:<3d}")
    print(f"\nhonest accepted: {summary['honest_accept_rate']:.1%}   false accepts: {summary['false_accepts']}   "
          f"mixed-speaker enrollments rejected: {summary['mixed_groups_rejected']}   "
          f"single-speaker enrollments accepted: {summary['same_groups_accepted']}")
    lat = summary["latency"]
    print(f"latency per clip: mean {lat['wall_mean']} s, max {lat['wall_max']} s wall; per 5 s of audio "
          f"{lat['wall_per_5s_mean']} s wall, {lat['cpu_per_5s_mean']} s CPU; stages {lat['stages_mean']}")
    print("\nhonest readings:")
    print(f"  {'file':44s} {'ok':>3s} {'err':>5s} {'forced':>7s} {'margin':>7s} {'evid':>6s} {'sec':>5s}  heard")
    for t in result["trials"]:
        if t["trial"] == "honest":
            print(f"  {t['file'][:44]:44s} {'yes' if t['accepted'] else 'NO':>3s} {t['text_error'] or 0:5.2f} "
                  f"{t['forced_score'] or 0:7.2f} {t['margin'] or 0:7.2f} {t['mismatch_evidence'] or 0:6.1f} "
                  f"{t['seconds']:5.2f}  {t['transcript']}" + (f"  [{','.join(t['failed'])}]" if t["failed"] else ""))
    wrong = [t for t in result["trials"] if not t["correct"] and t["trial"] != "honest"]
    if wrong:
        print("\nfalse accepts:")
        for t in wrong:
            print(f"  {t['trial']} {t['file']} text={t['text']!r} heard={t['transcript']!r}")
    print("\nenrollments (speakers_agree):")
    for g in result["groups"]:
        print(f"  {'ok ' if g['correct'] else 'BAD'} same={g['same_speaker']!s:5s} expect={g['expect_same']!s:5s} "
              f"{g['scores']}  {', '.join(m[:26] for m in g['members'])}")
    print("\nmeasured ranges [min, max] (what the thresholds are set from):")
    for name, value in summary["measured"].items():
        print(f"  {name:30s} {value}")
    print(f"thresholds: {result['thresholds']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true", help="honest readings and speaker groups only")
    args = parser.parse_args()

    import django

    django.setup()
    from voices.services.verification import reading_verify

    rows = load_manifest(args.dev)
    if not rows:
        sys.exit(f"No clips found in {args.dev}")
    start = time.perf_counter()
    # Load the models once before timing anything (a server loads them once per process).
    reading_verify((args.dev / rows[0]["file"]).read_bytes(), expected_text=rows[0]["transcript"],
                   distractors=[rows[1]["transcript"]])
    result = Runner(args.dev, rows).run(args.quick)
    result["summary"] = summarize(result)
    result["total_seconds"] = round(time.perf_counter() - start, 1)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, default=float))
    else:
        print_table(result, result["summary"])
        print(f"\n{len(result['trials'])} verifications in {result['total_seconds']} s")


if __name__ == "__main__":
    main()
