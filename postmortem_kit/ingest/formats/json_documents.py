"""``json``: the general rule for JSON exports of any platform.

A JSON array of records, or an object whose one large array holds them (``hits.hits``,
``events``, ``entries``, ``data.result``, ``log_entries``, ...): the array is found from
the head of the file, its records are streamed and flattened with dots, and the usual
field names are found as for JSON lines, also nested (``fields.message``,
``jsonPayload.message``, ``log.level``, ``attributes.level``); see
:mod:`postmortem_kit.ingest.documents.records`. A file of such documents one per line
(a log of API responses) works the same way. A platform with a format of its own (GCP,
Elasticsearch, CloudWatch, OTLP...) is read by it; this rule is for the next one.

``fields=`` names fields the rule does not find: ``fields={"timestamp": "meta.when"}``.
Each row keeps its ``json_path`` (``hits.hits[41]``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from postmortem_kit.ingest.documents.items import flatten
from postmortem_kit.ingest.documents.records import head_records, load_records, records_path
from postmortem_kit.ingest.files.decompress import head_bytes
from postmortem_kit.ingest.records.fields import resolve_fields
from postmortem_kit.ingest.registry import LoadContext, register


def sniff(path: Path, head: str) -> float:
    """0.8 for a JSON document whose records array has records with a time field, 0.5 for
    one whose records have none (``fields=`` may name it); 0 for anything else."""
    text = head.lstrip()
    if not text.startswith(("[", "{")):
        return 0.0
    raw, _ = head_bytes(path)
    at = records_path(raw)
    if at is None:
        return 0.0
    records = [r for r in head_records(raw, at) if isinstance(r, dict)]
    if not records:
        return 0.0
    columns = list(flatten(records[0]))
    timed = bool(resolve_fields(columns, {}, ["timestamp"]))
    return 0.8 if timed else 0.5


@register("json", sniff=sniff, kind="log")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Load the records of a JSON export (see the module docstring).

    Examples
    --------
    >>> events = read_events("export.json", format="json")  # doctest: +SKIP
    >>> events[["timestamp", "level", "message", "json_path"]]  # doctest: +SKIP
    """
    return load_records(path, ctx)
