"""Redacting charts: the labels of an SVG, and what to do with pictures that cannot be read.

A chart's labels come from the evidence (a key event's text, a host, an alert's name), so a
redacted report redacts them too. An SVG can be: its text is text. matplotlib (``save_figure``
uses ``svg.fonttype="path"``, so the file looks the same everywhere) draws each label as
glyph outlines in a ``<g id="text_N">`` group headed by a comment holding the label's
text (one comment and group per line). A label that needs a replacement has its outlines
swapped for a ``<text>`` element
with the redacted string, at the same place, size and angle; the glyph definitions the
group carries stay, since later labels reuse them. Any other text in the file (``<text>``,
``<title>``, ``<desc>``, comments) is redacted where it stands.

A PNG or JPEG cannot be read back, so a redacted report never shows one: the report shows
the chart's SVG twin where there is one (``save_figure`` writes both), and otherwise
:func:`withheld_svg`, a small picture saying the chart was withheld.
"""

from __future__ import annotations

import html
import re

from postmortem_kit.redact.redactor import Redactor

# One line of matplotlib text: the comment with the line, then the group that places and
# scales it, holding glyph definitions and uses (never another group).
_MPL_TEXT = re.compile(
    r"<!-- (?P<label>(?:(?!-->).)*?) -->"
    r'(?P<body>\s*<g\b[^>]*\btransform="[^"]*\bscale\([^"]*"[^>]*>)'
    r"(?P<glyphs>(?:(?!</?g\b).)*?)(?P<close></g>)", re.DOTALL)
_DEFS = re.compile(r"<defs>.*?</defs>", re.DOTALL)
# Text nodes and comments anywhere else; attribute values (path data, ids) are not text.
_TEXT_NODE = re.compile(r"(?<=>)([^<]+)(?=<)")
_COMMENT = re.compile(r"<!--(.*?)-->", re.DOTALL)
# matplotlib's comment escaping: "--" is written "- -" so the comment cannot end early.
_DASHES = re.compile(r"-(?=-)")


def _comment_text(raw: str) -> str:
    return html.unescape(raw.replace("- -", "--"))


def _as_comment(text: str) -> str:
    return _DASHES.sub("- ", html.escape(text, quote=False))


def _redact_label(match: re.Match[str], redactor: Redactor, where: str) -> str:
    label = _comment_text(match.group("label"))
    redacted = redactor.redact(label, where)
    if redacted == label:
        return match.group()
    # Glyphs are drawn in font units of 100 per em inside a group scaled (s, -s): a <text>
    # of size 100 flipped back upright sits where the outlines were.
    defs = "".join(_DEFS.findall(match.group("glyphs")))
    text = (f'<text x="0" y="0" transform="scale(1 -1)" style="font-family: \'DejaVu Sans\', '
            f'sans-serif; font-size: 100px">{html.escape(redacted, quote=False)}</text>')
    return (f"<!-- {_as_comment(redacted)} -->{match.group('body')}"
            f"{defs}{text}{match.group('close')}")


def redact_svg(svg: str, redactor: Redactor, where: str) -> str:
    """``svg`` with every label and text node redacted, counted under ``where``.

    Parameters
    ----------
    svg
        The SVG document (matplotlib's or any other).
    redactor
        The report's :class:`~postmortem_kit.redact.redactor.Redactor`.
    where
        The chart's name in the audit (its link or file name).

    Examples
    --------
    >>> r = Redactor(key=b"k" * 32)
    >>> redact_svg('<svg><text>from 203.0.113.9</text></svg>', r, "chart.svg")
    '<svg><text>from ip-...</text></svg>'
    """
    pieces: list[str] = []
    last = 0
    for match in _MPL_TEXT.finditer(svg):
        pieces += [_redact_free_text(svg[last:match.start()], redactor, where),
                   _redact_label(match, redactor, where)]
        last = match.end()
    pieces.append(_redact_free_text(svg[last:], redactor, where))
    return "".join(pieces)


def _redact_free_text(svg: str, redactor: Redactor, where: str) -> str:
    def node(match: re.Match[str]) -> str:
        text = html.unescape(match.group(1))
        if not text.strip():
            return match.group(1)
        redacted = redactor.redact(text, where)
        return match.group(1) if redacted == text else html.escape(redacted, quote=False)

    def comment(match: re.Match[str]) -> str:
        text = _comment_text(match.group(1))
        redacted = redactor.redact(text, where)
        return match.group() if redacted == text else f"<!--{_as_comment(redacted)}-->"

    # Comments first (their text is not a text node), then the text between tags.
    pieces: list[str] = []
    last = 0
    for match in _COMMENT.finditer(svg):
        pieces += [_TEXT_NODE.sub(node, svg[last:match.start()]), comment(match)]
        last = match.end()
    pieces.append(_TEXT_NODE.sub(node, svg[last:]))
    return "".join(pieces)


def svg_texts(svg: str) -> list[str]:
    """The text a reader of ``svg`` can find: labels (comments) and text nodes, unescaped:
    what a ``--strict`` check reads."""
    texts = [_comment_text(m.group(1)) for m in _COMMENT.finditer(svg)]
    without_comments = _COMMENT.sub("", svg)
    texts += [html.unescape(m.group(1)) for m in _TEXT_NODE.finditer(without_comments)
              if m.group(1).strip()]
    return texts


def withheld_svg(title: str = "chart") -> str:
    """A small SVG saying ``title`` was withheld from the redacted report (a picture that
    cannot be checked for what must not travel)."""
    label = html.escape(f"{title}: withheld from the redacted report (no SVG version to "
                        "check for personal data)", quote=False)
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="640" height="60" '
            'viewBox="0 0 640 60"><rect width="640" height="60" fill="#f6f8fa" '
            'stroke="#d1d9e0"/><text x="16" y="35" style="font-family: \'DejaVu Sans\', '
            f'sans-serif; font-size: 13px" fill="#59636e">{label}</text></svg>')
