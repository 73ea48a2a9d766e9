"""Read a Markdown postmortem written in the template's layout back into a :class:`Postmortem`.

It is the inverse of :mod:`markdown_render` (render then parse gives an equal document) and
also reads what people really write. The block structure comes from a CommonMark parser
(:mod:`markdown_blocks`): a ``#`` line inside a fenced code block, a list item or an HTML
comment is not a heading, a sub-list stays inside its item, setext headings are headings.
Values are taken from the source lines as written (inline Markdown kept) and decoded with
:mod:`markdown_inline`.

Leniency: headings at any level and with common alternative names, ``- **Label**: value`` or
``**Label:** value`` lines, numbered or bulleted lists, ``—`` or ``-`` for an empty cell,
full ISO date-times, times of day that take their date from the **Date** line, a trailing
``UTC`` or an offset. Whatever follows a labeled line until the next label (a fenced block,
a list) belongs to that field. Placeholders left from the template read as empty fields and
are listed (``postmortem check`` reports them). What fits no field of the template (an
unknown section, text before the first section) is kept verbatim in the document's
``notes``, never dropped; HTML comments are skipped and said so. Problems are collected and
raised together as one :class:`~postmortem_kit.errors.DocumentError` naming their lines.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from postmortem_kit.document import layout as L
from postmortem_kit.document.markdown_blocks import Block, Source, quote_text, read_blocks
from postmortem_kit.document.markdown_inline import (
    EMPTY_CELL_MARKS,
    code_regions,
    decode_cell,
    decode_heading,
    decode_markdown,
    decode_names,
    find_unescaped,
    is_table_separator,
    run_before,
    split_row,
    unescape,
    unguard,
)
from postmortem_kit.document.markdown_render import META_PREFIX
from postmortem_kit.document.model import Postmortem, find_zone
from postmortem_kit.document.storage import validation_problems
from postmortem_kit.document.times import parse_date, parse_time
from postmortem_kit.errors import DocumentError

# Patterns here read a line of any length in linear time: no two quantifiers may take the
# same run of characters in turn (``\s+(.*?)\s*$`` is quadratic in a run of blanks).
_LABELED = re.compile(
    r"\*\*(?P<label>[^*\n]+?)(?::\*\*|\*\*[ \t]*:)[ \t]*(?P<value>.*)", re.S)
_META = re.compile(re.escape(META_PREFIX) + r"\s*timezone=(?P<tz>\S+)\s*-->")
_SUB_HEAD = re.compile(r"<sub>(?P<key>source|provenance): ?")
_MARKER_START = re.compile(r"<sub>(?:source|provenance):")
_PAREN_TAIL = re.compile(r"\([^()]*\)\s*$")
_RANGE_WORD = re.compile(r"(?<!\s)\s+(?:to|until|→|-|–|—)\s+")
_PICTURES = re.compile(r"(?:[ \t]*!\[(?:\\.|[^\]\\\n])*\]\([^()\s]*\)[ \t]*\n?)+")
BEFORE_FIRST_SECTION = "Before the first section"


@dataclass(frozen=True)
class Mapped:
    """Where one heading of the source went: a field path, ``notes``, or ``skipped``."""

    line: int
    heading: str
    target: str


@dataclass
class ParseResult:
    """A parsed document and what the parser noticed on the way.

    ``placeholders`` are template placeholders left in, ``notes`` what the parser skipped or
    kept aside (HTML comments, sections of no template field), ``lines`` the Markdown line
    of each model path it read, ``assumptions`` readings that were a guess (an end time
    before the start read as the next day), ``layout`` the layout read and ``mapping`` where
    each heading of the source went.
    """

    document: Postmortem
    placeholders: list[tuple[int, str]] = field(default_factory=list)  # (line, placeholder)
    notes: list[tuple[int, str]] = field(default_factory=list)  # (line, what was set aside)
    lines: dict[str, int] = field(default_factory=dict)
    assumptions: list[tuple[int, str, str]] = field(default_factory=list)  # (line, path, what)
    layout: str = "template"
    mapping: list[Mapped] = field(default_factory=list)


@dataclass
class Raw:
    """Values as written (decoded Markdown), with their lines, before times are read."""

    labeled: dict[str, tuple[int, str]] = field(default_factory=dict)
    lists: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    tables: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    notes: list[tuple[int, str, str]] = field(default_factory=list)  # (line, heading, text)


def norm(name: str) -> str:
    """A heading or label as compared: case, punctuation and ``&``/``and`` ignored."""
    name = unescape(name).lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", name).split())


_SECTIONS = {norm(alias): s for s in L.LAYOUT for alias in (s.heading, *s.aliases)}
_NOTES = norm(L.NOTES_HEADING)


def parse_markdown(text: str, source: str | None = None) -> ParseResult:
    """Parse Markdown into a document; raises DocumentError listing every problem by line."""
    result = ParseResult(Postmortem())
    reader = _Reader(read_blocks(text), result)
    reader.read()
    build(reader.raw, reader.title, reader.zone_name, result, source)
    return result


def heading_name(src: Source, block: Block) -> str:
    """A heading's text as a plain value (closing ``#``s removed, Markdown decoded)."""
    return decode_heading(src.heading_text(block).replace("\n", " "))


