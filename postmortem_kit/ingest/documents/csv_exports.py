"""CSV exports (PagerDuty incidents, deploy lists) as records with their line numbers.

Exports from web UIs spell the same column many ways (``Created At``, ``created_on``,
``created-at``); :func:`snake` folds them to one spelling and :func:`pick` finds the first
of several candidates, so a format lists the spellings it accepts in one place.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pandas as pd

from postmortem_kit.ingest.files.blocks import iter_lines
from postmortem_kit.ingest.registry import LoadContext


def snake(name: str) -> str:
    """``"First Acknowledged At"`` -> ``"first_acknowledged_at"``; a BOM is dropped."""
    return re.sub(r"[^0-9a-z]+", "_", name.replace("\ufeff", "").strip().lower()).strip("_")


def pick(record: dict[str, str], names: Iterable[str]) -> tuple[str | None, str | None]:
    """The first of ``names`` that the record has with a non-blank value: ``(name, value)``."""
    for n in names:
        v = record.get(n)
        if v is not None and str(v).strip():
            return n, str(v).strip()
    return None, None


class _Dialect(csv.excel):
    """Excel quoting (``""`` inside quotes) with the file's own delimiter."""


def dialect_of(header_line: str) -> type[csv.Dialect]:
    """The delimiter is the most common of ``, ; tab |`` in the header line.

    ``csv.Sniffer`` is not used: on a header without quotes it guesses ``doublequote``
    wrong, and then splits rows that quote a quote by doubling it.
    """
    delim = max(",;\t|", key=header_line.count)
    return type("_D", (_Dialect,), {"delimiter": delim if header_line.count(delim) else ","})


def header_of(head: str) -> list[str]:
    """Snake-cased header of the CSV text ``head`` (empty when it is not CSV-like)."""
    first = next((ln for ln in head.splitlines() if ln.strip()), "")
    if not first or first.lstrip().startswith(("{", "[")):
        return []
    return [snake(c) for c in next(csv.reader([first], dialect_of(first)))]


def read_records(path: Path, ctx: LoadContext, key: Callable[[str], str] = snake,
                 ) -> Iterator[tuple[int, dict[str, str]]]:
    """``(first line, record)`` for each data row; keys are the header names through ``key``
    (snake-cased by default).

    Quoted fields may span lines; the line reported is where the record starts. A row with
    more fields than the header is rejected (its extra values would have no name).
    """
    lines = list(iter_lines(path, ctx))
    if not lines:
        return
    text = "\n".join(t for _, t in lines)
    reader = csv.reader(io.StringIO(text), dialect_of(lines[0][1]))
    header = [key(c) for c in next(reader)]
    consumed = reader.line_num
    for row in reader:
        start = lines[consumed][0] if consumed < len(lines) else lines[-1][0]
        consumed = reader.line_num
        if not any(c.strip() for c in row):
            continue
        if len(row) > len(header):
            ctx.rejects.add(str(path), start, f"{len(row)} fields but the header has "
                            f"{len(header)}", ",".join(row))
            continue
        yield start, dict(zip(header, row, strict=False))


def read_frame(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """A CSV export as a frame of text, its header as written (a BOM dropped), blank cells
    NA, each record's first line in ``line``; rows as :func:`read_records` takes them."""
    numbers, rows = [], []
    for line, record in read_records(path, ctx, key=lambda name: name.replace("\ufeff", "")):
        numbers.append(line)
        rows.append(record)
    df = pd.DataFrame.from_records(rows).astype("str") if rows else pd.DataFrame()
    df = df.where(df != "")
    df["line"] = pd.array(numbers, dtype="Int64")
    return df
