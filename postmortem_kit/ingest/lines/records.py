"""Records from matched lines: continuation lines (a stack trace, a wrapped message)
folded into the message of their record, levels written as marks or numbers turned
into level words, and level words put on the events frame's ordered scale."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.ingest.records.fields import LEVEL_MARKS
from postmortem_kit.ingest.schema import LEVEL_DTYPE, levels_on_scale


def level_words(frame: pd.DataFrame) -> pd.DataFrame:
    """Levels written as a Redis mark or a syslog priority, as level words."""
    if "mark" in frame:
        frame["level"] = frame.pop("mark").map(LEVEL_MARKS).astype("str")
    if "pri" in frame:
        pri = pd.to_numeric(frame["pri"], errors="coerce")
        frame["level"] = (pri % 8).map(lambda v: None if v != v else str(int(v))).astype("str")
    for col in ("service", "logger", "level"):
        if col in frame and frame[col].dtype != object:
            values = pa.array(frame[col], from_pandas=True)
            # blank: empty or whitespace only (a test per value, no stripped copy of each)
            blank = pc.fill_null(pc.or_(pc.utf8_is_space(values),
                                        pc.equal(pc.binary_length(values), 0)), False)
            if pc.any(blank).as_py():
                frame[col] = frame[col].where(~blank.to_numpy(zero_copy_only=False))
    if "thread" in frame:
        frame["thread"] = frame["thread"].str.strip()
    return frame


def level_categories(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its level words on the ordered scale (``LEVEL_DTYPE``), as
    :func:`~postmortem_kit.ingest.schema.finalize_events` puts them, a word it does not
    know kept in ``level_raw``.

    Done block by block while the next block is matched, a block's few distinct words
    are mapped there: :func:`finalize_events` then has no million strings to factorize
    after the last block. A frame with a ``level_raw`` of its own is left to it.
    """
    if "level" not in frame or "level_raw" in frame or frame["level"].dtype == LEVEL_DTYPE:
        return frame
    levels_on_scale(frame)
    return frame


def fold_continuations(frame: pd.DataFrame, rec: np.ndarray, texts: np.ndarray) -> pd.DataFrame:
    """Append continuation ``texts`` to the messages of records ``rec`` (sorted)."""
    messages = frame["message"].astype(object).to_numpy(copy=True)
    bounds = np.flatnonzero(np.diff(rec)) + 1
    for group in np.split(np.arange(len(rec)), bounds):
        r = int(rec[group[0]])
        extra = "\n".join(texts[group]).rstrip("\n")
        if extra:  # (a record a rejected line started has no message: NaN)
            first = messages[r] if isinstance(messages[r], str) else ""
            messages[r] = first + "\n" + extra if first else extra
    frame["message"] = pd.Series(messages, index=frame.index, dtype="str")
    return frame
