"""Read a Markdown postmortem written in the template's layout back into a :class:`Postmortem`.

It is the inverse of :mod:`markdown_render` (render then parse gives an equal document) and
also reads what people really write: headings at any level and with common alternative
names, ``- **Label**: value`` or ``**Label:** value``, numbered or bulleted lists, ``—`` or
``-`` for an empty cell, full ISO date-times, times of day that take their date from the
**Date** line, a trailing ``UTC`` or an offset. Placeholders left from the template read as
empty fields and are listed (``postmortem check`` reports them). Problems are collected and
raised together as one :class:`~postmortem_kit.errors.DocumentError` naming their lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from postmortem_kit.document import layout as L
from postmortem_kit.document.markdown_inline import (
    EMPTY_CELL_MARKS,
    find_unescaped,
    is_table_separator,
    split_table_row,
    split_unescaped,
    unescape,
)
from postmortem_kit.document.markdown_render import META_PREFIX
from postmortem_kit.document.model import Postmortem, find_zone
from postmortem_kit.document.storage import validation_problems
from postmortem_kit.document.times import parse_date, parse_time
from postmortem_kit.errors import DocumentError

# Patterns here read a line of any length in linear time: no two quantifiers may take the
# same run of characters in turn (``\s+(.*?)\s*$`` is quadratic in a run of blanks), and a
# pattern searched for starts only at the beginning of a run (``(?<!\s)\s+``).
_HEADING_OPEN = re.compile(r"(#{1,6})\s")
_LABELED = re.compile(
    r"^(?:[-*+]\s+)?\*\*(?P<label>[^*]+?)(?::\*\*|\*\*\s*:)\s*(?P<value>.*)$")
_ITEM = re.compile(r"^(?:\d+[.)]|[-*+])\s+(?P<value>.*)$")
_META = re.compile(re.escape(META_PREFIX) + r"\s*timezone=(?P<tz>\S+)\s*-->")
_SUB = re.compile(r"\s*<sub>(?P<key>source|provenance):\s?(?P<value>.*?)</sub>\s*", re.S)
_PAREN_TAIL = re.compile(r"\([^()]*\)\s*$")
_RANGE_WORD = re.compile(r"(?<!\s)\s+(?:to|until|→|-|–|—)\s+")


@dataclass
class ParseResult:
    """A parsed document and what the parser noticed on the way."""

    document: Postmortem
    placeholders: list[tuple[int, str]] = field(default_factory=list)  # (line, placeholder)
    notes: list[tuple[int, str]] = field(default_factory=list)  # (line, what was skipped)


@dataclass
class _Raw:
    """Values as written, with their line numbers, before times are interpreted."""

    labeled: dict[str, tuple[int, str]] = field(default_factory=dict)
    lists: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    tables: dict[str, list[tuple[int, list[str]]]] = field(default_factory=dict)


def _norm(name: str) -> str:
    name = unescape(name).lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", name).split())


_SECTIONS = {_norm(alias): s for s in L.LAYOUT for alias in (s.heading, *s.aliases)}


def parse_markdown(text: str, source: str | None = None) -> ParseResult:
    """Parse Markdown into a document; raises DocumentError listing every problem by line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    result = ParseResult(Postmortem())
    problems: list[tuple[str, str]] = []
    raw = _Raw()
    title: str | None = None
    title_line = 0
    zone_name = "UTC"
    section: L.Section | None = None
    last_labeled: str | None = None
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        meta = _META.match(stripped)
        if meta:
            zone_name = meta["tz"]
            continue
        heading = _heading(stripped)
        if heading:
            level, name = heading
            last_labeled = None
            if level == 1 and title is None:
                title, title_line = unescape(name), number
                continue
            section = _SECTIONS.get(_norm(name))
            if section is None:
                result.notes.append((number, f"section {name!r} is not part of the "
                                             "template; its content was not imported"))
            continue
        if not stripped:
            last_labeled = None
            continue
        if section is None:
            if title is not None:
                result.notes.append((number, "text outside any template section was not "
                                             "imported"))
            continue
        last_labeled = _read_line(section, number, stripped, raw, result, last_labeled)
    try:
        zone = find_zone(zone_name)
    except ValueError as exc:
        problems.append(("timezone", str(exc)))
        zone = ZoneInfo("UTC")
    data, lines_by_path = _interpret(raw, zone, problems)
    data["timezone"] = zone_name if not problems or zone_name == "UTC" else "UTC"
    if title:
        data["title"] = title
        lines_by_path["title"] = title_line
    try:
        result.document = Postmortem.model_validate(data)
    except ValidationError as exc:
        # One report for everything: a value the parser could not read is not repeated.
        seen = {where for where, _ in problems}
        problems += [(where, what) for where, what in
                     ((_locate(path, lines_by_path), what)
                      for path, what in validation_problems(exc)) if where not in seen]
    if problems:
        raise DocumentError(problems, source)
    return result


