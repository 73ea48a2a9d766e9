"""``argocd``: an Argo CD Application's deploy history as deploys and rollbacks
(``kubectl get application <app> -n argocd -o json``, ``argocd app get <app> -o json``, or
its ``status.history`` list alone).

Each history entry is a ``deploy`` row at ``deployedAt`` (when the sync finished and the
revision was live; ``deployStartedAt`` stays a column), its ``revision`` as ``version``, the
Application's name as the service, ``initiatedBy.username`` as the user (an automated sync
has none). Argo CD records a rollback (``argocd app rollback``) as a new entry that deploys
an earlier revision again: such an entry is a ``rollback``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from postmortem_kit.ingest.documents.items import flatten, frame, take_items
from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.times import parse_time


def sniff(path: Path, head: str) -> float:
    """0.97 for an Argo CD Application (or its history list)."""
    if re.search(r'"deployedAt"\s*:', head) and (
            "argoproj.io" in head or re.search(r'"revision"\s*:', head)):
        return 0.97
    return 0.0


def _history(doc: Any) -> list[tuple[str, Any]]:
    if isinstance(doc, list):
        return [(f"[{i}]", item) for i, item in enumerate(doc)]
    history = ((doc or {}).get("status") or {}).get("history") if isinstance(doc, dict) else None
    if isinstance(history, list):
        return [(f"status.history[{i}]", item) for i, item in enumerate(history)]
    return [("$", doc)]


def _arrange(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mark the entries that deploy a revision an earlier entry deployed (not the one just
    before it) as rollbacks."""
    seen: set[str | None] = set()
    previous = None
    for row in sorted(rows, key=lambda r: r["timestamp"]):
        revision = row.get("version")
        if revision is not None and revision in seen and revision != previous:
            row["change_type"] = "rollback"
            row["message"] = row["message"].replace(" synced ", " rolled back ", 1)
        seen.add(revision)
        previous = revision
    return rows


@register("argocd", sniff=sniff, kind="deploy")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read an Argo CD Application's history (see the module docstring)."""
    def take(entry: Any, doc: Any) -> tuple[list[dict[str, Any]], str | None]:
        if not isinstance(entry, dict) or ("revision" not in entry and "revisions" not in entry):
            return [], "not an Argo CD history entry (needs revision and deployedAt)"
        when = parse_time(entry.get("deployedAt"), ctx.tz)
        if when is None:
            return [], f"deployedAt missing or not a time: {entry.get('deployedAt')!r}"
        app = ((doc.get("metadata") or {}).get("name") if isinstance(doc, dict) else None)
        row = flatten({k: v for k, v in entry.items() if k not in ("id", "source")})
        row.update(flatten(entry.get("source") or {}, "source"))
        revision = entry.get("revision") or ",".join(entry.get("revisions") or [])
        user = (entry.get("initiatedBy") or {}).get("username")
        row.update(timestamp=when, history_id=entry.get("id"), version=revision,
                   service=app, user=user, author=user, change_type="deploy",
                   message=f"Argo CD synced {app or 'app'} to {revision}")
        return [row], None

    return frame(_arrange(take_items(path, ctx, _history, take)))
