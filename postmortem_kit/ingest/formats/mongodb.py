"""``mongodb``: MongoDB's structured log (4.4 and later), one JSON object per line::

    {"t":{"$date":"2024-05-01T10:00:03.512+00:00"},"s":"W","c":"COMMAND","id":51803,
     "ctx":"conn4211","msg":"Slow query","attr":{"durationMillis":3012, ...}}

``t.$date`` is the time, ``s`` the severity (``F`` fatal, ``E``, ``W``, ``I``, ``D1``..``D5``
debug), ``c`` the component (the service column: NETWORK, COMMAND, REPL...), ``msg`` the
message; ``id``, ``ctx`` and ``attr.*`` are kept.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from postmortem_kit.ingest.files.blocks import iter_blocks
from postmortem_kit.ingest.limits import loads
from postmortem_kit.ingest.records.json_lines import JsonLines
from postmortem_kit.ingest.registry import LoadContext, register

SEVERITY = {"F": "critical", "E": "error", "W": "warning", "I": "info", "D": "debug"}


def sniff(path: Path, head: str) -> float:
    """0.97 when most first lines are MongoDB log records."""
    lines = [ln for ln in head.splitlines()[:20] if ln.strip()]
    if len(head) >= 60_000 and len(lines) > 1:
        lines = lines[:-1]
    hits = 0
    for ln in lines:
        try:
            obj = loads(ln)
        except ValueError:
            continue
        hits += (isinstance(obj, dict) and isinstance(obj.get("t"), dict)
                 and "$date" in obj["t"] and "s" in obj and "c" in obj)
    return 0.97 if lines and hits / len(lines) >= 0.5 else 0.0


@register("mongodb", sniff=sniff, kind="log")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read a MongoDB JSON log (see the module docstring)."""
    reader = JsonLines(path, ctx, times=("t.$date",))
    for block in iter_blocks(path, ctx):
        reader.feed(block)
    df = reader.frame()
    if "s" in df:
        df["level"] = df["s"].astype("str").str[:1].map(SEVERITY)
    if "c" in df:
        df["service"] = df["c"].astype("str")
    return df
