"""Lines of a second layout: records the file's layout misses but that carry their own time.

A program sometimes writes a line of another shape between its usual ones (Redis'
``1:signal-handler (1714024483) Received SIGTERM``, between lines that start
``1:M 25 Apr 2024 05:54:43.946``). Failing the layout, such a line would be folded into
the record above as a continuation. It starts a record of its own when all of these hold:

- it is not indented (stack-trace frames and wrapped text are);
- a timestamp in a dated rendering starts it, or follows one word (a pid, a role, a host:
  at most :data:`LEAD_CHARS` characters) and a blank;
- that time lies between the times of the records before and after it, give or take
  :data:`SLACK` (a date in a continuation line, such as an SQL literal, seldom does).

Only the lines that fail the layout are looked at, so a file of well-formed lines pays
nothing; for the others, one regex pass tells which hold a timestamp at all.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.ingest.lines.layout import TIME_GROUP
from postmortem_kit.ingest.lines.stamps import STAMPS
from postmortem_kit.ingest.lines.timeparts import YearState, assemble

LEAD_CHARS = 40
SLACK = pd.Timedelta(minutes=1)
# At most one word before the time (a pid, a role, a host): a sentence with a date in it
# (``Caused by: Timeout: deadline 2024-05-01 10:00:00``) continues the record above.
_LEAD = rf"^(?P<lead>(?:\S{{1,{LEAD_CHARS - 1}}}\s+)?)[\[(\"]?"
_AFTER = r"[\])\"]?(?:[\s,|:;\-]+|$)(?P<message>.*)$"
_DATED = [s for s in STAMPS if s.anywhere]
_ANY = _LEAD.replace("(?P<lead>", "(?:") + "(?:" + "|".join(
    re.sub(r"\(\?P<\w+>", "(?:", s.rx) for s in _DATED) + ")"


def own_times(texts: pa.Array, *, tz: str, year: int | None,
              path: Path | None) -> pd.DataFrame:
    """The lines of ``texts`` holding a timestamp near their start: their position in
    ``texts``, ``timestamp``, the ``message`` after it and the ``prefix`` before it.

    Examples
    --------
    >>> got = own_times(pa.array(["1:signal-handler (1714024483) Received SIGTERM", "x"]),
    ...                 tz="UTC", year=None, path=None)
    >>> got["position"].tolist(), str(got["timestamp"][0]), got["message"][0]
    ([0], '2024-04-25 05:54:43+00:00', 'Received SIGTERM')
    """
    out = []
    left = np.flatnonzero(pc.fill_null(pc.match_substring_regex(texts, _ANY), False)
                          .to_numpy(zero_copy_only=False))
    for stamp in _DATED:
        if not len(left):
            break
        subset = texts.take(pa.array(left))
        rx = (_LEAD + "(?P<timestamp>" + re.sub(r"\(\?P<(\w+)>", rf"(?P<{TIME_GROUP}\1>",
                                                   stamp.rx) + ")" + _AFTER)
        found = pc.extract_regex(subset, rx)
        hit = found.is_valid().to_numpy(zero_copy_only=False)
        if not hit.any():
            continue
        found = found.filter(pa.array(hit))
        parts = {f.name[len(TIME_GROUP):]: found.field(i) for i, f in enumerate(found.type)
                 if f.name.startswith(TIME_GROUP)}
        times = assemble(parts, tz=tz, year=year, state=YearState(), path=path)
        out.append(pd.DataFrame({
            "position": left[hit],
            "timestamp": times,
            "message": found.field("message").to_pandas(),
            "prefix": pc.utf8_trim(found.field("lead"), " ([\"").to_pandas(),
        }))
        left = left[~hit]
    if not out:
        return pd.DataFrame({"position": np.array([], dtype=np.int64),
                             "timestamp": pd.Series([], dtype="datetime64[us, UTC]"),
                             "message": pd.Series([], dtype="str"),
                             "prefix": pd.Series([], dtype="str")})
    frame = pd.concat(out, ignore_index=True).sort_values("position", ignore_index=True)
    return frame[frame["timestamp"].notna()].reset_index(drop=True)


def between_neighbours(positions: np.ndarray, times: pd.Series, starts: np.ndarray,
                       start_times: pd.Series) -> np.ndarray:
    """Which of the times (of lines at ``positions``) lie between the times of the
    records starting before and after them (``starts``, sorted, and their times), give
    or take :data:`SLACK`; a line with no dated record on either side is not taken."""
    ok = start_times.notna().to_numpy()
    starts = starts[ok]
    micros, own = _micros(start_times[ok]), _micros(times)
    slack = SLACK // pd.Timedelta(microseconds=1)
    at = np.searchsorted(starts, positions)  # the first record after each line
    has_prev, has_next = at > 0, at < len(starts)
    prev = np.where(has_prev, micros[np.clip(at - 1, 0, None)] if len(micros) else 0, 0)
    nxt = np.where(has_next, micros[np.clip(at, None, len(micros) - 1)] if len(micros)
                   else 0, 0)
    low = np.where(has_prev, prev, nxt) - slack
    high = np.where(has_next, nxt, prev) + slack
    return (has_prev | has_next) & (own >= low) & (own <= high)


def _micros(times: pd.Series) -> np.ndarray:
    """UTC times as microseconds since 1970 (NaT: the lowest int64)."""
    return times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(
        "datetime64[us]").view(np.int64)
