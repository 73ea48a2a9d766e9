"""JSON evidence documents into rows: each item taken or rejected alone.

The document formats (Alertmanager, PagerDuty, Slack, Kubernetes events, deploy lists)
turn each document's items into rows: flattened with dots, times parsed to UTC one at a
time so one bad value rejects one item (named by its JSON path), not the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from postmortem_kit.ingest.registry import LoadContext
from postmortem_kit.ingest.schema import TIMESTAMP_DTYPE


def reject_item(ctx: LoadContext, file: str | Path, line: int | None, where: str,
                reason: str, item: Any) -> None:
    """Reject one JSON item, named by its JSON path; RejectLog keeps (and shortens) its text."""
    ctx.rejects.add(str(file), line, f"{where}: {reason}", json.dumps(item, default=str))


def flatten(obj: Any, prefix: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    """Nested mappings as one level with dotted keys; lists become JSON text.

    Lists are kept whole (as JSON) rather than exploded, so a column stays one value per
    row and nothing the source said is lost.
    """
    out = {} if out is None else out
    if isinstance(obj, dict):
        if not obj and prefix:
            out[prefix] = "{}"
        for k, v in obj.items():
            flatten(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(obj, list):
        out[prefix] = json.dumps(obj, ensure_ascii=False)
    else:
        out[prefix] = obj
    return out


# Events-frame columns that a source's own field of the same name must not fill: they mean
# something else there (an HTTP status, the evidence source, the kind of evidence).
RESERVED = ("timestamp", "source", "kind", "level", "line", "status")


def keep_clear(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    """``row`` with source fields named like :data:`RESERVED` columns renamed ``prefix_name``."""
    return {(f"{prefix}_{k}" if k in RESERVED else k): v for k, v in row.items()}


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows (dicts with a UTC ``timestamp``) as a frame; time column typed, text kept.

    Values of mixed types in one column (a label that is a number in one alert and text in
    the next) become text, so the frame never fails to build.
    """
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame({"timestamp": pd.Series([], dtype=TIMESTAMP_DTYPE),
                             "message": pd.Series([], dtype="str")})
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True).astype(TIMESTAMP_DTYPE)
    for col in df.columns:
        if df[col].dtype == object:
            kinds = {type(v) for v in df[col].dropna()}
            if len(kinds) > 1 or kinds & {dict, list}:
                df[col] = df[col].map(_as_text, na_action="ignore").astype("str")
            elif kinds <= {str}:
                df[col] = df[col].astype("str")
    return df


def _as_text(v: Any) -> str:
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)
