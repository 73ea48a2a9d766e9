"""Read a postmortem in another layout, section by section, into the template's fields.

Each section goes where its heading says (:data:`~.vocabulary.HEADINGS`); ``Key: value``
lines under the title or in a Stats list set what their label names
(:data:`~.vocabulary.LABELS`). What maps nowhere (an unknown heading, a line no field
takes, a table column no field has) is kept verbatim in the document's ``notes``, and the
result's ``mapping`` says where every heading went.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from postmortem_kit.document import layout as L
from postmortem_kit.document.importing.actions import read_actions
from postmortem_kit.document.importing.sections import FRONT_MATTER, Section, split_sections
from postmortem_kit.document.importing.timeline import TimelineReader
from postmortem_kit.document.importing.vocabulary import HEADINGS, LABELS, key
from postmortem_kit.document.markdown_blocks import Block, Source
from postmortem_kit.document.markdown_inline import decode_cell, encode_names, split_row
from postmortem_kit.document.markdown_parse import (
    BEFORE_FIRST_SECTION,
    Mapped,
    ParseResult,
    Raw,
    build,
    link_item,
)
from postmortem_kit.document.times import parse_date, parse_duration, parse_time

# "Key: value", "**Key:** value", "**Key**: value" (the key short, the value anything).
# The blanks before the colon are one run, with or without the closing ``**`` between:
# two adjacent ``[ \t]*`` would try every split of a long run of blanks (quadratic).
_KV = re.compile(r"(?:\*\*|__)?(?P<label>[A-Za-z][^:*_\n]{0,59}?)[ \t]*(?:(?:\*\*|__)[ \t]*)?:"
                 r"(?:\*\*|__)?[ \t]*(?P<value>.*)", re.S)
_URL = re.compile(r"https?://[^\s<>()]+")
_YAML = re.compile(r"(?P<key>[A-Za-z_][\w -]{0,40}?)[ \t]*:[ \t]*(?P<value>[^\n]*)")
_SEVERITY = re.compile(r"(?:P(?P<p>[0-3])|(?:SEV|SEVERITY|S)(?P<sev>[0-9]))")
_TEXT_KINDS = ("text", "names")


def read_severity(text: str) -> tuple[str | None, str]:
    """``("P1", how it was read)`` for ``P1``, ``SEV-2``, ``Sev 2``...; ``(None, ...)`` when
    it is on no scale we can map (``Major``)."""
    compact = re.sub(r"[\s_-]+", "", text.strip().strip("*_`").upper())
    match = _SEVERITY.fullmatch(compact)
    if match is None:
        return None, f"severity {text.strip()!r} is not P0-P3 or SEV-n: kept in notes"
    if match["p"] is not None:
        return f"P{match['p']}", ""
    level = min(3, max(0, int(match["sev"]) - 1))
    return f"P{level}", (f"severity {text.strip()!r} read as P{level} (SEV-1, the highest, "
                         "is P0)")


def _labels_of(path: str) -> dict[str, str]:
    """The template labels of the section that holds ``path``: ``{"users affected": ...}``."""
    for section in L.LAYOUT:
        paths = [b.path for b in section.blocks if isinstance(b, L.Labeled)]
        if path in paths:
            return {key(b.label): b.path for b in section.blocks
                    if isinstance(b, L.Labeled) and b.kind != "duration"}
    return {}


class OtherLayout:
    """The import of one document; :meth:`read` fills ``result``."""

    def __init__(self, src: Source, result: ParseResult) -> None:
        self.src = src
        self.result = result
        self.raw = Raw()
        self.filled: dict[str, str] = {}  # text path -> heading whose text it holds
        self.times: dict[str, tuple[int, str]] = {}  # overview.start/end, detection.time
        self.duration: tuple[int, dt.timedelta] | None = None
        self.stated: list[str] = []  # "Time to detection: 8 minutes" lines
        self.events: list[tuple[int, dict[str, Any]]] = []
        self.marks: dict[str, tuple[int, dt.datetime]] = {}  # OUTAGE BEGINS / ENDS
        self.actions: dict[str, list[tuple[int, dict[str, Any]]]] = {"immediate": [],
                                                                     "long_term": []}
        self.links: list[tuple[int, dict[str, str]]] = []
        self.zone_name: str | None = None
        self.day: dt.date | None = None
        self.title_line = 0  # the front matter line the title came from, if it did

    # -- the walk ---------------------------------------------------------------------------
    def read(self, source: str | None) -> ParseResult:
        title, sections, comments = split_sections(self.src)
        for block in comments:
            self.result.notes.append((block.line, "HTML comment skipped (not shown when the "
                                                  "Markdown is viewed)"))
        # Dates, severity and stats first: a timeline's times of day take the Date.
        first = [s for s in sections if s.heading in (None, FRONT_MATTER) or (
                 s.target is not None and s.target.read_as in ("scalar", "stats"))]
        if title is None:
            title = self._title_from_front_matter(sections)
        for section in first + [s for s in sections if s not in first]:
            self._section(section)
        self.result.mapping.sort(key=lambda m: m.line)
        try:
            build(self.raw, title, self.zone_name or "UTC", self.result, source,
                  extend=self._extend)
        finally:
            self.result.mapping.sort(key=lambda m: m.line)
        return self.result

    def _section(self, section: Section) -> None:
        if section.heading is None:
            self._preamble(section)
            return
        if section.heading == FRONT_MATTER:
            self._front_matter(section)
            return
        target = section.target
        if target is None:
            self._note(section, section.blocks)
            return
        reader = getattr(self, f"_{target.read_as}")
        reader(section, target.path)

    # -- helpers ------------------------------------------------------------------------------
    def _text_of(self, blocks: list[Block]) -> str:
        lines = self.src.lines
        return "\n".join(lines[blocks[0].start:blocks[-1].end]).strip("\n") if blocks else ""

    def _note(self, section: Section, blocks: list[Block], why: str = "") -> None:
        text = self._text_of(blocks) if blocks else ""
        heading = section.heading or BEFORE_FIRST_SECTION
        if text.strip():
            self.raw.notes.append((section.line, heading, text))
            self.result.mapping.append(Mapped(section.line, heading, "notes" + why))
        elif section.heading is not None:
            self.result.mapping.append(Mapped(section.line, heading, "(no content)"))

    def _keep(self, section: Section, text: str, why: str) -> None:
        """Keep ``text`` (verbatim Markdown) of ``section`` in the notes."""
        if text.strip():
            heading = section.heading or BEFORE_FIRST_SECTION
            self.raw.notes.append((section.line, heading, text))
            self.result.mapping.append(Mapped(section.line, heading, f"notes ({why})"))

    def _label(self, line: int, label: str, value: str, *, within: dict[str, str]) -> bool:
        """Set the field ``label`` names (among ``within``, else the document labels, else
        a heading of that name: ``**Root Causes:** ...``); False when nothing takes it (the
        caller keeps the line)."""
        path = _path_of(label, within)
        value = value.strip()
        if path is None or not value:
            return False
        done = self._set(line, path, value, label)
        if done:
            self.result.mapping.append(Mapped(line, label, path.replace("stated.", "stated ")))
        return done

    def _set(self, line: int, path: str, value: str, label: str) -> bool:
        if path == "overview.date":
            try:
                day = parse_date(value.strip("*_` "))
            except ValueError:
                return False
            if "overview.date" not in self.raw.labeled:
                self.raw.labeled[path] = (line, day.isoformat())
                self.day = day
            return True
        if path == "overview.severity":
            severity, how = read_severity(value)
            if severity is None:
                self.result.notes.append((line, how))
                return False
            if how:  # converted: what was written stays in the notes
                self.result.notes.append((line, how))
                self.raw.notes.append((line, label.strip(), f"{value} (read as {severity})"))
            self.raw.labeled.setdefault(path, (line, severity))
            return True
        if path in ("overview.start", "overview.end", "detection.time", "resolution.time"):
            self.times.setdefault(path, (line, value))
            return True
        if path.startswith("stated."):
            self.stated.append(f"{label.strip()}: {value}")
            if path == "stated.ttr" and key(label) in ("duration", "impact duration",
                                                       "outage duration"):
                try:
                    self.duration = (line, parse_duration(value))
                except ValueError:
                    pass
            return True
        if path in self.raw.labeled:
            return False
        self.raw.labeled[path] = (line, value)
        return True

    def _key_values(self, section: Section, within: dict[str, str]) -> list[str]:
        """Set the fields of ``Key: value`` lines, list items and two-column table rows of
        ``section``; returns the rest, verbatim, block by block."""
        rest: list[str] = []
        lines = self.src.lines
        for block in section.blocks:
            if block.kind == "paragraph":
                kept = []
                for start, end, match in _pieces(lines, block, within):
                    value = "\n".join([match["value"], *lines[start + 1:end]]) if match else ""
                    if not (match and self._label(start + 1, match["label"], value,
                                                  within=within)):
                        kept += lines[start:end]
                if kept:
                    rest.append("\n".join(kept))
            elif block.kind == "list":
                kept = []
                for item in block.items:
                    match = _KV.fullmatch(item.text)
                    if not (match and self._label(item.start + 1, match["label"],
                                                  match["value"], within=within)):
                        kept.append("\n".join(lines[item.start:item.end]).rstrip())
                if kept:
                    rest.append("\n".join(kept))
            elif block.kind == "table":
                rest += self._table_key_values(block, within)
            else:
                rest.append(self.src.text(block.start, block.end))
        return rest

    def _table_key_values(self, block: Block, within: dict[str, str]) -> list[str]:
        lines = self.src.lines
        kept = []
        for number in block.rows:
            cells = [decode_cell(c) for c in split_row(lines[number])]
            if not (len(cells) == 2 and self._label(number + 1, cells[0], cells[1],
                                                    within=within)):
                kept.append(lines[number])
        header = lines[block.start:block.start + 2]
        if len(split_row(header[0])) == 2 and (
                self._label(block.start + 1, *[decode_cell(c) for c in split_row(header[0])],
                            within=within)):
            header = [f"| {' | '.join(' ' for _ in range(2))} |", header[1]]
        if kept:
            return ["\n".join(header + kept)]
        return []

    # -- section readers ------------------------------------------------------------------------
    def _front_matter(self, section: Section) -> None:
        """YAML front matter: ``date:``, ``severity:``, ``category:`` lines set their fields
        (the title, when there is no ``#`` heading, was read already); the rest is kept."""
        block = section.blocks[0]
        kept = []
        for number in range(block.start + 1, block.end - 1):
            line = self.src.lines[number]
            match = _YAML.fullmatch(line)
            if number + 1 == self.title_line:
                continue  # the document's title
            if not (match and self._label(number + 1, match["key"], _unquote(match["value"]),
                                          within={})):
                kept.append(line)
        if any(line.strip() for line in kept):
            self._keep(section, "\n".join(["---", *kept, "---"]), "no field takes it")

    def _title_from_front_matter(self, sections: list[Section]) -> tuple[int, str] | None:
        for section in sections:
            if section.heading != FRONT_MATTER:
                continue
            block = section.blocks[0]
            for number in range(block.start + 1, block.end - 1):
                match = _YAML.fullmatch(self.src.lines[number])
                if match and key(match["key"]) == "title" and match["value"].strip():
                    self.result.mapping.append(Mapped(number + 1, "title", "title"))
                    self.title_line = number + 1
                    return number + 1, _unquote(match["value"])
        return None

    def _preamble(self, section: Section) -> None:
        rest = self._key_values(section, {})
        self._keep(section, "\n\n".join(rest), "no field takes it")

    def _text(self, section: Section, path: str) -> None:
        labeled = len(self.result.mapping)
        rest = "\n\n".join(self._key_values(section, _labels_of(path))).strip()
        if not rest:
            what = "(no content)" if len(self.result.mapping) == labeled else "(labeled lines)"
            self.result.mapping.append(Mapped(section.line, section.heading or "", what))
            return
        holder = self.filled.get(path)
        if holder is None and path not in self.raw.labeled:
            self.raw.labeled[path] = (section.line, rest)
            self.filled[path] = section.heading or ""
            self.result.mapping.append(Mapped(section.line, section.heading or "", path))
        elif holder == section.heading:
            line, value = self.raw.labeled[path]
            self.raw.labeled[path] = (line, f"{value}\n\n{rest}")
        else:
            self._keep(section, rest, f"{path} already holds {holder or 'a labeled line'!r}")

    def _list(self, section: Section, path: str) -> None:
        items = self.raw.lists.setdefault(path, [])
        before = len(items)
        other: list[Block] = []
        for block in section.blocks:
            if block.kind == "list":
                items += [(item.start + 1, item.text) for item in block.items]
            elif block.kind == "paragraph":
                text = self.src.text(block.start, block.end)
                if text.rstrip().endswith(":") or key(text) in ("tbd", "n a", "none", "todo"):
                    other.append(block)  # an introduction, or a placeholder someone left
                else:
                    items.append((block.line, text))
            elif items[before:]:
                line, value = items[-1]  # a fence or table after an item belongs to it
                items[-1] = (line, f"{value}\n\n{self.src.text(block.start, block.end)}")
            else:
                other.append(block)
        if not items:
            del self.raw.lists[path]
        count = len(items) - before
        self.result.mapping.append(Mapped(section.line, section.heading or "",
                                          f"{path} ({count} items)" if count or other
                                          else "(no content)"))
        if other:
            self._keep(section, "\n\n".join(self.src.text(b.start, b.end) for b in other),
                       "not a list item")

    def _names(self, section: Section, path: str) -> None:
        names: list[str] = []
        for block in section.blocks:
            if block.kind == "list":
                names += [item.text.strip() for item in block.items]
            elif block.kind == "paragraph":
                names += [n.strip() for n in self.src.text(block.start, block.end).split(",")]
        names = [n for n in names if n]
        if names and path not in self.raw.labeled:
            self.raw.labeled[path] = (section.line, encode_names(names))
            self.result.mapping.append(Mapped(section.line, section.heading or "", path))
        else:
            self._note(section, section.blocks)

    def _links(self, section: Section, path: str) -> None:
        other: list[Block] = []
        for block in section.blocks:
            if block.kind == "list":
                self.links += [(item.start + 1, _link(item.text)) for item in block.items]
            elif block.kind == "paragraph":
                self.links += [(number + 1, _link(self.src.lines[number].strip()))
                               for number in range(block.start, block.end)
                               if self.src.lines[number].strip()]
            else:
                other.append(block)
        self.result.mapping.append(Mapped(section.line, section.heading or "", path))
        if other:
            self._keep(section, "\n\n".join(self.src.text(b.start, b.end) for b in other),
                       "not a link")

    def _stats(self, section: Section, path: str) -> None:
        rest = self._key_values(section, {})
        self.result.mapping.append(Mapped(section.line, section.heading or "",
                                          "labeled lines (see below)"))
        self._keep(section, "\n\n".join(rest), "no field takes these lines")

    def _scalar(self, section: Section, path: str) -> None:
        text = self._text_of(section.blocks).strip()
        if text and "\n" not in text and self._set(section.line, path, text,
                                                   section.heading or ""):
            self.result.mapping.append(Mapped(section.line, section.heading or "", path))
        else:
            self._note(section, section.blocks)

    def _container(self, section: Section, path: str) -> None:
        self._note(section, section.blocks)

    def _events(self, section: Section, path: str) -> None:
        reader = TimelineReader(self.src, self.zone_name or "UTC", self.day,
                                heading=section.heading or "")
        got = reader.read(section.blocks)
        if got.zone and self.zone_name is None:
            self.zone_name = got.zone
        self.events += got.events
        for mark, found in (("start", got.start), ("end", got.end)):
            if found:
                self.marks.setdefault(mark, found)
        self.result.notes += got.remarks
        self.result.assumptions += [(line, "key_events", what) for line, what in got.assumptions]
        zone = f", times in {reader.zone_name}" if got.events else ""
        self.result.mapping.append(Mapped(section.line, section.heading or "",
                                          f"key_events ({len(got.events)} events{zone})"))
        self._keep(section, "\n\n".join(got.leftover), "not an event with a time")

    def _actions(self, section: Section, path: str) -> None:
        got = read_actions(self.src, section.blocks, long_term=path.endswith("long_term"))
        self.actions["immediate"] += got.immediate
        self.actions["long_term"] += got.long_term
        self.result.notes += got.remarks
        self.result.mapping.append(Mapped(
            section.line, section.heading or "",
            f"action_items ({len(got.immediate)} immediate, {len(got.long_term)} long-term)"))
        self._keep(section, "\n\n".join(got.leftover), "kept as written: holds more than an "
                                                       "action item's fields")

    # -- what the strings do not carry --------------------------------------------------------
    def _extend(self, data: dict[str, Any], where: dict[str, int],
                problems: list[tuple[str, str]]) -> None:
        zone = ZoneInfo(data.get("timezone", "UTC"))
        overview = data.setdefault("overview", {})
        for path, (line, text) in self.times.items():
            section, name = path.split(".")
            try:
                when = parse_time(text.strip("*_` "), zone, day=self.day)
            except ValueError as exc:
                self.result.notes.append((line, f"{exc!s}: kept in notes"))
                data.setdefault("notes", []).append({"heading": name.title(), "text": text})
                continue
            data.setdefault(section, {})[name] = when
            where[path] = line
        for mark, (line, when) in self.marks.items():
            if mark not in overview:
                overview[mark] = when
                where[f"overview.{mark}"] = line
                marker = "OUTAGE BEGINS" if mark == "start" else "OUTAGE ENDS"
                self.result.mapping.append(Mapped(line, f"{marker} (timeline)",
                                                  f"overview.{mark}"))
        if self.duration and "start" in overview and "end" not in overview:
            line, length = self.duration
            overview["end"] = overview["start"] + length
            where["overview.end"] = line
        if self.events and "date" not in overview:
            # No Date line: the incident's day is the day its timeline starts on.
            line, first = self.events[0]
            overview["date"] = first["time"].astimezone(zone).date()
            where["overview.date"] = line
            self.result.mapping.append(Mapped(line, "first timeline event", "overview.date"))
        if self.events:
            data["key_events"] = [row for _, row in self.events]
            for i, (line, _) in enumerate(self.events):
                where[f"key_events[{i}]"] = line
        for kind, rows in self.actions.items():
            if rows:
                data.setdefault("action_items", {})[kind] = [row for _, row in rows]
                for i, (line, _) in enumerate(rows):
                    where[f"action_items.{kind}[{i}]"] = line
        if self.links:
            data["supporting_documentation"] = [link for _, link in self.links]
            for i, (line, _) in enumerate(self.links):
                where[f"supporting_documentation[{i}]"] = line
        if self.stated:
            assessment = data.setdefault("assessment", {})
            held = assessment.get("response_time_analysis", "")
            lines = "\n".join(f"- {line}" for line in self.stated)
            assessment["response_time_analysis"] = f"{held}\n\n{lines}" if held else lines
        if not overview:
            data.pop("overview")


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _path_of(label: str, within: dict[str, str]) -> str | None:
    """The field a ``Label:`` names, or None."""
    name = key(label)
    path = within.get(name) or LABELS.get(name)
    if path is None:
        target = HEADINGS.get(name)
        if target is not None and target.read_as in ("text", "scalar"):
            path = target.path
    return path


def _pieces(lines: list[str], block: Block, within: dict[str, str]):
    """A paragraph cut at each line that starts with a known ``Label:``: ``(start, end,
    match)`` per piece, ``match`` None for lines before the first label."""
    start, match = block.start, None
    for number in range(block.start, block.end):
        found = _KV.fullmatch(lines[number].strip())
        if found and _path_of(found["label"], within):
            if number > start:
                yield start, number, match
            start, match = number, found
    yield start, block.end, match


def _link(text: str) -> dict[str, str]:
    """A supporting-information item: a Markdown link, an autolink, a line holding one bare
    URL (the line is the title), or a title alone."""
    link = link_item(text)
    if not link.get("url"):
        urls = _URL.findall(text)
        if len(urls) == 1:
            return {"title": text.strip(), "url": urls[0].rstrip(".,;")}
    return link
