"""The lines before a text log's first record: the file's header.

Programs often open a log with a banner (``/usr/sbin/mysqld, Version: 8.0 ... started
with:``, ``=== log opened ===``) and sometimes a column-title line (``Time  Id Command
Argument``). These lines are not records and not garbage either: they are kept as the
file's header (``events.attrs["layouts"][file]["file_header"]``, shown by ``--explain``)
and said in a warning, not rejected.

A column-title line (the last header line: two or more words and nothing else, padded
to their columns by runs of blanks or tabs, not a sentence) names the fields of the
records below, as a W3C ``#Fields:`` directive does: its words are laid
over the fields of the inferred layout in order (what stands before the timestamp, the
timestamp, the layout's header fields, then the message). Fields the layout already
reads keep their role (``timestamp``, ``level``, ...); the last title names the message;
titles between become columns of their own, split off the start of the message by the
separator the records use (tabs, runs of two spaces, or blanks), when one split fits
(nearly) every record of the sample.

A file whose first line is indented starts inside a record (a rotated file cut in a stack
trace): its lines before the first record are no header, and stay rejected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.ingest.lines.layout import TIME_GROUP

HEADER_MAX_LINES = 100  # more lines before the first record are no header
TITLE_SHARE = 0.9  # of the sample's records that the titled split must fit
_TITLE_WORD = re.compile(r"[A-Za-z][\w.()\-/]*")
# Titles that name a column of the events schema (or a field the loaders know)
_KNOWN = {"host", "user", "pid", "tid", "thread", "service", "level", "status", "method",
          "path", "logger", "trace_id", "client"}
_RESERVED = {"timestamp", "message", "line", "source", "kind", "time_source"}
_MESSAGE = "(?P<message>.*)$"
_PADDED = re.compile(r"\S(?:\t| {2,})\S")  # titles padded to their columns


@dataclass(frozen=True)
class Header:
    """What stands before a text log's first record."""

    lines: list[str]  # the header's non-blank lines
    end: int  # line number of the first record: lines before it are the header
    titles: dict[str, str] = field(default_factory=dict)  # title -> column it names
    line_rx: str | None = None  # the layout's regex with the titled fields split off
    columns: dict[str, str] = field(default_factory=dict)  # group of line_rx -> column


def read_header(head: pa.Array, line_rx: str, fallback_rx: str) -> Header | None:
    """The header of a file whose first lines are ``head`` (ANSI codes removed), given its
    layout's regexes; None when the first line is a record, or starts inside one.

    Examples
    --------
    >>> head = pa.array(["Time   Id Command  Argument",
    ...                  "2025-08-15T14:03:50Z\\t 9 Query\\tselect 1"])
    >>> rx = r"^(?P<timestamp>\\d\\S+)\\s+(?P<message>.*)$"
    >>> h = read_header(head, rx, rx)
    >>> h.end, h.titles
    (2, {'Time': 'timestamp', 'Id': 'id', 'Command': 'command', 'Argument': 'message'})
    """
    starts = pc.or_(pc.match_substring_regex(head, line_rx),
                    pc.match_substring_regex(head, fallback_rx))
    starts = pc.fill_null(starts, False).to_numpy(zero_copy_only=False)
    if not starts.any() or starts[0]:
        return None
    first = int(starts.argmax())
    before = [t for t in head.slice(0, first).to_pylist() if t is not None and t.strip()]
    if not before or first > HEADER_MAX_LINES or before[0][:1].isspace():
        return None
    records = pc.filter(head, pa.array(starts)).slice(0, 200)
    titles, rx, columns = _titles(before[-1], line_rx, records)
    return Header(lines=before, end=first + 1, titles=titles, line_rx=rx, columns=columns)


def _titles(text: str, line_rx: str, records: pa.Array
            ) -> tuple[dict[str, str], str | None, dict[str, str]]:
    """What the column-title line ``text`` names, the layout's regex with the new columns
    split off the message, and their groups' columns; empty when ``text`` is no title
    line or its fields do not line up with the records."""
    words = text.split()
    if len(words) < 2 or not all(_TITLE_WORD.fullmatch(w) for w in words):
        return {}, None, {}
    if not _PADDED.search(text):  # words a blank apart: a sentence, not column titles
        return {}, None, {}
    if not line_rx.endswith(_MESSAGE):
        return {}, None, {}
    groups = [g for g in re.findall(r"\(\?P<(\w+)>", line_rx) if not g.startswith(TIME_GROUP)]
    if "timestamp" not in groups or groups[-1] != "message":
        return {}, None, {}
    known = groups[:-1]  # the fields the layout reads: they keep their role
    if len(words) < len(known) + 1:
        return {}, None, {}
    new = words[len(known):-1]
    if not new:
        return {**dict(zip(words[:len(known)], known, strict=True)),
                words[-1]: "message"}, None, {}
    names = [_column(w, set(groups)) for w in new]
    head = line_rx[: -len(_MESSAGE)]
    for tail in _splits(len(new)):
        rx = head + tail + _MESSAGE
        if _count(records, rx) >= TITLE_SHARE * len(records):
            columns = {f"_c{i}": name for i, name in enumerate(names)}
            titles = {**dict(zip(words[:len(known)], known, strict=True)),
                      **dict(zip(new, names, strict=True)), words[-1]: "message"}
            return titles, rx, columns
    return {}, None, {}


def _column(word: str, taken: set[str]) -> str:
    name = re.sub(r"\W+", "_", word.lower()).strip("_") or "field"
    if name in _RESERVED or (name in taken and name not in _KNOWN):
        name += "_field"
    return name


def _splits(n: int) -> list[str]:
    """Regexes for ``n`` fields at the start of a message, from the strongest separator
    to the weakest: every field ends at a tab; the last at a tab, the others at blanks;
    every field at a run of two or more blanks; every field at blanks."""
    tabs = "".join(rf"(?P<_c{i}>[^\t]*)\t" for i in range(n))
    last_tab = "".join(rf"(?P<_c{i}>\S+)\s+" for i in range(n - 1)) + (
        rf"(?P<_c{n - 1}>[^\t]*?)\t")
    wide = "".join(rf"(?P<_c{i}>\S(?:[^\t]*?\S)??)(?:\t|  +)" for i in range(n))
    blanks = "".join(rf"(?P<_c{i}>\S+)\s+" for i in range(n))
    return [tabs, last_tab, wide, blanks]


def _count(lines: pa.Array, rx: str) -> int:
    return pc.sum(pc.match_substring_regex(lines, rx)).as_py() or 0
