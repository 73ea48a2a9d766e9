"""Times in evidence: the rules every pipeline shares, and the parsers built on them.

One module owns each rule that several loaders need (STYLE.md, "One rule, one place"):

- **epoch numbers**: :data:`EPOCH_UNITS` is the one table of units; a number's unit is
  guessed from its magnitude (:func:`epoch_unit_scale`) unless the source names it;
- **UTC offsets**: :data:`OFFSET` is the one spelling (RFC 3339's ``Z`` or ``z``, ISO
  8601's ``+hh``, ``+hhmm`` and ``+hh:mm``), composed into every regex that captures a
  time (:data:`ZONE` adds the zone names of :data:`ZONE_NAMES`), and :func:`offset_minutes` is
  the one reading of it;
- **wall times**: a time without an offset is read in the load's ``tz=``
  (:func:`localize`): in the hour that repeats when clocks go back, as its first
  occurrence; in the hour skipped when they go forward, as the moment the clocks jump.

The parsers: :func:`parse_timestamps` (a column, in Arrow: the record formats, text logs
with ``pattern=``), :func:`parse_time` (one value: the JSON documents), :func:`to_utc`
(the events frame's column, in ``schema.finalize_events``) and :func:`as_utc` (a time a
user gives: ``start=``, ``end=``, ``valid_times=``). The line formats capture a time's
parts with regexes and assemble them in :mod:`postmortem_kit.ingest.lines.timeparts`,
with these rules.
"""

from __future__ import annotations

import datetime as dt
import importlib
import math
import re
import warnings
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

TIMESTAMP_DTYPE: Final = "datetime64[us, UTC]"
_TS_TYPE = pa.timestamp("us", tz="UTC")

# -- epoch numbers ------------------------------------------------------------------------
# The epoch units: (name, microseconds per unit, magnitudes below which a number is read in
# it). Seconds up to 1e11 (year 5138), milliseconds up to 1e14, microseconds up to 1e17,
# nanoseconds above.
EPOCH_UNITS: tuple[tuple[str, float, float], ...] = (
    ("s", 1e6, 1e11),
    ("ms", 1e3, 1e14),
    ("us", 1.0, 1e17),
    ("ns", 1e-3, math.inf),
)
# Digit strings read as epoch numbers (9 to 19 digits: 1973 in seconds to nanoseconds);
# shorter ones are ISO years ("2024"), as ISO 8601 reads them.
EPOCH_TEXT = r"^[+-]?\d{9,19}(?:\.\d+)?$"
# Beyond this many microseconds from 1970 (146,000 years) a number is not a time at all.
_MAX_US = float(2**62)
_EPOCH = re.compile(EPOCH_TEXT)
_INTEGER = re.compile(r"^[+-]?\d+$")


def us_per(unit: str) -> float:
    """Microseconds in one epoch ``unit`` (``"s"``, ``"ms"``, ``"us"``, ``"ns"``)."""
    return next(scale for name, scale, _ in EPOCH_UNITS if name == unit)


def epoch_unit_scale(magnitude: np.ndarray) -> np.ndarray:
    """Microseconds per unit of epoch numbers of this magnitude: the unit guess
    (:data:`EPOCH_UNITS`)."""
    with np.errstate(invalid="ignore"):
        return np.select([magnitude < below for _, _, below in EPOCH_UNITS[:-1]],
                         [scale for _, scale, _ in EPOCH_UNITS[:-1]], EPOCH_UNITS[-1][1])


