"""Finding the schema's fields in structured records, and turning their times into UTC.

Structured formats (JSONL, logfmt, CSV) name the same things differently: zap writes
``ts`` as epoch seconds, Bunyan ``time`` and a numeric ``level``, ECS ``@timestamp`` and
``log.level``, structlog ``event`` for the message. This module holds those spellings and
the timestamp parser they share, which works on Arrow arrays so that a block of a million
rows is converted in one vectorised call.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.errors import IngestError

# Usual names of each schema field, most specific first; the schema name itself wins.
CANDIDATES: dict[str, tuple[str, ...]] = {
    "timestamp": ("timestamp", "@timestamp", "ts", "time", "datetime", "date", "t", "eventTime",
                  "asctime", "created_at"),
    "level": ("level", "severity", "log.level", "lvl", "loglevel", "log_level", "levelname",
              "severity_text"),
    "message": ("message", "msg", "@message", "event", "text", "log"),
    "service": ("service", "service.name", "app", "application", "logger", "logger_name",
                "component"),
    "host": ("host", "hostname", "host.name", "host.hostname"),
    "trace_id": ("trace_id", "trace.id", "traceId", "trace", "dd.trace_id"),
    "user": ("user", "user_id", "user.id", "userId", "usr.id", "user.name"),
    "status": ("status", "status_code", "http.status", "http.status_code",
               "http.response.status_code"),
    "latency_ms": ("latency_ms", "duration_ms", "elapsed_ms", "response_time_ms"),
    "method": ("method", "http.method", "http.request.method"),
    "path": ("path", "url.path", "http.path", "http.url"),
}

# Columns the events frame owns: a source field with one of these names is kept as
# ``<name>_raw`` so it cannot masquerade as provenance (a JSON ``"source": "main.go:12"``).
# Loaders rename these *before* adding their own ``timestamp`` and ``line``.
RESERVED = ("source", "kind", "line", "timestamp")

# Bunyan and pino write numeric levels.
BUNYAN_LEVELS = {10: "debug", 20: "debug", 30: "info", 40: "warning", 50: "error", 60: "critical"}


def resolve_fields(
    columns: Iterable[str], fields: Mapping[str, str], wanted: Iterable[str]
) -> dict[str, str]:
    """Pick the source column for each wanted schema field.

    Parameters
    ----------
    columns
        The columns the source has.
    fields
        Explicit choices (schema field -> source column), from ``read_events(fields=...)``.
    wanted
        Schema fields to look for.

    Returns
    -------
    dict
        schema field -> source column, only for the fields found.
    """
    present = list(columns)
    have = set(present)
    lower: dict[str, str] = {}
    for col in present:
        lower.setdefault(col.lower(), col)
    out: dict[str, str] = {}
    for name in wanted:
        if name in fields:
            if fields[name] in have:
                out[name] = fields[name]
            continue
        cands = CANDIDATES.get(name, (name,))
        # Exact spellings first, then any capitalisation (CSV headers say "Timestamp").
        found = next((c for c in cands if c in have and c not in out.values()), None)
        if found is None:
            found = next((lower[c.lower()] for c in cands if c.lower() in lower
                          and lower[c.lower()] not in out.values()), None)
        if found is not None:
            out[name] = found
    return out


def check_fields_exist(fields: Mapping[str, str], columns: Iterable[str], file: str) -> None:
    """Raise IngestError when ``fields=`` names a column the file does not have."""
    have = set(columns)
    missing = {k: v for k, v in fields.items() if v not in have}
    if missing:
        shown = ", ".join(sorted(have))[:400]
        raise IngestError(
            f"fields= names columns the file does not have: {missing}; it has: {shown}",
            file=file,
        )


def apply_fields(df: pd.DataFrame, fields: Mapping[str, str]) -> pd.DataFrame:
    """Rename the chosen source columns to the schema names.

    A source column that already has a schema name but was not chosen for it (``message``
    when ``fields={"message": "text"}``) is kept as ``<name>_raw``. Numeric levels are
    mapped (Bunyan 30 -> info) and services made text.
    """
    fields = dict(fields)
    status = fields.get("status")
    renames: dict[str, str] = {}
    if status is not None and not _numeric(df[status]):
        # Datadog's "Status" is a log level, not an HTTP code: the schema's Int16 status
        # would turn "error" into NA. Keep such a column under its own name.
        del fields["status"]
        if status == "status":
            renames["status"] = "status_raw"
    chosen = set(fields.values())
    for col in df.columns:
        if col not in chosen and (col in fields or col in ("source", "kind")):
            renames[col] = f"{col}_raw"
    renames.update({src: dst for dst, src in fields.items() if src != dst})
    df = df.rename(columns=renames)
    if "level" in df and pd.api.types.is_numeric_dtype(df["level"].dtype):
        df["level"] = numeric_levels(df["level"])
    if "service" in df and not pd.api.types.is_string_dtype(df["service"].dtype):
        df["service"] = df["service"].astype("str").where(df["service"].notna())
    return df


def _numeric(values: pd.Series) -> bool:
    if pd.api.types.is_numeric_dtype(values.dtype):
        return True
    present = values.dropna()
    return bool(pd.to_numeric(present, errors="coerce").notna().all())


def numeric_levels(values: pd.Series) -> pd.Series:
    """Bunyan / pino levels (10..60) to names; anything else stays as text (syslog 0..7),
    written as the number was (``3``, ``3.5``)."""
    vals = values.dropna()
    if len(vals) and vals.isin(list(BUNYAN_LEVELS)).all():
        return values.map(BUNYAN_LEVELS).astype("str")
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    names = [number_text(u) for u in uniques]
    return pd.Series(pd.array([*names, None], dtype="str")[codes], index=values.index,
                     name=values.name)


def number_text(value) -> str:
    """A number as its shortest exact spelling: ``3`` for 3.0, ``3.5``, ``1e+300``."""
    if isinstance(value, float | np.floating) and float(value).is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)


# Digit strings read as epoch numbers (9 to 19 digits: 1973 in seconds to nanoseconds);
# shorter ones are ISO years ("2024"), as ISO 8601 reads them.
EPOCH_TEXT = r"^[+-]?\d{9,19}(?:\.\d+)?$"
# Beyond this many microseconds from 1970 (146,000 years) a number is not a time at all.
_MAX_US = float(2**62)


def epoch_unit_scale(magnitude: np.ndarray) -> np.ndarray:
    """Microseconds per unit of epoch numbers of this magnitude: the unit guess.

    Seconds up to 1e11 (year 5138), milliseconds up to 1e14, microseconds up to 1e17,
    nanoseconds above.
    """
    with np.errstate(invalid="ignore"):
        return np.select([magnitude < 1e11, magnitude < 1e14, magnitude < 1e17],
                         [1e6, 1e3, 1.0], 1e-3)


def epoch_to_utc(values: np.ndarray) -> pa.Array:
    """Epoch numbers to ``timestamp[us, UTC]``; the unit is read from each value's magnitude
    (:func:`epoch_unit_scale`). Non-finite values, and values no time can have, become null.
    """
    v = np.asarray(values, dtype="float64")
    scale = epoch_unit_scale(np.abs(v))
    if np.issubdtype(np.asarray(values).dtype, np.integer):
        ints = np.asarray(values, dtype="int64")  # exact: never through a float
        us = np.where(scale >= 1, ints * scale.astype("int64"), ints // 1000)
        valid = np.ones(len(ints), dtype=bool)
    else:
        us_f = np.round(v * scale)
        with np.errstate(invalid="ignore"):
            valid = np.isfinite(us_f) & (np.abs(us_f) < _MAX_US)
        us = np.where(valid, us_f, 0).astype("int64")
    return pa.array(us, type=pa.timestamp("us", tz="UTC"), mask=~valid)


_TS_TYPE = pa.timestamp("us", tz="UTC")
# An offset at the end of an ISO date-time (after its time: "2024-05-01" has none).
_AWARE = r"^[+-]?\d{4}-?\d\d?-?\d\d?[T ].*(?:[Zz]|[+-]\d\d?(?::?\d\d)?)$"
# A straggler read by dateutil must write its year and a time of day: "1 2 3" and
# "2000-1,1T00" are not times.
_YEAR = r"(?<!\d)\d{4}(?!\d)"
_TIME_OF_DAY = r"\d:\d\d"
_MAX_FREE_FORM = 100_000  # dateutil reads one value at a time; more are rejected


def parse_timestamps(arr: pa.Array | pa.ChunkedArray, tz: str = "UTC") -> pa.Array:
    """Convert a column of times to ``timestamp[us, UTC]``, null where unparseable.

    Accepts Arrow timestamps, epoch numbers (unit by magnitude), ISO 8601 strings with ``Z``,
    any offset or none (naive values are read in ``tz``; one column may mix both), and
    digit strings of 9 to 19 digits (epochs). Other strings are read by dateutil when they
    write a year, month, day and time of day (today's date is never filled in). Never
    raises on a value:
    one that cannot be read is null, and the caller rejects its record.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    t = arr.type
    if pa.types.is_timestamp(t):
        if t.tz is None:
            arr = pc.assume_timezone(arr, tz, ambiguous="earliest", nonexistent="earliest")
        return pc.cast(arr, _TS_TYPE, safe=False)
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        out = epoch_to_utc(pc.fill_null(arr, 0).to_numpy(zero_copy_only=False))
        if arr.null_count:
            out = pc.if_else(arr.is_null(), pa.scalar(None, _TS_TYPE), out)
        return out
    if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
        return pa.nulls(len(arr), _TS_TYPE)
    try:  # the fast path: every value has its own offset
        return pc.cast(pc.cast(arr, pa.timestamp("ns", tz="UTC")), _TS_TYPE, safe=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    try:  # every value naive
        naive = pc.cast(arr, pa.timestamp("ns"))
        return parse_timestamps(naive, tz)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    return _parse_slow(arr.to_pandas(), tz)


def _parse_slow(text: pd.Series, tz: str) -> pa.Array:
    """The values the Arrow casts refused, by kind: epoch digits, ISO 8601 with an offset,
    naive ISO 8601, then anything dateutil reads with a full date."""
    text = text.astype("str").str.strip()
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us, UTC]")
    present = text.notna() & text.ne("")
    epoch = present & text.str.fullmatch(EPOCH_TEXT).fillna(False)
    if epoch.any():
        out[epoch] = _epoch_text(text[epoch])
    aware = present & ~epoch & text.str.contains(_AWARE, regex=True).fillna(False)
    if aware.any():
        out[aware] = pd.to_datetime(text[aware], format="ISO8601", utc=True, errors="coerce")
    naive = present & ~epoch & ~aware
    if naive.any():
        out[naive] = _iso_naive(text[naive], tz)
    rest = present & out.isna()
    if rest.any() and rest.sum() <= _MAX_FREE_FORM:
        out[rest] = free_form(text[rest], tz)
    return pa.array(out.astype("datetime64[us, UTC]"), type=_TS_TYPE)


def _epoch_text(text: pd.Series) -> pd.Series:
    ints = ~text.str.contains(".", regex=False)
    out = np.full(len(text), np.datetime64("NaT", "us"))
    if ints.any():
        try:  # exact integers; one beyond int64 sends them all through float
            values = pc.cast(pa.array(text[ints], pa.string()), pa.int64()).to_numpy()
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            values = pd.to_numeric(text[ints]).to_numpy(dtype="float64")
        out[ints.to_numpy()] = _naive_us(epoch_to_utc(values))
    if (~ints).any():
        values = pd.to_numeric(text[~ints]).to_numpy(dtype="float64")
        out[~ints.to_numpy()] = _naive_us(epoch_to_utc(values))
    return pd.Series(out, index=text.index).dt.tz_localize("UTC")


def _naive_us(arr: pa.Array) -> np.ndarray:
    return pc.cast(arr, pa.timestamp("us")).to_numpy(zero_copy_only=False)


def _iso_naive(text: pd.Series, tz: str) -> pd.Series:
    try:
        local = pd.to_datetime(text, format="ISO8601", errors="coerce")
    except (ValueError, TypeError):  # some value had an offset after all: one by one
        return pd.Series([_one_iso(v, tz) for v in text], index=text.index,
                         dtype="datetime64[us, UTC]")
    if isinstance(local.dtype, pd.DatetimeTZDtype):
        return local.dt.tz_convert("UTC")
    return localize(local, tz)


def _one_iso(value: str, tz: str) -> pd.Timestamp:
    try:
        t = pd.to_datetime(value, format="ISO8601")
    except (ValueError, TypeError, OverflowError):
        return pd.NaT
    if t is pd.NaT:
        return pd.NaT
    return (t.tz_localize(tz) if t.tzinfo is None else t).tz_convert("UTC")


def localize(local: pd.Series, tz: str) -> pd.Series:
    """Naive wall times read in ``tz``, as UTC; an ambiguous hour (the repeated hour when
    clocks go back) is read as its first occurrence, as the Arrow path reads it."""
    if tz == "UTC":
        return local.dt.tz_localize("UTC")
    return local.dt.tz_localize(tz, ambiguous=np.ones(len(local), dtype=bool),
                                nonexistent="shift_forward").dt.tz_convert("UTC")


def free_form(text: pd.Series, tz: str) -> pd.Series:
    """Times in any spelling dateutil reads (``Wed, 01 May 2024 10:00:00 GMT``), NaT where
    the text does not give a year, month, day and time of day (dateutil would fill the
    date in from today) or names a zone dateutil does not know.
    """
    from dateutil import parser
    from dateutil.parser import UnknownTimezoneWarning as tz_warning

    first, second = dt.datetime(2001, 1, 1), dt.datetime(2002, 2, 2)
    out = []
    named = (text.str.contains(_YEAR, regex=True) & text.str.contains(_TIME_OF_DAY, regex=True)
             ).fillna(False)
    for value, has_year in zip(text, named, strict=True):
        if not has_year:
            out.append(pd.NaT)
            continue
        try:
            with warnings.catch_warnings():
                # a zone name dateutil does not know ("10:00 EST") would be dropped silently
                warnings.simplefilter("error", tz_warning)
                a = parser.parse(value, default=first)
                b = parser.parse(value, default=second)
        except (ValueError, OverflowError, TypeError, tz_warning):
            out.append(pd.NaT)
            continue
        if a != b or str(a.year) not in re.findall(_YEAR, value):
            out.append(pd.NaT)
            continue
        try:
            t = pd.Timestamp(a)
            out.append((t.tz_localize(tz) if t.tzinfo is None else t).tz_convert("UTC"))
        except (ValueError, OverflowError):
            out.append(pd.NaT)
    return pd.Series(out, index=text.index, dtype="datetime64[us, UTC]")
