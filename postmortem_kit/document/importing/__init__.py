"""Import a Markdown postmortem: the template's layout, or one of those common in the wild.

:func:`import_markdown` reads the template's own layout exactly
(:mod:`~postmortem_kit.document.markdown_parse`) and, with ``layout="auto"`` or a layout's
name, the others: the Google SRE book's example (``"google-sre"``), PagerDuty's published
template (``"pagerduty"``), Atlassian's (``"atlassian"``) and the short form many public
collections use (``"short"``: Summary, a ``Time | Event`` table, Contributing Factors,
Action Items, Lessons Learned, Attendees, Stats). Headings are matched loosely; what maps
nowhere is kept verbatim in the document's ``notes``; the result's ``mapping`` says which
heading went to which field.
"""

from __future__ import annotations

from postmortem_kit.document.importing.reader import OtherLayout, read_severity
from postmortem_kit.document.importing.vocabulary import LAYOUTS, key
from postmortem_kit.document.markdown_blocks import Source, read_blocks
from postmortem_kit.document.markdown_parse import (
    ParseResult,
    heading_name,
    parse_markdown,
)
from postmortem_kit.document.model import Postmortem
from postmortem_kit.errors import UsageError

__all__ = ["LAYOUT_NAMES", "detect_layout", "import_markdown", "read_severity"]

#: Every value ``layout=`` takes.
LAYOUT_NAMES = ("auto", *LAYOUTS)


def detect_layout(src: Source | str) -> tuple[str, list[str]]:
    """The known layout ``src`` is most likely in, and the headings that said so.

    Each layout scores the distinct headings it is known by; the template's own layout wins
    ties (and a document with no known heading), so a postmortem written from our template
    is always read by its exact parser.
    """
    if isinstance(src, str):
        src = read_blocks(src)
    headings = {key(heading_name(src, b)) for b in src.blocks if b.kind == "heading"}
    best, matched = "template", list[str]()
    for name, known in LAYOUTS.items():
        found = sorted(headings & known)
        if len(found) > len(matched):
            best, matched = name, found
    return best, matched


def import_markdown(text: str, *, layout: str = "auto", source: str | None = None
                    ) -> ParseResult:
    """Read a Markdown postmortem in ``layout`` (``"auto"``: detected).

    Returns the :class:`~postmortem_kit.document.markdown_parse.ParseResult`: the document,
    the ``layout`` read, the ``mapping`` of every heading to where it went, and what was set
    aside (``notes``) or guessed (``assumptions``). Raises DocumentError when a value that
    was mapped is invalid, naming its line.

    Examples
    --------
    >>> text = ("# Cache outage\\n\\n## Summary\\nRedis evicted hot keys.\\n\\n## Stats\\n"
    ...         "- Category: Cache\\n- Time to detection: 8 minutes\\n")
    >>> result = import_markdown(text)
    >>> result.layout, result.document.overview.impact, result.document.overview.category
    ('short', 'Redis evicted hot keys.', 'Cache')
    """
    if layout not in LAYOUT_NAMES:
        raise UsageError(f"unknown layout {layout!r}: expected one of "
                         f"{', '.join(LAYOUT_NAMES)}")
    if layout == "template":
        return parse_markdown(text, source=source)
    src = read_blocks(text)
    if layout == "auto":
        layout, _ = detect_layout(src)
        if layout == "template":
            return parse_markdown(text, source=source)
    result = ParseResult(Postmortem(), layout=layout)
    return OtherLayout(src, result).read(source)
