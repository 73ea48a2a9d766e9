"""``elasticsearch``: Elasticsearch / OpenSearch search responses saved to a file
(``curl .../_search``, Kibana's "Inspect → Response", ``elasticdump``), maybe several,
one per line (a scroll or ``search_after`` loop).

The records are ``hits.hits[]``, each document in ``_source``; its fields lose the
``_source.`` prefix (``_index``, ``_id`` stay). Elastic Common Schema fields give the
request columns (:mod:`postmortem_kit.ingest.records.ecs`): ``http.response.status_code``,
``url.path``, ``event.duration`` (ns) and so on; a document with an HTTP status is a request,
its level from the status unless ``log.level`` says one. The time is ``@timestamp``;
``event.ingested`` and ``event.created`` stay columns.

A search that asked for ``fields`` instead of the source (``"_source": false``, Kibana's
Discover) returns each value as an array (``"log.level": ["error"]``): a one-value array
is that value, and the fields read as the source would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from postmortem_kit.ingest.documents.records import load_records
from postmortem_kit.ingest.files.decompress import head_bytes
from postmortem_kit.ingest.records.ecs import apply_ecs
from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.requests import as_requests

TIMES = ("_source.@timestamp", "_source.timestamp", "_source.event.created",
         "_source.event.ingested")
_PREFIX = "_source."


def sniff(path: Path, head: str) -> float:
    """0.97 for a search response (``hits`` holding documents with ``_index`` and
    ``_source``)."""
    if all(re.search(rf'"{k}"\s*:', head) for k in ("hits", "_index")) and re.search(
            r'"(?:_source|fields)"\s*:\s*\{', head):
        return 0.97
    return 0.0


def _fields_as_source(doc: Any) -> Iterator[tuple[str, Any]]:
    """The hits of one response, each hit's ``fields`` (one-value arrays unwrapped) as its
    ``_source`` where it has none."""
    hits = doc.get("hits") if isinstance(doc, dict) else None
    hits = hits.get("hits") if isinstance(hits, dict) else None
    if not isinstance(hits, list):
        yield "$", doc  # not a search response: rejected as a record without a time
        return
    for i, hit in enumerate(hits):
        fields = hit.get("fields") if isinstance(hit, dict) else None
        if isinstance(fields, dict) and "_source" not in hit:
            hit = {k: v for k, v in hit.items() if k != "fields"}
            hit["_source"] = {k: v[0] if isinstance(v, list) and len(v) == 1 else v
                              for k, v in fields.items()}
        yield f"hits.hits[{i}]", hit


@register("elasticsearch", sniff=sniff, kind="log")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read a search response's documents (see the module docstring)."""
    head, _ = head_bytes(path)  # decompressed, as the sniffer saw it
    # A response of ``fields`` is parsed one document at a time to rewrite its hits; one
    # of sources streams, however large.
    items = None if re.search(rb'"_source"\s*:\s*\{', head) else _fields_as_source
    df = load_records(path, ctx, at="hits.hits", times=TIMES, items=items)
    if not len(df):
        return df
    names = {c: c[len(_PREFIX):] for c in df.columns if c.startswith(_PREFIX)}
    df = df.rename(columns={c: n for c, n in names.items() if n not in df.columns})
    df = apply_ecs(df)
    if "status" in df:
        df = as_requests(df, where=pd.to_numeric(df["status"], errors="coerce").notna())
    return df
