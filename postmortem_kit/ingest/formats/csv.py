"""``csv``: a table with a header row (exports from Datadog, Splunk, BigQuery, spreadsheets).

The header names the columns; the usual names are recognised (``timestamp``, ``time``,
``@timestamp``, ``level``, ``message``...) and ``mapping=`` / ``fields=`` say which column
is which for anything else::

    read_events("export.csv", format="csv", mapping={"Date": "timestamp", "Content": "message"})

The delimiter (``,`` ``;`` tab ``|``) is detected from the first lines, or given as
``delimiter=``. Quoted fields may span lines; a record's ``line`` is the line it starts
on. A row with a different number of fields than the header is rejected with both counts.
Columns whose every value is a number become numbers (unless a value has a leading zero,
an identifier such as a ZIP code); everything else stays text, exactly as written.
"""

from __future__ import annotations

import csv as _csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.errors import IngestError
from postmortem_kit.ingest.files.blocks import iter_lines
from postmortem_kit.ingest.records.batches import RecordTables
from postmortem_kit.ingest.records.fields import CANDIDATES
from postmortem_kit.ingest.registry import LoadContext, register

_DELIMITERS = ",;\t|"
_BATCH_ROWS = 200_000
_LEADING_ZERO = r"^[+-]?0\d"


def _dialect(sample: str, delimiter: str | None) -> type[_csv.Dialect]:
    """Excel quoting rules with the given or detected delimiter.

    Only the delimiter is taken from ``csv.Sniffer``: its guesses about quoting are often
    wrong on small samples and would silently change quoted values.
    """
    if not delimiter:
        try:
            delimiter = _csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
        except _csv.Error:
            delimiter = ","

    class Dialect(_csv.excel):
        pass

    Dialect.delimiter = delimiter
    return Dialect


def sniff(path: Path, head: str) -> float:
    """A header row and consistent field counts: 0.7 for ``.csv``/``.tsv``, else 0.4 with a
    time-like column name."""
    lines = [ln for ln in head.splitlines()[:20] if ln.strip()]
    if len(lines) < 2 or lines[0].lstrip().startswith(("{", "[")):
        return 0.0
    dialect = _dialect("\n".join(lines), None)
    rows = list(_csv.reader(lines[:-1] if len(lines) > 2 else lines, dialect))
    if len(rows[0]) < 2 or any(len(r) != len(rows[0]) for r in rows[1:]):
        return 0.0
    header = {h.strip() for h in rows[0]}
    timed = bool(header & set(CANDIDATES["timestamp"]))
    suffixes = [s.lower() for s in path.suffixes]
    if ".csv" in suffixes or ".tsv" in suffixes:
        return 0.7
    return 0.4 if timed else 0.0


class _Lines:
    """Feeds decoded lines to ``csv.reader`` and remembers where each record started."""

    def __init__(self, lines: Iterator[tuple[int, str]]):
        self.lines = lines
        self.started: int | None = None  # first line of the record being read
        self.text: list[str] = []

    def __iter__(self):
        for number, text in self.lines:
            if self.started is None:
                self.started = number
            self.text.append(text)
            yield text + "\n"

    def take(self) -> tuple[int, str]:
        out = (self.started or 0, "\n".join(self.text))
        self.started, self.text = None, []
        return out


@register("csv", sniff=sniff, kind="log")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read a CSV file with a header row (see the module docstring)."""
    name = str(path)
    stream = iter_lines(path, ctx)
    first = [item for _, item in zip(range(20), stream, strict=False)]
    # The sample read for the dialect goes back in front of the rest.
    feed = _Lines(_chain(first, stream))
    lines = iter(feed)
    dialect = _dialect("\n".join(text for _, text in first), ctx.options.get("delimiter"))
    reader = _csv.reader(lines, dialect)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return RecordTables(name, ctx).frame()
    except _csv.Error as exc:
        raise IngestError(f"unreadable CSV header: {exc}", file=name, line=1) from exc
    feed.take()
    records = RecordTables(name, ctx)
    columns: list[list[str | None]] = [[] for _ in header]
    numbers: list[int] = []
    texts: dict[int, str] = {}

    def flush() -> None:
        if numbers:
            table = pa.table({h: pa.array(c, pa.string()) for h, c in zip(header, columns,
                                                                           strict=True)})
            records.add_table(table, np.asarray(numbers, dtype="int64"), texts.__getitem__)
        for c in columns:
            c.clear()
        numbers.clear()
        texts.clear()

    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except _csv.Error as exc:
            number, text = feed.take()
            ctx.rejects.add(name, number, f"malformed CSV: {exc}", text)
            continue
        number, text = feed.take()
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(header):
            ctx.rejects.add(
                name, number, f"expected {len(header)} fields (as the header), found {len(row)}",
                text,
            )
            continue
        for col, value in zip(columns, row, strict=True):
            col.append(value if value != "" else None)
        numbers.append(number)
        texts[number] = text
        if len(numbers) >= _BATCH_ROWS:
            flush()
    flush()
    return _numbers(records.frame())


def _chain(first: list[tuple[int, str]], rest: Iterator[tuple[int, str]]):
    yield from first
    yield from rest


def _numbers(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns whose every value is a number, without leading zeros, become numbers."""
    for col in df.columns:
        if col in ("timestamp", "line", "message", "level", "service") or not (
            pd.api.types.is_string_dtype(df[col].dtype)
        ):
            continue
        values = pa.array(df[col], pa.string(), from_pandas=True)
        if values.null_count == len(values) or pc.any(
                pc.match_substring_regex(values, _LEADING_ZERO)).as_py():
            continue
        for typ, dtype in ((pa.int64(), pd.Int64Dtype()), (pa.float64(), None)):
            try:
                # the cast itself is the column: an integer never passes through a float
                numbers = pc.cast(values, typ)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue
            df[col] = pd.Series(numbers.to_pandas(types_mapper={typ: dtype}.get),
                                index=df.index)
            break
    return df
