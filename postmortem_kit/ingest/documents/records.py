"""The records of a JSON document, streamed into Arrow tables: the general rule for exports.

Log platforms export JSON documents: a JSON array of records (``gcloud logging read
--format=json``), or an object whose one large array holds them (an Elasticsearch search
response's ``hits.hits``, CloudWatch's ``events``, PagerDuty's ``log_entries``, an API's
``data``). :func:`records_path` finds that array from the head of the file (the array of
objects holding the most records, outside any other array); :func:`load_records` streams
its items with ``ijson`` (a C parser: the document never sits in memory as Python objects
whole), writes each record as one JSON line and hands the lines, in batches, to the
JSON-lines parser (:class:`~postmortem_kit.ingest.records.json_lines.JsonLines`), so the
records get what a ``jsonl`` line gets: nested fields flattened with dots, exact integers,
the usual field names found, also nested (``jsonPayload.message``, ``_source.@timestamp``).

A record is named by its JSON path (``hits.hits[41]``) in ``json_path`` and in the reason
it is rejected for; ``line`` is NA (a document is not line-oriented), except in a file of
one document per line, where it is the document's line. A document that is cut short or
malformed keeps every record before the damage; the damage is one rejected record saying
where the parser stopped. A document nested deeper than ``max_depth=`` allows stops there
the same way, before the parser sees it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import ijson
import numpy as np
import pandas as pd

from postmortem_kit.ingest.documents.read import read_documents
from postmortem_kit.ingest.files.blocks import Block, progress_bar
from postmortem_kit.ingest.files.decompress import ByteStream, head_bytes
from postmortem_kit.ingest.limits import DepthScanner, TooDeep, loads
from postmortem_kit.ingest.records.json_lines import JsonLines
from postmortem_kit.ingest.registry import LoadContext
from postmortem_kit.ingest.rejects import RejectLog

BATCH_BYTES = 16 * 1024 * 1024  # JSON lines handed to the parser at a time
# Extra nesting a document may have around its records (``{"hits": {"hits": [...]}}``)
# beyond the ``max_depth=`` of one record.
_WRAPPER_DEPTH = 8
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode

# A function from a record's number (from 1) to where it is, for rejects and json_path.
WhereOf = Callable[[int], tuple[int | None, str]]


def shown(path: str) -> str:
    """An ``ijson`` prefix as a JSON path: ``hits.hits`` -> ``hits.hits``, ``""`` -> ``$``."""
    return path or "$"


def records_path(head: bytes | str) -> str | None:
    """Where the records of the JSON document that ``head`` starts are: the ``ijson`` prefix
    of the array of objects with the most items in the head, outside any other array
    (``""`` when the document is itself such an array); None when the head has none.

    >>> records_path(b'{"took": 3, "hits": {"total": 2, "hits": [{"_id": 1}, {"_id": 2}]}}')
    'hits.hits'
    """
    data = head.encode() if isinstance(head, str) else head
    cut = DepthScanner(64).feed(data)
    if cut is not None:
        data = data[:cut]
    counts: dict[str, int] = {}
    order: list[str] = []
    try:
        for prefix, event, _ in ijson.parse(data, multiple_values=True):
            if event != "start_map" or not (prefix == "item" or prefix.endswith(".item")):
                continue
            array = prefix[:-5] if prefix != "item" else ""
            if array == "item" or array.startswith("item.") or ".item." in f".{array}.":
                continue  # an array inside the records: part of a record
            if array not in counts:
                order.append(array)
            counts[array] = counts.get(array, 0) + 1
    except (ijson.JSONError, ijson.IncompleteJSONError):
        pass  # the head ends inside the document, or it is not JSON at all
    if not counts:
        return None
    return max(order, key=lambda a: (counts[a], -a.count("."), -order.index(a)))


def one_document_per_line(head: str) -> bool:
    """Whether the head is JSON documents one per line (a log of API responses), rather
    than one document (maybe pretty-printed over many lines)."""
    lines = [ln for ln in head.splitlines() if ln.strip()]
    if len(lines) < 2:
        return False
    try:
        loads(lines[0])
        loads(lines[1]) if len(lines) > 2 or len(head) < 60_000 else None
    except ValueError:
        return False
    return True


class _PathRejects(RejectLog):
    """Rejects by record number (as the JSON-lines parser numbers its lines), reported by
    the record's line and JSON path."""

    def __init__(self, inner: RejectLog, where: WhereOf):
        super().__init__(inner.errors)
        self.inner, self.where = inner, where

    def add(self, file: str, line: int | None, reason: str, text: str | bytes = "") -> None:
        if line is None:
            self.inner.add(file, None, reason, text)
            return
        at, path = self.where(line)
        self.inner.add(file, at, f"{path}: {reason}", text)