class _Reader:
    """Walks the top-level blocks, filing each under the template section it belongs to."""

    def __init__(self, src: Source, result: ParseResult) -> None:
        self.src = src
        self.result = result
        self.raw = Raw()
        self.title: tuple[int, str] | None = None
        self.zone_name = "UTC"
        self.section: L.Section | None = None
        # A note being collected: (line, heading, level, [(start, end)] of its blocks)
        self.note: tuple[int, str, int, list[tuple[int, int]]] | None = None
        self.quoted = False  # the note is one of a Notes (imported) section: a block quote
        self.in_notes = False
        # The field the next unlabeled block continues: (kind, key, end line of its text)
        self.open: tuple[str, Any, int] | None = None

    def read(self) -> None:
        for block in self.src.blocks:
            if block.kind == "heading":
                self._heading(block)
            elif block.kind == "frontmatter":
                self.raw.notes.append((block.line, "Front matter",
                                       self.src.text(block.start, block.end)))
                self.result.notes.append((block.line, "front matter kept verbatim in notes"))
            elif block.kind == "comment":
                self._comment(block)
            elif self.note is not None:
                self.note[3].append((block.start, block.end))
            elif self.section is not None:
                self._section_block(self.section, block)
            else:
                self._start_note(block.line, BEFORE_FIRST_SECTION, 0)
                self.note[3].append((block.start, block.end))  # type: ignore[index]
        self._end_note()

    # -- headings, comments and notes -------------------------------------------------------
    def _heading(self, block: Block) -> None:
        name = heading_name(self.src, block)
        self.open = None
        if block.level == 1 and self.title is None:
            self._end_note()
            self.title = (block.line, name)
            return
        if self.in_notes and block.level >= 3:
            self._end_note()
            self._start_note(block.line, name, block.level, quoted=True)
            return
        wanted = norm(name)
        section = _SECTIONS.get(wanted)
        if wanted == _NOTES:
            self._end_note()
            self.section, self.in_notes = None, True
            self._start_note(block.line, L.NOTES_HEADING, block.level)
            return
        if section is None and self.note is not None and block.level > self.note[2]:
            self.note[3].append((block.start, block.end))  # a sub-heading of the note
            return
        self._end_note()
        self.in_notes = False
        self.section = section
        if section is None:
            self._start_note(block.line, name, block.level)
            self.result.notes.append((block.line, f"section {name!r} is not part of the "
                                                  "template: kept verbatim in notes"))
        else:
            self.result.mapping.append(_mapped(block.line, name, section))

    def _comment(self, block: Block) -> None:
        meta = _META.match(self.src.text(block.start, block.end).strip())
        if meta:
            self.zone_name = meta["tz"]
            return
        self.result.notes.append((block.line, "HTML comment skipped (not shown when the "
                                              "Markdown is viewed)"))

    def _start_note(self, line: int, heading: str, level: int, quoted: bool = False) -> None:
        self.note = (line, heading or "(untitled)", level, [])
        self.quoted = quoted

    def _end_note(self) -> None:
        if self.note is None:
            return
        line, heading, _, parts = self.note
        self.note = None
        if not parts:
            return
        lines = self.src.lines
        if self.quoted and len(parts) == 1 and lines[parts[0][0]].lstrip().startswith(">"):
            text = quote_text(lines, *parts[0])
        else:
            # Verbatim from the first block to the last, without the comments in between.
            skipped = {i for b in self.src.blocks if b.kind == "comment"
                       for i in range(b.start, b.end)}
            text = "\n".join(lines[i] for i in range(parts[0][0], parts[-1][1])
                             if i not in skipped).strip("\n")
        text = decode_markdown(text, one_line=False)
        if text.strip():
            self.raw.notes.append((line, heading, text))
            if heading != L.NOTES_HEADING and not self.quoted:
                self.result.mapping.append(Mapped(line, heading, "notes"))

    # -- blocks of a template section -------------------------------------------------------
    def _section_block(self, section: L.Section, block: Block) -> None:
        kinds = {type(b) for b in section.blocks}
        if L.Table in kinds and block.kind == "table":
            self.open = None
            self._table(section, block)
        elif L.Labeled in kinds and block.kind in ("list", "paragraph"):
            self._labeled(section, block)
        elif kinds & {L.NumberedList, L.LinkList} and block.kind in ("list", "paragraph"):
            self._items(section, block)
        elif self.open is not None:
            self._continue(block)
        else:
            self._aside(section, block)

    def _aside(self, section: L.Section, block: Block) -> None:
        """Content of a template section that fits none of its fields: kept in notes."""
        self.raw.notes.append((block.line, section.heading,
                               decode_markdown(self.src.text(block.start, block.end),
                                               one_line=False)))
        self.result.mapping.append(Mapped(block.line, section.heading, "notes"))
        self.result.notes.append((block.line, f"text in section {section.heading!r} fits no "
                                              "field of it: kept verbatim in notes"))

    def _continue(self, block: Block) -> None:
        """Append ``block`` verbatim to the field left open (a fence after a labeled line)."""
        kind, key, end = self.open  # type: ignore[misc]
        extra = "\n".join(self.src.lines[end:block.end]).rstrip()
        if kind == "labeled":
            line, value = self.raw.labeled[key]
            self.raw.labeled[key] = (line, f"{value}\n{extra}")
        else:
            items = self.raw.lists[key]
            line, value = items[-1]
            items[-1] = (line, f"{value}\n{extra}")
        self.open = (kind, key, _last_text_line(self.src.lines, block.start, block.end))

    def _labeled(self, section: L.Section, block: Block) -> None:
        pieces: list[tuple[int, int, str]] = []  # (start, end, text) of each labeled piece
        if block.kind == "list":
            pieces = [(item.start, item.end, item.text) for item in block.items]
        else:
            # A paragraph of "**Label:** value" lines: each label starts a piece.
            start = block.start
            for i in range(block.start + 1, block.end):
                if _LABELED.match(self.src.lines[i].lstrip()):
                    pieces.append((start, i, self.src.text(start, i).lstrip()))
                    start = i
            pieces.append((start, block.end, self.src.text(start, block.end).lstrip()))
        for start, end, text in pieces:
            match = _LABELED.match(text)
            target = _find_label(section, match["label"]) if match else None
            if target is None:
                if match:
                    self.result.notes.append((start + 1, f"label {match['label']!r} is not "
                                                         "part of the template section "
                                                         f"{section.heading!r}: kept in notes"))
                    self.open = None
                    self._aside(section, Block("paragraph", start, end))
                elif self.open is not None:
                    self._continue(Block("paragraph", start, end))
                else:
                    self._aside(section, Block("paragraph", start, end))
                continue
            value = match["value"].strip()  # type: ignore[index]
            if value == target.placeholder.strip():
                self.result.placeholders.append((start + 1, target.placeholder))
                value = ""
            self.raw.labeled[target.path] = (start + 1, value)
            self.open = ("labeled", target.path, _last_text_line(self.src.lines, start, end))

    def _items(self, section: L.Section, block: Block) -> None:
        listing = next(b for b in section.blocks if isinstance(b, L.NumberedList | L.LinkList))
        if block.kind == "list":
            pieces = [(item.start, item.end, item.text) for item in block.items]
        else:
            text = self.src.text(block.start, block.end)
            if isinstance(listing, L.LinkList) and _PICTURES.fullmatch(text):
                # The exported report shows each chart under its link (display.py): a copy.
                self.result.notes.append((block.line, "pictures under the links: shown, not "
                                                      "imported (the links are)"))
                return
            pieces = [(block.start, block.end, text)]
        spare = ((listing.placeholder,) if isinstance(listing, L.NumberedList)
                 else listing.placeholders)
        for start, end, text in pieces:
            value = text.strip()
            if value in spare:
                self.result.placeholders.append((start + 1, value))
                continue
            self.raw.lists.setdefault(listing.path, []).append((start + 1, text))
            self.open = ("item", listing.path, _last_text_line(self.src.lines, start, end))

    def _table(self, section: L.Section, block: Block) -> None:
        table = next(b for b in section.blocks if isinstance(b, L.Table))
        rows = self.raw.tables.setdefault(table.path, [])
        placeholder = split_row(table.placeholder_row)
        for line in block.rows:
            text = self.src.lines[line]
            if is_table_separator(text):
                continue
            cells = split_row(text)
            if cells == placeholder:
                self.result.placeholders.append((line + 1, table.placeholder_row))
                continue
            if len(cells) > len(table.columns):
                self.result.notes.append((line + 1, f"{len(cells) - len(table.columns)} "
                                                    "cell(s) beyond the table's columns "
                                                    "not imported"))
            rows.append((line + 1, table_cells(table.path, cells)))


