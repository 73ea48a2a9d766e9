"""The limits a load puts on values: how deep JSON may nest, which times are plausible.

Both protect what comes after the parser. JSON nested thousands of levels deep crashes
pyarrow's reader (a segfault, not an exception) and exhausts Python's recursion in
``json``; no evidence record needs more than a few levels, so a record nested deeper than
``max_depth`` (default :data:`DEFAULT_MAX_DEPTH`) is rejected, and one deep enough to crash
a parser never reaches it (:func:`deep_lines`, :func:`loads`).
A time far outside the incident (Go's zero time ``0001-01-01``, an epoch ``-1``, a clock
reset to 1970) would be kept as evidence and make the timeline allocate bins for every
minute between it and the incident (gigabytes for the year 1), so times outside
``valid_times`` (default: 1990-01-01 to a year after now, widened to include ``start=`` and
``end=``) are rejected with the value in the reason.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.ingest.times import as_utc

DEFAULT_MAX_DEPTH = 100
MAX_DEPTH_LIMIT = 500  # json.loads runs out of recursion near 1,000; pyarrow crashes later
EARLIEST = pd.Timestamp("1990-01-01", tz="UTC")
FUTURE_MARGIN = pd.Timedelta(days=365)

TimeBounds = tuple[pd.Timestamp, pd.Timestamp]

_QUOTE, _BACKSLASH = 34, 92
_OPENERS, _CLOSERS = (91, 123), (93, 125)  # [ {  and  ] }


class TooDeep(ValueError):
    """JSON nested deeper than the limit (a ``ValueError``, like a parse error)."""

    def __init__(self, limit: int):
        self.msg = f"nested deeper than {limit} levels (max_depth=)"
        super().__init__(self.msg)


def nesting_depth(text: bytes | str) -> int:
    """How deep the arrays and objects of a JSON text nest; brackets in strings do not count.

    Vectorised (numpy), so a megabyte of JSON costs milliseconds. On malformed JSON the
    result is the depth a parser would reach before failing, or more, never less.

    >>> nesting_depth(b'{"a": [1, {"b": "[[["}]}')
    3
    """
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    a = np.frombuffer(data, dtype=np.uint8)
    brackets = _outside_strings(a, np.flatnonzero(np.isin(a, (*_OPENERS, *_CLOSERS))))
    if not len(brackets):
        return 0
    steps = np.where(np.isin(a[brackets], _OPENERS), 1, -1)
    return max(0, int(np.cumsum(steps).max()))


def _outside_strings(a: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Those of ``positions`` (sorted indices into the code units ``a``) not inside a
    JSON string."""
    if not len(positions):
        return positions
    quotes = np.flatnonzero(a == _QUOTE)
    if not len(quotes):
        return positions
    if (a == _BACKSLASH).any():
        # A quote ends a string unless an odd run of backslashes precedes it.
        keep = np.where(a == _BACKSLASH, -1, np.arange(len(a)))
        last_plain = np.maximum.accumulate(keep)
        before = quotes - 1
        run = np.where(before >= 0, before - last_plain[np.maximum(before, 0)], 0)
        quotes = quotes[run % 2 == 0]
    # Inside a string when an odd number of real quotes precede it.
    return positions[np.searchsorted(quotes, positions) % 2 == 0]


def first_too_deep(text: str, limit: int) -> int:
    """Index in ``text`` of the first bracket (outside strings) that nests deeper than
    ``limit``; ``len(text)`` when none does."""
    a = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    brackets = _outside_strings(a, np.flatnonzero(np.isin(a, (*_OPENERS, *_CLOSERS))))
    if not len(brackets):
        return len(text)
    depth = np.cumsum(np.where(np.isin(a[brackets], _OPENERS), 1, -1))
    beyond = np.flatnonzero(depth > limit)
    return int(brackets[beyond[0]]) if len(beyond) else len(text)