class _Batches:
    """JSON lines of records, fed to a :class:`JsonLines` parser in batches."""

    def __init__(self, path: Path, ctx: LoadContext, where: WhereOf,
                 times: tuple[str, ...] | None, unit: str | None):
        self.ctx = ctx
        self.where = where
        self.parser = JsonLines(path, replace(ctx, rejects=_PathRejects(ctx.rejects, where)),
                                times, unit)
        self.lines: list[str] = []
        self.size = 0
        self.first = 1  # number of the first record of the batch
        self.count = 0  # records seen

    def add(self, record: Any) -> None:
        self.count += 1
        if not isinstance(record, dict):
            at, where = self.where(self.count)
            self.ctx.rejects.add(str(self.parser.path), at, f"{where}: expected a JSON object, "
                                 f"found {type(record).__name__}", _text(record))
            record = None  # a blank line keeps the numbering
        text = "" if record is None else _dumps(record)
        self.lines.append(text)
        self.size += len(text) + 1
        if self.size >= BATCH_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.lines:
            data = ("\n".join(self.lines) + "\n").encode("utf-8", "surrogatepass")
            self.parser.feed(Block(self.first, data))
            self.first += len(self.lines)
            self.lines, self.size = [], 0

    def frame(self, line_of: Callable[[np.ndarray], Any],
              path_of: Callable[[np.ndarray], Any]) -> pd.DataFrame:
        self.flush()
        df = self.parser.frame()
        if len(df):
            numbers = df["line"].to_numpy(dtype="int64")
            df["json_path"] = pd.array(path_of(numbers), dtype="str")
            df["line"] = pd.array(line_of(numbers), dtype="Int64")
        return df


def _text(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)[:2000]
    except (TypeError, ValueError, RecursionError):
        return str(value)[:2000]


def load_records(path: Path, ctx: LoadContext, *, at: str | None = None,
                 times: tuple[str, ...] | None = None, unit: str | None = None,
                 items: Callable[[Any], Iterator[tuple[str, Any]]] | None = None,
                 ) -> pd.DataFrame:
    """The records of the JSON documents of ``path`` as one frame (see the module docstring).

    Parameters
    ----------
    at
        The ``ijson`` prefix of the records array (``"hits.hits"``; ``""`` for a document
        that is an array); default: :func:`records_path` of the file's head, or, when the
        head has no array of objects, the documents themselves.
    times, unit
        The time fields in order of preference and their epoch unit, when the format knows
        them (default: the usual names, the unit by magnitude).
    items
        For formats whose records need their document (OTLP's resource around its log
        records): a function from one document to its ``(JSON path, record)`` pairs; the
        documents are then parsed whole, one at a time.
    """
    raw, _ = head_bytes(path)
    head = raw.decode("utf-8", errors="replace").removeprefix("\ufeff")
    if at is None:
        at = records_path(raw.removeprefix(b"\xef\xbb\xbf"))
    if items is not None or one_document_per_line(head):
        return _per_document(path, ctx, at, times, unit, items)
    return _streamed(path, ctx, at, times, unit)


def _streamed(path: Path, ctx: LoadContext, at: str | None,
              times: tuple[str, ...] | None, unit: str | None) -> pd.DataFrame:
    """One large document (or a few, pretty-printed one after another): its records
    streamed; records are numbered across the documents of the file."""
    label = shown(at) if at is not None else ""

    def where(n: int) -> tuple[int | None, str]:
        return None, f"{label}[{n - 1}]" if at is not None else f"document {n}"

    batches = _Batches(path, ctx, where, times, unit)
    prefix = "" if at is None else (f"{at}.item" if at else "item")
    bar = progress_bar(path, ctx)
    guard = None
    try:
        with ByteStream(path, bar=bar, max_ratio=ctx.max_ratio) as stream:
            guard = _DepthGuard(stream, ctx.max_depth + _WRAPPER_DEPTH + prefix.count(".") + 1)
            try:
                for record in ijson.items(guard, prefix, use_float=True, multiple_values=True):
                    batches.add(record)
            except (ijson.JSONError, ijson.IncompleteJSONError) as exc:
                _reject_damage(path, ctx, batches.count, label, at, exc, guard, stream.problem)
            else:
                if stream.problem:
                    ctx.rejects.add(str(path), None, f"{stream.problem}, after "
                                    f"{batches.count:,} record(s)")
    finally:
        if bar is not None:
            bar.close()
    return batches.frame(lambda n: [None] * len(n),
                         lambda n: np.char.add(np.char.add(f"{label}[", (n - 1).astype(str)),
                                               "]") if at is not None
                         else np.char.add("document ", n.astype(str)))


