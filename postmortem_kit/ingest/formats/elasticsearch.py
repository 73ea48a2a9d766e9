"""``elasticsearch``: Elasticsearch / OpenSearch search responses saved to a file
(``curl .../_search``, Kibana's "Inspect → Response", ``elasticdump``), maybe several,
one per line (a scroll or ``search_after`` loop).

The records are ``hits.hits[]``, each document in ``_source``; its fields lose the
``_source.`` prefix (``_index``, ``_id`` stay). Elastic Common Schema fields give the
request columns (:mod:`postmortem_kit.ingest.records.ecs`): ``http.response.status_code``,
``url.path``, ``event.duration`` (ns) and so on; a document with an HTTP status is a request,
its level from the status unless ``log.level`` says one. The time is ``@timestamp``;
``event.ingested`` and ``event.created`` stay columns.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from postmortem_kit.ingest.documents.records import load_records
from postmortem_kit.ingest.records.ecs import apply_ecs
from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.requests import as_requests

TIMES = ("_source.@timestamp", "_source.timestamp", "_source.event.created",
         "_source.event.ingested")
_PREFIX = "_source."


def sniff(path: Path, head: str) -> float:
    """0.97 for a search response (``hits`` holding documents with ``_index`` and
    ``_source``)."""
    if all(re.search(rf'"{k}"\s*:', head) for k in ("hits", "_index", "_source")):
        return 0.97
    return 0.0


@register("elasticsearch", sniff=sniff, kind="log")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read a search response's documents (see the module docstring)."""
    df = load_records(path, ctx, at="hits.hits", times=TIMES)
    if not len(df):
        return df
    names = {c: c[len(_PREFIX):] for c in df.columns if c.startswith(_PREFIX)}
    df = df.rename(columns={c: n for c, n in names.items() if n not in df.columns})
    df = apply_ecs(df)
    if "status" in df:
        df = as_requests(df, where=pd.to_numeric(df["status"], errors="coerce").notna())
    return df