class DepthScanner:
    """The nesting depth of a JSON text read in pieces: a parser that pulls a large
    document (:mod:`postmortem_kit.ingest.documents.records`) is handed only the text
    before the first bracket nested deeper than ``limit``.

    The state carried from one piece to the next: the depth, whether the piece starts
    inside a string, and whether its first byte is escaped by a backslash ending the
    piece before.
    """

    def __init__(self, limit: int):
        self.limit = limit
        self.depth = 0
        self.in_string = False
        self.escaped = False

    def feed(self, data: bytes) -> int | None:
        """Index in ``data`` of the first bracket nested deeper than the limit, else None."""
        prefix = b"\\" if self.escaped else b""
        a = np.frombuffer(prefix + data, dtype=np.uint8)
        quotes = np.flatnonzero(a == _QUOTE)
        slashes = a == _BACKSLASH
        last_plain = None
        if slashes.any():
            last_plain = np.maximum.accumulate(np.where(slashes, -1, np.arange(len(a))))
            if len(quotes):
                before = quotes - 1
                run = np.where(before >= 0, before - last_plain[np.maximum(before, 0)], 0)
                quotes = quotes[run % 2 == 0]
        brackets = np.flatnonzero(np.isin(a, (*_OPENERS, *_CLOSERS)))
        if len(brackets):
            inside = (np.searchsorted(quotes, brackets) + self.in_string) % 2 == 1
            brackets = brackets[~inside]
        if len(brackets):
            depth = self.depth + np.cumsum(np.where(np.isin(a[brackets], _OPENERS), 1, -1))
            beyond = np.flatnonzero(depth > self.limit)
            if len(beyond):
                return int(brackets[beyond[0]]) - len(prefix)
            self.depth = int(depth[-1])
        self.in_string ^= bool(len(quotes) % 2)
        trailing = 0 if last_plain is None else len(a) - 1 - int(last_plain[-1])
        self.escaped = trailing % 2 == 1
        return None


def deep_lines(data: bytes, ends: np.ndarray, limit: int) -> np.ndarray:
    """Indices of the lines of ``data`` that nest deeper than ``limit``.

    ``ends`` are the positions of the line ends (``\\n``) in ``data``; a last line without
    one counts. Only a line with more than ``limit`` opening brackets can be that deep:
    those are found with a few numpy passes over the block (the common case ends there),
    and only they are measured with :func:`nesting_depth`.
    """
    a = np.frombuffer(data, dtype=np.uint8)
    # "[" (0x5b) and "{" (0x7b) differ only in bit 0x20: one OR and one compare find both.
    opens = np.flatnonzero((a | 0x20) == _OPENERS[1])
    if len(opens) <= limit:
        return np.empty(0, dtype=np.int64)
    if not len(ends) or ends[-1] != len(a) - 1:
        ends = np.append(ends, len(a))
    bounds = np.concatenate([[-1], ends])
    longest = int(np.diff(bounds).max())
    # The (limit+1) openers of a deep line lie within one line, so closer than the longest.
    near = np.flatnonzero(opens[limit:] - opens[:-limit] < longest)
    if not len(near):
        return np.empty(0, dtype=np.int64)
    first = np.searchsorted(ends, opens[near])
    last = np.searchsorted(ends, opens[near + limit])
    candidates = np.unique(first[first == last])
    deep = [i for i in candidates.tolist()
            if nesting_depth(data[bounds[i] + 1 : bounds[i + 1]]) > limit]
    return np.asarray(deep, dtype=np.int64)


def loads(text: str | bytes, limit: int = DEFAULT_MAX_DEPTH) -> Any:
    """``json.loads(text)``, or :class:`TooDeep` when it nests deeper than ``limit``."""
    if nesting_depth(text) > limit:
        raise TooDeep(limit)
    return json.loads(text)


# -- plausible times ----------------------------------------------------------------------
def default_valid_times(now: pd.Timestamp | None = None) -> TimeBounds:
    """1990-01-01 to a year after ``now`` (UTC)."""
    now = pd.Timestamp.now(tz="UTC") if now is None else now
    return EARLIEST, (now + FUTURE_MARGIN).floor("D")