def _heading(line: str) -> tuple[int, str] | None:
    """``(level, text)`` of an ATX heading (``## Impact``, ``## Impact ##``), else None.

    ``line`` is already stripped. A closing run of ``#`` is dropped when a blank precedes it
    (CommonMark), so ``# C#`` keeps its ``#``.
    """
    opening = _HEADING_OPEN.match(line)
    if opening is None:
        return None
    text = line[opening.end():].strip()
    bare = text.rstrip("#")
    if bare != text and bare[-1:].isspace():
        text = bare.rstrip()
    return len(opening[1]), text


def _read_line(section: L.Section, number: int, line: str, raw: _Raw, result: ParseResult,
               last_labeled: str | None) -> str | None:
    """File one non-empty line of a section; returns the label a continuation would extend."""
    labeled = _LABELED.match(line)
    blocks = section.blocks
    if labeled:
        wanted = _norm(labeled["label"])
        for block in blocks:
            if isinstance(block, L.Labeled) and _norm(block.label) == wanted:
                value = labeled["value"].strip()
                if value == block.placeholder.strip():
                    result.placeholders.append((number, block.placeholder))
                    value = ""
                raw.labeled[block.path] = (number, value)
                return block.path
        result.notes.append((number, f"label {labeled['label']!r} is not part of the template "
                                     f"section {section.heading!r}; not imported"))
        return None
    table = next((b for b in blocks if isinstance(b, L.Table)), None)
    if table is not None and line.startswith("|"):
        if is_table_separator(line) or _norm(line) == _norm(table.header):
            return None
        if _norm(line) == _norm(table.placeholder_row):
            result.placeholders.append((number, table.placeholder_row))
            return None
        raw.tables.setdefault(table.path, []).append((number, split_table_row(line)))
        return None
    item = _ITEM.match(line)
    listing = next((b for b in blocks if isinstance(b, L.NumberedList | L.LinkList)), None)
    if item and listing is not None:
        value = item["value"].strip()
        spare = (listing.placeholder,) if isinstance(listing, L.NumberedList) \
            else listing.placeholders
        if value in spare:
            result.placeholders.append((number, value))
        else:
            raw.lists.setdefault(listing.path, []).append((number, value))
        return None
    if last_labeled is not None:
        # A wrapped value: people continue a long field on the next line.
        first, value = raw.labeled[last_labeled]
        raw.labeled[last_labeled] = (first, f"{value}\n{line}" if value else line)
        return last_labeled
    result.notes.append((number, f"line in section {section.heading!r} not understood; "
                                 "not imported"))
    return None


def _interpret(raw: _Raw, zone: ZoneInfo, problems: list[tuple[str, str]]
               ) -> tuple[dict[str, Any], dict[str, int]]:
    """Turn the raw strings into the model's input, converting dates and times."""
    data: dict[str, Any] = {}
    where: dict[str, int] = {}
    kinds = {b.path: b for s in L.LAYOUT for b in s.blocks if isinstance(b, L.Labeled)}

    def put(path: str, value: Any, line: int) -> None:
        node = data
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
        where[path] = line

    day = None
    if "overview.date" in raw.labeled:
        line, value = raw.labeled["overview.date"]
        if value:
            try:
                day = parse_date(unescape(value))
                put("overview.date", day, line)
            except ValueError as exc:
                problems.append((f"line {line} (overview.date)", str(exc)))

    def when(text: str, line: int, path: str):
        try:
            return parse_time(unescape(text), zone, day=day)
        except ValueError as exc:
            problems.append((f"line {line} ({path})", str(exc)))
            return None

    for path, (line, value) in raw.labeled.items():
        block = kinds[path]
        if not value or path == "overview.date":
            continue
        if block.kind == "duration":
            _interpret_duration(value, line, block, when, put)
        elif block.kind == "time":
            put(path, when(value, line, path), line)
        elif block.kind == "date":
            try:
                put(path, parse_date(unescape(value)), line)
            except ValueError as exc:
                problems.append((f"line {line} ({path})", str(exc)))
        elif block.kind == "names":
            names = [unescape(n).strip() for n in split_unescaped(value, ",")]
            put(path, [n for n in names if n], line)
        else:
            put(path, unescape(value), line)

    for path, items in raw.lists.items():
        if path == "supporting_documentation":
            put(path, [_link(v) for _, v in items], items[0][0])
        else:
            put(path, [unescape(v) for _, v in items], items[0][0])
        for i, (line, _) in enumerate(items):
            where[f"{path}[{i}]"] = line

    for path, rows in raw.tables.items():
        converted = []
        for i, (line, cells) in enumerate(rows):
            where[f"{path}[{i}]"] = line
            converted.append(_table_row(path, cells, line, f"{path}[{i}]", when))
        put(path, converted, rows[0][0])
    return data, where


