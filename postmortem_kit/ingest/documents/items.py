"""JSON evidence documents into rows: each item taken or rejected alone.

The document formats (Alertmanager, PagerDuty, Slack, Kubernetes events, deploy lists)
give :func:`take_items` two functions: where a document's items are (``items``), and what
rows an item gives (``take``). It reads the documents, and rejects an item that is not
usable alone, named by its JSON path: one bad value rejects one alert, not the file.
Rows are flattened with dots (:func:`flatten`), their times parsed to UTC one at a time
(:func:`postmortem_kit.ingest.times.parse_time`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from postmortem_kit.ingest.documents.read import read_documents
from postmortem_kit.ingest.registry import LoadContext
from postmortem_kit.ingest.schema import TIMESTAMP_DTYPE, empty_events

Row = dict[str, Any]
# Where a document's items are: ``(JSON path, item)`` pairs (``("$", document)`` for the
# document itself).
ItemsOf = Callable[[Any], Iterable[tuple[str, Any]]]
# What one item (and the document it is in) gives: its rows, and why it is rejected (None
# when it is not). An item may give rows and be rejected too: an alert's firing is kept
# when its resolution has no time.
Take = Callable[[Any, Any], tuple[list[Row], str | None]]


def take_items(path: Path, ctx: LoadContext, items: ItemsOf, take: Take, *,
               arrange: Callable[[list[Row]], list[Row]] | None = None) -> list[Row]:
    """The rows of every item of every JSON document of ``path``.

    Each row gets ``json_path`` (where its item is) and ``line``: the document's line in a
    file of one document per line, None in a file that is one document (its JSON path
    locates the row). A rejected item is named by its JSON path, with its JSON text.
    ``arrange`` reorders the rows of one document (PagerDuty lists newest first).
    """
    rows: list[Row] = []
    for line, doc, per_line in read_documents(path, ctx):
        at = line if per_line else None
        taken: list[Row] = []
        for where, item in items(doc):
            got, problem = take(item, doc)
            taken += [dict(row, json_path=where, line=at) for row in got]
            if problem is not None:
                reject_item(ctx, path, at, where, problem, item)
        rows += arrange(taken) if arrange is not None else taken
    return rows


def items_of(doc: Any, *keys: str) -> list[tuple[str, Any]]:
    """The items of a document, with their JSON paths: those of the first of ``keys`` that
    holds a list (``alerts[0]``), those of a list (``[0]``), else the document (``$``)."""
    key = next((k for k in keys if isinstance(doc, dict) and isinstance(doc.get(k), list)),
               None)
    if key is not None:
        return [(f"{key}[{i}]", item) for i, item in enumerate(doc[key])]
    if isinstance(doc, list):
        return [(f"[{i}]", item) for i, item in enumerate(doc)]
    return [("$", doc)]


def shape_of(value: Any, keys: int = 8) -> str:
    """What a rejected item is, for its reason: its first keys, or its type."""
    if isinstance(value, dict):
        return ", ".join(str(k) for k in list(value)[:keys])
    return type(value).__name__


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
        return empty_events()
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