def _mapped(line: int, name: str, section: L.Section) -> Mapped:
    paths = sorted({b.path.split(".")[0] for b in section.blocks}) or ["(heading only)"]
    return Mapped(line, name, ", ".join(paths))


def _find_label(section: L.Section, label: str) -> L.Labeled | None:
    wanted = norm(label)
    return next((b for b in section.blocks
                 if isinstance(b, L.Labeled) and norm(b.label) == wanted), None)


def _last_text_line(lines: list[str], start: int, end: int) -> int:
    """The line after the last non-blank one of ``[start, end)``."""
    while end > start and not lines[end - 1].strip():
        end -= 1
    return end


# -- cells ------------------------------------------------------------------------------------

def table_cells(path: str, cells: list[str]) -> dict[str, Any]:
    """One table row's cells (as :func:`split_row` gives them) as the model's strings."""
    def cell(i: int) -> str:
        return decode_cell(cells[i]) if i < len(cells) else ""

    if path == "key_events":
        row: dict[str, Any] = {"action_taken": cell(2), "time": cell(0)}
        row.update(_event_cell(cells[1] if len(cells) > 1 else ""))
        return row
    last = "status" if path.endswith("immediate") else "priority"
    return {"description": cell(0), "owner": cell(1), "due": cell(2), last: cell(3)}


