"""The records of a multiplexed stream (``web-1  | <line>`` from docker-compose,
``[pod/name]`` from kubectl): each line's program, the record each line continues (the
last one its own program started: the programs' records interleave), and where a block
may be cut without splitting a record that goes on after the cut.

The prefixes are detected by :func:`~postmortem_kit.ingest.lines.layout.detect_multiplex`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def programs_of(lines: pa.Array, mux_rx: str) -> tuple[pa.Array, pa.Array]:
    """For a multiplexed stream: each line's text without the program prefix, and its
    program (null: a line without the prefix)."""
    program = pc.extract_regex(lines, mux_rx).field("service")
    program = pc.if_else(pc.match_substring_regex(lines, mux_rx), program, None)
    return pc.replace_substring_regex(lines, mux_rx, ""), program


def records_by_program(is_start: np.ndarray, programs: pa.Array) -> np.ndarray:
    """The record of each line of a multiplexed stream: the last record started by the
    same program (-1 before its first, and for a line without a program prefix)."""
    key = pd.Series(programs.to_pandas()).fillna("").to_numpy()
    record = pd.Series(np.cumsum(is_start) - 1, dtype="float64").where(is_start)
    rec = record.groupby(key).ffill().fillna(-1).to_numpy().astype(np.int64)
    rec[(key == "") & ~is_start] = -1
    return rec


# How far back (in lines) a multiplexed stream's record may still get continuation lines
# from the next block: a program silent for longer has finished its record.
OPEN_RECORD_LINES = 5000


def open_records(lines: pa.Array, is_start: np.ndarray, mux_rx: str, cut: int) -> int:
    """Where to cut a multiplexed block so that every line after the cut belongs to a
    record that starts after it: at or before the last record of each program that
    started one in the block's last :data:`OPEN_RECORD_LINES` lines."""
    n = len(lines)
    program = pc.extract_regex(lines, mux_rx).field("service").to_numpy(zero_copy_only=False)
    position = pd.Series(np.arange(n), dtype="float64").where(is_start)
    owner = position.groupby(program).ffill().to_numpy()  # start of each line's record
    low = max(0, n - OPEN_RECORD_LINES)
    recent = np.flatnonzero(is_start[low:]) + low
    if len(recent):
        cut = min(cut, int(pd.Series(recent).groupby(program[recent]).max().min()))
    owner = np.where(np.isnan(owner), np.inf, owner)  # (lines of no record: rejected anyway)
    after = np.minimum.accumulate(owner[::-1])[::-1]  # earliest owner from each line on
    valid = np.flatnonzero((after >= np.arange(n)) & (np.arange(n) <= cut))
    if len(valid) and valid[-1] >= low:
        return int(valid[-1])
    # a record open for longer: its late lines will be rejected rather than the whole
    # stream held back for it
    return cut
