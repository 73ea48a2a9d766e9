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

from postmortem_kit.ingest.documents.items import (
    flatten,
    frame,
    items_of,
    keep_clear,
    shape_of,
    take_items,
)
from postmortem_kit.ingest.documents.read import has_keys, head_document
from postmortem_kit.ingest.records.fields import SERVICE_LABELS
from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.times import parse_time

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


def _take(alert: Any, doc: Any, tz: str) -> tuple[list[dict[str, Any]], str | None]:
    """The firing event of ``alert`` and, once resolved, its resolution (each keyed for
    :func:`_deduplicated`)."""
    if not isinstance(alert, dict) or not _is_alert(alert):
        if alert is doc:
            return [], f"not an Alertmanager webhook payload or alert list (found {shape_of(doc)})"
        return [], "not an alert (needs startsAt and labels)"
    starts = parse_time(alert.get("startsAt"), tz)
    if starts is None:
        return [], f"startsAt missing or not a time: {alert.get('startsAt')!r}"
    payload = doc if isinstance(doc, dict) and isinstance(doc.get("alerts"), list) else {}
    # the v2 API's list, or one of its alerts: endsAt is when it would lapse, not resolve
    api = not payload and (isinstance(doc, list) or isinstance(alert.get("status"), dict))
    status = alert.get("status")
    state_word = status.get("state") if isinstance(status, dict) else status
    base = _row(alert, payload)
    key = (_fingerprint(alert), starts.isoformat())
    rows = [_event(base, key, starts, "firing")]
    if api or state_word != "resolved":
        return rows, None
    ends = parse_time(alert.get("endsAt"), tz)
    if ends is None:
        return rows, f"resolved alert without an endsAt time: {alert.get('endsAt')!r}"
    return [*rows, _event(base, key, ends, "resolved")], None


def _row(alert: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
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
    return row


def _event(base: dict[str, Any], key: tuple[str, str], when: pd.Timestamp,
           state: str) -> dict[str, Any]:
    text = base["_text"]
    name = base.get("alert") or "alert"
    row = {k: v for k, v in base.items() if k != "_text"}
    row.update(timestamp=when, state=state, notifications=1, _key=(*key, state),
               message=f"{name} {state}: {text}" if text else f"{name} {state}")
    return row


def _deduplicated(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per firing and per resolution: a payload repeating an alert already seen
    counts in its first row's ``notifications``."""
    kept: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        key = row.pop("_key")
        if key in kept:
            kept[key]["notifications"] += 1
        else:
            kept[key] = row
    return list(kept.values())


@register("alertmanager", sniff=sniff, kind="alert")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Load Alertmanager webhook payloads or a v2 alert list from ``path``.

    Examples
    --------
    >>> events = read_events("alertmanager.jsonl", format="alertmanager")  # doctest: +SKIP
    >>> events[["timestamp", "alert", "state"]]  # doctest: +SKIP
    """
    rows = take_items(path, ctx, lambda doc: items_of(doc, "alerts"),
                      lambda alert, doc: _take(alert, doc, ctx.tz))
    return frame(_deduplicated(rows))
