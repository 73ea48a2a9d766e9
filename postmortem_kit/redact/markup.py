"""Redacting rendered text: HTML, Markdown and plain text with pictures inside them.

A notebook's outputs reach the report already rendered: the document's HTML fragment with
its charts as ``data:`` URLs, a pandas table, a printed line. :func:`redact_markup` redacts
such text where a reader sees it: in HTML, the text between tags (entities read first, so
``bob&#64;example.com`` is an address) and the attribute values (a ``mailto:`` link); in
every form, the pictures inside it (an SVG's labels redacted, a PNG or JPEG withheld: see
:mod:`~postmortem_kit.redact.charts`). Base64 picture data is never searched as text.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from typing import Literal

from postmortem_kit.redact.charts import redact_svg, svg_texts, withheld_svg
from postmortem_kit.redact.redactor import Redactor

Markup = Literal["html", "markdown", "text"]

_DATA_IMAGE = re.compile(r"data:(?P<mime>image/[A-Za-z0-9.+-]+);base64,(?P<data>[A-Za-z0-9+/=\s]+)")
_TAG = re.compile(r"(<[^>]*>)")
# Tags inside a line of text: a reader reads across them ("pass<code>word</code>").
_INLINE_TAG = re.compile(r"</?(?:a|abbr|b|bdi|cite|code|del|dfn|em|i|ins|kbd|mark|q|s|samp|small"
                         r"|span|strong|sub|sup|u|var|wbr)\b[^>]*>", re.IGNORECASE)


def svg_data_uri(svg: str) -> str:
    """``svg`` as a ``data:image/svg+xml;base64,...`` URL."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def redact_picture(mime: str, data: bytes, redactor: Redactor, where: str) -> str:
    """A picture of a redacted report, as SVG text: an SVG redacted, anything else (which
    cannot be read back) withheld and listed in the audit's ``withheld``."""
    if mime == "image/svg+xml":
        try:
            return redact_svg(data.decode("utf-8"), redactor, where)
        except UnicodeDecodeError:
            pass
    redactor.audit.withheld.append(where)
    return withheld_svg("picture")


def _redact_html_text(text: str, redactor: Redactor, where: str) -> str:
    pieces = []
    for part in _TAG.split(text):
        if not part:
            continue
        if part.startswith("<"):
            pieces.append(redactor.redact(part, where))  # attribute values: links, titles
            continue
        plain = html.unescape(part)
        redacted = redactor.redact(plain, where)
        pieces.append(part if redacted == plain else html.escape(redacted, quote=False))
    return "".join(pieces)


def redact_markup(text: str, redactor: Redactor, where: str, kind: Markup = "text") -> str:
    """``text`` (HTML, Markdown or plain) redacted, its ``data:`` pictures included.

    Parameters
    ----------
    text
        The rendered text.
    redactor
        The report's redactor.
    where
        The place in the audit (``cell 12``).
    kind
        ``"html"`` reads entities and tags; ``"markdown"`` and ``"text"`` take it as it is.
    """
    def words(part: str) -> str:
        if kind == "html":
            return _redact_html_text(part, redactor, where)
        return redactor.redact(part, where)

    pieces: list[str] = []
    last = 0
    for m in _DATA_IMAGE.finditer(text):
        pieces.append(words(text[last:m.start()]))
        try:
            data = base64.b64decode("".join(m.group("data").split()), validate=True)
        except binascii.Error:
            redactor.audit.withheld.append(where)
            svg = withheld_svg("picture")
        else:
            svg = redact_picture(m.group("mime").lower(), data, redactor, where)
        pieces.append(svg_data_uri(svg))
        last = m.end()
    pieces.append(words(text[last:]))
    return "".join(pieces)


def readable_texts(text: str, kind: Markup = "text") -> list[str]:
    """What a reader of ``text`` can read: its words (HTML without tags, entities read; the
    tags' attribute values too) and the labels of its SVG pictures. ``--strict`` checks
    these."""
    out: list[str] = []
    last = 0
    rest: list[str] = []
    for m in _DATA_IMAGE.finditer(text):
        rest.append(text[last:m.start()])
        if m.group("mime").lower() == "image/svg+xml":
            try:
                svg = base64.b64decode("".join(m.group("data").split())).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                svg = ""
            out += svg_texts(svg)
        last = m.end()
    rest.append(text[last:])
    for part in rest:
        if kind == "html":
            out.append(html.unescape(_TAG.sub("\n", _INLINE_TAG.sub("", part))))
            out += [t for t in _TAG.findall(part)]
        elif kind == "markdown":
            from postmortem_kit.document.markdown_html import to_plain

            # as written, and as read ("`password`=x" reads password=x), line by line
            out += [part, "\n".join(to_plain(line) for line in part.splitlines())]
        else:
            out.append(part)
    return [t for t in out if t.strip()]
