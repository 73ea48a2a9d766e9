"""``cri``: Kubernetes container logs in the CRI format (``/var/log/pods/.../0.log``).

containerd and CRI-O write ``<RFC 3339 with ns> <stdout|stderr> <P|F> <text>`` per line
(kubelet reads them back for ``kubectl logs``). ``F`` ends a log line; a line longer than
the runtime's buffer comes as ``P`` pieces followed by the ``F`` that ends it, maybe with
the other stream's lines between: they are joined into one record with the time and
line number of its first piece
(:func:`~postmortem_kit.ingest.records.partials.join_partials`). Pieces never ended by an
``F`` are kept, joined, with ``partial`` True. Columns: ``stream``, ``partial``; and
``service`` (the container), ``pod``, ``namespace`` where the kubelet's path names them
(:func:`~postmortem_kit.ingest.containers.path_labels`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from postmortem_kit.ingest.containers import path_labels
from postmortem_kit.ingest.records.partials import join_partials
from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.shapes import load_shape, share_matching

PATTERN = (r"^(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) "
           r"(?P<stream>stdout|stderr) (?P<tag>[PF])(?::\S*)?(?: (?P<message>.*))?$")


def sniff(path: Path, head: str) -> float:
    """Up to 0.97: the share of the first lines in the CRI format."""
    return round(0.97 * share_matching(head, PATTERN), 3)


def _columns(groups: pa.Table, ctx: LoadContext) -> pa.Table:
    message = groups.column("message").fill_null("")
    return groups.set_column(groups.column_names.index("message"), "message", message)


@register("cri", sniff=sniff, kind="log")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read a CRI container log (see the module docstring)."""
    df = load_shape(path, ctx, PATTERN, _columns,
                    unmatched="not a CRI log line (<time> <stdout|stderr> <P|F> <text>)",
                    bad_time="CRI time is not RFC 3339")
    if not len(df) or "tag" not in df:
        return df
    df = join_partials(df, df["tag"] == "F").drop(columns=["tag"])
    for name, value in path_labels(path).items():
        df[name] = value
    return df
