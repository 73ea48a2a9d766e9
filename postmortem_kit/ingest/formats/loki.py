"""``loki`` and ``loki-text``: Grafana Loki exports written by ``logcli query``.

``--output=jsonl`` writes ``{"labels": {...}, "line": "...", "timestamp": "<RFC 3339, ns>"}``
per line; the default output writes ``<RFC 3339> {app="x", level="error"} <line>`` (labels
padded to one width; the labels every line shares are printed apart, on stderr).
Both list the newest entry first (``--forward`` reverses it); the rows come out sorted.
The labels are kept as ``labels.<name>``; the usual ones give the service
(:data:`~postmortem_kit.ingest.records.fields.SERVICE_LABELS`), the host
(:data:`~postmortem_kit.ingest.records.fields.HOST_LABELS`) and the level (``level``,
``detected_level``, ``severity``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from postmortem_kit.ingest.limits import loads
from postmortem_kit.ingest.records.fields import HOST_LABELS, SERVICE_LABELS
from postmortem_kit.ingest.records.json_lines import head_share, read_json_lines
from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.shapes import load_shape, share_matching

LEVEL_LABELS = ("level", "detected_level", "severity", "lvl")
_VALUE = r'"(?:[^"\\]|\\.)*"'
TEXT_PATTERN = (r"^(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) "
                r"(?P<labels>\{(?:[^\"}]|" + _VALUE + r")*\}) +(?P<message>.*)$")
_LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*")')


def sniff(path: Path, head: str) -> float:
    """0.97 when most of the first lines are logcli jsonl entries."""
    share = head_share(head, lambda o: {"line", "timestamp"} <= o.keys()
                       and set(o) <= {"labels", "line", "timestamp"})
    return 0.97 if share >= 0.5 else 0.0


@register("loki", sniff=sniff, kind="log")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read ``logcli query --output=jsonl`` (see the module docstring)."""
    df = read_json_lines(path, ctx, times=("timestamp",))
    if "line_raw" in df:  # ("line" is the events frame's: the loader kept Loki's aside)
        df["message"] = df.pop("line_raw")
    return from_labels(df)


def text_sniff(path: Path, head: str) -> float:
    """Up to 0.97: the share of the first lines in logcli's default layout."""
    return round(0.97 * share_matching(head, TEXT_PATTERN), 3)


@register("loki-text", sniff=text_sniff, kind="log")
def load_text(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read logcli's default output (see the module docstring)."""
    df = load_shape(path, ctx, TEXT_PATTERN, lambda groups, ctx: groups,
                    unmatched="not a logcli line (<time> {labels} <line>)",
                    bad_time="logcli time is not RFC 3339")
    if not len(df) or "labels" not in df:
        return df
    codes, sets = pd.factorize(df.pop("labels"))
    parsed = [dict((k, loads(v)) for k, v in _LABEL.findall(s)) for s in sets]
    names = list(dict.fromkeys(k for labels in parsed for k in labels))
    for name in names:
        values = pd.array([labels.get(name) for labels in parsed] + [None], dtype="str")
        df[f"labels.{name}"] = values[codes]
    return from_labels(df)


def from_labels(df: pd.DataFrame) -> pd.DataFrame:
    """``service``, ``host`` and ``level`` from the stream labels (``labels.<name>``),
    where the record has none of its own."""
    for column, names in (("service", SERVICE_LABELS), ("host", HOST_LABELS),
                          ("level", LEVEL_LABELS)):
        for name in names:
            label = f"labels.{name}"
            if label not in df:
                continue
            values = df[label].astype("str")
            df[column] = values if column not in df else df[column].astype("str").fillna(values)
    return df