def _reject_damage(path: Path, ctx: LoadContext, count: int, label: str, at: str | None,
                   exc: Exception, guard: _DepthGuard, problem: str | None) -> None:
    """One rejected record for the place where the parser stopped."""
    where = f"{label}[{count}]" if at is not None else f"document {count + 1}"
    if guard.too_deep:
        why = TooDeep(ctx.max_depth).msg
    elif problem:
        why = problem
    else:
        message = str(exc).split("\n", 1)[0].strip().strip("b'\"")
        why = f"invalid JSON ({message})"
    ctx.rejects.add(str(path), None, f"{where}: {why}; the rest of the file is not read "
                    f"({count:,} record(s) before it kept)")


class _DepthGuard:
    """A stream that ends before the first bracket nested deeper than ``limit``, so that
    no parser meets it (see :class:`~postmortem_kit.ingest.limits.DepthScanner`)."""

    def __init__(self, stream: ByteStream, limit: int):
        self.stream = stream
        self.scanner = DepthScanner(limit)
        self.too_deep = False

    def read(self, n: int = -1) -> bytes:
        if self.too_deep:
            return b""
        data = self.stream.read(n)
        cut = self.scanner.feed(data)
        if cut is not None:
            self.too_deep = True
            return data[:cut]
        return data


def _per_document(path: Path, ctx: LoadContext, at: str | None,
                  times: tuple[str, ...] | None, unit: str | None,
                  items: Callable[[Any], Iterator[tuple[str, Any]]] | None) -> pd.DataFrame:
    """A file of documents one per line (or of one document, when ``items`` needs it
    whole): each parsed on its own; a line that is not JSON is rejected alone."""
    lines: list[int] = []
    paths: list[str] = []

    def where(n: int) -> tuple[int | None, str]:
        return lines[n - 1], paths[n - 1]

    batches = _Batches(path, ctx, where, times, unit)
    for line, doc, per_line in read_documents(path, ctx):
        at_line = line if per_line else None
        pairs = items(doc) if items is not None else _items_at(doc, at)
        for json_path, record in pairs:
            lines.append(at_line)  # type: ignore[arg-type]
            paths.append(json_path)
            batches.add(record)
    line_arr = np.asarray(lines, dtype=object)
    path_arr = np.asarray(paths, dtype=object)
    return batches.frame(lambda n: line_arr[n - 1], lambda n: path_arr[n - 1])


def _items_at(doc: Any, at: str | None) -> Iterator[tuple[str, Any]]:
    """The records of one parsed document at the ``ijson`` prefix ``at``."""
    if at is None:
        yield "$", doc
        return
    node = doc
    for key in at.split(".") if at else []:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, list):
        yield "$", doc  # this document has no such array: it is a record itself
        return
    label = shown(at) if at else ""
    for i, record in enumerate(node):
        yield f"{label}[{i}]", record


def head_records(head: bytes | str, at: str | None) -> list[Any]:
    """The records complete in the head of a file (the first ones), for sniffers."""
    data = head.encode() if isinstance(head, str) else head
    data = data.removeprefix(b"\xef\xbb\xbf")
    cut = DepthScanner(64).feed(data)
    if cut is not None:
        data = data[:cut]
    prefix = "" if at is None else (f"{at}.item" if at else "item")
    out: list[Any] = []
    try:
        for record in ijson.items(data, prefix, use_float=True, multiple_values=True):
            out.append(record)
            if len(out) >= 50:
                break
    except (ijson.JSONError, ijson.IncompleteJSONError):
        pass
    return out