def _event_cell(text: str) -> dict[str, str]:
    """The event and the ``<sub>`` source/provenance markers that end the cell."""
    regions = code_regions(text, blocks=False)
    starts = [a for a, _ in regions]
    searched = 0  # markers read up to here did not reach the end: no later start will
    for match in _MARKER_START.finditer(text):
        at = match.start()
        k = bisect.bisect_right(starts, at) - 1
        if at < searched or (k >= 0 and at < regions[k][1]) or run_before(text, at) % 2:
            continue
        markers, pos = _markers(text, at)
        if pos == len(text):
            return {"event": decode_cell(text[:at].strip()), **markers}
        searched = pos
    return {"event": decode_cell(text)}


def _markers(text: str, pos: int) -> tuple[dict[str, str], int]:
    """``<sub>source: ...</sub>`` markers from ``pos``: their values and where they end."""
    markers: dict[str, str] = {}
    while True:
        head = _SUB_HEAD.match(text, pos)
        if not head:
            return markers, pos
        end = find_unescaped(text, "</sub>", head.end())
        if end == -1:
            return markers, pos
        markers[head["key"]] = unescape(text[head.end():end])
        pos = end + len("</sub>")
        while pos < len(text) and text[pos].isspace():
            pos += 1


# -- from raw strings to the model ------------------------------------------------------------

