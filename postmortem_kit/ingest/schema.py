"""The events frame: the one schema every loader returns (DESIGN.md §1).

Loaders build a frame with whatever columns their source has, using the names below
where they apply, and hand it to :func:`finalize_events`, which enforces the contract:
dtypes, the ordered ``level`` categorical, the ``kind`` categorical, UTC microsecond
timestamps and the column order. Nothing a source said is dropped: columns this module
does not know are kept as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa

from postmortem_kit.ingest.rejects import RejectedLines
from postmortem_kit.ingest.stack import stack_rows

# TIMESTAMP_DTYPE: the events frame's time column (defined beside the time rules)
from postmortem_kit.ingest.times import TIMESTAMP_DTYPE as TIMESTAMP_DTYPE
from postmortem_kit.ingest.times import to_utc

KINDS = ("log", "request", "alert", "page", "deploy", "change", "chat", "metric", "note")
LEVELS = ("debug", "info", "notice", "warning", "error", "critical")

KIND_DTYPE = pd.CategoricalDtype(list(KINDS), ordered=False)
LEVEL_DTYPE = pd.CategoricalDtype(list(LEVELS), ordered=True)

CORE_COLUMNS = ("timestamp", "source", "kind", "service", "level", "message", "line")

# Well-known optional columns and their dtypes; filled where a source has them.
OPTIONAL_DTYPES: dict[str, str] = {
    "host": "str",
    "user": "str",
    "status": "Int16",
    "latency_ms": "float64",
    "method": "str",
    "path": "str",
    "trace_id": "str",
    "alert": "str",
    "state": "str",
}

# Columns whose values identify a person: redaction replaces those values wherever they
# appear in a report (read_events lists the ones the evidence filled in attrs["identities"]).
IDENTITY_COLUMNS: tuple[str, ...] = ("user",)


def identity_columns(events: pd.DataFrame) -> list[str]:
    """The :data:`IDENTITY_COLUMNS` of ``events`` that hold at least one value."""
    return [c for c in IDENTITY_COLUMNS if c in events and bool(events[c].notna().any())]

# What a value of a numeric column must be, else it is kept as text in ``<column>_raw``
# and the column is NA on that row: (low, high, whole numbers only).
# HTTP status: RFC 9110 §15 says codes outside 100..599 are invalid (libraries use
# 600..999 internally); a 99999 is not a status, and must not count as a failure.
NUMERIC_RANGES: dict[str, tuple[float, float, bool]] = {
    "status": (100, 599, True),
    "latency_ms": (-np.inf, np.inf, False),
}

# Spellings seen in the wild, lower-cased, mapped onto LEVELS.
LEVEL_ALIASES: dict[str, str] = {
    "trace": "debug", "debug": "debug", "dbg": "debug", "verbose": "debug", "fine": "debug",
    "finer": "debug", "finest": "debug", "d": "debug", "v": "debug", "7": "debug",
    "debug1": "debug", "debug2": "debug", "debug3": "debug", "debug4": "debug",
    "debug5": "debug",
    "info": "info", "information": "info", "informational": "info", "inf": "info",
    "i": "info", "6": "info",
    "notice": "notice", "note": "notice", "5": "notice",
    "warn": "warning", "warning": "warning", "wrn": "warning", "w": "warning", "4": "warning",
    "error": "error", "err": "error", "severe": "error", "e": "error", "3": "error",
    "critical": "critical", "crit": "critical", "fatal": "critical", "alert": "critical",
    "emerg": "critical", "emergency": "critical", "panic": "critical", "dpanic": "critical",
    "f": "critical",
    "c": "critical", "2": "critical", "1": "critical", "0": "critical",
}


def normalize_levels(values: pd.Series) -> pd.Series:
    """Map free-form level spellings (``WARN``, ``Err``, ``FATAL``...) onto the ordered levels.

    Unknown spellings become NA; the caller keeps the raw value in its own column if it
    matters (``finalize_events`` stores it as ``level_raw``).
    """
    if isinstance(values.dtype, pd.CategoricalDtype) and values.dtype == LEVEL_DTYPE:
        return values
    # Work on the distinct values only: a million rows have a handful of levels.
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = [LEVEL_ALIASES.get(str(u).strip().lower()) for u in uniques]
    cat_codes = [LEVELS.index(m) if m is not None else -1 for m in mapped]
    lookup = pd.array([*cat_codes, -1], dtype="int8")  # index -1 picks the NA sentinel
    return pd.Series(
        pd.Categorical.from_codes(lookup[codes].to_numpy(), dtype=LEVEL_DTYPE),
        index=values.index,
        name="level",
    )


def empty_events() -> pd.DataFrame:
    """An events frame with no rows and the core columns, correctly typed."""
    return finalize_events(
        pd.DataFrame({c: pd.Series([], dtype="object") for c in CORE_COLUMNS}),
        source="",
        kind="log",
    )


def finalize_events(
    df: pd.DataFrame,
    *,
    source: str,
    kind: str | None = None,
    tz: str = "UTC",
) -> pd.DataFrame:
    """Coerce a loader's frame to the events schema.

    Parameters
    ----------
    df
        Must have ``timestamp`` and ``message``; may have any other column.
    source
        Evidence source name, used where ``df`` has no ``source`` column.
    kind
        Default kind where ``df`` has no ``kind`` column (or it is NA).
    tz
        Zone in which naive timestamps are read.
    """
    out = df.copy(deep=False)
    out["timestamp"] = to_utc(out["timestamp"], tz)
    if "source" not in out:
        out["source"] = _constant_str(source, out.index)
    if "kind" not in out and (kind or "log") in KINDS:
        # From codes: categorising a million equal strings would hash every one of them.
        code = KINDS.index(kind or "log")
        out["kind"] = pd.Categorical.from_codes(
            np.full(len(out), code, dtype="int8"), dtype=KIND_DTYPE
        )
    elif "kind" not in out:
        out["kind"] = kind
    elif kind is not None:
        out["kind"] = out["kind"].fillna(kind)
    out["kind"] = out["kind"].astype(KIND_DTYPE)
    for col in ("service", "message"):
        if col not in out:
            out[col] = _constant_str(None, out.index)
    if "level" in out:
        levels_on_scale(out)
    else:
        out["level"] = pd.Categorical.from_codes(  # (a list of a million Nones is slow)
            np.full(len(out), -1, dtype="int8"), dtype=LEVEL_DTYPE)
    if "line" not in out:
        out["line"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    out["line"] = out["line"].astype("Int64")
    for col in ("source", "service", "message"):
        out[col] = as_str(out[col])
    for col, dtype in OPTIONAL_DTYPES.items():
        if col in NUMERIC_RANGES and col in out:
            _numbers_or_raw(out, col, dtype)
        elif col in out and str(out[col].dtype) != dtype:
            out[col] = as_str(out[col]) if dtype == "str" else out[col].astype(
                pd.api.types.pandas_dtype(dtype))
    ordered = list(CORE_COLUMNS) + [c for c in out.columns if c not in CORE_COLUMNS]
    return out[ordered]


def levels_on_scale(frame: pd.DataFrame) -> None:
    """Put ``frame``'s ``level`` words on the ordered scale (``LEVEL_DTYPE``), in place; a
    word the scale does not know is kept in ``level_raw`` (unless the frame has one)."""
    raw = frame["level"]
    levels = normalize_levels(raw)
    unknown = levels.isna() & raw.notna()
    if unknown.any() and "level_raw" not in frame:
        frame["level_raw"] = raw.astype("str").where(unknown)
    frame["level"] = levels


def as_str(values: pd.Series) -> pd.Series:
    """A column as ``str``; values that are not text get their JSON spelling (a list
    ``["a", null]``, ``true``), not Python's (``['a' None]``, ``True``)."""
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        return values
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.map({True: "true", False: "false"}).astype("str")
    if values.dtype == object:
        values = pd.Series([v if v is None or isinstance(v, str) else _json_text(v)
                            for v in values], index=values.index, name=values.name,
                           dtype=object)
    return values.astype("str")


