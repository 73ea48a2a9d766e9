"""A saved Prometheus API answer: ``query_range`` (``matrix``) or ``query`` (``vector``).

What ``curl 'http://prometheus:9090/api/v1/query_range?query=...'`` prints, or what
Grafana's query inspector shows as the response, saved to a file. The answer does not say
which query it answers, so the file's name does: ``error_ratio.json`` gives ``metric``
rows named ``error_ratio``, which ``derive_timeline`` takes as the error-ratio SLI (the
same convention as :func:`~postmortem_kit.ingest.prometheus.read_prometheus`'s query
names). Series named ``ALERTS`` become ``alert`` events (firing where a run of samples
starts, resolved a step after it ends).

An answer with ``"status": "error"`` is rejected with Prometheus' own error text.
"""

from __future__ import annotations

import bz2
import gzip
import json
import re
from pathlib import Path

import pandas as pd

from postmortem_kit.ingest.prometheus import matrix_events
from postmortem_kit.ingest.registry import LoadContext, register

_KEYS = re.compile(r'"resultType"\s*:\s*"(?:matrix|vector)"')


def sniff(path: Path, head: str) -> float:
    """0.97 for a JSON document holding a ``matrix`` or ``vector`` result."""
    text = head.lstrip()
    if text.startswith("{") and _KEYS.search(head) and '"result"' in head:
        return 0.97
    return 0.0


def _read(path: Path) -> bytes:
    with open(path, "rb") as fh:
        magic = fh.read(3)
    opener = gzip.open if magic[:2] == b"\x1f\x8b" else bz2.open if magic == b"BZh" else open
    with opener(path, "rb") as fh:
        return fh.read()


@register("prometheus-json", sniff=sniff, kind="metric")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Load a saved ``query_range`` / ``query`` answer from ``path``.

    Examples
    --------
    >>> events = read_events("error_ratio.json")  # doctest: +SKIP
    >>> events[["timestamp", "metric", "value"]]  # doctest: +SKIP
    """
    file = str(path)
    try:
        doc = json.loads(_read(path))
    except (ValueError, UnicodeDecodeError, EOFError, OSError) as exc:
        ctx.rejects.add(file, None, f"not a JSON document: {exc}")
        return pd.DataFrame({"timestamp": [], "message": []})
    if not isinstance(doc, dict) or doc.get("status") == "error":
        error = doc.get("error") if isinstance(doc, dict) else None
        ctx.rejects.add(file, None, f"Prometheus answered with an error: {error}"
                        if error else "not a Prometheus API answer (no status/data)")
        return pd.DataFrame({"timestamp": [], "message": []})
    data = doc.get("data") or {}
    result = data.get("result") if isinstance(data, dict) else None
    if not isinstance(result, list):
        ctx.rejects.add(file, None, "not a Prometheus API answer: no data.result list")
        return pd.DataFrame({"timestamp": [], "message": []})
    good = []
    for i, series in enumerate(result):
        points = series.get("values") if isinstance(series, dict) else None
        if isinstance(series, dict) and points is None and "value" in series:
            points = [series["value"]]
        if not isinstance(points, list) or not all(
                isinstance(p, list) and len(p) == 2 for p in points):
            ctx.rejects.add(file, None, f"data.result[{i}]: not a series (needs metric and "
                            "values: [[time, \"value\"], ...])", json.dumps(series)[:300])
            continue
        good.append(series)
    name = path.name.split(".")[0] or ctx.source  # error_ratio.json(.gz) -> error_ratio
    events = matrix_events(good, name, source=ctx.source)
    return events.drop(columns=["source"])
