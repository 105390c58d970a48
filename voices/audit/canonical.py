"""Canonical JSON: one byte string per value, so that a hash computed now is computed again identically later.

Keys sorted, no whitespace, UTF-8 (not \\u escapes), no NaN/Infinity (they become null). `normalize` turns what
services hand over (datetimes, UUIDs, Decimals, tuples, numpy scalars and arrays, sets) into plain JSON values
before anything is stored, so that what is stored is exactly what was hashed.
"""

import datetime
import decimal
import json
import math
import uuid
from enum import Enum


def normalize(value):
    """A JSON-native copy of `value` (dict keys become strings; unknown objects become their str())."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): normalize(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalize(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((normalize(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, default=str))
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Enum):
        return normalize(value.value)
    if isinstance(value, decimal.Decimal):
        return normalize(float(value))
    if isinstance(value, uuid.UUID | bytes | bytearray | memoryview):
        return value.hex() if not isinstance(value, uuid.UUID) else str(value)
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return normalize(value.tolist())
    return str(value)


def dumps(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
