"""JSON lines into Arrow record tables: the parser of the ``jsonl`` format, and of the
records of JSON documents (:mod:`postmortem_kit.ingest.documents.records` hands it their
records as lines).

Fast path: each 16 MiB block of whole lines goes to ``pyarrow.json`` in one call. Arrow's
reader is strict in ways that would lose data, so a block is only taken from it when it
provably matches the lines: the row count equals the line count (blank lines and two
objects on one line break that), the bytes are valid UTF-8 without NULs (Arrow accepts
invalid UTF-8 silently), and Arrow did not raise (malformed JSON, or a field whose type
changes, which it rejects for the whole block). Otherwise the block is halved and each half
retried, down to a few hundred lines that ``json.loads`` reads one by one, so a bad line
costs a few bisections, not a slow read of the file, and it is rejected alone with its
line number; a line of plain text (no attempt at JSON) is no bad line but a logfmt record
with a time, or a continuation of the record above it (a Go panic's stack, a traceback).
Keys that first appear late are kept (Arrow infers them; blocks are unified afterwards); a
field whose type differs between blocks becomes text.

Lines nested deeper than ``max_depth=`` are rejected, and never reach a parser that would
crash on them (pyarrow segfaults near 10,000 levels, ``json`` runs out of recursion near
1,000): see :meth:`JsonLines.feed`. Values stay exact: integers are nullable ``Int64``
(never float64 because of gaps); a block where Arrow read a number beyond 2**53 as a float,
or built a broken nested array (lists of nulls), takes the ``json.loads`` path instead.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from postmortem_kit.ingest.files.blocks import (
    Block,
    check_line,
    count_newlines,
    iter_blocks,
    split_lines,
)
from postmortem_kit.ingest.limits import TooDeep, deep_lines, loads, nesting_depth
from postmortem_kit.ingest.lines.records import fold_continuations
from postmortem_kit.ingest.records.batches import EXACT_IN_FLOAT, RecordTables
from postmortem_kit.ingest.records.fields import CANDIDATES
from postmortem_kit.ingest.records.pairs import split_line
from postmortem_kit.ingest.registry import LoadContext

_SCAN_LINES = 1024  # a failing part this small is checked line by line
# No line this short can nest deep enough to crash pyarrow's reader (near 10,000 levels;
# 8,000 read fine): blocks of such lines skip the nesting scan (see JsonLines.feed).
PARSER_SAFE_BYTES = 2048
_SPLIT_PARTS = 16

# A line whose first non-blank character does not open an object.
_NOT_AN_OBJECT = re.compile(rb"(?m)^[ \t\r]*[^{ \t\r\n]")


def _line_ends(data: bytes) -> np.ndarray:
    return np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)


def _only_objects(data: bytes, ends: np.ndarray | None = None) -> bool:
    """Whether every non-blank line of ``data`` opens a JSON object.

    The first byte of each line, read with numpy, decides almost every block; only lines
    that start with blanks need the regex (scanning a whole block with it costs ~40x more).
    ``ends``: the positions of the block's newlines, when the caller has them.
    """
    arr = np.frombuffer(data, dtype=np.uint8)
    starts = np.concatenate([[0], (_line_ends(data) if ends is None else ends) + 1])
    first = arr[starts[starts < len(arr)]]
    if ((first == ord("{")) | (first == 10)).all():
        return True
    return _NOT_AN_OBJECT.search(data) is None


class JsonLines:
    """State of one load of JSON lines: the tables read so far and the chosen time field.

    ``times`` and ``unit``: the time fields in order of preference and their epoch unit,
    when the format knows them (see :class:`~postmortem_kit.ingest.records.batches.RecordTables`).
    """

    def __init__(self, path: Path, ctx: LoadContext, times: tuple[str, ...] | None = None,
                 unit: str | None = None):
        self.path = path
        self.name = str(path)
        self.ctx = ctx
        self.records = RecordTables(self.name, ctx, times, unit)
        self.explicit: pa.Schema | None = None  # time fields forced to text (see _fast)
        # The record that a line of plain text continues (None before the first record
        # and after a rejected line), and such lines by the record they continue.
        self.open: int | None = None
        self.continued: dict[int, list[tuple[int, str]]] = {}
        self.logfmt: dict[int, tuple[bytes, dict[str, str]]] = {}  # line -> text, pairs

    # -- parsing --------------------------------------------------------------------------
    def feed(self, block: Block) -> None:
        """Parse a block of the file; lines nested deeper than ``ctx.max_depth`` are
        rejected without reaching a parser that would crash on them.

        A line nests at most as deep as it is long. In a block whose lines are all short
        enough for pyarrow (it crashes near 10,000 levels), Arrow reads first and the
        nesting of the types it built bounds every line's (:func:`_fast`); only a block
        with a longer line is scanned for deep lines beforehand (a few numpy passes).
        """
        data, first_line = block.data, block.first_line
        ends = _line_ends(data)
        if _longest_line(ends, len(data)) <= PARSER_SAFE_BYTES:
            self.block(data, first_line, block.nlines, ends)
            return
        deep = deep_lines(data, ends, self.ctx.max_depth)
        if not len(deep):
            self.block(data, first_line, block.nlines, ends)
            return
        bounds = np.concatenate([[-1], ends, [len(data)]])  # line i: bounds[i]+1 .. bounds[i+1]
        after = 0  # the first line not handled yet
        for i in deep.tolist():
            if i > after:
                self.block(data[bounds[after] + 1 : bounds[i] + 1], first_line + after)
            self.ctx.rejects.add(self.name, first_line + i, TooDeep(self.ctx.max_depth).msg,
                                 data[bounds[i] + 1 : bounds[i + 1]])
            after = i + 1
        if bounds[after] + 1 < len(data):
            self.block(data[bounds[after] + 1 :], first_line + after)

    def block(self, data: bytes, first_line: int, nlines: int | None = None,
              ends: np.ndarray | None = None) -> None:
        """Parse a block of whole lines; on trouble, split it and retry the parts."""
        if nlines is None:
            nlines = count_newlines(data) + (0 if data.endswith(b"\n") else 1)
        table = self._fast(data, nlines, ends)
        if table is not None:
            lines = first_line + np.arange(nlines, dtype="int64")
            self.records.add_table(table, lines, _text_of(data, first_line))
            self.open = first_line + nlines - 1
            return
        if nlines <= _SCAN_LINES:
            self._scan(data, first_line)
            return
        # Split in many parts, not two: a block with k bad lines is then re-parsed about
        # (1 + k/16) times instead of k times, and the good parts keep the fast path.
        line = first_line
        for part in _split(data, _SPLIT_PARTS):
            self.block(part, line)
            line += count_newlines(part)

    def _fast(self, data: bytes, nlines: int, ends: np.ndarray | None = None) -> pa.Table | None:
        if b"\x00" in data:
            return None
        if not _only_objects(data, ends):
            # Lines that are not JSON objects are rejected one by one on the slow path; and
            # pyarrow 26 segfaults (not raises) on a block whose first value is `null`.
            return None
        if not data.isascii():  # ASCII is valid UTF-8; only other text needs the check
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                return None
        opts = pj.ParseOptions(
            explicit_schema=self.explicit, newlines_in_values=False,
            unexpected_field_behavior="infer",
        )
        try:
            table = pj.read_json(
                io.BytesIO(data), parse_options=opts,
                # Arrow parses its blocks on all cores; 1 MiB is its sweet spot here.
                read_options=pj.ReadOptions(block_size=1 << 20),
            )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
        if table.num_rows != nlines or not _valid_nested(table):
            return None
        table = _in_order_of_appearance(table)
        if _type_depth(table.schema) > self.ctx.max_depth:
            return None  # some line nests too deep: the line-by-line path rejects it
        table = _flatten(table)
        if _inexact_floats(table):
            return None  # json.loads keeps such integers whole (records.column)
        if self.explicit is None and self.ctx.tz != "UTC":
            # Arrow turns ISO strings into naive timestamps, converting any offset to UTC
            # and forgetting it had one, so "naive means tz=" could not be applied. Read the
            # time fields as text instead and parse them ourselves.
            forced = [f for f in table.schema if pa.types.is_timestamp(f.type)
                      and f.name in CANDIDATES["timestamp"]]
            if forced:
                self.explicit = pa.schema([(f.name, pa.string()) for f in forced])
                return self._fast(data, nlines)
        return table

    def _scan(self, data: bytes, first_line: int) -> None:
        """Check each line with ``json.loads``; reject the bad ones, then load the good ones
        with one Arrow call (or, when Arrow still refuses them, a field whose type changes,
        from the Python objects already parsed).

        A line of text that is no attempt at JSON is a record when it is a logfmt line
        with a time (a second logger writing to the same stream), else it continues the
        record above it (a Go ``panic:`` and its stack, a traceback), as in text logs."""
        good: dict[int, bytes] = {}
        rows: list[dict] = []
        for number, raw in split_lines(Block(first_line, data)):
            record = _record(raw, self.ctx.max_depth)
            if isinstance(record, dict):
                good[number] = raw
                rows.append(record)
                self.open = number
            elif record is not None:  # (None: a blank line is not a record)
                text = _plain_text(raw)
                logfmt = _logfmt_record(text) if text is not None else None
                if logfmt is not None:  # (added with the others' field names: see frame)
                    self.logfmt[number] = (raw, logfmt)
                    self.open = number
                elif text is not None and self.open is not None:
                    self.continued.setdefault(self.open, []).append((number, text))
                else:
                    self.ctx.rejects.add(self.name, number, record, raw)
                    self.open = None
        if not good:
            return
        lines = np.fromiter(good, dtype="int64", count=len(good))
        table = self._fast(b"\n".join(good.values()) + b"\n", len(good))
        if table is not None:
            self.records.add_table(table, lines, good.__getitem__)
        else:
            self.records.add_rows([_flatten_dict(r) for r in rows], lines, good.__getitem__)

    def _named_as_json(self, rows: list[dict[str, str]]) -> list[dict[str, str]]:
        """``rows`` (logfmt records) with a field of a usual role (level, message, ...) under
        the name the JSON records use for it (``lvl`` where they say ``lvl``), so that one
        column holds the role for all of them."""
        seen = {c for t in self.records.tables for c in t.column_names}
        renames = {}
        for names in CANDIDATES.values():
            theirs = next((n for n in names if n in seen), None)
            if theirs is not None:
                renames.update({n: theirs for n in names if n != theirs})
        return [{renames.get(k, k) if renames.get(k, k) not in row else k: v
                 for k, v in row.items()} for row in rows]

    def frame(self) -> pd.DataFrame:
        """The records read, each with the lines of text that continue it appended to its
        message (a record rejected takes them along, with that reason)."""
        if self.logfmt:
            self.records.add_rows(self._named_as_json([p for _, p in self.logfmt.values()]),
                                  list(self.logfmt), lambda number: self.logfmt[number][0])
        df = self.records.frame()
        if not self.continued:
            return df
        position = pd.Index(df["line"]).get_indexer(list(self.continued)) if len(df) else (
            np.full(len(self.continued), -1))
        name = self.ctx.rejects.aliases.get(self.name, self.name)
        rejected = {r.line for r in self.ctx.rejects.items if r.file == name}
        rec, texts = [], []
        for i, (head, lines) in zip(position.tolist(), self.continued.items(), strict=True):
            if i >= 0:
                rec += [i] * len(lines)
                texts += [text for _, text in lines]
            elif head in rejected:
                for number, text in lines:
                    self.ctx.rejects.add(self.name, number, f"continues line {head}, which "
                                         "was rejected", text)
        if rec:
            if "message" not in df:
                df["message"] = pd.Series(pd.NA, index=df.index, dtype="str")
            order = np.argsort(rec, kind="stable")
            df = fold_continuations(df, np.asarray(rec)[order],
                                    np.array(texts, dtype=object)[order])
        return df


def read_json_lines(path: Path, ctx: LoadContext, times: tuple[str, ...] | None = None,
                    unit: str | None = None) -> pd.DataFrame:
    """Every line of ``path`` through :class:`JsonLines`, as one frame (the ``jsonl``
    format, and the JSON-lines logs of platforms that name their time field)."""
    reader = JsonLines(path, ctx, times, unit)
    for block in iter_blocks(path, ctx):
        reader.feed(block)
    return reader.frame()


def head_share(head: str, test: Callable[[dict[str, Any]], bool], lines: int = 20) -> float:
    """The share (0..1) of the first non-blank lines of a sniffed head that are JSON
    objects passing ``test`` (a last line the head may have cut is left out): how a
    JSON-lines format tells its own records."""
    texts = [ln for ln in head.splitlines()[:lines] if ln.strip()]
    if len(head) >= 60_000 and len(texts) > 1:
        texts = texts[:-1]
    hits = 0
    for text in texts:
        if not text.lstrip().startswith("{"):  # (only an object passes: no parse needed)
            continue
        try:
            obj = loads(text)
        except ValueError:  # (TooDeep too)
            continue
        hits += isinstance(obj, dict) and bool(test(obj))
    return hits / len(texts) if texts else 0.0


# -- helpers ------------------------------------------------------------------------------
def _split(data: bytes, parts: int) -> list[bytes]:
    """``data`` cut into about ``parts`` pieces of whole lines."""
    out, start, step = [], 0, max(1, len(data) // parts)
    while start < len(data):
        cut = data.find(b"\n", min(start + step, len(data)) - 1)
        end = len(data) if cut < 0 else cut + 1
        out.append(data[start:end])
        start = end
    return out


def _text_of(data: bytes, first_line: int):
    """Line number -> raw line of a block, split only if a line is actually rejected."""
    cache: list[list[bytes]] = []

    def text_of(number: int) -> bytes:
        if not cache:
            cache.append(data.split(b"\n"))
        return cache[0][number - first_line]

    return text_of


def _record(raw: bytes, limit: int) -> dict[str, Any] | str | None:
    """The JSON object a line holds, the reason it is rejected, or None for a blank line."""
    checked = check_line(raw)
    text = checked[0]
    if text is None:
        return checked[1]
    if not text.strip():
        return None
    if _may_nest_deeper(text, limit):
        return TooDeep(limit).msg
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"malformed JSON ({exc.msg}, column {exc.colno})"
    return obj if isinstance(obj, dict) else f"expected a JSON object, found {_json_kind(obj)}"


def _plain_text(raw: bytes) -> str | None:
    """The text of a line that is no attempt at JSON (valid text, not JSON, and opening no
    object, array or string), else None: a JSON value that is no object (``null``, ``42``)
    or broken JSON is a bad record, not text."""
    text, _ = check_line(raw)
    if text is None or text.lstrip()[:1] in ("{", "[", '"'):
        return None
    try:
        json.loads(text)
    except ValueError:
        return text
    return None


def _logfmt_record(text: str) -> dict[str, str] | None:
    """The pairs of a logfmt line with a time field and something else, else None."""
    pairs, _, bad = split_line(text)
    if bad is not None or len(pairs) < 2 or not pairs.keys() & set(CANDIDATES["timestamp"]):
        return None
    return pairs


def _json_kind(value: Any) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def _longest_line(ends: np.ndarray, size: int) -> int:
    """The length of the longest line of a block of ``size`` bytes, newline included."""
    if not len(ends):
        return size
    return int(max(ends[0] + 1, np.diff(ends).max(initial=0), size - 1 - ends[-1]))


def _type_depth(schema: pa.Schema) -> int:
    """How deep the rows of a table nest (the row object is level 1): Arrow's types hold
    the deepest value of the block, so no line nests deeper."""

    def depth(typ: pa.DataType) -> int:
        if pa.types.is_list(typ) or pa.types.is_large_list(typ):
            return 1 + depth(typ.value_type)
        if pa.types.is_struct(typ):
            return 1 + max((depth(typ.field(i).type) for i in range(typ.num_fields)), default=0)
        return 0

    return 1 + max((depth(f.type) for f in schema), default=0)


def _may_nest_deeper(text: str, limit: int) -> bool:
    """Whether a line nests deeper than ``limit`` (brackets counted first: cheap)."""
    return text.count("[") + text.count("{") > limit and nesting_depth(text) > limit


def _valid_nested(table: pa.Table) -> bool:
    """Whether Arrow built sound arrays: pyarrow 26's JSON reader builds lists of nulls or
    of empty objects (``[null, {}]``) with a child array too short (reading it raises, or
    returns garbage). The structural check costs microseconds per block."""
    try:
        table.validate()
    except pa.ArrowInvalid:
        return False
    return True


def _inexact_floats(table: pa.Table) -> bool:
    """Whether a float column holds a value beyond 2**53, where Arrow may have read an
    integer (``1234567890123456789`` in a column with a ``1.5``, or one beyond int64) as
    the nearest float."""
    for col in table.columns:
        if pa.types.is_floating(col.type) and col.null_count < len(col):
            top = pc.max(pc.abs(col)).as_py()
            if top is not None and top > EXACT_IN_FLOAT:
                return True
    return False


def _flatten(table: pa.Table) -> pa.Table:
    """Nested objects become dotted columns (``http.status``), as many levels as there are."""
    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()
    return table


def _flatten_dict(obj: dict, prefix: str = "", out: dict | None = None) -> dict:
    out = {} if out is None else out
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            _flatten_dict(value, f"{name}.", out)
        else:
            out[name] = value
    return out


def _in_order_of_appearance(table: pa.Table) -> pa.Table:
    """The columns in the order the lines first write them, as the line-by-line path has
    them. Arrow reads a document's blocks on several threads and adds a field a later
    block brings when that block is done, so its order could change from run to run."""
    firsts = []
    for position, col in enumerate(table.columns):
        if col.null_count == 0:
            first = 0
        else:
            valid = pc.indices_nonzero(col.is_valid())
            first = valid[0].as_py() if len(valid) else table.num_rows
        firsts.append((first, position))
    order = [position for _, position in sorted(firsts)]
    return table if order == sorted(order) else table.select(order)
