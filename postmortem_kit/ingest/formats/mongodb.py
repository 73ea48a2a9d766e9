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

from postmortem_kit.ingest.records.json_lines import head_share, read_json_lines
from postmortem_kit.ingest.registry import LoadContext, register

SEVERITY = {"F": "critical", "E": "error", "W": "warning", "I": "info", "D": "debug"}


def sniff(path: Path, head: str) -> float:
    """0.97 when most first lines are MongoDB log records."""
    share = head_share(head, lambda o: isinstance(o.get("t"), dict) and "$date" in o["t"]
                       and "s" in o and "c" in o)
    return 0.97 if share >= 0.5 else 0.0


@register("mongodb", sniff=sniff, kind="log")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read a MongoDB JSON log (see the module docstring)."""
    df = read_json_lines(path, ctx, times=("t.$date",))
    if "s" in df:
        df["level"] = df["s"].astype("str").str[:1].map(SEVERITY)
    if "c" in df:
        df["service"] = df["c"].astype("str")
    return df
