"""Leave-one-out evaluation of cloning on a manifest of real recordings (`manage.py evaluate_cloning`).

For every speaker with at least two clips: clone from all clips but the last, then speak the last clip's transcript
with the clone and compare with the real last clip:

- similarity on three unrelated speaker embeddings (evaluation/embeddings.py) of: the clone (final and first voice),
  the ceiling (real held-out vs each real fitting clip, mean), the floor (the best stock voice of the language
  reading the same text), and the clone's own stock source voice before conversion;
- the same for the clone and its source reading a sentence that no clip says (UNSEEN_TEXT): the ceiling compares
  clips of different sentences, and an embedding that hears content (whisper-spk most) scores the same words higher,
  so the held-out text flatters the clone; the unseen sentence does not;
- intelligibility: ASR error rate (CER zh / WER en) of the clone, of its stock source and of the real clip, and
  whether the enrollment verifier accepts the clone's reading;
- F0: the clone's mean pitch and spread against the real clip's;
- time to the first voice and to the refined one.

Then the averages per language and overall; `clone/ceiling` is the mean of per-speaker ratios.

The embeddings score strangers on different scales (Resemblyzer ~0.55, CAM++ ~0.35, whisper-spk ~0), so a ratio to
the ceiling flatters the ones with a high floor. The report therefore also gives, per language, the mean similarity
of real clips of *different* speakers (`strangers`) and the clone's position between strangers and the ceiling:
(clone - strangers) / (ceiling - strangers), 0 = a stranger, 1 = the author's own other recordings.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..conversion import apply
from . import metrics
from .embeddings import CamPlusPlusEmbedding, ResemblyzerEmbedding, WhisperSpeakerEmbedding

EMBEDDINGS = ("resemblyzer", "whisper-spk", "campplus")
UNSEEN_TEXT = {
    "zh": "今天下午我们去公园散步，顺便看看新开的那家书店，听说里面的咖啡也很好喝。",
    "en": "The morning train was late again, so we walked to the office together and talked about the weekend.",
}


def unseen_text(language: str) -> str:
    return UNSEEN_TEXT.get(language, UNSEEN_TEXT["zh"])


def read_manifest(path: str | Path) -> list[dict]:
    """Rows of a manifest.csv (file, speaker_id, language, transcript, ...), with `path` resolved."""
    path = Path(path)
    with open(path, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    for row in rows:
        row["path"] = str(path.parent / row["file"])
    return rows


def _load(path: str) -> tuple[np.ndarray, int]:
    import soundfile as sf

    audio, rate = sf.read(path, dtype="float32", always_2d=True)
    return audio.mean(axis=1), rate


def _round(value, digits=4):
    return None if value is None else round(float(value), digits)


def _ratio(similarity: dict, ceiling: dict) -> dict:
    """similarity / ceiling per embedding: the position between 0 and the ceiling (None for a ceiling <= 0)."""
    return above_strangers(similarity, ceiling, dict.fromkeys(EMBEDDINGS, 0.0))


class Evaluator:
    def __init__(self, rows: list[dict], engine=None, asr=None, budget_s: float | None = None,
                 log: Callable[[str], None] | None = None, verify: bool = True, floor_voices: list[str] | None = None):
        self.rows = rows
        self.budget_s = budget_s
        self.log = log or (lambda message: None)
        self.verify = verify
        self.floor_voices = floor_voices
        if engine is None:
            from ..synthesis import get_engine

            engine = get_engine()
        self.engine = engine
        if asr is None:
            from ..backends.loading import load_backend

            asr = load_backend("ASR")
        self.asr = asr
        self.embeddings = {"resemblyzer": ResemblyzerEmbedding(), "whisper-spk": WhisperSpeakerEmbedding(),
                           "campplus": CamPlusPlusEmbedding()}
        self.log(f"Fitting the whisper-spk cohort on {len(rows)} real clips")
        self.embeddings["whisper-spk"].fit_cohort([_load(r["path"]) for r in rows])
        self._real: dict[str, dict[str, np.ndarray]] = {}
        self._strangers: dict[str, dict[str, float]] | None = None

    def embed_real(self, row: dict) -> dict[str, np.ndarray]:
        """The embeddings of a manifest clip, computed once per run (ceilings and strangers reuse them)."""
        if row["path"] not in self._real:
            self._real[row["path"]] = self.embed(*_load(row["path"]))
        return self._real[row["path"]]

    def strangers(self) -> dict[str, dict[str, float]]:
        """Per language: mean similarity between real clips of different speakers, per embedding (once per run)."""
        if self._strangers is None:
            vectors = [(r["speaker_id"], r["language"], self.embed_real(r)) for r in self.rows]
            pairs: dict[str, list[dict]] = {}
            for i, (speaker_a, language_a, a) in enumerate(vectors):
                for speaker_b, language_b, b in vectors[i + 1 :]:
                    if speaker_a != speaker_b and language_a == language_b:
                        pairs.setdefault(language_a, []).append(self.similarity(a, b))
            self._strangers = {language: {n: _round(np.mean([p[n] for p in found])) for n in EMBEDDINGS}
                               for language, found in pairs.items()}
        return self._strangers

    def embed(self, audio, rate) -> dict[str, np.ndarray]:
        return {name: e.embed(audio, rate) for name, e in self.embeddings.items()}

    def similarity(self, a: dict, b: dict) -> dict[str, float]:
        return {name: _round(self.embeddings[name].similarity(a[name], b[name])) for name in EMBEDDINGS}

    def speakers(self, only: list[str] | None = None) -> dict[str, list[dict]]:
        groups: dict[str, list[dict]] = {}
        for row in self.rows:
            groups.setdefault(row["speaker_id"], []).append(row)
        return {s: rows for s, rows in groups.items() if len(rows) >= 2 and (not only or s in only)}

    def evaluate_speaker(self, speaker: str, rows: list[dict]) -> dict:
        from ..cloning import clone_voice
        from ..engines.base import Reading

        language = rows[0]["language"]
        fitting, held = rows[:-1], rows[-1]
        held_audio, held_rate = _load(held["path"])
        held_embedding = self.embed_real(held)
        text = held["transcript"]
        readings = [Reading(*_load(r["path"]), r["transcript"], r["language"]) for r in fitting]

        # The ceiling: real vs real.
        fitting_sims = [self.similarity(held_embedding, self.embed_real(r)) for r in fitting]
        ceiling = {name: _round(np.mean([s[name] for s in fitting_sims])) for name in EMBEDDINGS}

        # Clone.
        firsts = []
        started = time.monotonic()
        artifact = clone_voice(readings, time_budget_s=self.budget_s, engine=self.engine,
                               on_voice=lambda a: firsts.append((a, time.monotonic() - started)))
        clone_seconds = time.monotonic() - started
        spoken = self.engine.synthesize(text, artifact.base_voice, language)
        t0 = time.monotonic()
        clone_audio, clone_rate = apply(spoken.audio, spoken.sample_rate, artifact)
        convert_seconds = time.monotonic() - t0
        clone = self.similarity(held_embedding, self.embed(clone_audio, clone_rate))
        unseen = self.engine.synthesize(unseen_text(language), artifact.base_voice, language)
        unseen_source = self.similarity(held_embedding, self.embed(unseen.audio, unseen.sample_rate))
        unseen_clone = self.similarity(held_embedding, self.embed(*apply(unseen.audio, unseen.sample_rate, artifact)))
        first_artifact = firsts[0][0] if firsts else artifact
        if first_artifact is artifact:
            first = clone
        else:
            first_spoken = self.engine.synthesize(text, first_artifact.base_voice, language)
            first = self.similarity(held_embedding, self.embed(*apply(first_spoken.audio, first_spoken.sample_rate,
                                                                      first_artifact)))

        # The floor: every stock voice of the language reads the text; the best per embedding.
        stock = self.floor_voices or [v.name for v in self.engine.stock_voices() if v.language == language]
        stock_sims, source_audio = {}, None
        for voice in stock:
            result = self.engine.synthesize(text, voice, language)
            stock_sims[voice] = self.similarity(held_embedding, self.embed(result.audio, result.sample_rate))
            if voice == artifact.base_voice:
                source_audio = (result.audio, result.sample_rate)
        if source_audio is None:
            source_audio = (spoken.audio, spoken.sample_rate)
            stock_sims.setdefault(artifact.base_voice, self.similarity(held_embedding, self.embed(*source_audio)))
        floor = {name: max(s[name] for s in stock_sims.values()) for name in EMBEDDINGS}
        floor_voice = {name: max(stock_sims, key=lambda v, n=name: stock_sims[v][n]) for name in EMBEDDINGS}

        result = {
            "speaker": speaker,
            "language": language,
            "fitting_clips": len(fitting),
            "fitting_seconds": round(sum(len(r.audio) / r.sample_rate for r in readings), 2),
            "held_out": held["file"],
            "source_voice": artifact.base_voice,
            "similarity": {"clone": clone, "first_voice": first, "ceiling": ceiling, "floor": floor,
                           "floor_voice": floor_voice, "source": stock_sims[artifact.base_voice],
                           "clone_unseen_text": unseen_clone, "source_unseen_text": unseen_source},
            "clone_over_ceiling": _ratio(clone, ceiling),
            "clone_unseen_text_over_ceiling": _ratio(unseen_clone, ceiling),
            "asr": {
                "clone": metrics.intelligibility(self.asr, clone_audio, clone_rate, text, language),
                "source": metrics.intelligibility(self.asr, *source_audio, text, language),
                "real": metrics.intelligibility(self.asr, held_audio, held_rate, text, language),
            },
            "f0": metrics.f0_error((clone_audio, clone_rate), (held_audio, held_rate)),
            "seconds": {
                "first_voice": round(firsts[0][1], 2) if firsts else round(clone_seconds, 2),
                "clone": round(clone_seconds, 2),
                "convert": round(convert_seconds, 2),
                "audio": round(len(clone_audio) / clone_rate, 2),
            },
            "meta": artifact.meta,
        }
        if self.verify:
            result["verify_reading"] = metrics.verify_reading(clone_audio, clone_rate, text, language)
        return result

    def run(self, only: list[str] | None = None, on_result: Callable[[dict], None] | None = None) -> dict:
        """Every eligible speaker in turn; `on_result(report so far)` after each (to keep partial results)."""
        results = []
        for speaker, rows in self.speakers(only).items():
            self.log(f"{speaker}: cloning from {len(rows) - 1} clip(s)")
            result = self.evaluate_speaker(speaker, rows)
            self.log(f"{speaker}: clone {result['similarity']['clone']} ceiling {result['similarity']['ceiling']} "
                     f"floor {result['similarity']['floor']} in {result['seconds']['clone']} s")
            results.append(result)
            if on_result:
                on_result(self.report(results))
        return self.report(results)

    def report(self, results: list[dict]) -> dict:
        strangers = self.strangers()
        return {"speakers": results, "averages": averages(results, strangers), "embeddings": list(EMBEDDINGS),
                "strangers": strangers, "budget_seconds": self.budget_s}


def above_strangers(value: dict, ceiling: dict, strangers: dict | None) -> dict:
    """Where `value` lies between strangers (0) and the ceiling (1), per embedding; None without a stranger pair."""
    out = {}
    for n in EMBEDDINGS:
        floor = (strangers or {}).get(n)
        ok = None not in (value[n], ceiling[n], floor) and ceiling[n] - floor > 0
        out[n] = _round((value[n] - floor) / (ceiling[n] - floor)) if ok else None
    return out


def averages(results: list[dict], strangers: dict | None = None) -> dict:
    out = {}
    for language in sorted({r["language"] for r in results}) + ["all"]:
        group = [r for r in results if language in ("all", r["language"])]
        if not group:
            continue

        def mean(get, group=group):
            values = [v for v in (get(r) for r in group) if v is not None]
            return _round(np.mean(values)) if values else None

        entry = {"speakers": len(group)}
        for kind in ("clone", "first_voice", "ceiling", "floor", "source", "clone_unseen_text", "source_unseen_text"):
            entry[kind] = {n: mean(lambda r, k=kind, n=n: r["similarity"][k][n]) for n in EMBEDDINGS}
        for ratio in ("clone_over_ceiling", "clone_unseen_text_over_ceiling"):
            entry[ratio] = {n: mean(lambda r, k=ratio, n=n: r[k][n]) for n in EMBEDDINGS}
        # A speaker whose own clips score a low ceiling makes the mean of ratios swing; the ratio of means does not.
        entry["ratio_of_means"] = {k: _ratio(entry[k], entry["ceiling"]) for k in ("clone", "clone_unseen_text")}
        if language != "all":
            entry["strangers"] = (strangers or {}).get(language)
            entry["above_strangers"] = {k: above_strangers(entry[k], entry["ceiling"], entry["strangers"])
                                        for k in ("clone", "clone_unseen_text", "source_unseen_text")}
        entry["error_rate"] = {k: mean(lambda r, k=k: r["asr"][k]["error_rate"]) for k in ("clone", "source", "real")}
        entry["f0_mean_abs_semitones"] = mean(lambda r: abs(r["f0"]["f0_mean_semitones"]))
        entry["f0_spread_ratio"] = mean(lambda r: r["f0"]["f0_spread_ratio"])
        entry["seconds"] = {k: mean(lambda r, k=k: r["seconds"][k]) for k in ("first_voice", "clone")}
        verified = [r["verify_reading"]["accepted"] for r in group if r.get("verify_reading")]
        if verified:
            entry["verify_accepted"] = f"{sum(verified)}/{len(verified)}"
        out[language] = entry
    return out
