"""Alertmanager: webhook payloads and the v2 API alert list, one event per firing and resolution.

Accepted shapes:

- webhook payloads (``version`` "4", ``status``, ``alerts[]`` each with ``status``,
  ``labels``, ``annotations``, ``startsAt``, ``endsAt``, ``fingerprint``), one per file or
  one per line, as a webhook receiver logs them;
- ``GET /api/v2/alerts``: a JSON list of alerts with ``status.state``, ``startsAt``,
  ``endsAt`` and ``updatedAt``.

Each alert yields a ``firing`` event at ``startsAt`` and, once a payload reports it
``resolved``, a ``resolved`` event at ``endsAt``. Alertmanager re-sends every alert of a
group whenever the group changes (a new alert joins, one resolves) and again every
``repeat_interval``, so the same alert appears in many payloads. Those repeats are the same
firing, not new ones: events are deduplicated on ``fingerprint`` + ``startsAt`` (an alert
that resolves and fires again gets a new ``startsAt``, so it does count twice), keeping the
first payload's line and counting the payloads in ``notifications``.

Go's zero time ``0001-01-01T00:00:00Z`` in ``endsAt`` means "still firing". In the v2 API
list ``endsAt`` is only the time the alert would lapse if Prometheus stopped re-sending
it, not a resolution, so that list yields firing events only.

Columns: ``alert`` (the ``alertname`` label), ``state``, ``level`` from the ``severity``
label, ``service`` from the ``service``/``app``/``job`` labels, every label and annotation as
``labels.x`` / ``annotations.x``, the alert's other fields under their own names
(``startsAt``, ``endsAt``, ``fingerprint``, ``generatorURL``, ``status.state`` ...), the
payload's ``receiver`` and ``groupKey``, and ``json_path`` (``alerts[2]``, ``[5]``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd

from postmortem_kit.ingest.documents.items import flatten, frame, keep_clear, reject_item
from postmortem_kit.ingest.documents.read import has_keys, head_document
from postmortem_kit.ingest.documents.read import read_documents as _read_documents
from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.times import parse_time

SERVICE_LABELS = ("service", "app", "application", "app_kubernetes_io_name", "job", "container")
_PAYLOAD_KEYS = ("receiver", "groupKey", "externalURL", "version")
_SKIP = {"labels", "annotations", "status"}  # handled on their own: status becomes ``state``


def sniff(path: Path, head: str) -> float:
    """0.98 for a webhook payload or a v2 alert list, 0.9 for their keys in a cut head."""
    doc = head_document(head)
    if isinstance(doc, dict) and isinstance(doc.get("alerts"), list) and (
        "groupKey" in doc or "receiver" in doc or "version" in doc
    ):
        return 0.98
    if isinstance(doc, list) and doc and isinstance(doc[0], dict) and _is_alert(doc[0]):
        return 0.98
    if has_keys(head, "alerts", "startsAt", "labels"):
        return 0.9
    if head.lstrip().startswith("[") and has_keys(head, "startsAt", "fingerprint", "labels"):
        return 0.9
    return 0.0


def _is_alert(obj: dict[str, Any]) -> bool:
    return "startsAt" in obj and isinstance(obj.get("labels"), dict)


def _fingerprint(alert: dict[str, Any]) -> str:
    # Alertmanager's own fingerprint hashes the label set; old payloads may lack it.
    fp = alert.get("fingerprint")
    if fp:
        return str(fp)
    labels = json.dumps(alert.get("labels", {}), sort_keys=True)
    return "labels:" + hashlib.sha1(labels.encode()).hexdigest()[:16]


class _Events:
    """Firing and resolution events of one load, deduplicated as payloads repeat alerts."""

    def __init__(self, path: Path, ctx: LoadContext):
        self.file = str(path)
        self.ctx = ctx
        self.rows: dict[tuple[str, str, str], dict[str, Any]] = {}

    def reject(self, line: int | None, where: str, why: str, obj: Any) -> None:
        reject_item(self.ctx, self.file, line, where, why, obj)

    def add(self, alert: Any, where: str, line: int | None, payload: dict[str, Any],
            api: bool) -> None:
        if not isinstance(alert, dict) or not _is_alert(alert):
            self.reject(line, where, "not an alert (needs startsAt and labels)", alert)
            return
        starts = parse_time(alert.get("startsAt"), self.ctx.tz)
        if starts is None:
            self.reject(line, where, f"startsAt missing or not a time: {alert.get('startsAt')!r}",
                        alert)
            return
        status = alert.get("status")
        state_word = status.get("state") if isinstance(status, dict) else status
        base = self._row(alert, payload, where, line)
        fp = _fingerprint(alert)
        self._emit((fp, starts.isoformat(), "firing"), base, starts, "firing")
        if api or state_word != "resolved":
            return
        ends = parse_time(alert.get("endsAt"), self.ctx.tz)
        if ends is None:
            self.reject(line, where, "resolved alert without an endsAt time: "
                        f"{alert.get('endsAt')!r}", alert)
            return
        self._emit((fp, starts.isoformat(), "resolved"), base, ends, "resolved")

    def _row(self, alert: dict[str, Any], payload: dict[str, Any], where: str,
             line: int | None) -> dict[str, Any]:
        labels = {str(k): v for k, v in (alert.get("labels") or {}).items()}
        notes = alert.get("annotations") or {}
        row: dict[str, Any] = {k: payload[k] for k in _PAYLOAD_KEYS if k in payload}
        row.update(keep_clear(flatten({k: v for k, v in alert.items() if k not in _SKIP}), "am"))
        if isinstance(alert.get("status"), dict):
            row.update(flatten(alert["status"], "status"))
        row.update(flatten(labels, "labels"))
        row.update(flatten(notes, "annotations"))
        row["alert"] = labels.get("alertname")
        row["level"] = labels.get("severity")
        row["service"] = next((str(labels[k]) for k in SERVICE_LABELS if labels.get(k)), None)
        row["_text"] = next((str(notes[k]) for k in ("summary", "description", "message")
                             if notes.get(k)), None)
        row["json_path"] = where
        row["line"] = line
        return row

    def _emit(self, key: tuple[str, str, str], base: dict[str, Any], when: pd.Timestamp,
              state: str) -> None:
        if key in self.rows:
            self.rows[key]["notifications"] += 1
            return
        row = dict(base, timestamp=when, state=state, notifications=1)
        name = row.get("alert") or "alert"
        row["message"] = f"{name} {state}: {row['_text']}" if row["_text"] else f"{name} {state}"
        self.rows[key] = row

    def frame(self) -> pd.DataFrame:
        rows = [{k: v for k, v in r.items() if k != "_text"} for r in self.rows.values()]
        df = frame(rows)
        if "line" in df:
            df["line"] = df["line"].astype("Int64")
        return df


@register("alertmanager", sniff=sniff, kind="alert")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Load Alertmanager webhook payloads or a v2 alert list from ``path``.

    Examples
    --------
    >>> events = read_events("alertmanager.jsonl", format="alertmanager")  # doctest: +SKIP
    >>> events[["timestamp", "alert", "state"]]  # doctest: +SKIP
    """
    ev = _Events(path, ctx)
    for line, doc, per_line in _read_documents(path, ctx):
        at = line if per_line else None
        if isinstance(doc, dict) and isinstance(doc.get("alerts"), list):
            for i, alert in enumerate(doc["alerts"]):
                ev.add(alert, f"alerts[{i}]", at, doc, api=False)
        elif isinstance(doc, dict) and _is_alert(doc):
            ev.add(doc, "$", at, {}, api=isinstance(doc.get("status"), dict))
        elif isinstance(doc, list):
            for i, alert in enumerate(doc):
                ev.add(alert, f"[{i}]", at, {}, api=True)
        else:
            keys = ", ".join(list(doc)[:8]) if isinstance(doc, dict) else type(doc).__name__
            ev.reject(at if per_line else line, "$", "not an Alertmanager webhook payload or "
                      f"alert list (found {keys})", doc)
    return ev.frame()
