"""Exemplar (frame-selection) voice conversion over parallel pairs: the default converter ("world-knn").

Fit. The engine reads the author's verified sentences; each (engine, author) pair of the same sentence is aligned by
dynamic time warping over Whisper-base encoder outputs (content features that hardly depend on the speaker), so every
5 ms frame of the engine's reading gets the author's frame that says the same thing. The fitted voice is that table:
keys = the engine's own spectral features (mel-cepstra with +-context), values = the author's real mel-cepstra and
the author-minus-engine differences, plus both log-F0 distributions and the author's pace.

Convert. The engine's new audio is analysed with WORLD; every frame looks up its k nearest keys (same voice on both
sides, so a plain spectral distance finds the same sound) among keys of the same voicing. Mode "residual" (default)
adds the mean author-minus-engine difference of those neighbours to the frame's own envelope: the author's formants,
timbre and channel for that sound, with the engine's phonetic detail kept. Where the neighbours are farther than
another occurrence of the same sound usually is (a sound the readings do not cover), the frame can take the author's
overall difference instead, in proportion (`local_by_distance`); by default half of every frame's difference is the
overall one, which keeps it intelligible when the readings cover few sounds. The fine detail (mel-cepstral orders
from `author_detail_from`, default 12: voice quality and channel, little of the words) is the neighbours' own author
envelopes outright, its spread over the utterance partly restored to the author's (`detail_spread`). Mode
"replace" takes the neighbours' author envelopes outright for every order (closer on paper, garbled with little data:
see docs/cloning.md). F0 follows the author's log-F0 mean and spread, and the F0 and energy contours the author's own
departures from the engine's for each sound (`contours`); the pace is the author's; WORLD resynthesizes.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from . import contours, world
from .base import BaseConverter, ConversionError, Deadline, ParallelPair, ProgressCallback
from .frames import moving_average, nearest_keys, stack_context

logger = logging.getLogger(__name__)
TIME_SCALE_RANGE = (0.75, 1.35)
MATCH_EXCLUDE_FRAMES = 20  # 100 ms
# The high mel-cepstral orders (fine spectral detail: voice quality, the author's channel) carry little of the words,
# which sit in the broad envelope (formants, orders below ~12). So from `author_detail_from` up, a frame takes its
# neighbours' own author envelopes outright; below, the engine's envelope plus the difference. Measured on the dev
# set (docs/cloning.md): closer on CAM++ at almost no cost in intelligibility.
# A frame's new envelope mixes two estimates from its neighbours: "residual" (weight 1 - replace_weight), the
# engine's envelope plus an author-minus-engine difference (keeps the engine's phonetic detail), and "replace"
# (replace_weight), the mean of their author envelopes outright. The residual's difference is `local_weight` times the
# neighbours' mean difference (this sound's) plus the rest times the mean difference over all frames of the same
# voicing (the author's overall timbre and channel, the same for every sound). With `local_by_distance` the local
# share is scaled down frame by frame when the neighbours are farther than a sound's usual distance to another
# occurrence of itself in the readings (`match_distance`, fitted): a sound the readings never cover then borrows
# the global difference instead of another sound's. Measured on the dev set (docs/cloning.md), 0.5 constant is the
# default: the distance-scaled share at 1.0 is closer on all three embeddings but garbles short sentences of authors
# with few readings (the enrollment verifier rejected 2 of 6 held-out readings).
_target_cache: OrderedDict[str, tuple] = OrderedDict()
_cache_lock = threading.Lock()


def _whisper_dir(option: str | None) -> Path:
    if option:
        return Path(option)
    from ..assets import model_path

    return model_path("whisper-base")


def author_audio(audio: np.ndarray, rate: int) -> np.ndarray:
    """An author's reading as the converter analyses it: at the working rate, silence trimmed, peak-normalised."""
    return world.normalize_peak(world.trim_silence(world.resample(audio, rate, world.SAMPLE_RATE), world.SAMPLE_RATE))