def resolve_valid_times(
    value: Any, tz: str, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None
) -> TimeBounds:
    """The plausible-time window of a load from ``read_events(valid_times=...)``.

    ``value`` is None (the default window) or a ``(first, last)`` pair of anything
    ``pandas.Timestamp`` reads (naive values in ``tz``), either of which may be None for
    the default. The window always contains ``start``/``end`` when they are given: asking
    for 1985 says 1985 is plausible.
    """
    lo, hi = default_valid_times()
    if value is not None:
        if not isinstance(value, tuple | list) or len(value) != 2:
            raise ValueError(f"valid_times= must be a (first, last) pair, got {value!r}")
        given = [_as_utc(v, tz) for v in value]
        lo = given[0] if given[0] is not None else lo
        hi = given[1] if given[1] is not None else hi
        if lo > hi:
            raise ValueError(f"valid_times= first ({lo}) is after last ({hi})")
    if start is not None:
        lo = min(lo, start)
    if end is not None:
        hi = max(hi, end)
    return lo, hi


def _as_utc(value: Any, tz: str) -> pd.Timestamp | None:
    ts = as_utc(value, tz)
    if ts is None and value is not None:
        raise ValueError(f"valid_times= {value!r} is not a time")
    return ts


def outside(ts: pa.Array | pa.ChunkedArray, bounds: TimeBounds) -> np.ndarray:
    """Mask of the times in ``ts`` (``timestamp[us, UTC]``) outside ``bounds``; null is not."""
    lo = pa.scalar(bounds[0].to_pydatetime(), ts.type)
    hi = pa.scalar(bounds[1].to_pydatetime(), ts.type)
    extremes = pc.min_max(ts)  # one pass; the common answer is "none"
    if not extremes["min"].is_valid or (
            extremes["min"].value >= lo.value and extremes["max"].value <= hi.value):
        return np.zeros(len(ts), dtype=bool)
    bad = pc.or_(pc.less(ts, lo), pc.greater(ts, hi))
    return pc.fill_null(bad, False).to_numpy(zero_copy_only=False)


def reject_implausible(events: pd.DataFrame, ctx: Any, file: str) -> pd.DataFrame:
    """``events`` without the rows whose time is outside ``ctx.valid_times``, each rejected
    (with its line, JSON path and message). The formats that read lines check while
    reading, with the line's text; this catches the rest (alerts, pages, deploys...)."""
    if events.empty:
        return events
    far = outside(pa.array(events["timestamp"]), ctx.valid_times)
    if not far.any():
        return events
    lines = events["line"].tolist()
    paths = events["json_path"].tolist() if "json_path" in events else None
    for i in np.flatnonzero(far).tolist():
        line = lines[i]
        where = f"{paths[i]}: " if paths is not None and pd.notna(paths[i]) else ""
        ctx.rejects.add(file, None if pd.isna(line) else int(line),
                        where + describe(show(events["timestamp"].iat[i]), ctx.valid_times),
                        str(events["message"].iat[i]))
    return events.loc[~far].reset_index(drop=True)


def describe(value: Any, bounds: TimeBounds) -> str:
    """The reason given for a time outside ``bounds``: names the value and the window."""
    return (f"time {value} is outside the plausible range {show(bounds[0])} .. "
            f"{show(bounds[1])} (valid_times=)")


def show(ts: Any) -> str:
    """A time (a Timestamp, or microseconds since 1970 UTC) as ISO text, also for years
    pandas cannot format (``-001``, ``0001``)."""
    if isinstance(ts, int | np.integer):
        ts = pd.Timestamp(int(ts), unit="us", tz="UTC")
    if isinstance(ts, pd.Timestamp):
        if ts is pd.NaT:
            return "NaT"
        t = ts.tz_convert("UTC") if ts.tzinfo is not None else ts
        text = (f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:"
                f"{t.second:02d}")
        if t.microsecond:
            text += f".{t.microsecond:06d}"
        return text + ("Z" if ts.tzinfo is not None else "")
    return str(ts)

