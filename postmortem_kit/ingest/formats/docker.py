"""``docker``: Docker's ``json-file`` log driver (``<id>-json.log`` under
``/var/lib/docker/containers/``).

One JSON object per line: ``{"log": "text\\n", "stream": "stdout", "time": "<RFC 3339, ns>"}``,
maybe with ``attrs`` (the ``labels`` / ``env`` / ``tag`` log options). The line's final
newline is dropped from ``message``; a line dockerd cut into 16 KiB pieces (all but the
last without the newline) is joined into one record
(:func:`~postmortem_kit.ingest.records.partials.join_partials`). ``stream`` is kept.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from postmortem_kit.ingest.files.blocks import iter_blocks
from postmortem_kit.ingest.limits import loads
from postmortem_kit.ingest.records.json_lines import JsonLines
from postmortem_kit.ingest.records.partials import join_partials
from postmortem_kit.ingest.registry import LoadContext, register

_KEYS = {"log", "stream", "time"}


def sniff(path: Path, head: str) -> float:
    """0.97 when most of the first lines are Docker json-file records."""
    lines = [ln for ln in head.splitlines()[:20] if ln.strip()]
    if len(head) >= 60_000 and len(lines) > 1:
        lines = lines[:-1]
    hits = 0
    for ln in lines:
        try:
            obj = loads(ln)
        except ValueError:
            continue
        hits += isinstance(obj, dict) and _KEYS <= obj.keys() and set(obj) <= _KEYS | {"attrs"}
    return 0.97 if lines and hits / len(lines) >= 0.5 else 0.0


@register("docker", sniff=sniff, kind="log")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read a Docker json-file log (see the module docstring)."""
    reader = JsonLines(path, ctx, times=("time",))
    for block in iter_blocks(path, ctx):
        reader.feed(block)
    df = reader.frame()
    if not len(df) or "message" not in df:
        return df
    text = df["message"].astype("str")
    ended = text.str.endswith("\n")
    df["message"] = text.str.removesuffix("\n")
    if "stream" not in df:
        df["stream"] = pd.Series("", index=df.index, dtype="str")
    df = join_partials(df, ended)
    df["message"] = df["message"].str.removesuffix("\r")
    return df
