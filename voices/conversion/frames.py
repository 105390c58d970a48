"""Frame-sequence helpers shared by the converter's tables: context stacking, smoothing, nearest neighbours."""

from __future__ import annotations

import numpy as np


def stack_context(x: np.ndarray, offsets: tuple[int, ...]) -> np.ndarray:
    """Frames stacked with their neighbours at `offsets` (edges repeated): [T, D] -> [T, D * len(offsets)]."""
    T = len(x)
    index = np.clip(np.arange(T)[:, None] + np.asarray(offsets)[None, :], 0, T - 1)
    return x[index].reshape(T, -1)


def moving_average(x: np.ndarray, width: int) -> np.ndarray:
    """Moving average over time (odd `width` frames, edges repeated)."""
    if width <= 1 or len(x) < 2:
        return x
    pad = width // 2
    padded = np.concatenate([np.repeat(x[:1], pad, 0), x, np.repeat(x[-1:], pad, 0)])
    kernel = np.ones(width) / width
    return np.stack([np.convolve(padded[:, d], kernel, mode="valid") for d in range(x.shape[1])], axis=1)


def nearest_keys(query: np.ndarray, keys: np.ndarray, k: int, chunk: int = 512,
                 exclude: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Indices [Q, k] of the k nearest keys (Euclidean) of each query row, and their mean squared distance [Q].
    With `exclude`, the query is the keys themselves and keys within `exclude` frames of a row do not count."""
    k = min(k, len(keys))
    key_norms = (keys**2).sum(1)
    out = np.empty((len(query), k), dtype=np.int64)
    distance = np.empty(len(query), dtype=np.float64)
    for start in range(0, len(query), chunk):
        q = query[start : start + chunk]
        d = key_norms[None, :] - 2.0 * (q @ keys.T) + (q**2).sum(1)[:, None]
        if exclude is not None:
            rows = np.arange(start, start + len(q))[:, None]
            d[np.abs(rows - np.arange(len(keys))[None, :]) <= exclude] = np.inf
        part = np.argpartition(d, k - 1, axis=1)[:, :k]
        out[start : start + chunk] = part
        distance[start : start + chunk] = np.maximum(np.take_along_axis(d, part, 1), 0.0).mean(1)
    return out, distance
