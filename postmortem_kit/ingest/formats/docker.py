"""``docker``: Docker's ``json-file`` log driver (``<id>-json.log`` under
``/var/lib/docker/containers/``).

One JSON object per line: ``{"log": "text\\n", "stream": "stdout", "time": "<RFC 3339, ns>"}``,
maybe with ``attrs`` (the ``labels`` / ``env`` / ``tag`` log options). The line's final
newline is dropped from ``message``; a line dockerd cut into 16 KiB pieces (all but the
last without the newline) is joined into one record
(:func:`~postmortem_kit.ingest.records.partials.join_partials`). ``stream`` is kept;
``service`` is the compose service or the ``tag`` log option where ``attrs`` has them, and
``container_id`` comes from the path (:func:`~postmortem_kit.ingest.containers.path_labels`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from postmortem_kit.ingest.containers import path_labels
from postmortem_kit.ingest.records.json_lines import head_share, read_json_lines
from postmortem_kit.ingest.records.partials import join_partials
from postmortem_kit.ingest.registry import LoadContext, register

_KEYS = {"log", "stream", "time"}


def sniff(path: Path, head: str) -> float:
    """0.97 when most of the first lines are Docker json-file records."""
    share = head_share(head, lambda o: _KEYS <= o.keys() and set(o) <= _KEYS | {"attrs"})
    return 0.97 if share >= 0.5 else 0.0


@register("docker", sniff=sniff, kind="log")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read a Docker json-file log (see the module docstring)."""
    df = read_json_lines(path, ctx, times=("time",))
    if not len(df) or "message" not in df:
        return df
    text = df["message"].astype("str")
    ended = text.str.endswith("\n")
    df["message"] = text.str.removesuffix("\n")
    if "stream" not in df:
        df["stream"] = pd.Series("", index=df.index, dtype="str")
    df = join_partials(df, ended)
    df["message"] = df["message"].str.removesuffix("\r")
    if "attrs.tag" in df:  # compose's label is found as the service already (``*.service``)
        tag = df["attrs.tag"].astype("str")
        df["service"] = df["service"].astype("str").fillna(tag) if "service" in df else tag
    for name, value in path_labels(path).items():
        df[name] = value
    return df