def build(raw: Raw, title: tuple[int, str] | None, zone_name: str, result: ParseResult,
          source: str | None, *, extend: Callable[..., None] | None = None) -> None:
    """Interpret ``raw`` into ``result.document``; raise DocumentError listing every problem.

    ``extend(data, lines_by_path, problems)`` adds what the strings of ``raw`` do not carry
    (an importer's key events, already read) before the model is validated.
    """
    problems: list[tuple[str, str]] = []
    try:
        zone = find_zone(zone_name)
    except ValueError as exc:
        problems.append(("timezone", str(exc)))
        zone = ZoneInfo("UTC")
    data, lines_by_path = _interpret(raw, zone, problems, result)
    data["timezone"] = zone_name if not problems or zone_name == "UTC" else "UTC"
    if extend is not None:
        extend(data, lines_by_path, problems)
    if title and title[1]:
        data["title"] = title[1]
        lines_by_path["title"] = title[0]
    result.lines = lines_by_path
    try:
        result.document = Postmortem.model_validate(data)
    except ValidationError as exc:
        # One report for everything: a value the parser could not read is not repeated.
        seen = {where for where, _ in problems}
        problems += [(where, what) for where, what in
                     ((locate(path, lines_by_path), what)
                      for path, what in validation_problems(exc)) if where not in seen]
    if problems:
        raise DocumentError(problems, source)


def _interpret(raw: Raw, zone: ZoneInfo, problems: list[tuple[str, str]],
               result: ParseResult) -> tuple[dict[str, Any], dict[str, int]]:
    """Turn the raw strings into the model's input, converting dates and times."""
    data: dict[str, Any] = {}
    where: dict[str, int] = {}
    blocks = {b.path: b for s in L.LAYOUT for b in s.blocks}
    labeled = {b.path: b for b in blocks.values() if isinstance(b, L.Labeled)}

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
        value = _value(value, labeled["overview.date"])
        if value:
            try:
                day = parse_date(value)
                put("overview.date", day, line)
            except ValueError as exc:
                problems.append((f"line {line} (overview.date)", str(exc)))

    def when(text: str, line: int, path: str) -> datetime | None:
        try:
            return parse_time(text, zone, day=day)
        except ValueError as exc:
            problems.append((f"line {line} ({path})", str(exc)))
            return None

    for path, (line, written) in raw.labeled.items():
        block = labeled[path]
        value = _value(written, block)
        if not value or path == "overview.date":
            continue
        if block.kind == "duration":
            _interpret_duration(value, line, block, when, put, result)
        elif block.kind == "time":
            put(path, when(value, line, path), line)
        elif block.kind == "date":
            try:
                put(path, parse_date(value), line)
            except ValueError as exc:
                problems.append((f"line {line} ({path})", str(exc)))
        elif block.kind == "names":
            put(path, decode_names(value), line)
        else:
            put(path, value, line)

    for path, items in raw.lists.items():
        listing = blocks[path]
        if isinstance(listing, L.LinkList):
            values: list[Any] = [link_item(text) for _, text in items]
        else:
            assert isinstance(listing, L.NumberedList)
            reserved = _equals(listing.placeholder)
            values = [decode_markdown(unguard(text.strip(), reserved), one_line=False)
                      for _, text in items]
        put(path, values, items[0][0])
        for i, (line, _) in enumerate(items):
            where[f"{path}[{i}]"] = line

    for path, rows in raw.tables.items():
        converted = []
        for i, (line, row) in enumerate(rows):
            where[f"{path}[{i}]"] = line
            converted.append(_typed_row(path, row, line, f"{path}[{i}]", when))
        if rows:
            put(path, converted, rows[0][0])

    if raw.notes:
        data["notes"] = [{"heading": heading, "text": text} for _, heading, text in raw.notes]
        for i, (line, _, _) in enumerate(raw.notes):
            where[f"notes[{i}]"] = line
    return data, where


