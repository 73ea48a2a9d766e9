"""Times for text-log lines that do not carry a whole one.

Three cases, each said in a warning and in ``--explain``, and each marked per row in the
``time_source`` column (present when some row's time is not its own):

- a line of a multiplexed stream (``web-1  | ...``) whose program writes no timestamps at
  all takes the time of the nearest timestamped line of the file before it (after it, when
  none is before): the streams arrive in time order. ``time_source`` is ``"line N"``;
- a file without any timestamp takes the file's modification time for every line
  (``"mtime"``): the last line was written at most then;
- times written without their hour (``29:47.191``, minutes and seconds) take the hour, and
  the date, from the file's modification time as time-of-day-only lines do (see
  :mod:`~postmortem_kit.ingest.lines.timeparts`), an hour added where the minutes go back.

Rows with their own time are ``"own"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.ingest.lines.timeparts import modified_at, part_ints

TIME_SOURCE = "time_source"
OWN = "own"
MTIME = "mtime"
# Minutes falling by more than this many seconds start the next hour; a smaller fall is a
# line written slightly out of order.
HOUR_BACK = 1800


@dataclass
class HourState:
    """Carries the hour of an hour-less file from one block to the next."""

    base_hour: int | None = None  # hour of the first line (may be -1: the day before)
    offset: int = 0  # hours added where the minutes went back
    last_second: int | None = None  # the previous line's second of the hour


def hours_for(minutes: pa.Array, seconds: pa.Array, state: HourState,
              path: Path | None) -> pa.Array:
    """The hour (as text, for the ``H`` time part) of each line written as minutes and
    seconds only; null where the line has none.

    The first line's hour is the file's modification hour (the one before, when its
    minutes are later than the modification's): the file was last written after it.

    Examples
    --------
    >>> state = HourState(base_hour=9)
    >>> hours_for(pa.array(["58", "59", "00"]), pa.array(["47", "59", "11"]), state,
    ...           None).to_pylist()
    ['9', '9', '10']
    """
    m, s = part_ints(minutes), part_ints(seconds)
    valid = (m >= 0) & (m < 60) & (s >= 0) & (s <= 60)
    second = m * 60 + s
    good = np.flatnonzero(valid)
    hours = np.zeros(len(m), dtype=np.int64)
    if len(good):
        seq = second[good]
        if state.base_hour is None:
            ref = modified_at(path)
            state.base_hour = ref.hour - int(seq[0] > ref.minute * 60 + ref.second + 60)
        prev = np.concatenate([[state.last_second if state.last_second is not None
                                else seq[0]], seq[:-1]])
        offs = state.offset + np.cumsum(seq < prev - HOUR_BACK)
        hours[good] = (state.base_hour + offs) % 24  # (past midnight: the next day)
        state.offset = int(offs[-1])
        state.last_second = int(seq[-1])
    return pc.if_else(pa.array(valid), pc.cast(pa.array(hours), pa.string()), None)


def assumed_hour(state: HourState) -> str | None:
    """What an hour-less file's hours were taken from, for the warning; None otherwise."""
    if state.base_hour is None:
        return None
    first = state.base_hour % 24
    return (f"the lines carry no hour: {first:02d}:00 (UTC) for the first line, assumed from "
            "the file's modification time (an hour added where the minutes go back)")


def nearest_times(positions: np.ndarray, timed: np.ndarray, times: pd.Series,
                  numbers: np.ndarray, before: tuple[pd.Timestamp, int] | None = None,
                  ) -> tuple[pd.Series, np.ndarray]:
    """For lines at ``positions`` without a time: the time of the nearest timestamped line
    before each (the first after it, when none is before).

    Parameters
    ----------
    positions
        Positions of the undated lines in their block (sorted).
    timed, times, numbers
        Positions of the timestamped lines in the block (sorted), their times (NaT where
        invalid) and their line numbers.
    before
        The last timestamped line of the earlier blocks, as (time, line number).

    Returns
    -------
    times, lines
        The time given to each undated line and the number of the line it came from (-1
        and NaT when the file has no timestamped line at all).
    """
    ok = times.notna().to_numpy()
    timed, numbers = timed[ok], numbers[ok]
    values = times[ok].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]")
    out = np.full(len(positions), np.datetime64("NaT"), dtype="datetime64[us]")
    source = np.full(len(positions), -1, dtype=np.int64)
    at = np.searchsorted(timed, positions) - 1  # the last timed line before each
    has_prev = at >= 0
    out[has_prev] = values[at[has_prev]]
    source[has_prev] = numbers[at[has_prev]]
    rest = ~has_prev
    if rest.any() and before is not None:
        out[rest] = before[0].tz_convert("UTC").tz_localize(None).to_datetime64()
        source[rest] = before[1]
    elif rest.any() and len(timed):
        out[rest] = values[0]
        source[rest] = numbers[0]
    return pd.Series(out).dt.tz_localize("UTC"), source


def mtime_note(path: Path) -> tuple[pd.Timestamp, str]:
    """The time given to every line of a file without timestamps, and the warning."""
    ref = modified_at(path)
    stamp = pd.Timestamp(ref).tz_convert("UTC").as_unit("us")
    when = ref.isoformat(timespec="seconds")
    return stamp, (
        f"no timestamp in any line: every line dated by the file's modification time "
        f"({when}), one row per line; if the lines do hold a time, pass pattern= with a "
        r"(?P<timestamp>...) group, e.g. pattern=r'^(?P<timestamp>\S+ \S+) (?P<message>.*)$'")


_NOT_TEXT = re.compile("[\x00-\x08\x0a-\x1f\x7f\ufffd]")


def is_plain_text(lines: list[str]) -> bool:
    """Whether ``lines`` read as human text: no control characters but tabs, no bytes
    that were not UTF-8 (decoded as U+FFFD). A file of such lines without any timestamp
    is still a log of a kind: its lines are loaded, dated by the file."""
    return any(line.strip() for line in lines) and not any(
        _NOT_TEXT.search(line) for line in lines)
