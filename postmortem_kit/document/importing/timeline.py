"""A timeline as people write it, read into key events.

Tables (``| Time | Event |``, columns found by their header) and lines or list items that
start with a time (``14:51 News reports ...``, ``- **09:26** - Developer reports ...``).
``All times in CET``, ``(all times UTC)`` or a ``Time (UTC)`` header name the zone; a line
that is only a date (``2015-10-21 (all times UTC)``) gives the date of the times of day
after it, else the document's Date. A time of day more than 12 hours before the previous
event is read as the next day, and said so. The SRE book's ``OUTAGE BEGINS`` /
``OUTAGE ENDS`` markers give the incident's start and end.

Nothing is dropped: a line that is no event, a row whose time cannot be read (``...``, a
date alone), or a table with columns that map to no field of a key event is kept verbatim
for the document's notes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from postmortem_kit.document.importing.vocabulary import key
from postmortem_kit.document.markdown_blocks import Block, Source
from postmortem_kit.document.markdown_inline import decode_cell, is_table_separator, split_row
from postmortem_kit.document.model import find_zone
from postmortem_kit.document.times import parse_date, parse_time

# "All times in CET.", "Times are in PT", "(all times UTC)", "Timeline (UTC)"
_ZONE_STATED = re.compile(
    r"(?:times?\s+(?:are\s+|shown\s+|given\s+|listed\s+)?(?:in\s+)?|^|\()"
    r"(?P<zone>UTC|GMT|Z|[A-Z]{2,5}|[A-Za-z]+/[A-Za-z_]+(?:/[A-Za-z_]+)?)"
    r"(?:\)|\.|\s|$)", re.IGNORECASE)
_ZONE_ALIASES = {
    "UTC": "UTC", "GMT": "UTC", "Z": "UTC", "PT": "America/Los_Angeles",
    "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles", "ET": "America/New_York",
    "EST": "America/New_York", "EDT": "America/New_York", "CT": "America/Chicago",
    "CST": "America/Chicago", "CDT": "America/Chicago", "MT": "America/Denver",
    "MST": "America/Denver", "MDT": "America/Denver", "CET": "CET", "CEST": "CET",
    "BST": "Europe/London", "IST": "Asia/Kolkata", "JST": "Asia/Tokyo",
    "AEST": "Australia/Sydney", "AEDT": "Australia/Sydney",
}
_TIME = (r"(?:\d{4}-\d{2}-\d{2}[T ]+)?\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,6})?)?"
         r"(?:\s?[AaPp][Mm])?(?:\s?(?:UTC|GMT|Z|[+-]\d{2}:?\d{2}))?")
_EVENT_LINE = re.compile(
    r"(?:\*\*|__|`)?(?P<time>" + _TIME + r")(?:\*\*|__|`)?[ \t]*(?:[-–—:|][ \t]*)?"
    r"(?P<event>\S.*)", re.S)
_DATE_LINE = re.compile(
    r"(?:\*\*|__)?(?P<date>\d{4}-\d{2}-\d{2}|[A-Z][a-z]+\.? \d{1,2},? \d{4}|"
    r"\d{1,2} [A-Z][a-z]+ \d{4})(?:\*\*|__)?[ \t]*(?:\((?P<rest>[^()\n]*)\))?[ \t]*:?")
_OUTAGE = re.compile(r"\b(?:OUTAGE|IMPACT|INCIDENT) (?P<mark>BEGINS|ENDS)\b")
_TIME_HEADS = ("time", "timestamp", "when", "date", "datetime", "date time")
_EVENT_HEADS = ("event", "events", "description", "what happened", "what", "summary",
                "details", "activity", "update")
_ACTION_HEADS = ("action", "action taken", "actions", "actions taken", "response")


def zone_named(text: str) -> str | None:
    """The IANA zone a phrase such as ``All times in CET`` or ``(UTC)`` names, else None."""
    for match in _ZONE_STATED.finditer(text):
        name = match["zone"]
        zone = _ZONE_ALIASES.get(name.upper())
        if zone is None and "/" in name:
            try:
                find_zone(name)
                zone = name
            except ValueError:
                continue
        if zone is not None:
            return zone
    return None


@dataclass
class Timeline:
    """What a timeline section held."""

    events: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    leftover: list[str] = field(default_factory=list)  # verbatim Markdown for the notes
    zone: str | None = None
    start: tuple[int, dt.datetime] | None = None  # OUTAGE BEGINS
    end: tuple[int, dt.datetime] | None = None  # OUTAGE ENDS
    assumptions: list[tuple[int, str]] = field(default_factory=list)
    remarks: list[tuple[int, str]] = field(default_factory=list)


class TimelineReader:
    """Reads the blocks of one timeline section. ``zone`` and ``day`` are the document's."""

    def __init__(self, src: Source, zone: str, day: dt.date | None,
                 heading: str = "") -> None:
        self.src = src
        self.out = Timeline(zone=zone_named(heading))
        self.zone_name = self.out.zone or zone
        self.day = day
        self.previous: dt.datetime | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone_name)

    def read(self, blocks: list[Block]) -> Timeline:
        # The zone may be stated anywhere in the section (often after the table's header).
        for block in blocks:
            if block.kind == "paragraph":
                self._zone_from(self.src.text(block.start, block.end))
        for block in blocks:
            if block.kind == "table":
                self._table(block)
            elif block.kind == "list":
                for item in block.items:
                    if self._line(item.start + 1, item.text) == "other":
                        self.out.leftover.append("- " + item.text.replace("\n", "\n  "))
            elif block.kind == "paragraph":
                self._paragraph(block)
            else:
                self.out.leftover.append(self.src.text(block.start, block.end))
        return self.out

    def _zone_from(self, text: str) -> None:
        if re.search(r"\btimes?\b|^\s*\(", text, re.IGNORECASE):
            zone = zone_named(text)
            if zone and self.out.zone is None:
                self.out.zone = self.zone_name = zone

    # -- lines ----------------------------------------------------------------------------
    def _paragraph(self, block: Block) -> None:
        last: int | None = None  # the event a line without a time continues
        other: list[str] = []
        for number in range(block.start, block.end):
            text = self.src.lines[number].strip()
            kind = self._line(number + 1, text)
            if kind == "event":
                last = len(self.out.events) - 1
            elif kind == "other" and last is not None:
                self.out.events[last][1]["event"] += "\n" + text  # a wrapped event line
            elif kind == "other":
                other.append(text)
            else:
                last = None
        if other:
            self.out.leftover.append("\n".join(other))

    def _line(self, line: int, text: str) -> str:
        """Read one line or list item: ``"event"``, ``"context"`` (a date or the zone the
        times are in) or ``"other"``."""
        text = text.strip()
        dated = _DATE_LINE.fullmatch(text)
        if dated:
            try:
                self.day = parse_date(dated["date"])
            except ValueError:
                pass
            else:
                if dated["rest"]:
                    zone = zone_named(dated["rest"])
                    if zone:
                        self.out.zone = self.zone_name = zone
                return "context"
        if len(text) < 80 and re.search(r"\btimes?\b", text, re.IGNORECASE) \
                and zone_named(text):
            return "context"  # "All times in UTC.": read before the events
        match = _EVENT_LINE.fullmatch(text)
        when = self._time(match["time"], line) if match else None
        if match is None or when is None:
            return "other"
        self._add(line, when, match["event"].strip(), "")
        return "event"

    # -- tables ---------------------------------------------------------------------------
    def _table(self, block: Block) -> None:
        lines = self.src.lines
        header = [key(h) for h in split_row(lines[block.header])]
        zone = zone_named(lines[block.header])
        if zone and self.out.zone is None:
            self.out.zone = self.zone_name = zone
        time_col = next((i for i, h in enumerate(header) if h.startswith(_TIME_HEADS)), 0)
        event_col = next((i for i, h in enumerate(header) if h in _EVENT_HEADS and
                          i != time_col), 1 if time_col == 0 else 0)
        action_col = next((i for i, h in enumerate(header) if h in _ACTION_HEADS), None)
        used = {time_col, event_col, action_col}
        keep_table = False  # columns no key event field takes: keep the whole table
        kept_rows: list[str] = []  # rows with no time or no event
        for number in block.rows:
            text = lines[number]
            if is_table_separator(text):
                continue
            cells = split_row(text)
            values = [decode_cell(c) for c in cells]
            if any(v for i, v in enumerate(values) if i not in used):
                keep_table = True
            time_text = values[time_col] if time_col < len(values) else ""
            event = values[event_col] if event_col < len(values) else ""
            action = values[action_col] if action_col is not None and \
                action_col < len(values) else ""
            when = self._time(time_text, number + 1) if time_text else None
            if when is None or not event:
                if any(values):
                    kept_rows.append(text)
                    self.out.remarks.append((number + 1, "timeline row without a time of day "
                                                         "or an event: kept in notes"))
                continue
            self._add(number + 1, when, event, action)
        if keep_table:
            self.out.leftover.append(self.src.text(block.start, block.end))
        elif kept_rows:
            self.out.leftover.append("\n".join([*lines[block.start:block.start + 2],
                                                *kept_rows]))

    # -- times ----------------------------------------------------------------------------
    def _time(self, text: str, line: int) -> dt.datetime | None:
        cleaned = text.strip().strip("*_`").rstrip("+~").strip()
        cleaned = _twelve_hour(cleaned)
        explicit_date = bool(re.match(r"\d{4}-\d{2}-\d{2}", cleaned))
        try:
            when = parse_time(cleaned, self.zone, day=self.day)
        except ValueError:
            return None
        if cleaned != text.strip():
            self.out.remarks.append((line, f"time {text.strip()!r} read as {cleaned!r}"))
        if explicit_date:
            self.day = when.astimezone(self.zone).date()
        elif self.previous is not None and when < self.previous - dt.timedelta(hours=12):
            # "23:50" then "00:10": past midnight, not half a day back.
            while when < self.previous - dt.timedelta(hours=12):
                when += dt.timedelta(days=1)
            self.day = when.astimezone(self.zone).date()
            self.out.assumptions.append((line, f"{text.strip()} is earlier than the event "
                                               "before it: read as the next day, "
                                               f"{self.day.isoformat()}"))
        self.previous = when
        return when

    def _add(self, line: int, when: dt.datetime, event: str, action: str) -> None:
        self.out.events.append((line, {"time": when, "event": event, "action_taken": action}))
        for mark in _OUTAGE.finditer(event):
            if mark["mark"] == "BEGINS" and self.out.start is None:
                self.out.start = (line, when)
            elif mark["mark"] == "ENDS":
                self.out.end = (line, when)


def _twelve_hour(text: str) -> str:
    """``2:51 PM`` -> ``14:51`` (the rest of ``text`` kept)."""
    match = re.search(r"(\d{1,2}):(\d{2})((?::\d{2})?)\s?([AaPp])[Mm]\b", text)
    if not match:
        return text
    hour = int(match[1]) % 12 + (12 if match[4].lower() == "p" else 0)
    return text[:match.start()] + f"{hour:02d}:{match[2]}{match[3]}" + text[match.end():]