def _equals(placeholder: str) -> Callable[[str], bool]:
    return lambda text: text == placeholder


def _value(written: str, block: L.Labeled) -> str:
    """A labeled value as the model holds it (the renderer's escaping undone)."""
    if block.kind in ("duration", "severity"):
        return decode_markdown(written, one_line=False).strip()
    return decode_markdown(unguard(written.strip(), _equals(block.placeholder)),
                           one_line=False).strip()


def _interpret_duration(value: str, line: int, block: L.Labeled, when, put,
                        result: ParseResult) -> None:
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
        result.assumptions.append((line, "overview.end", (
            f"the Duration ends ({parts[1].strip()}) before it starts "
            f"({parts[0].strip()}) on the same date: read as ending the next day, "
            f"{end:%Y-%m-%d %H:%M} UTC ({end - start} long); write the end with its date "
            "if that is right, or correct the times")))
    if start:
        put("overview.start", start, line)
    if end:
        put("overview.end", end, line)


def _typed_row(path: str, row: dict[str, Any], line: int, row_path: str, when
               ) -> dict[str, Any]:
    row = {k: v for k, v in row.items() if v != "" or k in ("description", "event")}
    if path == "key_events":
        if "time" in row and row["time"] not in EMPTY_CELL_MARKS:
            row["time"] = when(row["time"], line, f"{row_path}.time")
        return row
    if row.get("due"):
        try:
            row["due"] = parse_date(row["due"])
        except ValueError:
            pass  # the model reports it with the row's path and line
    return row


def link_item(item: str) -> dict[str, str]:
    """A supporting-documentation item: ``[title](url)``, ``<url>`` or a title alone."""
    item = item.strip()
    split = item.rfind("](")
    if item.startswith("[") and item.endswith(")") and split > 0:
        dest = item[split + 2:-1].strip()
        titled = re.fullmatch(r"(\S+)\s+(?:\"[^\"]*\"|'[^']*')", dest)
        if titled:
            dest = titled[1]
        if dest.startswith("<") and dest.endswith(">"):
            dest = dest[1:-1]
        return {"title": decode_markdown(item[1:split], one_line=False),
                "url": re.sub(r"\\(.)", r"\1", dest)}
    if item.startswith("<") and item.endswith(">") and not any(c.isspace() for c in item):
        return {"title": item[1:-1], "url": item[1:-1]}
    return {"title": decode_markdown(unguard(item, lambda t: t[:1] in ("[", "<")),
                                     one_line=False)}


# The last step of a model path: ``.time``, ``[2]``, or the whole of a top-level name.
_LAST_STEP = re.compile(r"(?:^|\.)[^.\[\]]+$|\[\d+\]$")


def locate(path: str, lines_by_path: dict[str, int]) -> str:
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
