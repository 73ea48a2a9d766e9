"""Build UTC timestamps from the parts a regex captured, vectorised.

The line-oriented loaders capture a timestamp's parts with named regex groups rather than
handing whole strings to ``strptime``: one pattern then covers variants (fractions or not,
``,`` or ``.`` before them, an offset or not), and the arithmetic below turns a million
rows into microseconds in a few numpy operations. Group names:

=========  =====================================================
``Y``      four-digit year            ``y``  two-digit year (20yy)
``m``      month number               ``b``  month name (``Oct``, ``october``)
``d``      day (a leading space is fine)
``H M S``  hour, minute, second        ``f``  fraction digits
``z``      an offset or zone name as :data:`~postmortem_kit.ingest.times.ZONE` spells it
``j``      day of the year (ISO 8601 ordinal dates, ``2012-025``)
``p``      ``AM`` or ``PM`` (a 12-hour clock)
``es``     epoch seconds (may have a fraction)   ``ems``  epoch milliseconds
``eus``    epoch microseconds          ``ens``  epoch nanoseconds
``tai``    a TAI64N label's 24 hex digits (daemontools, s6)
=========  =====================================================

A time of day without any date (strace) takes the date of the file's first line from the
file's modification time (the last line is at most then), and moves to the next day when
the clock goes back by more than twelve hours.

Lines without a year (RFC 3164 syslog, ``Jun 14 15:16:01``) take ``ctx.year``; failing
that, the year that puts the file's first line in the twelve months before the file was
last modified. Within a file a month falling by more than six (December to January) moves
to the next year, and rising by more than six (a late December line after January) moves
back to the year before, but never before the first line's year: a file of March to
October is one year, and a file spanning New Year gets both years right.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.ingest.times import epoch_to_utc, localize, offset_minutes

MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# Factored so that no two alternatives start with the same byte (Jan/Jun/Jul, Mar/May,
# Apr/Aug): the pattern then stays "one-pass", and the Rust regex engine behind polars
# extracts captures with its one-pass DFA, about 3x faster than with the general engine
# on a syslog line. The language is the same as the plain list of twelve names.
MONTH_RX = (
    r"(?:[Jj](?:an|u[nl])|[Ff]eb|[Mm]a[ry]|[Aa](?:pr|ug)|[Ss]ep|[Oo]ct|[Nn]ov|[Dd]ec)"
)
_DAYS_IN_MONTH = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
US_PER_DAY = 86_400_000_000


@dataclass
class YearState:
    """Carries the year inference of a year-less file from one block to the next."""

    base_year: int | None = None
    offset: int = 0  # years added by rollovers so far
    last_month: int | None = None
    base_day: int | None = None  # time-only lines: days since 1970 of the first line
    day_offset: int = 0  # days added by midnight rollovers so far
    last_second: int | None = None  # time-only lines: the previous line's second of the day


# Parts read as integers: by :func:`part_ints` from text, or already by :func:`part_expr`.
_INT_PARTS = frozenset({"Y", "y", "m", "d", "H", "M", "S", "j"})


def part_expr(part: str, text: pl.Expr) -> pl.Expr:
    """The value :func:`assemble` reads from a captured part, computed by polars where the
    regex runs (on its threads, and without the part's text crossing over to Arrow):
    the date and clock parts as integers (-1 for none, as :func:`part_ints` reads them);
    ``f`` as microseconds (as :func:`_micros` reads it); any other part its text.
    :func:`assemble` takes either form.

    For the parts of :data:`~postmortem_kit.ingest.lines.stamps.STAMPS`, which hold
    digits only: unlike :func:`part_ints`, no blanks are trimmed. (A digit of another script,
    which ``\\d`` also matches, is no number: -1, then not a valid date.)
    """
    if part == "f":  # the first six digits, scaled to microseconds
        digits = text.str.len_bytes().cast(pl.Int64).clip(upper_bound=6)
        scaled = text.str.head(6).cast(pl.Int64, strict=False) * pl.lit(10, pl.Int64).pow(
            6 - digits)
        return scaled.fill_null(0)
    if part in _INT_PARTS:
        return text.cast(pl.Int64, strict=False).fill_null(-1)
    return text


def part_ints(arr: pa.Array) -> np.ndarray:
    """Digits (possibly space-padded, possibly null) as int64; null becomes -1. A part
    :func:`part_expr` read already is an integer array (-1 for none)."""
    if pa.types.is_integer(arr.type):
        if arr.null_count:
            arr = pc.fill_null(arr, -1)
        return arr.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    arr = pc.utf8_trim_whitespace(arr)
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)  # optional group unset
    return pc.fill_null(pc.cast(arr, pa.int64()), -1).to_numpy(zero_copy_only=False)


def _months(parts: dict[str, pa.Array]) -> np.ndarray:
    numbers = part_ints(parts["m"]) if "m" in parts else None
    if "b" not in parts:
        if numbers is None:
            raise KeyError("a date's parts need a month: group m or b")
        return numbers
    names = pc.utf8_lower(pc.utf8_slice_codeunits(parts["b"], 0, 3))
    idx = pc.index_in(names, value_set=pa.array(MONTH_NAMES))
    by_name = pc.fill_null(idx, -2).to_numpy(zero_copy_only=False).astype(np.int64) + 1
    return by_name if numbers is None else np.where(numbers > 0, numbers, by_name)


def days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's algorithm)."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _offset_minutes(z: pa.Array) -> np.ndarray:
    """Zone offsets in minutes east of UTC; NaN where the line had none."""
    text = pc.utf8_trim_whitespace(z).to_numpy(zero_copy_only=False)
    out = np.full(len(text), np.nan)
    for value in pd.unique(text):  # a file has a handful of distinct offsets
        minutes = offset_minutes(value) if value else None
        if minutes is not None:
            out[text == value] = minutes
    return out


def parse_runs(values: pl.Series, parse: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """``parse(values)``, with ``parse`` run only on the first value of each run of equal
    consecutive values.

    A busy log writes many lines per second, and its timestamps (at second or millisecond
    resolution) repeat in runs: parsing each distinct run once costs a comparison per line
    instead of a ``strptime``. ``parse`` must map equal strings to equal results and may
    keep state across calls in file order (year inference does), since the runs are
    passed in order.
    """
    n = len(values)
    if not n:
        return parse(values)
    # (numpy for the bookkeeping: each polars expression would be a query of its own)
    starts = pl.DataFrame({"v": values}).select(
        pl.col("v").ne_missing(pl.col("v").shift(1))).to_series().to_numpy()
    starts[0] = True  # (the first row starts a run even when it is null)
    runs = np.cumsum(starts) - 1
    if runs[-1] >= n // 2:  # mostly distinct values: the bookkeeping would cost more
        return parse(values)
    return parse(values.filter(pl.Series(starts))).gather(runs)


def modified_at(path: Path | None) -> dt.datetime:
    """When ``path`` was last modified (UTC): what a file's missing year, date or time is
    taken from. Now, when the file cannot say (no path, or it is gone)."""
    try:
        if path is not None:
            return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    except OSError:
        pass
    return dt.datetime.now(tz=dt.UTC)


def file_year_guess(path: Path, month: int, day: int) -> int:
    """The year putting ``month``/``day`` in the twelve months before ``path`` was modified."""
    ref = modified_at(path)
    # a day of slack: the file's clock and zone need not match ours
    return ref.year if (month, day) <= (ref.month, ref.day + 1) else ref.year - 1


def assemble(
    parts: dict[str, pa.Array],
    *,
    tz: str,
    year: int | None = None,
    state: YearState | None = None,
    path: Path | None = None,
) -> pd.Series:
    """Timestamps (``datetime64[us, UTC]``, NaT where invalid) from captured parts.

    Parameters
    ----------
    parts
        Group name (see the module docstring) to string array, all the same length; nulls
        where a row did not match.
    tz
        Zone of the rows without an offset.
    year, state, path
        For year-less parts: a fixed year, else the inference state carried across the
        blocks of ``path`` (see :class:`YearState`).
    """
    n = len(next(iter(parts.values())))
    if parts.keys() & {"es", "ems", "eus", "ens", "tai"}:
        return _epoch(parts)
    hours, minutes = part_ints(parts["H"]), part_ints(parts["M"])
    seconds = part_ints(parts["S"]) if "S" in parts else np.zeros(n, dtype=np.int64)
    if "p" in parts:  # a 12-hour clock: 12 AM is midnight, 12 PM noon
        mark = pc.utf8_upper(pc.fill_null(parts["p"], "")).to_numpy(zero_copy_only=False)
        pm, am = mark == "PM", mark == "AM"
        hours = np.where((pm | am) & (hours >= 1) & (hours <= 12),
                         hours % 12 + np.where(pm, 12, 0), np.where(pm | am, -1, hours))
    if not parts.keys() & {"m", "b", "j"}:  # a time of day alone
        return _time_only(hours, minutes, seconds, parts, tz=tz,
                          state=state or YearState(), path=path)
    if "j" in parts:  # an ordinal date: month 1, day of the year (checked below)
        months = np.ones(n, dtype=np.int64)
        days = part_ints(parts["j"])
    else:
        months = _months(parts)
        days = part_ints(parts["d"])
    if "y" in parts:
        years = part_ints(parts["y"]) + 2000
    else:
        years = part_ints(parts["Y"]) if "Y" in parts else np.full(n, -1, dtype=np.int64)
        # no year in a line with a month: a syslog-style ``Jun 14 15:16:01`` (a row that
        # matched nothing, a line the reader rejected, has neither: no year to assume)
        if ((years < 0) & (months >= 1) & (months <= 12)).any():
            inferred = infer_years(months, days, year, state or YearState(), path)
            years = np.where(years < 0, inferred, years)
    micros = _micros(parts, n)
    day_numbers, date_ok = _dates(years, months, days, ordinal="j" in parts)
    valid = date_ok & _clock_ok(hours, minutes, seconds)
    # In place, on one new array: each million-row temporary costs its page faults.
    us = hours * 60
    us += minutes
    us *= 60
    us += seconds
    us *= 1_000_000
    us += micros
    day_numbers *= US_PER_DAY  # (a new array of _dates')
    us += day_numbers
    return _to_utc(us, valid, parts, tz)


def _dates(years: np.ndarray, months: np.ndarray, days: np.ndarray, *, ordinal: bool
           ) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970 of each date, and whether it is a date (``ordinal``: ``days`` are
    days of the year, ``months`` 1).

    Computed once per run of equal consecutive dates: a log's lines share their date for
    hours, and the divisions of the calendar arithmetic cost more than finding the runs.
    """
    n = len(years)
    if n > 1:
        change = np.empty(n, dtype=bool)
        change[0] = True
        np.not_equal(years[1:], years[:-1], out=change[1:])
        change[1:] |= months[1:] != months[:-1]
        change[1:] |= days[1:] != days[:-1]
        first = np.flatnonzero(change)
        if len(first) <= n // 2:
            numbers, ok = _each_date(years[first], months[first], days[first], ordinal=ordinal)
            lengths = np.diff(first, append=n)
            return np.repeat(numbers, lengths), np.repeat(ok, lengths)
    return _each_date(years, months, days, ordinal=ordinal)


def _each_date(years: np.ndarray, months: np.ndarray, days: np.ndarray, *, ordinal: bool
               ) -> tuple[np.ndarray, np.ndarray]:
    if ordinal:
        date_ok = (days >= 1) & (days <= 365 + _leap(years))
    else:
        month_ok = (months >= 1) & (months <= 12)
        date_ok = (month_ok & (days >= 1)
                   & (days <= _DAYS_IN_MONTH[np.where(month_ok, months, 0)])
                   & ((months != 2) | (days <= 28) | _leap(years)))
    return days_from_civil(years, months, days), date_ok


def _micros(parts: dict[str, pa.Array], n: int) -> np.ndarray:
    if "f" not in parts:
        return np.zeros(n, dtype=np.int64)
    if pa.types.is_integer(parts["f"].type):  # microseconds already (part_expr)
        return part_ints(parts["f"]).clip(min=0)
    frac = pc.utf8_slice_codeunits(pc.utf8_rpad(pc.fill_null(parts["f"], ""), 6, "0"), 0, 6)
    return part_ints(frac).clip(min=0)


def _clock_ok(hours: np.ndarray, minutes: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    return ((hours >= 0) & (hours < 24) & (minutes >= 0) & (minutes < 60)
            & (seconds >= 0) & (seconds <= 60))


def _to_utc(us: np.ndarray, valid: np.ndarray, parts: dict[str, pa.Array], tz: str) -> pd.Series:
    """Local microseconds since 1970 to UTC: the line's own offset, else ``tz``.

    ``us`` is the caller's own array: it is overwritten (NaT where not ``valid``)."""
    has_offset = np.zeros(len(us), dtype=bool)
    if "z" in parts:
        offsets = _offset_minutes(parts["z"])
        has_offset = ~np.isnan(offsets)
        if has_offset.any():
            us -= np.where(has_offset, np.nan_to_num(offsets), 0).astype(np.int64) * 60_000_000
    if not valid.all():
        us[~valid] = np.iinfo(np.int64).min
    out = pd.Series(us.view("datetime64[us]"), dtype="datetime64[us]", copy=False)
    naive = valid & ~has_offset
    if tz == "UTC" or not naive.any():
        return out.dt.tz_localize("UTC")
    result = out.dt.tz_localize("UTC")
    result[naive] = localize(out[naive], tz)
    return result


def _leap(years: np.ndarray) -> np.ndarray:
    return ((years % 4 == 0) & (years % 100 != 0)) | (years % 400 == 0)


def _time_only(hours: np.ndarray, minutes: np.ndarray, seconds: np.ndarray,
               parts: dict[str, pa.Array], *, tz: str, state: YearState,
               path: Path | None) -> pd.Series:
    """Times of day without a date (see the module docstring)."""
    valid = _clock_ok(hours, minutes, seconds)
    second = (hours * 60 + minutes) * 60 + seconds
    good = np.flatnonzero(valid)
    day = np.zeros(len(second), dtype=np.int64)
    if len(good):
        if state.base_day is None:
            ref = modified_at(path)
            first = int(second[good[0]])
            base = (ref.date() - dt.date(1970, 1, 1)).days
            # the first line is at most when the file was last written
            state.base_day = base - (first > ref.hour * 3600 + ref.minute * 60 + ref.second + 60)
        seq = second[good]
        prev = np.concatenate([[state.last_second if state.last_second is not None
                                else seq[0]], seq[:-1]])
        offs = state.day_offset + np.cumsum(seq < prev - 43_200)
        day[good] = state.base_day + offs
        state.day_offset = int(offs[-1])
        state.last_second = int(seq[-1])
    us = (day * 86_400 + second) * 1_000_000 + _micros(parts, len(second))
    return _to_utc(us, valid, parts, tz)


_TAI_EPOCH = 0x4000000000000000
_TAI_LEAP_SECONDS = 10  # TAI - UTC is 37 s today; daemontools' tai64nlocal subtracts 10


def _epoch(parts: dict[str, pa.Array]) -> pd.Series:
    if "tai" in parts:
        texts = parts["tai"].to_pylist()
        us = np.array([((int(t[:16], 16) - _TAI_EPOCH - _TAI_LEAP_SECONDS) * 1_000_000
                        + int(t[16:24], 16) // 1000) if t else np.iinfo(np.int64).min
                       for t in texts], dtype=np.int64)
        times = pa.array(us, type=pa.timestamp("us", tz="UTC"),
                         mask=us == np.iinfo(np.int64).min)
        return pd.Series(times.to_pandas(), dtype="datetime64[us, UTC]")
    for group, unit in (("eus", "us"), ("ens", "ns")):
        if group in parts:
            n = part_ints(parts[group])
            times = epoch_to_utc(np.where(n >= 0, n, 0), unit=unit)
            times = pc.if_else(pa.array(n < 0), pa.scalar(None, times.type), times)
            return pd.Series(times.to_pandas(), dtype="datetime64[us, UTC]")
    if "ems" in parts:
        ms = part_ints(parts["ems"])  # (-1 where the line had none)
        times = epoch_to_utc(np.where(ms >= 0, ms, 0), unit="ms")
        times = pc.if_else(pa.array(ms < 0), pa.scalar(None, times.type), times)
    else:
        seconds = pc.cast(parts["es"], pa.float64()).to_numpy(zero_copy_only=False)
        times = epoch_to_utc(seconds, unit="s")  # (NaN, where none, becomes null)
    return pd.Series(times.to_pandas(), dtype="datetime64[us, UTC]")


def infer_years(
    months: np.ndarray, days: np.ndarray, year: int | None, state: YearState, path: Path | None
) -> np.ndarray:
    """Years for year-less dates, in file order (see the module docstring).

    ``months`` are 1..12 (anything else: not a date, given the current year); ``state``
    carries the inference from one block of the file to the next.
    """
    ok = (months >= 1) & (months <= 12)
    if not ok.any():
        return np.full(len(months), year or dt.datetime.now(tz=dt.UTC).year, dtype=np.int64)
    good = np.flatnonzero(ok)
    if state.base_year is None:
        first = good[0]
        if year is not None:
            state.base_year = year
        elif path is not None:
            state.base_year = file_year_guess(path, int(months[first]), int(days[first]))
        else:
            state.base_year = dt.datetime.now(tz=dt.UTC).year
    seq = months[good]
    prev = np.concatenate([[state.last_month or seq[0]], seq[:-1]])
    step = np.where(seq < prev - 6, 1, np.where(seq > prev + 6, -1, 0))
    # A step back only undoes a rollover (a late December line after January): a file
    # never starts before its first line's year, so March then October is one year.
    # (The running sum floored at 0: subtract the lowest it went below 0 so far.)
    total = state.offset + np.cumsum(step)
    offs = total - np.minimum(np.minimum.accumulate(total), 0)
    out = np.full(len(months), state.base_year + state.offset, dtype=np.int64)
    out[good] = state.base_year + offs
    state.offset = int(offs[-1])
    state.last_month = int(seq[-1])
    return out
