"""Render a :class:`Postmortem` as one standalone, offline, printable HTML page.

Jinja2 with autoescape on: every piece of document text is escaped, so a log line holding
``<script>`` shows as text. The CSS is embedded and nothing is fetched from the network.
Links become ``<a>`` only for http(s), mailto and relative paths; a ``javascript:`` URL is
shown as text, never made clickable. The page opens with :data:`CONTENT_SECURITY_POLICY`,
which every exported report page carries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import jinja2

from postmortem_kit.document import layout as L
from postmortem_kit.document.model import Postmortem
from postmortem_kit.document.times import format_date, format_duration, format_time, zone_suffix

#: The policy of every report page (first in ``<head>``): no script at all, nothing fetched
#: (pictures and fonts only as ``data:`` URLs), inline CSS allowed, no form posts, no
#: ``<base>``. What an escaping or sanitising mistake lets through still cannot run or load.
CONTENT_SECURITY_POLICY = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                           "font-src data:; form-action 'none'; base-uri 'none'")

_SAFE_SCHEMES = {"", "http", "https", "mailto"}
_SHORT_COLUMNS = {"time", "due", "status", "priority"}  # kept on one line


@dataclass
class _Block:
    kind: str  # "fields" | "list" | "links" | "table"
    rows: list[Any] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    placeholder: str = ""


@dataclass
class _Section:
    heading: str
    level: int
    anchor: str
    blocks: list[_Block]


def report_environment(source: Callable[[str], str]) -> jinja2.Environment:
    """The Jinja2 settings of every report template: autoescape on, undefined names fail."""
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(source),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _template_source(name: str) -> str:
    return resources.files("postmortem_kit.document").joinpath("templates", name).read_text(
        encoding="utf-8")


def safe_href(url: str) -> str | None:
    """``url`` if it is safe to make clickable in a report, else None."""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if url and scheme in _SAFE_SCHEMES else None


def render_html(pm: Postmortem) -> str:
    """The document as a complete HTML page (UTF-8 text)."""
    template = report_environment(_template_source).get_template("report.html.j2")
    css = _template_source("report.css")
    zone_note = pm.timezone
    if pm.timezone != "UTC" and pm.overview.start is not None:
        zone_note += f" (UTC{zone_suffix(pm.to_local(pm.overview.start)).replace('UTC', '')})"
    return template.render(pm=pm, css=css, sections=report_sections(pm), zone_note=zone_note,
                           csp=CONTENT_SECURITY_POLICY)


def report_sections(pm: Postmortem) -> list[_Section]:
    """The template's sections with the document's values, as the report templates walk them."""
    out = []
    for section in L.LAYOUT:
        blocks: list[_Block] = []
        for block in (_block(pm, b) for b in section.blocks):
            if blocks and block.kind == "fields" == blocks[-1].kind:
                blocks[-1].rows += block.rows  # one <dl> per section keeps labels aligned
            else:
                blocks.append(block)
        out.append(_Section(section.heading, section.level, section.anchor, blocks))
    return out


def _block(pm: Postmortem, block: L.Block) -> _Block:
    if isinstance(block, L.Labeled):
        return _Block("fields", [(block.label, _field_text(pm, block), block.placeholder)])
    if isinstance(block, L.NumberedList):
        return _Block("list", list(L.get_path(pm, block.path)), placeholder=block.placeholder)
    if isinstance(block, L.LinkList):
        links = [(link.title, link.url, safe_href(link.url))
                 for link in L.get_path(pm, block.path)]
        return _Block("links", links, placeholder="; ".join(block.placeholders))
    header = [c.strip() for c in block.header.strip("|").split("|")]
    rows = [[_cell(pm, row, col) for col in block.columns] for row in L.get_path(pm, block.path)]
    return _Block("table", rows, header=header, placeholder="No rows yet")


def _field_text(pm: Postmortem, block: L.Labeled) -> str | None:
    if block.kind == "duration":
        ov = pm.overview
        if ov.start is None and ov.end is None:
            return None
        start = _time(pm, ov.start) if ov.start else "?"
        end = _time(pm, ov.end) if ov.end else "?"
        text = f"{start} to {end}"
        return text + (f" ({format_duration(ov.duration)})" if ov.duration is not None else "")
    value = L.get_path(pm, block.path)
    if value is None or value == "" or value == []:
        return None
    if block.kind == "date":
        return format_date(value)
    if block.kind == "time":
        return _time(pm, value)
    if block.kind == "names":
        return ", ".join(value)
    return str(value)


def _time(pm: Postmortem, value: Any) -> str:
    return format_time(value, pm.zone, day=pm.overview.date, with_zone=True, subsecond=False)


def _cell(pm: Postmortem, row: Any, column: str) -> dict[str, Any]:
    value = getattr(row, column)
    cell = {"text": value or "—", "empty": not value, "source": "", "provenance": "",
            "short": column in _SHORT_COLUMNS}
    if column == "time":
        cell["text"] = format_time(value, pm.zone, day=pm.overview.date, with_zone=False,
                                   subsecond=False)
    elif column == "event":
        cell.update(source=row.source, provenance=row.provenance)
    elif column == "due" and value is not None:
        cell["text"] = format_date(value)
    return cell