def epoch_to_utc(values: np.ndarray, unit: str | None = None) -> pa.Array:
    """Epoch numbers to ``timestamp[us, UTC]``, in ``unit``, or else in the unit each value's
    magnitude says (:func:`epoch_unit_scale`). Non-finite values, and values no time can
    have, become null.
    """
    v = np.asarray(values, dtype="float64")
    scale = np.full(len(v), us_per(unit)) if unit is not None else epoch_unit_scale(np.abs(v))
    if np.issubdtype(np.asarray(values).dtype, np.integer):
        ints = np.asarray(values, dtype="int64")  # exact: never through a float
        us = np.where(scale >= 1, ints * scale.astype("int64"), ints // 1000)
        valid = np.ones(len(ints), dtype=bool)
    else:
        us_f = np.round(v * scale)
        with np.errstate(invalid="ignore"):
            valid = np.isfinite(us_f) & (np.abs(us_f) < _MAX_US)
        us = np.where(valid, us_f, 0).astype("int64")
    return pa.array(us, type=_TS_TYPE, mask=~valid)


# -- UTC offsets --------------------------------------------------------------------------
# A UTC offset as a time ends with it: RFC 3339 allows a lower-case "z"; ISO 8601 allows the
# hours alone. The word boundary keeps "Zookeeper" after a time from reading as zone "Z".
OFFSET = r"(?:[Zz]\b|[+-]\d\d(?::?\d\d)?\b)"
# Zone abbreviations a log line may write after its time of day, and their offsets in
# minutes. Only names that mean one offset: CST (US or China), IST (India, Ireland or
# Israel) and BST (British or Bangladesh) are left out, so such a time is read in ``tz=``.
ZONE_NAMES: dict[str, int] = {
    "UTC": 0, "GMT": 0, "WET": 0, "WEST": 60, "CET": 60, "CEST": 120, "MET": 60,
    "MEST": 120, "EET": 120, "EEST": 180, "MSK": 180, "EST": -300, "EDT": -240,
    "CDT": -300, "MST": -420, "MDT": -360, "PST": -480, "PDT": -420, "AKST": -540,
    "AKDT": -480, "HST": -600, "JST": 540, "KST": 540, "HKT": 480, "SGT": 480,
    "AEST": 600, "AEDT": 660, "ACST": 570, "AWST": 480, "NZST": 720, "NZDT": 780,
}
# What a log line may write after its time of day: an offset, or a zone by name.
ZONE = (r"(?:(?:" + "|".join(sorted(ZONE_NAMES, key=lambda z: (-len(z), z))) + r")\b|"
        + OFFSET[3:])
# An ISO 8601 date-time that ends in an offset (after its time of day: "2024-05-01" has
# none): such a value keeps its offset, whatever ``tz=`` says.
WITH_OFFSET = r"^[+-]?\d{4}-?\d\d?-?\d\d?[T ].*" + OFFSET + r"$"
_OFFSET_PARTS = re.compile(r"([+-])(\d\d):?(\d\d)?")


def offset_minutes(text: str) -> int | None:
    """Minutes east of UTC of an offset spelled as :data:`ZONE` matches; None for none.

    >>> offset_minutes("+02:00"), offset_minutes("-0730"), offset_minutes("z")
    (120, -450, 0)
    """
    value = text.strip().upper()
    if value == "Z":
        return 0
    if value in ZONE_NAMES:
        return ZONE_NAMES[value]
    m = _OFFSET_PARTS.fullmatch(value)
    if m is None:
        return None
    minutes = int(m[2]) * 60 + int(m[3] or 0)
    return -minutes if m[1] == "-" else minutes


# -- wall times ---------------------------------------------------------------------------
def localize(local: pd.Series, tz: str) -> pd.Series:
    """Naive wall times read in ``tz``, as UTC (see the module docstring for the hours a
    clock change repeats or skips; Arrow's :func:`localize_arrow` reads them alike)."""
    if tz == "UTC":
        return local.dt.tz_localize("UTC")
    return local.dt.tz_localize(tz, ambiguous=np.ones(len(local), dtype=bool),
                                nonexistent="shift_forward").dt.tz_convert("UTC")


def localize_arrow(arr: pa.Array, tz: str) -> pa.Array:
    """Naive Arrow timestamps read in ``tz``, as :func:`localize` reads them."""
    return pc.assume_timezone(arr, tz, ambiguous="earliest", nonexistent="latest")


def _localize_one(t: pd.Timestamp, tz: str) -> pd.Timestamp:
    if t.tzinfo is not None:
        return t.tz_convert("UTC")
    return t.tz_localize(tz, ambiguous=True, nonexistent="shift_forward").tz_convert("UTC")


# -- the parsers --------------------------------------------------------------------------
def as_utc(value: Any, tz: str = "UTC") -> pd.Timestamp | None:
    """A time a user gives (``start=``, ``valid_times=``: text or a Timestamp) in UTC;
    naive values are read in ``tz``. None for None or NaT; raises ValueError (or
    TypeError) when ``value`` is not a time."""
    if value is None:
        return None
    ts = pd.Timestamp(value)
    if ts is pd.NaT:
        return None
    return _localize_one(ts, tz)


def parse_time(value: Any, tz: str = "UTC") -> pd.Timestamp | None:
    """``value`` as a UTC Timestamp, or None when it is empty or unusable.

    Accepts ISO 8601 text (naive text is read in ``tz``) and epoch numbers, as numbers or
    digit strings, in seconds, milliseconds, microseconds or nanoseconds (told apart by
    magnitude). Go's zero time is None: the caller decides whether that rejects the record
    or means "not yet" (an alert still firing).
    """
    if value is None or isinstance(value, bool) or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    if isinstance(value, int | float) or _EPOCH.match(text):
        number = int(text) if _INTEGER.match(text) else float(text)  # ints keep their ns
        try:
            values = np.array([number], dtype="int64" if isinstance(number, int) else "float64")
        except OverflowError:
            values = np.array([number], dtype="float64")
        us = pc.cast(epoch_to_utc(values), pa.int64())[0].as_py()
        return None if us is None else pd.Timestamp(us, unit="us", tz="UTC")
    if not text or text.startswith("0001-01-01"):
        return None
    try:
        t = pd.Timestamp(text)
    except (ValueError, OverflowError):
        return None
    if t is pd.NaT:
        return None
    return _localize_one(t, tz)


def to_utc(values: pd.Series, tz: str = "UTC") -> pd.Series:
    """The events frame's ``timestamp`` column: ``values`` as ``datetime64[us, UTC]``.

    Datetimes keep their zone or, when naive, are read in ``tz``; anything else is parsed
    as :func:`parse_timestamps` parses a column. Raises ValueError naming the first value
    that is not a time (a loader's bug: loaders reject such records themselves).
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").astype(TIMESTAMP_DTYPE)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return localize(values, tz).astype(TIMESTAMP_DTYPE)
    numeric = pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
        values.dtype)
    given = values if numeric else values.astype("str")
    parsed = parse_timestamps(pa.array(given, from_pandas=True), tz)
    unread = pc.and_(parsed.is_null(), pa.array(given.notna())).to_numpy(zero_copy_only=False)
    if unread.any():
        raise ValueError(f"timestamp {given[unread].iloc[0]!r} is not a time")
    return pd.Series(parsed.to_pandas(), index=values.index, name=values.name,
                     dtype=TIMESTAMP_DTYPE)


# A straggler read by dateutil must write its year and a time of day: "1 2 3" and
# "2000-1,1T00" are not times.
_YEAR = r"(?<!\d)\d{4}(?!\d)"
_TIME_OF_DAY = r"\d:\d\d"
_MAX_FREE_FORM = 100_000  # dateutil reads one value at a time; more are rejected


def parse_timestamps(arr: pa.Array | pa.ChunkedArray, tz: str = "UTC",
                     unit: str | None = None) -> pa.Array:
    """Convert a column of times to ``timestamp[us, UTC]``, null where unparseable.

    Accepts Arrow timestamps, epoch numbers (unit by magnitude, or ``unit`` when the
    source names it: journald's microseconds, OTLP's nanoseconds), ISO 8601 strings with an
    :data:`OFFSET` or none (naive values are read in ``tz``; one column may mix both), and
    digit strings of 9 to 19 digits (epochs). Other strings are read by dateutil when they
    write a year, month, day and time of day (today's date is never filled in). Never
    raises on a value: one that cannot be read is null, and the caller rejects its record.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    t = arr.type
    if pa.types.is_timestamp(t):
        if t.tz is None:
            arr = localize_arrow(arr, tz)
        return pc.cast(arr, _TS_TYPE, safe=False)
    if unit is not None and (pa.types.is_string(t) or pa.types.is_large_string(t)):
        numbers = _epoch_numbers(arr)
        if numbers is not None:
            arr, t = numbers, numbers.type
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        out = epoch_to_utc(pc.fill_null(arr, 0).to_numpy(zero_copy_only=False), unit)
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


def _epoch_numbers(arr: pa.Array) -> pa.Array | None:
    """A text column of epoch numbers as integers (exact) or floats; None when some value
    is not a number (the column is then parsed as times in any spelling)."""
    for typ in (pa.int64(), pa.float64()):
        try:
            return pc.cast(pc.utf8_trim_whitespace(arr), typ)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
    return None


def _parse_slow(text: pd.Series, tz: str) -> pa.Array:
    """The values the Arrow casts refused, by kind: epoch digits, ISO 8601 with an offset,
    naive ISO 8601, then anything dateutil reads with a full date."""
    text = text.astype("str").str.strip()
    out = pd.Series(pd.NaT, index=text.index, dtype=TIMESTAMP_DTYPE)
    present = text.notna() & text.ne("")
    epoch = present & text.str.fullmatch(EPOCH_TEXT).fillna(False)
    if epoch.any():
        out[epoch] = _epoch_text(text[epoch])
    aware = present & ~epoch & text.str.contains(WITH_OFFSET, regex=True).fillna(False)
    if aware.any():
        # (pandas reads ISO 8601's "Z" but not RFC 3339's "z")
        upper = text[aware].str.replace(r"z$", "Z", regex=True)
        # (a fraction past microseconds makes pandas answer in nanoseconds: cut, as Arrow does)
        out[aware] = pd.to_datetime(upper, format="ISO8601", utc=True, errors="coerce").astype(
            TIMESTAMP_DTYPE)
    naive = present & ~epoch & ~aware
    if naive.any():
        out[naive] = _iso_naive(text[naive], tz).astype(TIMESTAMP_DTYPE)
    rest = present & out.isna()
    if rest.any() and rest.sum() <= _MAX_FREE_FORM:
        out[rest] = free_form(text[rest], tz)
    return pa.array(out.astype(TIMESTAMP_DTYPE), type=_TS_TYPE)


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
                         dtype=TIMESTAMP_DTYPE)
    if isinstance(local.dtype, pd.DatetimeTZDtype):
        return local.dt.tz_convert("UTC")
    return localize(local, tz)


def _one_iso(value: str, tz: str) -> pd.Timestamp | None:
    try:
        t = pd.to_datetime(value, format="ISO8601")
    except (ValueError, TypeError, OverflowError):
        return None
    if t is pd.NaT:
        return None
    return _localize_one(t, tz)


def free_form(text: pd.Series, tz: str) -> pd.Series:
    """Times in any spelling dateutil reads (``Wed, 01 May 2024 10:00:00 GMT``), NaT where
    the text does not give a year, month, day and time of day (dateutil would fill the
    date in from today) or names a zone dateutil does not know.
    """
    # (imported by name: dateutil, which pandas requires, ships no type information)
    parser = importlib.import_module("dateutil.parser")
    tz_warning = parser.UnknownTimezoneWarning

    first, second = dt.datetime(2001, 1, 1), dt.datetime(2002, 2, 2)
    out: list[pd.Timestamp | None] = []
    named = (text.str.contains(_YEAR, regex=True) & text.str.contains(_TIME_OF_DAY, regex=True)
             ).fillna(False)
    for value, has_year in zip(text, named, strict=True):
        if not has_year:
            out.append(None)
            continue
        try:
            with warnings.catch_warnings():
                # a zone name dateutil does not know ("10:00 EST") would be dropped silently
                warnings.simplefilter("error", tz_warning)
                a = parser.parse(value, default=first)
                b = parser.parse(value, default=second)
        except (ValueError, OverflowError, TypeError, tz_warning):
            out.append(None)
            continue
        if a != b or str(a.year) not in re.findall(_YEAR, value):
            out.append(None)
            continue
        try:
            out.append(_localize_one(pd.Timestamp(a), tz))
        except (ValueError, OverflowError):
            out.append(None)
    return pd.Series(out, index=text.index, dtype=TIMESTAMP_DTYPE)
