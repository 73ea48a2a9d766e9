"""Kubernetes events (``kubectl get events -o json``) as events of kind ``log``.

Accepted shapes: a ``List`` / ``EventList`` with ``items``, a single ``Event``, a stream of
events (``kubectl get events -w -o json`` writes pretty-printed objects one after another,
``--output-watch-events`` wraps each in ``{"type": ..., "object": ...}``), and the
``events.k8s.io/v1`` spelling (``note``, ``regarding``, ``deprecatedLastTimestamp``,
``series.lastObservedTime``).

Time: the first set of ``lastTimestamp``, ``series.lastObservedTime``,
``deprecatedLastTimestamp``, ``eventTime``, ``firstTimestamp``,
``metadata.creationTimestamp`` (``eventTime`` is a series' *first* sighting). An event
with ``count`` > 1 stands for repeats of the same thing; it is one row at its last
occurrence (what ``kubectl get events`` sorts by), with ``count`` and ``firstTimestamp``
kept, because the timeline needs when it was *still* happening more than how often.

Kind ``log``, not ``note`` or ``change``: events are machine-written status lines with a
severity (``Normal`` -> info, ``Warning`` -> warning) about many objects, the same shape
as a log, so they join the log error counts and signature mining. ``note`` is for what
people write, and most events (pulls, probes, scheduling) are not changes; the rollout
ones are still findable by ``reason`` (``ScalingReplicaSet``, ``Killing``, ``Pulled``).

Columns: ``reason``, ``object`` (``Pod/checkout-7f9c6d5b8-r2kqp``), ``namespace``,
``count``, ``component`` (``source.component`` or ``reportingController``), ``host``
(``source.host`` or ``reportingInstance``, or the node an event is about), ``service``
(the workload: a pod's or ReplicaSet's name without its generated suffixes), and every
field flattened (the event's own ``kind`` and ``source`` as ``k8s_kind`` and
``k8s_source`` when they would clash with the events frame's columns).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from postmortem_kit.ingest.documents.items import (
    flatten,
    frame,
    items_of,
    keep_clear,
    take_items,
)
from postmortem_kit.ingest.documents.read import has_keys, head_document
from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.times import parse_time

TIME_FIELDS = ("lastTimestamp", "series.lastObservedTime", "deprecatedLastTimestamp",
               "eventTime", "firstTimestamp", "metadata.creationTimestamp")
LEVELS = {"normal": "info", "warning": "warning", "error": "error"}
# Generated suffixes: "<deployment>-<replicaset hash>-<pod id>", "<daemonset>-<pod id>",
# "<statefulset>-<ordinal>". Kubernetes draws them from an alphabet without vowels (so
# they never spell words), which keeps "nginx-proxy" from losing its "-proxy".
_SAFE = "[bcdfghjklmnpqrstvwxz2456789]"
_POD_SUFFIX = re.compile(rf"-{_SAFE}{{6,10}}-{_SAFE}{{5}}$|-{_SAFE}{{5}}$")
_RS_SUFFIX = re.compile(rf"-{_SAFE}{{6,10}}$")
_ORDINAL = re.compile(r"-\d+$")


def _is_event(obj: Any) -> bool:
    return isinstance(obj, dict) and (
        obj.get("kind") == "Event" or "involvedObject" in obj or "regarding" in obj)


def sniff(path: Path, head: str) -> float:
    """0.98 for an event list or event; 0.9 for event keys in a cut or streamed head."""
    doc = head_document(head)
    if isinstance(doc, dict) and doc.get("kind") in ("List", "EventList") and (
            not doc.get("items") or _is_event(doc["items"][0])):
        return 0.98
    if _is_event(doc) or (isinstance(doc, dict) and _is_event(doc.get("object"))):
        return 0.98
    if has_keys(head, "involvedObject", "reason") or has_keys(head, "regarding", "reason"):
        return 0.9
    return 0.0


def _service(kind: str | None, name: str | None) -> str | None:
    if not name or kind == "Node":
        return None
    if kind == "Pod":
        stripped = _POD_SUFFIX.sub("", name)
        return _ORDINAL.sub("", stripped) if stripped == name else stripped
    if kind == "ReplicaSet":
        return _RS_SUFFIX.sub("", name)
    return name


def _row(event: dict[str, Any], tz: str) -> tuple[list[dict[str, Any]], str | None]:
    flat = flatten(event)
    when = next((t for f in TIME_FIELDS if (t := parse_time(flat.get(f), tz)) is not None), None)
    if when is None:
        return [], f"no time: {', '.join(TIME_FIELDS)} all empty or unreadable"
    obj = event.get("involvedObject") or event.get("regarding") or {}
    source = event.get("source") or {}
    kind, name = obj.get("kind"), obj.get("name")
    row = keep_clear(flat, "k8s")  # "kind": "Event" is not the events frame's kind
    row.update(
        timestamp=when,
        level=LEVELS.get(str(event.get("type", "")).lower(), event.get("type")),
        message=str(event.get("message") or event.get("note") or event.get("reason") or ""),
        reason=event.get("reason"),
        object=f"{kind}/{name}" if kind and name else name,
        namespace=obj.get("namespace") or (event.get("metadata") or {}).get("namespace"),
        component=(source.get("component") or event.get("reportingComponent")
                   or event.get("reportingController")),
        # kubelet's reportingInstance is its node's name
        host=(source.get("host") or event.get("reportingInstance")
              or (name if kind == "Node" else None)),
        service=_service(kind, name),
    )
    count = event.get("count") or (event.get("series") or {}).get("count") or \
        event.get("deprecatedCount")
    row["count"] = int(count) if isinstance(count, int | float) else None
    return [row], None


def _items(doc: Any) -> list[tuple[str, Any]]:
    if (isinstance(doc, dict) and not isinstance(doc.get("items"), list)
            and isinstance(doc.get("object"), dict) and "type" in doc):
        return [("object", doc["object"])]  # a watch event: {"type": "ADDED", "object": ...}
    return items_of(doc, "items")


def _take(event: Any, tz: str) -> tuple[list[dict[str, Any]], str | None]:
    if not _is_event(event):
        kind = event.get("kind") if isinstance(event, dict) else type(event).__name__
        return [], f"not a Kubernetes Event (found {kind})"
    return _row(event, tz)


@register("k8s-events", sniff=sniff, kind="log")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Load Kubernetes events from ``kubectl get events -o json`` output (or a watch stream).

    Examples
    --------
    >>> ev = read_events("events.json", format="k8s-events")  # doctest: +SKIP
    >>> ev.loc[ev["level"] == "warning", ["timestamp", "object", "reason"]]  # doctest: +SKIP
    """
    df = frame(take_items(path, ctx, _items, lambda event, doc: _take(event, ctx.tz)))
    if "count" in df:
        df["count"] = df["count"].astype("Int64")
    return df
