"""A field's Markdown as HTML for the report pages: formatted, and safe to show anything.

markdown-it-py renders what a field holds (code spans, emphasis, links, and, where a person
wrote them, lists, block quotes and fenced code) with raw HTML turned off, so ``<script>``
shows as text. Links become ``<a>`` only for ``http(s)``, ``mailto`` and relative
addresses; a ``javascript:`` or ``data:`` link is shown as the text that was written.
Pictures are not fetched (the report pages allow no remote content): ``![alt](src)`` shows
as a link to the picture. Headings, rules and tables inside a field read as text as well, so a
``# comment`` line stays a line.

Notes imported from another layout hold whole sections: they also render headings, tables
and rules.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markupsafe import Markup

_SAFE_SCHEMES = {"", "http", "https", "mailto"}


def safe_href(url: str) -> str | None:
    """``url`` if it is safe to make clickable in a report, else None."""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url if url and scheme in _SAFE_SCHEMES else None


def _breaks(renderer: str) -> Any:
    def line_break(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        return renderer

    return line_break


def _parser(*, blocks: tuple[str, ...], soft: str, links: bool = True) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.block.ruler.enableOnly(["paragraph", *blocks])
    md.inline.ruler.disable(["image", *(() if links else ("link", "autolink"))])
    md.validateLink = lambda url: safe_href(url) is not None  # type: ignore[method-assign]
    # A line break stays a line break: "\n" where the text keeps white space (a single
    # paragraph in a cell or list item), <br> where it does not.
    md.add_render_rule("softbreak", _breaks(soft))
    md.add_render_rule("hardbreak", _breaks("<br>" if soft != "\n" else "\n"))
    return md


_FIELD_BLOCKS = ("fence", "code", "list", "blockquote")
_NOTE_BLOCKS = (*_FIELD_BLOCKS, "heading", "lheading", "hr", "table")


@cache
def _parsers(kind: str) -> tuple[MarkdownIt, MarkdownIt]:
    blocks = _NOTE_BLOCKS if kind == "note" else _FIELD_BLOCKS
    links = kind != "title"
    return (_parser(blocks=blocks, soft="\n", links=links),
            _parser(blocks=blocks, soft="<br>", links=links))


def to_html(text: str, kind: str = "field") -> Markup:
    """``text`` (Markdown) as HTML: inline when it is one paragraph (for a cell, a list item,
    a field), else blocks in ``<div class="pmk-md">``.

    ``kind``: ``"field"`` (the default), ``"title"`` (no links: it may sit inside one) or
    ``"note"`` (an imported section: headings, tables and rules too).
    """
    if not text:
        return Markup("")
    inline, block = _parsers(kind)
    tokens = inline.parse(text)
    if ([t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
            and tokens[1].children is not None):
        return Markup(inline.renderer.render(tokens[1].children, inline.options, {}))
    return Markup('<div class="pmk-md">' + block.render(text).strip() + "</div>")


def to_plain(text: str) -> str:
    """``text`` (Markdown) as plain text, for a page ``<title>``: markup dropped."""
    inline, _ = _parsers("title")
    tokens = inline.parse(text)
    out: list[str] = []
    for token in tokens:
        for child in token.children or ():
            if child.type in ("text", "code_inline"):
                out.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                out.append(" ")
    return "".join(out) or text