def _interpret_duration(value: str, line: int, block: L.Labeled, when, put) -> None:
    # "(2h 38m)": derived, recomputed from start and end
    value = _PAREN_TAIL.sub("", value).rstrip()
    parts = _RANGE_WORD.split(value, maxsplit=1)
    placeholders = [p.strip() for p in block.placeholder.split(" to ")]
    times = []
    for i, part in enumerate(parts[:2]):
        part = part.strip()
        times.append(None if not part or part == placeholders[i] else
                     when(part, line, ("overview.start", "overview.end")[i]))
    start, end = [*times, None][:2]
    if start and end and end < start and not re.match(r"\s*\d{4}-\d{2}-\d{2}", parts[1]):
        # "23:10 to 01:20": an end written as a time of day before the start is the next day.
        end = end + timedelta(days=1)
    if start:
        put("overview.start", start, line)
    if end:
        put("overview.end", end, line)


def _cell(cells: list[str], i: int) -> str:
    value = cells[i] if i < len(cells) else ""
    return "" if value in EMPTY_CELL_MARKS else unescape(value)


def _table_row(path: str, cells: list[str], line: int, row_path: str, when) -> dict[str, Any]:
    if path == "key_events":
        event_cell = cells[1] if len(cells) > 1 else ""
        row: dict[str, Any] = {"action_taken": _cell(cells, 2)}
        cut = find_unescaped(event_cell, "<sub>")
        at = cut if cut != -1 else len(event_cell)
        row["event"] = unescape(event_cell[:at]).strip()
        while at < len(event_cell):
            sub = _SUB.match(event_cell, at)  # from ``at``, without copying the rest
            if not sub:
                row["event"] += unescape(event_cell[at:])
                break
            row[sub["key"]] = unescape(sub["value"])
            at = sub.end()
        time_text = cells[0] if cells else ""
        if time_text and time_text not in EMPTY_CELL_MARKS:
            row["time"] = when(time_text, line, f"{row_path}.time")
        return row
    last = "status" if path.endswith("immediate") else "priority"
    row = {"description": _cell(cells, 0), "owner": _cell(cells, 1)}
    due = _cell(cells, 2)
    if due:
        try:
            row["due"] = parse_date(due)
        except ValueError:
            row["due"] = due  # the model reports it with the row's path and line
    status = _cell(cells, 3)
    if status:
        row[last] = status
    return row


def _link(item: str) -> dict[str, str]:
    split = find_unescaped(item, "](")
    if item.startswith("[") and item.endswith(")") and split != -1:
        dest = item[split + 2:-1].strip()
        if dest.startswith("<") and dest.endswith(">"):
            dest = dest[1:-1]
        return {"title": unescape(item[1:split]), "url": re.sub(r"\\(.)", r"\1", dest)}
    if item.startswith("<") and item.endswith(">") and " " not in item:
        return {"title": item[1:-1], "url": item[1:-1]}
    return {"title": unescape(item)}


# The last step of a model path: ``.time``, ``[2]``, or the whole of a top-level name.
_LAST_STEP = re.compile(r"(?:^|\.)[^.\[\]]+$|\[\d+\]$")


def _locate(path: str, lines_by_path: dict[str, int]) -> str:
    """``line 23 (key_events[1].time)``: the Markdown line of a model path, when known.

    Walks up from ``path`` to the nearest ancestor the parser saw a line for.
    """
    probe = path
    while probe:
        if probe in lines_by_path:
            return f"line {lines_by_path[probe]} ({path})"
        parent = _LAST_STEP.sub("", probe)
        if parent == probe:  # a step the pattern does not know ("(document)"): no ancestor
            break
        probe = parent
    return path