def _json_text(value) -> str | None:
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, np.ndarray | list | dict | tuple | bool | np.bool_):
        return json.dumps(_plain(value), ensure_ascii=False, default=str)
    return str(value)


def _plain(value):
    """Arrow's lists come to pandas as numpy arrays, at every level: make them lists."""
    if isinstance(value, np.ndarray | list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _numbers_or_raw(out: pd.DataFrame, col: str, dtype: str) -> None:
    """``out[col]`` as ``dtype``; values outside :data:`NUMERIC_RANGES` (or not numbers)
    become NA there and are kept, as written, in ``<col>_raw``. The row stays."""
    raw = out[col]
    low, high, whole = NUMERIC_RANGES[col]
    numbers = raw if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(
        raw.dtype) else pd.to_numeric(raw.astype("str"), errors="coerce")
    values = numbers.astype("float64")
    ok = values.notna() & (values >= low) & (values <= high)
    if whole:
        ok &= (values % 1 == 0)
    ok = ok.fillna(False).astype(bool)
    bad = raw.notna() & ~ok
    if bad.any():
        text = raw[bad].map(number_text).astype("str")
        name = f"{col}_raw"
        if name in out:  # a source field of that name is there already: fill its gaps
            out[name] = out[name].astype("str").where(out[name].notna(), text)
        else:
            out[name] = text.reindex(out.index).astype("str")
        numbers = numbers.where(ok)
    # (every value left is in range: the cast is exact)
    out[col] = numbers.astype(pd.api.types.pandas_dtype(dtype))


def number_text(value: object) -> str:
    """A number as its shortest exact spelling: ``3`` for 3.0, ``3.5``, ``1e+300``."""
    if isinstance(value, float | np.floating):
        number = float(value)
        if number.is_integer() and abs(number) < 1e16:
            return str(int(number))
    return str(value)


def _constant_str(value: str | None, index: pd.Index) -> pd.Series:
    """A ``str`` column holding one value (or NA) on every row, built in Arrow: pandas'
    own broadcast of a scalar costs ten times more on a million rows.

    The value is written once per row of one chunk, which every chunk of the column
    shares (slices of it; at most :data:`CONSTANT_CHUNKS` of them): a million copies of a
    file's name were 30 MB of fresh memory to write and fault in on every load."""
    n = len(index)
    if value is None:
        return pd.Series(pa.nulls(n, pa.large_string()), index=index, dtype="str")
    size = max(_CONSTANT_CHUNK_ROWS, -(-n // CONSTANT_CHUNKS))
    chunk = pa.repeat(pa.scalar(value, pa.large_string()), min(n, size))
    chunks = [chunk.slice(0, min(size, n - start)) for start in range(0, n, size)] or [chunk]
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, pa.large_string())),
                     index=index, dtype="str")


