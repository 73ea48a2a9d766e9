"""A field's text in the document's Markdown: written as the person wrote it, read back exactly.

A field holds inline Markdown (code spans, emphasis, links) and keeps it as typed: the JSON
stores ``503s on `/api/pay```, and the Markdown shows it unchanged. Writing a value into the
template's layout changes it only where it would break the layout, and reading the layout
back undoes exactly those changes, so render then parse gives the same document:

- **Raw HTML** is not something a field holds: a ``<`` that would open an HTML tag (``<b>``,
  ``</x>``, ``<!--``) outside code is written ``\\<``, which every Markdown viewer shows as
  ``<``. A run of backslashes just before it is doubled, so the escape is never ambiguous
  (the one place the Markdown then shows a value differently: a backslash typed before
  such a ``<``). Autolinks (``<https://...>``) stay links.
- **Line breaks** stay real lines inside a list item (indented under it, so a fenced code
  block stays a fenced code block); where the layout has no room for them (a table cell, a
  heading) they are written ``<br>``, which a value can never hold unescaped.
- **A ``|`` in a table cell** is written ``\\|``; GitHub-flavoured tables remove that one
  backslash before reading the cell, even inside code, so it still shows as ``|``.
- **A whole value the layout would read as something else** (a template placeholder, the
  ``—`` of an empty cell, a link item) gets one leading backslash, and a value that already
  starts with backslashes before such text gets one more.

Code (code spans, fenced code blocks) is copied unchanged, except that in a table cell a
line break inside code also becomes ``<br>``.

Plain-text values that are not Markdown (a key event's source and provenance) use
:func:`escape` / :func:`unescape`, which backslash-escape every Markdown character.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable

# -- plain text (source, provenance): every Markdown character escaped ---------------------

# Characters that are Markdown syntax anywhere in a line (or in a GFM table row).
_ALWAYS = set("\\`*_[]<>|&~")
# Markdown syntax only at the start of a block: headings, lists, quotes, setext underlines.
_AT_START = re.compile(r"^(?:[#>+=-]|\d+[.)])")
ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)

# A cell that is exactly one of these reads back as "empty".
EMPTY_CELL_MARKS = ("—", "-", "–", "")


def escape(text: str, *, extra: str = "") -> str:
    """Escape plain ``text`` (not Markdown) so that it reads back exactly with :func:`unescape`.

    ``extra`` names more characters to escape, e.g. ``","`` for comma-separated lists.
    """
    if text in ("—", "–"):
        # A bare dash would read back as an empty cell: write it as a character reference.
        return f"&#{ord(text)};"
    out: list[str] = []
    special = _ALWAYS | set(extra)
    for ch in text:
        if ch == "\n":
            out.append("<br>")
        elif ch in special:
            out.append("\\" + ch)
        else:
            out.append(ch)
    escaped = "".join(out)
    match = _AT_START.match(escaped)
    if match:
        # Escape the punctuation that makes it block syntax: "\#", "\-", "1\.".
        end = match.end()
        escaped = escaped[: end - 1] + "\\" + escaped[end - 1 :]
    return escaped


def escape_marker(text: str) -> str:
    """:func:`escape` with no backtick left in the result (``&#96;``): text written after a
    Markdown value in the same cell must not close a code span the value left open."""
    return escape(text).replace("\\`", "&#96;")


def unescape(text: str) -> str:
    """Read a plain-text value back (the inverse of :func:`escape`)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in ASCII_PUNCT:
            out.append(text[i + 1])
            i += 2
            continue
        if ch == "<":
            br = _BR.match(text, i)
            if br:
                out.append("\n")
                i = br.end()
                continue
        if ch == "&":
            entity = _ENTITY.match(text, i)
            if entity:
                out.append(html.unescape(entity.group(0)))
                i = entity.end()
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def find_unescaped(text: str, token: str, start: int = 0) -> int:
    """Index of the first ``token`` in ``text`` at or after ``start`` not preceded by an
    escaping backslash, or -1."""
    i = text.find(token, start)
    while i != -1:
        if run_before(text, i) % 2 == 0:
            return i
        i = text.find(token, i + 1)
    return -1


def run_before(text: str, i: int) -> int:
    """How many backslashes directly precede ``text[i]``."""
    j = i
    while j > 0 and text[j - 1] == "\\":
        j -= 1
    return i - j


# -- where code is: code spans and fenced code blocks ---------------------------------------

_FENCE_OPEN = re.compile(r"[ \t]*(`{3,}|~{3,})(.*)")


def code_regions(text: str, *, blocks: bool) -> list[tuple[int, int]]:
    """``(start, end)`` of every piece of code in ``text``, in order.

    Code spans are found as CommonMark finds them (a backtick string closed by the next one
    of the same length; a backslash escapes a backtick only outside code). With ``blocks``,
    fenced code blocks are code too and code spans do not cross a blank line or a fence.
    """
    if not blocks:
        return _code_spans(text, 0, len(text))
    regions: list[tuple[int, int]] = []
    fence: tuple[str, int] | None = None  # (fence character, length) while inside one
    fence_start = chunk_start = 0
    offset = 0
    chunk_open = False
    for line in text.split("\n"):
        line_end = offset + len(line)
        if fence is not None:
            closing = _FENCE_OPEN.fullmatch(line)
            if (closing and closing[1][0] == fence[0] and len(closing[1]) >= fence[1]
                    and not closing[2].strip(" \t")):
                regions.append((fence_start, line_end))
                fence = None
        else:
            opening = _FENCE_OPEN.fullmatch(line)
            if opening and not (opening[1][0] == "`" and "`" in opening[2]):
                if chunk_open:
                    regions += _code_spans(text, chunk_start, offset)
                    chunk_open = False
                fence, fence_start = (opening[1][0], len(opening[1])), offset
            elif not line.strip(" \t"):
                if chunk_open:
                    regions += _code_spans(text, chunk_start, offset)
                    chunk_open = False
            elif not chunk_open:
                chunk_start, chunk_open = offset, True
        offset = line_end + 1
    if fence is not None:  # an unclosed fence runs to the end of the value
        regions.append((fence_start, len(text)))
    elif chunk_open:
        regions += _code_spans(text, chunk_start, len(text))
    return regions


def _code_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    # Every maximal backtick run, by length, for finding a closer in linear time overall.
    runs: dict[int, list[int]] = {}
    i = start
    while i < end:
        i = text.find("`", i, end)
        if i == -1:
            break
        j = i
        while j < end and text[j] == "`":
            j += 1
        runs.setdefault(j - i, []).append(i)
        i = j
    if not runs:
        return []
    spans = []
    i = start
    while i < end:
        ch = text[i]
        if ch == "\\" and i + 1 < end and text[i + 1] in ASCII_PUNCT:
            i += 2
            continue
        if ch != "`":
            i += 1
            continue
        j = i
        while j < end and text[j] == "`":
            j += 1
        candidates = runs.get(j - i, [])
        k = bisect.bisect_left(candidates, j)
        if k < len(candidates):
            close = candidates[k] + (j - i)
            spans.append((i, close))
            i = close
        else:
            i = j
    return spans


# -- "<" that would open raw HTML, and <br> line breaks --------------------------------------

_TAG_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ/!?")
_AUTOLINK = re.compile(
    r"<(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*"
    r"|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)>")


def _opens_tag(text: str, i: int) -> bool:
    return text[i] == "<" and i + 1 < len(text) and text[i + 1] in _TAG_START


def _rewrite(text: str, *, blocks: bool,
             step: Callable[[int, int, bool], tuple[str, int] | None]) -> str:
    """Walk ``text`` character by character, each with the run of backslashes just before
    it and whether it is in code; ``step(j, run, in_code)`` gives what to write for the run
    and the character at ``j`` and where to go on, or None to copy them."""
    regions = code_regions(text, blocks=blocks)
    out: list[str] = []
    i, n, r = 0, len(text), 0
    while i < n:
        while r < len(regions) and regions[r][1] <= i:
            r += 1
        in_code = r < len(regions) and regions[r][0] <= i
        j = i
        while j < n and text[j] == "\\":
            j += 1
        if j == n:
            out.append(text[i:])
            break
        done = step(j, j - i, in_code)
        if done is None:
            out.append(text[i:j + 1])
            i = j + 1
        else:
            piece, i = done
            out.append(piece)
    return "".join(out)


def encode_markdown(text: str, *, one_line: bool) -> str:
    """Write a Markdown value so that it holds no raw HTML (and, ``one_line``, no line break).

    The inverse is :func:`decode_markdown`; see the module docstring for the rules.
    """
    if "<" not in text and not (one_line and "\n" in text):
        return text  # the usual case: nothing to do

    def step(j: int, run: int, in_code: bool) -> tuple[str, int] | None:
        ch = text[j]
        if one_line and ch == "\n":
            return "\\" * (2 * run) + "<br>", j + 1
        if in_code:
            br = _BR.match(text, j) if one_line and ch == "<" else None
            return ("\\" * (2 * run + 1) + br.group(0), br.end()) if br else None
        if _opens_tag(text, j):
            link = _AUTOLINK.match(text, j)
            if link:
                return "\\" * (2 * run) + link.group(0), link.end()
            return "\\" * (2 * run + 1) + "<", j + 1
        return None

    return _rewrite(text, blocks=not one_line, step=step)


def decode_markdown(text: str, *, one_line: bool) -> str:
    """Read back what :func:`encode_markdown` wrote (and what people write: their own
    ``\\<`` reads as ``<``, an unescaped ``<br>`` in a one-line value as a line break)."""
    if "<" not in text:
        return text

    def step(j: int, run: int, in_code: bool) -> tuple[str, int] | None:
        br = _BR.match(text, j) if one_line and text[j] == "<" else None
        if not (br or (not in_code and _opens_tag(text, j))):
            return None
        kept = "\\" * (run // 2)
        if run % 2:
            return kept + "<", j + 1  # escaped: the character itself
        if br:
            return kept + "\n", br.end()
        return kept + "<", j + 1  # raw HTML someone wrote, or an autolink: kept as typed

    return _rewrite(text, blocks=not one_line, step=step)


# -- a whole value the layout would misread --------------------------------------------------

def guard(text: str, reserved: Callable[[str], bool]) -> str:
    """Prefix ``text`` with a backslash when, without its leading backslashes, the layout
    would read it as something else (``reserved``). ``reserved`` must never accept a text
    that starts with a backslash."""
    return "\\" + text if reserved(text.lstrip("\\")) else text


def unguard(text: str, reserved: Callable[[str], bool]) -> str:
    """The inverse of :func:`guard` for a text that is not itself ``reserved``."""
    if text.startswith("\\") and reserved(text.lstrip("\\")):
        return text[1:]
    return text


# -- table cells -----------------------------------------------------------------------------

_DASH_ENTITIES = {"—": "&#8212;", "–": "&#8211;"}
_DASHES = frozenset({"-", "—", "–", *_DASH_ENTITIES.values()})


def _is_dash(text: str) -> bool:
    return text in _DASHES


def encode_cell(text: str) -> str:
    """A Markdown value as the content of a GFM table cell: one line, never read as empty.
    :func:`table_row` escapes its ``|``."""
    value = encode_markdown(text, one_line=True)
    return _DASH_ENTITIES.get(value) or guard(value, _is_dash)


def decode_cell(cell: str) -> str:
    """The value of a cell as :func:`split_row` returns it; ``""`` for an empty-cell mark."""
    if cell in EMPTY_CELL_MARKS:
        return ""
    for dash, entity in _DASH_ENTITIES.items():
        if cell == entity:
            return dash
    return decode_markdown(unguard(cell, _is_dash), one_line=True)


def split_row(line: str) -> list[str]:
    """The cells of a GFM table row as CommonMark+GFM reads them: split on every ``|`` not
    right after a backslash, that backslash removed, blanks trimmed, outer pipes optional."""
    cells: list[str] = []
    current: list[str] = []
    row = line.strip()
    start = 0
    escaped = False
    for i, ch in enumerate(row):
        if ch == "|":
            if escaped:
                current.append(row[start:i - 1])
                start = i
            else:
                current.append(row[start:i])
                cells.append("".join(current))
                current = []
                start = i + 1
        escaped = ch == "\\"
    current.append(row[start:])
    cells.append("".join(current))
    if cells and cells[0] == "":
        cells.pop(0)
    if cells and cells[-1] == "":
        cells.pop()
    # Values are stripped (the model strips them), so trimming here is exact.
    return [c.strip() for c in cells]


def is_table_separator(line: str) -> bool:
    """True for a GFM header separator row such as ``|-------|:---:|``."""
    cells = split_row(line)
    return bool(cells) and all(re.fullmatch(r":?-+:?", c) for c in cells)


def table_row(cells: list[str]) -> str:
    """One GFM table row from encoded cells, each ``|`` in them escaped (``\\|``)."""
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


# -- headings --------------------------------------------------------------------------------

def encode_heading(text: str) -> str:
    """A Markdown value as the text of an ATX heading (``# text``): one line, and a closing
    ``#`` added when it ends with ``#`` so that one is not taken as the closing sequence."""
    value = encode_markdown(text, one_line=True)
    return value + " #" if value.endswith("#") else value


def decode_heading(content: str) -> str:
    """The value of an ATX heading's text (after ``#`` and blanks), closing sequence removed."""
    content = content.strip(" \t")
    bare = content.rstrip("#")
    if bare != content and (not bare or bare[-1] in " \t"):
        content = bare.rstrip(" \t")
    return decode_markdown(content, one_line=True)


# -- comma-separated names ---------------------------------------------------------------------

def encode_names(names: list[str]) -> str:
    """Names as one comma-separated value: a ``,`` in a name is written ``\\,`` (a run of
    backslashes before it doubled)."""
    encoded = [re.sub(r"(\\*),", lambda m: "\\" * (2 * len(m[1]) + 1) + ",", name)
               for name in names]
    # A name's trailing backslashes sit before the separating comma: doubled, they stay even.
    encoded[:-1] = [re.sub(r"(\\+)\Z", r"\1\1", name) for name in encoded[:-1]]
    return ", ".join(encoded)


def decode_names(text: str) -> list[str]:
    """The names of a comma-separated value (the inverse of :func:`encode_names`)."""
    names: list[str] = []
    current: list[str] = []
    start = 0
    for match in re.finditer(r"(\\*),", text):
        run = len(match[1])
        current.append(text[start:match.start()] + "\\" * (run // 2))
        if run % 2:
            current.append(",")
        else:
            names.append("".join(current))
            current = []
        start = match.end()
    current.append(text[start:])
    names.append("".join(current))
    return [name.strip() for name in names if name.strip()]