def _restore_spread(detail: np.ndarray, author_detail: np.ndarray, power: float) -> np.ndarray:
    """Averaging k neighbours' envelopes shrinks the fine detail's variation over an utterance (it sounds muffled);
    scale each order's deviation from its utterance mean toward the spread of the author's own frames, by
    (author / converted) ** power. The classical global-variance postfilter, on the fine orders only. Measured
    (docs/cloning.md, session 7): power 0.5 is closer on CAM++ at the same ASR error; 1.0 costs short sentences."""
    if power <= 0 or len(detail) < 2:
        return detail
    mean = detail.mean(axis=0)
    ratio = (author_detail.std(axis=0) / np.maximum(detail.std(axis=0), 1e-9)) ** power
    return mean + (detail - mean) * ratio


class KnnWorldConverter(BaseConverter):
    kind = "world-knn"
    version = 1

    def __init__(
        self,
        k: int = 4,
        key_order: int = 24,
        context: tuple[int, ...] = (-4, -2, 0, 2, 4),
        smooth: int = 3,
        energy: str = "source",
        aperiodicity: str = "source",
        rate: bool = True,
        local_weight: float = 0.5,
        local_by_distance: bool = False,
        distance_power: float = 2.0,
        replace_weight: float = 0.0,
        author_detail_from: int = 12,
        detail_spread: float = 0.5,
        contour_k: int = 8,
        contour_smooth: int = 11,
        contour_full_seconds: float = 20.0,
        whisper_dir: str | None = None,
        threads: int = 2,
    ):
        self.k = int(k)
        self.key_order = int(key_order)
        self.context = tuple(int(c) for c in context)
        self.smooth = int(smooth)
        if energy not in ("source", "target") or aperiodicity not in ("source", "target"):
            raise ValueError('energy and aperiodicity are "source" (the engine\'s) or "target" (the author\'s)')
        self.energy = energy
        self.aperiodicity = aperiodicity
        self.rate = bool(rate)
        if not 0.0 <= replace_weight <= 1.0:
            raise ValueError("replace_weight is within [0, 1]")
        self.replace_weight = float(replace_weight)
        if not 0 <= author_detail_from <= world.ORDER:
            raise ValueError(f"author_detail_from is a mel-cepstral order within [0, {world.ORDER}] (0: off)")
        self.author_detail_from = int(author_detail_from)
        if not 0.0 <= detail_spread <= 1.0:
            raise ValueError("detail_spread is within [0, 1] (0: the neighbours' mean as is, 1: the author's spread)")
        self.detail_spread = float(detail_spread)
        if contour_k < 0:
            raise ValueError("contour_k is a neighbour count (0: the engine's own contours, log-F0 mean/spread only)")
        self.contour_k = int(contour_k)
        self.contour_smooth = int(contour_smooth)
        self.contour_full_seconds = float(contour_full_seconds)
        if not 0.0 <= local_weight <= 1.0:
            raise ValueError("local_weight is within [0, 1]")
        self.local_weight = float(local_weight)
        self.local_by_distance = bool(local_by_distance)
        self.distance_power = float(distance_power)
        self.whisper_dir = whisper_dir
        self.threads = int(threads)

    # -- features ----------------------------------------------------------------------------------------------------
    def _keys(self, mcep: np.ndarray) -> np.ndarray:
        return stack_context(mcep[:, 1 : self.key_order + 1], self.context).astype(np.float32)

    def _content(self, audio24k: np.ndarray) -> np.ndarray:
        """Whisper-base last-layer encoder outputs, one per 20 ms, L2-normalised (windows of 25 s: Whisper's is 30)."""
        from .whisper_encoder import load_whisper_encoder

        encoder = load_whisper_encoder(_whisper_dir(self.whisper_dir))
        audio16k = world.resample(audio24k, world.SAMPLE_RATE, 16000)
        window = 25 * 16000
        parts = [encoder.hidden_states(audio16k[start : start + window])[-1]
                 for start in range(0, max(len(audio16k), 1), window) if len(audio16k[start : start + window]) >= 800]
        states = np.concatenate(parts) if parts else np.zeros((1, 512), dtype=np.float32)
        return states / np.maximum(np.linalg.norm(states, axis=1, keepdims=True), 1e-8)

    def align(self, source_content: np.ndarray, target_content: np.ndarray, source_frames: int, target_frames: int):
        """For each 5 ms source frame, the index of the target frame saying the same thing (DTW over content)."""
        from dtw import dtw

        cost = np.clip(1.0 - source_content @ target_content.T, 0.0, 2.0).astype(np.float64)
        path = dtw(cost, step_pattern="symmetric2", distance_only=False)
        # Mean target position (in 20 ms frames) of each source frame on the path, then interpolated to 5 ms.
        n = len(source_content)
        mapped = np.bincount(path.index1, weights=path.index2, minlength=n) / np.maximum(
            np.bincount(path.index1, minlength=n), 1)
        ratio = 20.0 / world.FRAME_PERIOD_MS
        positions = np.interp(np.arange(source_frames) / ratio, np.arange(n), mapped) * ratio
        return np.clip(np.round(positions).astype(np.int64), 0, target_frames - 1), float(path.normalizedDistance)

    def _analyze_target(self, audio: np.ndarray, rate: int):
        """The author's side of a pair (WORLD with Harvest, content features), cached: refinement refits the same
        readings against other source voices."""
        audio_bytes = np.ascontiguousarray(audio, dtype=np.float32).tobytes()
        key = hashlib.sha1(audio_bytes + f"{rate}:{world.ORDER}".encode()).hexdigest()
        with _cache_lock:
            if key in _target_cache:
                _target_cache.move_to_end(key)
                return _target_cache[key]
        target = author_audio(audio, rate)
        result = (world.analyze(target, world.SAMPLE_RATE, accurate_f0=True), self._content(target))
        with _cache_lock:
            _target_cache[key] = result
            while len(_target_cache) > 64:
                _target_cache.popitem(last=False)
        return result

    # -- fit ---------------------------------------------------------------------------------------------------------
    def fit(
        self,
        pairs: list[ParallelPair],
        progress: ProgressCallback | None = None,
        deadline: Deadline | None = None,
    ) -> dict[str, np.ndarray]:
        import torch

        if torch.get_num_threads() > self.threads:
            torch.set_num_threads(self.threads)
        if not pairs:
            raise ConversionError("No parallel pairs to learn from")
        deadline = deadline or Deadline(None)
        keys, values, deltas, bap, key_voiced, src_f0, tgt_f0, distances = [], [], [], [], [], [], [], []
        contour_pairs = []
        source_frames = target_frames = 0
        for index, pair in enumerate(pairs):
            source = world.trim_silence(world.resample(pair.source, pair.source_rate, world.SAMPLE_RATE),
                                        world.SAMPLE_RATE)
            fs = world.analyze(source, world.SAMPLE_RATE)
            ft, target_content = self._analyze_target(pair.target, pair.target_rate)
            mapping, distance = self.align(self._content(source), target_content, len(fs), len(ft))
            distances.append(distance)
            source_frames += len(fs)
            target_frames += len(ft)
            keys.append(self._keys(fs.mcep))
            values.append(ft.mcep[mapping].astype(np.float32))
            deltas.append((ft.mcep[mapping] - fs.mcep).astype(np.float32))
            bap.append(world.code_aperiodicity(ft.ap)[mapping].astype(np.float32))
            key_voiced.append(fs.voiced)
            src_f0.append(fs.f0)
            tgt_f0.append(ft.f0)
            contour_pairs.append((fs.f0, fs.mcep[:, 0], ft.f0[mapping], ft.mcep[mapping, 0]))
            if progress:
                progress((index + 1) / len(pairs), f"Aligned reading {index + 1} of {len(pairs)}")
        keys = np.concatenate(keys)
        values = np.concatenate(values)
        mean = keys.mean(0)
        std = keys.std(0) + 1e-6
        key_voiced = np.concatenate(key_voiced)
        normalized = ((keys - mean) / std).astype(np.float16)
        source_stats = world.log_f0_stats(np.concatenate(src_f0))
        target_stats = world.log_f0_stats(np.concatenate(tgt_f0))
        contour_table = {}
        if self.contour_k:
            f0_scale = target_stats[1] / source_stats[1] if source_stats[1] and target_stats[1] else 1.0
            contour_table = contours.fit_table(
                [contours.keys(f0, energy) for f0, energy, _, _ in contour_pairs],
                [contours.offsets(*pair, f0_scale=f0_scale) for pair in contour_pairs])
            contour_table["contour_options"] = np.array([self.contour_k, self.contour_smooth], dtype=np.int64)
            # A table from a few seconds covers few contour shapes, and its offsets garble short sentences (tones):
            # they count in full only from `contour_full_seconds` of readings (what enrollment asks for) up.
            seconds = target_frames / world.FRAMES_PER_SECOND
            contour_table["contour_weight"] = np.array(min(1.0, seconds / max(self.contour_full_seconds, 1e-9)))
        return {
            "version": np.array(self.version, dtype=np.int64),
            "keys": normalized,
            "key_voiced": key_voiced.astype(np.bool_),
            # The author's envelopes themselves are only needed by the "replace" estimate.
            **({"values": values.astype(np.float32)} if self.replace_weight > 0 else {}),
            # The author's own fine spectral detail (orders >= detail_from) of every frame, taken outright.
            **({"detail": values[:, self.author_detail_from :].astype(np.float32),
                "detail_from": np.array(self.author_detail_from, dtype=np.int64),
                "detail_spread": np.array(self.detail_spread, dtype=np.float64)} if self.author_detail_from else {}),
            "deltas": np.concatenate(deltas).astype(np.float32),
            "replace_weight": np.array(self.replace_weight, dtype=np.float64),
            "local_weight": np.array(self.local_weight, dtype=np.float64),
            # Fitted only when used: an artifact without it gets the constant `local_weight` on every frame.
            **({"match_distance": np.array(self._match_distance(normalized.astype(np.float32), key_voiced)),
                "distance_power": np.array(self.distance_power, dtype=np.float64)}
               if self.local_by_distance else {}),
            "bap": np.concatenate(bap).astype(np.float32),
            "key_mean": mean.astype(np.float32),
            "key_std": std.astype(np.float32),
            "source_logf0": np.array(source_stats, dtype=np.float64),
            "target_logf0": np.array(target_stats, dtype=np.float64),
            "options": np.array([self.k, self.key_order, self.smooth], dtype=np.int64),
            "use_target": np.array([self.energy == "target", self.aperiodicity == "target"], dtype=np.bool_),
            "context": np.array(self.context, dtype=np.int64),
            "alignment_distance": np.array(distances, dtype=np.float64),
            # The author's F0 and energy contours, sound by sound (voices.conversion.contours); absent: the engine's.
            **contour_table,
            # The author's pace relative to the engine's (>1: slower), applied by stretching frames in time.
            "time_scale": np.array(
                np.clip(target_frames / max(source_frames, 1), *TIME_SCALE_RANGE) if self.rate else 1.0,
                dtype=np.float64,
            ),
        }

    # -- convert -----------------------------------------------------------------------------------------------------
    def _match_distance(self, keys: np.ndarray, voiced: np.ndarray) -> float:
        """Median distance from a frame to its k nearest keys elsewhere in the readings (over 100 ms away, so not its
        own neighbourhood): how far the nearest other occurrence of a sound usually is."""
        distances = []
        for flag in (True, False):
            pool = keys[voiced == flag]
            if len(pool) > self.k + 2 * MATCH_EXCLUDE_FRAMES:
                distances.append(nearest_keys(pool, pool, self.k, exclude=MATCH_EXCLUDE_FRAMES)[1])
        found = np.concatenate(distances) if distances else np.array([])
        found = found[np.isfinite(found)]
        return float(np.median(found)) if len(found) else float("inf")

    def convert(self, audio: np.ndarray, sample_rate: int, data: dict[str, np.ndarray]) -> tuple[np.ndarray, int]:
        self.check(data)
        k, key_order, smooth = (int(v) for v in data["options"])
        context = tuple(int(c) for c in data["context"])
        source = world.resample(audio, sample_rate, world.SAMPLE_RATE)
        if len(source) < world.SAMPLE_RATE // 20 or world.rms(source) < 1e-4:
            return source, world.SAMPLE_RATE
        # The order the voice was fitted at (voices fitted before session 7: 40).
        feats = world.analyze(source, world.SAMPLE_RATE, order=data["deltas"].shape[1] - 1)
        query = stack_context(feats.mcep[:, 1 : key_order + 1], context)
        query = ((query - data["key_mean"]) / data["key_std"]).astype(np.float32)
        keys = data["keys"].astype(np.float32)
        values = data.get("values")
        key_voiced = data["key_voiced"]
        target_energy, target_ap = (bool(v) for v in data["use_target"])
        first = 0 if target_energy else 1
        weight = float(data["replace_weight"])
        local = float(data["local_weight"])
        deltas = data["deltas"]
        out = feats.mcep.copy()
        ap = feats.ap.copy()
        for voiced in (True, False):
            rows = np.flatnonzero(feats.voiced == voiced)
            pool = np.flatnonzero(key_voiced == voiced)
            if not len(rows):
                continue
            if not len(pool):
                pool = np.arange(len(keys))
            index, distance = nearest_keys(query[rows], keys[pool], k)
            nearest = pool[index]
            share = np.full((len(rows), 1), local)
            if "match_distance" in data:
                closeness = float(data["match_distance"]) / np.maximum(distance, 1e-9)
                share *= np.minimum(closeness, 1.0)[:, None] ** float(data["distance_power"])
            difference = share * deltas[nearest, first:].mean(axis=1)
            difference += (1.0 - share) * deltas[pool, first:].mean(axis=0)
            residual = feats.mcep[rows, first:] + difference
            out[rows, first:] = residual if weight <= 0 or values is None else (
                (1.0 - weight) * residual + weight * values[nearest, first:].mean(axis=1))
            if "detail_from" in data:
                out[rows, int(data["detail_from"]) :] = data["detail"][nearest].mean(axis=1)
            if target_ap:
                ap[rows] = world.decode_aperiodicity(data["bap"][nearest].mean(axis=1))
        out[:, first:] = moving_average(out[:, first:], smooth)
        if "detail" in data and "detail_spread" in data:
            fine = int(data["detail_from"])
            out[:, fine:] = _restore_spread(out[:, fine:], data["detail"], float(data["detail_spread"]))
        f0 = world.transform_f0(feats.f0, tuple(data["source_logf0"]), tuple(data["target_logf0"]))
        if "contour_keys" in data:
            contour_k, contour_smooth = (int(v) for v in data["contour_options"])
            offset = contours.predict(feats.f0, feats.mcep[:, 0], data, contour_k, contour_smooth)
            offset *= float(data.get("contour_weight", 1.0))
            f0 = np.where(f0 > 0, f0 * np.exp(offset[:, 0]), 0.0)
            out[:, 0] += offset[:, 1]
        scale = float(data.get("time_scale", 1.0))
        length = len(source)
        if abs(scale - 1.0) > 0.02:  # the author's pace: repeat or drop 5 ms frames evenly (WORLD keeps pitch)
            index = np.clip(np.round(np.arange(int(len(f0) * scale)) / scale).astype(np.int64), 0, len(f0) - 1)
            f0, out, ap = f0[index], out[index], ap[index]
            length = int(length * scale)
        converted = world.synthesize(f0, out, ap)[:length]
        return world.match_loudness(converted, source), world.SAMPLE_RATE
