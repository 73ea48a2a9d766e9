"""``jsonl``: one JSON object per line (zap, logrus, structlog, Bunyan, pino, ECS, GCP...).

The lines are parsed by :class:`~postmortem_kit.ingest.records.json_lines.JsonLines` (Arrow
in blocks, bad lines rejected alone with their numbers; a logfmt line with a time is a
record, a line of other text continues the record above it); the usual field names are
found by :mod:`postmortem_kit.ingest.records.fields`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from postmortem_kit.ingest.limits import loads
from postmortem_kit.ingest.records.fields import CANDIDATES
from postmortem_kit.ingest.records.json_lines import read_json_lines
from postmortem_kit.ingest.registry import LoadContext, register


def sniff(path: Path, head: str) -> float:
    """Most of the first lines are JSON objects: up to 0.95 with a usual time key, else 0.6."""
    lines = [ln for ln in head.splitlines()[:50] if ln.strip()]
    if len(head) >= 60_000 and len(lines) > 1:
        lines = lines[:-1]  # the head may cut the last line
    if not lines:
        return 0.0
    good = 0
    timed = False
    for ln in lines:
        if not ln.lstrip().startswith("{"):  # (only an object counts: no parse needed)
            continue
        try:
            obj = loads(ln)
        except ValueError:  # (TooDeep too)
            continue
        if isinstance(obj, dict):
            good += 1
            timed = timed or any(k in obj for k in CANDIDATES["timestamp"])
    # Real files have bad lines too: half the lines being objects is already telling.
    if good / len(lines) < 0.5 or (len(lines) == 1 and not timed):
        return 0.0
    return (0.95 if timed else 0.6) * (0.9 + 0.1 * good / len(lines))


@register("jsonl", sniff=sniff, kind="log")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read a JSON-lines file (see the module docstring for the guarantees)."""
    return read_json_lines(path, ctx)


