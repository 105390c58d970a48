"""The author's intonation and loudness contours for sentences they never read (part of the default converter).

A speaker-verification model hears the shape of the F0 and energy contours, not only the spectral envelope: with the
author's real envelopes in place, giving the engine's reading the author's own aligned F0 and energy contours of the
same sentence raised CAM++ from 0.65 to 0.78 (docs/cloning.md, session 6). For a new sentence there is nothing to
copy, but the readings show, sound by sound, how the author's contours depart from the engine's for the same words.
So the fit keeps a table: key = the shape of the engine's own log-F0 and energy contours around a frame (+-100 ms,
utterance means removed, with the voicing), value = how far the author's aligned contours lie from the engine's
there. A new frame takes the mean offset of its k nearest keys, smoothed over 55 ms.
"""

from __future__ import annotations

import numpy as np

from .frames import moving_average, nearest_keys, stack_context

CONTEXT = (-20, -10, -5, 0, 5, 10, 20)  # 5 ms frames


def relative_log_f0(f0: np.ndarray) -> np.ndarray:
    """log F0 minus its mean over voiced frames, interpolated across unvoiced ones (0 where nothing is voiced)."""
    voiced = f0 > 0
    if not voiced.any():
        return np.zeros(len(f0))
    log_f0 = np.log(f0[voiced])
    return np.interp(np.arange(len(f0)), np.flatnonzero(voiced), log_f0 - log_f0.mean())


def keys(f0: np.ndarray, energy: np.ndarray) -> np.ndarray:
    """[T, 3 * len(CONTEXT)]: relative log F0, relative energy (c0) and voicing at the CONTEXT offsets."""
    columns = (relative_log_f0(f0), energy - energy.mean(), (f0 > 0).astype(np.float64))
    return np.concatenate([stack_context(c[:, None], CONTEXT) for c in columns], axis=1)


def offsets(source_f0: np.ndarray, source_energy: np.ndarray, target_f0: np.ndarray, target_energy: np.ndarray,
            f0_scale: float) -> np.ndarray:
    """[T, 2]: the author's relative log F0 and energy minus the engine's, frame by frame (the author's side already
    aligned to the engine's frames). `f0_scale` is the log-F0 spread ratio the converter applies anyway."""
    return np.stack([relative_log_f0(target_f0) - f0_scale * relative_log_f0(source_f0),
                     (target_energy - target_energy.mean()) - (source_energy - source_energy.mean())], axis=1)


def fit_table(key_rows: list[np.ndarray], offset_rows: list[np.ndarray]) -> dict[str, np.ndarray]:
    table = np.concatenate(key_rows)
    mean, std = table.mean(0), table.std(0) + 1e-6
    return {"contour_keys": ((table - mean) / std).astype(np.float16),
            "contour_key_mean": mean.astype(np.float32), "contour_key_std": std.astype(np.float32),
            "contour_offsets": np.concatenate(offset_rows).astype(np.float32)}


def predict(f0: np.ndarray, energy: np.ndarray, data: dict[str, np.ndarray], k: int, smooth: int) -> np.ndarray:
    """[T, 2] offsets (log F0, energy) for the engine's frames of a new sentence."""
    query = ((keys(f0, energy) - data["contour_key_mean"]) / data["contour_key_std"]).astype(np.float32)
    nearest, _ = nearest_keys(query, data["contour_keys"].astype(np.float32), k)
    return moving_average(data["contour_offsets"][nearest].mean(axis=1), smooth)
