"""PagerDuty: incident log entries (REST API) and the incidents CSV export, as ``page`` events.

Accepted shapes:

- ``GET /incidents/{id}/log_entries`` (or ``GET /log_entries``): ``{"log_entries": [...]}``,
  a bare list of entries, or one entry per line. Each entry becomes one event at
  ``created_at``; its ``type`` gives ``state`` (``trigger_log_entry`` -> ``triggered``,
  ``acknowledge_log_entry`` -> ``acknowledged``, ``escalate`` -> ``escalated``, ``resolve``
  -> ``resolved``, ``notify`` -> ``notified``, ``assign`` -> ``assigned``, ``annotate`` ->
  ``annotated``, ...). ``user`` is who acted (the agent, when it is a user) or, for a
  notification, who was notified; ``service`` the service's name; the whole entry is kept
  flattened (``agent.summary``, ``channel.type``, ``incident.summary`` ...).
- the incidents CSV export, in its several spellings (``created_on`` / ``Created At``,
  ``acknowledged_at`` / ``First Acknowledged At``, ``resolved_on`` / ``Resolved At``,
  ``description`` / ``title``, ``service_name`` / ``Service``, and ``seconds_to_first_ack``
  / ``seconds_to_resolve`` when only durations are given). Each incident yields a
  ``triggered`` event and, when the export has them, ``acknowledged`` and ``resolved``.

The export's ``status`` column (``resolved``, ``triggered``) is kept as ``incident_status``:
``status`` is the events frame's HTTP status column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from postmortem_kit.ingest.documents import csv_exports
from postmortem_kit.ingest.documents.items import (
    flatten,
    frame,
    items_of,
    keep_clear,
    shape_of,
    take_items,
)
from postmortem_kit.ingest.documents.read import has_keys, head_document
from postmortem_kit.ingest.files.decompress import read_head
from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.times import parse_time

STATES = {"trigger": "triggered", "acknowledge": "acknowledged", "unacknowledge":
          "unacknowledged", "escalate": "escalated", "resolve": "resolved", "notify": "notified",
          "assign": "assigned", "reassign": "reassigned", "annotate": "annotated", "snooze":
          "snoozed", "delegate": "delegated", "repeat_escalation_path": "escalated",
          "exhaust_escalation_path": "escalation_exhausted", "urgency_change": "urgency_changed",
          "priority_change": "priority_changed", "link": "linked", "unlink": "unlinked"}

CREATED = ("created_on", "created_at", "created", "triggered_at", "opened_at", "start_time")
ACKED = ("acknowledged_at", "acknowledged_on", "first_acknowledged_at", "first_acknowledged_on",
         "first_acknowledged", "first_ack_at", "acknowledged")
RESOLVED = ("resolved_at", "resolved_on", "resolved", "closed_at", "end_time")
TITLE = ("description", "title", "summary", "incident_title", "name")
SERVICE = ("service_name", "service", "service_summary")
NUMBER = ("incident_number", "number")
ACK_BY = ("acknowledged_by", "first_acknowledged_by", "acknowledged_by_user",
          "acknowledged_by_user_names", "acknowledged_by_user_name", "acknowledgers")
RESOLVED_BY = ("resolved_by", "resolved_by_user", "resolved_by_user_name",
               "resolved_by_user_names")
_CSV_HINTS = {"incident_number", "urgency", "escalation_policy_name", "escalation_policy",
              "seconds_to_first_ack", "service_name"}


def sniff(path: Path, head: str) -> float:
    """0.98 for log entries, 0.9 for an incidents CSV header (a created time and PD columns)."""
    doc = head_document(head)
    if isinstance(doc, dict) and ("log_entries" in doc or _is_entry(doc)):
        return 0.98
    if isinstance(doc, list) and doc and isinstance(doc[0], dict) and _is_entry(doc[0]):
        return 0.98
    if has_keys(head, "log_entries") or ('_log_entry"' in head and has_keys(head, "created_at")):
        return 0.9
    header = set(csv_exports.header_of(head))
    if header & set(CREATED) and len(header & _CSV_HINTS) >= 2:
        return 0.9
    return 0.0


def _is_entry(obj: dict[str, Any]) -> bool:
    return str(obj.get("type", "")).endswith("_log_entry")


def _state(entry_type: str) -> str:
    verb = entry_type.removesuffix("_log_entry")
    return STATES.get(verb, verb)


def _entry_row(entry: dict[str, Any], tz: str) -> tuple[list[dict[str, Any]], str | None]:
    when = parse_time(entry.get("created_at"), tz)
    if when is None:
        return [], f"created_at missing or not a time: {entry.get('created_at')!r}"
    row = keep_clear(flatten({k: v for k, v in entry.items() if k not in ("user", "service")}),
                     "pd")
    for key in ("user", "service"):  # flattened under their own prefix, names set below
        if isinstance(entry.get(key), dict):
            row.update(flatten(entry[key], key))
    agent, notified = entry.get("agent") or {}, entry.get("user") or {}
    who = agent.get("summary") if agent.get("type") == "user_reference" else None
    row["user"] = who or notified.get("summary")
    row["service"] = (entry.get("service") or {}).get("summary")
    row["state"] = _state(str(entry.get("type")))
    channel = entry.get("channel") or {}
    text = str(entry.get("summary") or row["state"])
    if channel.get("type") == "note" and channel.get("summary"):
        text = f"{text}: {channel['summary']}"  # the note itself is what a reader wants
    row.update(timestamp=when, message=text)
    return [row], None


def _entries(doc: Any) -> list[tuple[str, Any]]:
    if (isinstance(doc, dict) and not isinstance(doc.get("log_entries"), list)
            and isinstance(doc.get("log_entry"), dict)):
        return [("log_entry", doc["log_entry"])]  # GET /log_entries/{id}
    return items_of(doc, "log_entries")


def _take(entry: Any, tz: str) -> tuple[list[dict[str, Any]], str | None]:
    if not isinstance(entry, dict) or not _is_entry(entry):
        return [], f"not a PagerDuty log entry (found {shape_of(entry)})"
    return _entry_row(entry, tz)


def _oldest_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The API lists newest first; reversed, entries of the same second (a trigger and its
    assignment) keep their real order through the stable sort by time."""
    if len(rows) > 1 and rows[0]["timestamp"] > rows[-1]["timestamp"]:
        return rows[::-1]
    return rows


