"""Well-known fields written as ``key=value`` in a text log's message.

Many application logs end their message with pairs (``request done status=503
latency=120ms user=alice trace_id=4bf92f35``). The schema's columns ``status``,
``latency_ms``, ``user`` and ``trace_id`` are filled from them, as the jsonl and logfmt
loaders fill them from their fields; the message keeps its text. The keys are the usual
names of :data:`~postmortem_kit.ingest.records.fields.CANDIDATES`, plus bare ``latency`` /
``duration`` / ``elapsed`` / ``took`` when the value carries its unit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.ingest.records.fields import CANDIDATES

_BEFORE = r"(?:^|[\s,;(\[{])"  # a key starts the message or follows a separator
_QUOTED_OR_BARE = r"(?:\"(?P<q>[^\"]*)\"|(?P<v>[^\s,;)\]}\"]+))"
_UNITS = {"ns": 1e-6, "us": 1e-3, "µs": 1e-3, "ms": 1.0, "s": 1000.0}
_DURATION_KEYS = ("latency", "duration", "elapsed", "took", "response_time")
SAMPLE_ROWS = 1000


def _keys(field: str) -> list[str]:
    """The plain spellings of ``field`` a message may write before ``=``."""
    return [k for k in CANDIDATES[field] if k.replace("_", "").isalnum()]


def _alternation(keys: list[str]) -> str:
    return "(?:" + "|".join(sorted(keys, key=len, reverse=True)) + ")"


# field -> regex whose groups give the value (q or v; n and u for durations)
PATTERNS: dict[str, str] = {
    "status": _BEFORE + _alternation(_keys("status")) + r"=\"?(?P<v>[1-5]\d\d)\b",
    "user": _BEFORE + _alternation(_keys("user")) + "=" + _QUOTED_OR_BARE,
    "trace_id": _BEFORE + _alternation(_keys("trace_id")) + r"=\"?(?P<v>[0-9A-Za-z\-]{8,64})\b",
    "latency_ms": _BEFORE + r"(?:(?P<ms_key>" + _alternation(_keys("latency_ms")) + r")|"
    + _alternation(list(_DURATION_KEYS)) + r")=\"?(?P<n>\d+(?:\.\d+)?)(?P<u>ns|us|µs|ms|s)?\b",
}
_ANY_KEY = _BEFORE + _alternation(
    [k for f in ("status", "user", "trace_id", "latency_ms") for k in _keys(f)]
    + list(_DURATION_KEYS)) + "="


def lift_tail_fields(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``status``, ``latency_ms``, ``user`` and ``trace_id`` filled from
    ``key=value`` pairs in its messages, where the frame has no such column yet.

    Examples
    --------
    >>> f = pd.DataFrame({"message": ["done status=503 latency=1.5s user=ann", "hello"]})
    >>> row = lift_tail_fields(f).iloc[0]
    >>> row["status"], float(row["latency_ms"]), row["user"]
    ('503', 1500.0, 'ann')
    """
    if "message" not in frame or not len(frame):
        return frame
    head = pa.array(frame["message"].iloc[:SAMPLE_ROWS], from_pandas=True,
                    type=pa.large_string())
    if not pc.any(pc.match_substring_regex(head, _ANY_KEY)).as_py():
        return frame  # (the sample says no message has such pairs: no pass over them all)
    messages = pa.array(frame["message"], from_pandas=True, type=pa.large_string())
    if isinstance(messages, pa.ChunkedArray):
        messages = messages.combine_chunks()
    for field, rx in PATTERNS.items():
        if field in frame:
            continue
        found = pc.extract_regex(messages, rx)
        if found.null_count == len(found):
            continue
        values = _latency(found) if field == "latency_ms" else _text(found)
        if values.notna().any():
            frame[field] = values.set_axis(frame.index)
    return frame


def _text(found: pa.StructArray) -> pd.Series:
    names = [f.name for f in found.type]
    value = found.field("v")
    if "q" in names:
        quoted = found.field("q")
        value = pc.if_else(pc.greater(pc.utf8_length(quoted), 0), quoted, value)
    value = pc.if_else(found.is_valid(), value, None)
    return pd.Series(value.to_pandas(), dtype="str")


def _latency(found: pa.StructArray) -> pd.Series:
    number = pc.cast(pc.if_else(found.is_valid(), found.field("n"), None), pa.float64())
    unit = pc.fill_null(found.field("u"), "").to_numpy(zero_copy_only=False)
    in_ms = pc.fill_null(pc.greater(pc.utf8_length(found.field("ms_key")), 0), False).to_numpy(
        zero_copy_only=False)
    scale = pd.Series(unit).map(_UNITS).to_numpy(dtype="float64", na_value=np.nan)
    # a *_ms key without a unit is milliseconds; a bare "latency=120" has no unit: not lifted
    scale = np.where((unit == "") & in_ms, 1.0, scale)
    values = number.to_numpy(zero_copy_only=False) * scale
    return pd.Series(values, dtype="float64")