CONSTANT_CHUNKS = 64  # see _constant_str
_CONSTANT_CHUNK_ROWS = 1 << 16


def concat_events(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate events frames and sort them by time (stable), keeping the schema.

    The inputs' ``attrs["rejected"]`` records (and ``attrs["notes"]`` lists and
    ``attrs["layouts"]`` dicts) are combined,
    so rejected records survive concatenation; pandas itself drops ``attrs`` that differ.
    The frame is built one column at a time (:func:`~postmortem_kit.ingest.stack.stack_rows`):
    a caller that hands over its only references to the inputs (a generator) lets each
    input column go as soon as the output's is built.
    """
    rejected: list[RejectedLines] = []
    notes: list[str] = []
    layouts: dict = {}

    def reports_taken() -> Iterator[pd.DataFrame]:
        # pandas keeps attrs only where all inputs agree: the load reports merge here.
        for f in frames:
            if not len(f.columns):
                continue
            if "rejected" in f.attrs:
                rejected.append(f.attrs["rejected"])
            notes.extend(f.attrs.get("notes", []))
            layouts.update(f.attrs.get("layouts", {}))
            yield f

    out = stack_rows(reports_taken(), by="timestamp")
    if not len(out.columns):
        return empty_events()
    # concat of differing categories falls back to object: restore the contract dtypes.
    out["kind"] = out["kind"].astype(KIND_DTYPE)
    out["level"] = out["level"].astype(LEVEL_DTYPE)
    out.attrs = {}
    if rejected:
        out.attrs["rejected"] = RejectedLines(r for lines in rejected for r in lines)
    if notes:
        out.attrs["notes"] = notes
    if layouts:
        out.attrs["layouts"] = layouts
    return out