def _csv_rows(path: Path, ctx: LoadContext) -> list[dict[str, Any]]:
    rows = []
    for line, rec in csv_exports.read_records(path, ctx):
        created_col, created = csv_exports.pick(rec, CREATED)
        t0 = parse_time(created, ctx.tz)
        if t0 is None:
            ctx.rejects.add(str(path), line, f"{created_col or 'created_on'} missing or not a "
                            f"time: {created!r}", ",".join(rec.values()))
            continue
        base = keep_clear({("incident_status" if k == "status" else k): v
                           for k, v in rec.items()}, "pd")
        _, title = csv_exports.pick(rec, TITLE)
        _, number = csv_exports.pick(rec, NUMBER)
        _, service = csv_exports.pick(rec, SERVICE)
        label = f"#{number} " if number else ""
        events: list[tuple[str, pd.Timestamp, str | None]] = [("triggered", t0, None)]
        for state, cols, secs, by in (("acknowledged", ACKED, "seconds_to_first_ack", ACK_BY),
                                      ("resolved", RESOLVED, "seconds_to_resolve", RESOLVED_BY)):
            col, value = csv_exports.pick(rec, cols)
            when = parse_time(value, ctx.tz)
            if value and when is None:
                ctx.rejects.add(str(path), line, f"{col} is not a time: {value!r} (the "
                                "incident's other events are kept)", ",".join(rec.values()))
            if when is None and csv_exports.pick(rec, [secs])[1]:
                try:
                    when = t0 + pd.Timedelta(seconds=float(rec[secs]))
                except ValueError:
                    when = None
            if when is not None:
                events.append((state, when, csv_exports.pick(rec, by)[1]))
        for state, when, who in events:
            rows.append(dict(base, timestamp=when, state=state, service=service, user=who,
                             line=line, message=f"{label}{state}: {title or ''}".rstrip(": ")))
    return rows


@register("pagerduty", sniff=sniff, kind="page")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Load PagerDuty log entries (JSON) or an incidents CSV export from ``path``.

    Examples
    --------
    >>> pages = read_events("pagerduty.json", format="pagerduty")  # doctest: +SKIP
    >>> pages.loc[pages["state"] == "acknowledged", ["timestamp", "user"]]  # doctest: +SKIP
    """
    is_json = read_head(path, 4096).lstrip().startswith(("{", "["))
    if is_json:
        rows = take_items(path, ctx, _entries, lambda entry, doc: _take(entry, ctx.tz),
                          arrange=_oldest_first)
    else:
        rows = _csv_rows(path, ctx)
    return frame(rows)
