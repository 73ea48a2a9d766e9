"""Finding the schema's fields in structured records, and turning their times into UTC.

Structured formats (JSONL, logfmt, CSV) name the same things differently: zap writes
``ts`` as epoch seconds, Bunyan ``time`` and a numeric ``level``, ECS ``@timestamp`` and
``log.level``, structlog ``event`` for the message. This module holds those spellings and
the timestamp parser they share, which works on Arrow arrays so that a block of a million
rows is converted in one vectorised call.
"""

from __future__ import annotations

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
    """Bunyan / pino levels (10..60) to names; anything else stays as text (syslog 0..7)."""
    vals = values.dropna()
    if len(vals) and vals.isin(list(BUNYAN_LEVELS)).all():
        return values.map(BUNYAN_LEVELS).astype("str")
    return values.astype("Int64").astype("str")


def epoch_to_utc(values: np.ndarray) -> pa.Array:
    """Epoch numbers to ``timestamp[us, UTC]``; the unit is read from each value's magnitude.

    Seconds up to 1e11 (year 5138), milliseconds up to 1e14, microseconds up to 1e17,
    nanoseconds above. Non-finite values become null.
    """
    v = np.asarray(values, dtype="float64")
    mag = np.abs(v)
    with np.errstate(invalid="ignore"):
        scale = np.select([mag < 1e11, mag < 1e14, mag < 1e17], [1e6, 1e3, 1.0], 1e-3)
    if np.issubdtype(np.asarray(values).dtype, np.integer):
        ints = np.asarray(values, dtype="int64")
        us = np.where(scale >= 1, ints * scale.astype("int64"), ints // 1000)
        valid = np.ones(len(ints), dtype=bool)
    else:
        us_f = np.round(v * scale)
        valid = np.isfinite(us_f)
        us = np.where(valid, us_f, 0).astype("int64")
    return pa.array(us, type=pa.timestamp("us", tz="UTC"), mask=~valid)


_OFFSET = r"(?:Z|z|[+-]\d\d:?\d\d)\s*$"


def parse_timestamps(arr: pa.Array | pa.ChunkedArray, tz: str = "UTC") -> pa.Array:
    """Convert a column of times to ``timestamp[us, UTC]``, null where unparseable.

    Accepts Arrow timestamps, epoch numbers (unit by magnitude), ISO 8601 strings with ``Z``,
    any offset or none (naive values are read in ``tz``; one column may mix both), and
    numeric strings (epochs). Other strings are tried with pandas' mixed-format parser.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    out_type = pa.timestamp("us", tz="UTC")
    t = arr.type
    if pa.types.is_timestamp(t):
        if t.tz is None:
            arr = pc.assume_timezone(arr, tz, ambiguous="earliest", nonexistent="earliest")
        return pc.cast(arr, out_type, safe=False)
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        out = epoch_to_utc(pc.fill_null(arr, 0).to_numpy(zero_copy_only=False))
        if arr.null_count:
            out = pc.if_else(arr.is_null(), pa.scalar(None, out_type), out)
        return out
    if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
        return pa.nulls(len(arr), out_type)
    try:  # the fast path: every value has its own offset
        return pc.cast(pc.cast(arr, pa.timestamp("ns", tz="UTC")), out_type, safe=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    try:  # every value naive
        naive = pc.cast(arr, pa.timestamp("ns"))
        return parse_timestamps(naive, tz)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    return _parse_slow(arr.to_pandas(), tz)


def _parse_slow(text: pd.Series, tz: str) -> pa.Array:
    text = text.astype("str").str.strip()
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us, UTC]")
    aware = text.str.contains(_OFFSET, regex=True, na=False)
    if aware.any():
        out[aware] = pd.to_datetime(text[aware], format="ISO8601", utc=True, errors="coerce")
    naive = ~aware & text.notna()
    if naive.any():
        local = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
        out[naive] = local.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
    left = out.isna() & text.notna()
    if left.any():
        nums = pd.to_numeric(text[left], errors="coerce")
        isnum = nums.notna()
        if isnum.any():
            conv = epoch_to_utc(nums[isnum].to_numpy(dtype="float64"))
            out[nums[isnum].index] = conv.to_pandas().to_numpy()
        rest = left & ~out.notna()
        if rest.any() and rest.sum() <= 100_000:  # dateutil is slow; only for stragglers
            try:
                mixed = pd.to_datetime(text[rest], format="mixed", errors="coerce")
            except (ValueError, TypeError):  # mixed offsets: read each value as UTC
                mixed = pd.to_datetime(text[rest], format="mixed", errors="coerce", utc=True)
            if isinstance(mixed.dtype, pd.DatetimeTZDtype):
                out[rest] = mixed.dt.tz_convert("UTC")
            elif pd.api.types.is_datetime64_dtype(mixed):
                out[rest] = mixed.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
    return pa.array(out.astype("datetime64[us, UTC]"), type=pa.timestamp("us", tz="UTC"))
