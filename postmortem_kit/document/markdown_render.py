"""Render a :class:`Postmortem` in the template's exact Markdown layout.

Same headings in the same order, the same bold labels and tables, values in place of the
placeholders; an empty field keeps its placeholder so it stays visibly unfilled. A blank
document renders as the template itself. Values are inline Markdown, written as they are
except where the layout needs otherwise (:mod:`markdown_inline`); a multi-line value
continues on lines indented under its list item. Notes imported from another layout follow
the template's sections under ``## Notes (imported)``, one ``###`` heading and block quote
each; the optional Category line is written only when set. The display time zone, when it
is not UTC, is recorded in an HTML comment under the title (invisible when the Markdown is
viewed) so the file parses back to the same document.
"""

from __future__ import annotations

import re
from typing import Any

from postmortem_kit.document import layout as L
from postmortem_kit.document.markdown_blocks import indent
from postmortem_kit.document.markdown_inline import (
    encode_cell,
    encode_heading,
    encode_markdown,
    encode_names,
    escape_marker,
    guard,
    table_row,
)
from postmortem_kit.document.model import Postmortem
from postmortem_kit.document.times import format_date, format_duration, format_time

EMPTY_CELL = "—"
_BLOCK_START = re.compile(r"(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)|`{3,}|~{3,}|\|")
META_PREFIX = "<!-- postmortem-kit:"


def render_markdown(pm: Postmortem) -> str:
    """The document as Markdown in the template's layout (ends with a newline)."""
    lines = [f"# {encode_heading(pm.title)}"]
    if pm.timezone != "UTC":
        lines += ["", f"{META_PREFIX} timezone={pm.timezone} -->"]
    for section in L.LAYOUT:
        lines += ["", "#" * section.level + " " + section.heading]
        for block in section.blocks:
            lines += _render_block(pm, block)
    if pm.notes:
        lines += ["", f"## {L.NOTES_HEADING}"]
        for note in pm.notes:
            lines += ["", f"### {encode_heading(note.heading)}", ""]
            lines += [f"> {line}" if line else ">"
                      for line in encode_markdown(note.text, one_line=False).split("\n")]
    return "\n".join(lines) + "\n"


def _render_block(pm: Postmortem, block: L.Block) -> list[str]:
    if isinstance(block, L.Labeled):
        value = _labeled_value(pm, block)
        if value is None:
            return []
        if _BLOCK_START.match(value):
            # A value that opens with a list, a fence or a table reads as one only on a line
            # of its own, under the label.
            return [f"- **{block.label}**:", *indent(value, "  ", 2)]
        return indent(value, f"- **{block.label}**: ", 2)
    if isinstance(block, L.NumberedList):
        items = L.get_path(pm, block.path)
        if not items:
            return [f"{n}. {block.placeholder}" for n in range(1, block.count + 1)]
        out = []
        for n, item in enumerate(items, 1):
            text = guard(encode_markdown(item, one_line=False), _equals(block.placeholder))
            out += indent(text, f"{n}. ", len(f"{n}. "))
        return out
    if isinstance(block, L.LinkList):
        links = L.get_path(pm, block.path)
        if not links:
            return [f"- {p}" for p in block.placeholders]
        return [line for link in links for line in indent(_link(link.title, link.url), "- ", 2)]
    rows = L.get_path(pm, block.path)
    body = ([table_row([_cell(pm, row, col) for col in block.columns]) for row in rows]
            or [block.placeholder_row] * block.placeholder_count)
    return [block.header, block.separator, *body]


def _equals(placeholder: str):
    return lambda text: text == placeholder


def _labeled_value(pm: Postmortem, block: L.Labeled) -> str | None:
    """The value as written after the label; None for an optional line left out."""
    if block.kind == "duration":
        return _duration(pm, block)
    value = L.get_path(pm, block.path)
    if value is None or value == "" or value == []:
        return None if block.optional else block.placeholder
    if block.kind == "date":
        return format_date(value)
    if block.kind == "time":
        return format_time(value, pm.zone, day=pm.overview.date, with_zone=True)
    if block.kind == "severity":
        return str(value)
    text = encode_names(value) if block.kind == "names" else str(value)
    return guard(encode_markdown(text, one_line=False), _equals(block.placeholder))
def _duration(pm: Postmortem, block: L.Labeled) -> str:
    start_ph, end_ph = (p.strip() for p in block.placeholder.split(" to "))
    ov = pm.overview
    start = (format_time(ov.start, pm.zone, day=ov.date, with_zone=True)
             if ov.start else start_ph)
    # An end before the start is written with its date: as a time of day it would read as
    # "the next day" (see the parser), hiding the inconsistency `postmortem check` reports.
    end_day = None if ov.start and ov.end and ov.end < ov.start else ov.date
    end = format_time(ov.end, pm.zone, day=end_day, with_zone=True) if ov.end else end_ph
    text = f"{start} to {end}"
    if ov.duration is not None:
        text += f" ({format_duration(ov.duration)})"
    return text


def _cell(pm: Postmortem, row: Any, column: str) -> str:
    value = getattr(row, column)
    if column == "time":
        return format_time(value, pm.zone, day=pm.overview.date, with_zone=False)
    if column == "event":
        # Provenance rides along in <sub> tags: visible to readers, and unambiguous to the
        # parser because a value holds no unescaped "<" that could open a tag outside code
        # (and the parser skips code spans when it looks for the tags).
        text = encode_cell(value)
        if row.source:
            text += f" <sub>source: {escape_marker(row.source)}</sub>"
        if row.provenance:
            text += f" <sub>provenance: {escape_marker(row.provenance)}</sub>"
        return text
    if value is None or value == "":
        return EMPTY_CELL
    if column == "due":
        return format_date(value)
    if column in ("status", "priority"):
        return str(value)
    return encode_cell(str(value))


def _link(title: str, url: str) -> str:
    text = encode_markdown(title, one_line=False)
    if not url:
        # Without a URL, a title starting with "[" or "<" would read back as a link.
        return guard(text, lambda t: t[:1] in ("[", "<"))
    # Parentheses would end the destination early; spaces are rejected by the model.
    dest = url.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"[{text}]({dest})"
