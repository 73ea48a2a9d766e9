"""Inline Markdown text: escaping a value so it reads back exactly, and reading it back.

The rule that makes render → parse exact: every character that Markdown (CommonMark + GFM
tables) could take as syntax is backslash-escaped, so any *unescaped* syntax in a rendered
document is ours. Line breaks inside a value become ``<br>`` (the only way to keep a table
cell or a list item on one line), and ``<`` in user text is always escaped, so an
unescaped ``<br>`` can only mean a line break.

Parsing is lenient in the other direction: unescaped ``*bold*`` or `` `code` `` written by
a person is kept as the characters they typed.
"""

from __future__ import annotations

import html
import re

# Characters that are Markdown syntax anywhere in a line (or in a GFM table row).
_ALWAYS = set("\\`*_[]<>|&~")
# Markdown syntax only at the start of a block: headings, lists, quotes, setext underlines.
_AT_START = re.compile(r"^(?:[#>+=-]|\d+[.)])")
_ASCII_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)

# A value that is exactly one of these reads back as "empty" in a table cell.
EMPTY_CELL_MARKS = ("—", "-", "–", "")


def escape(text: str, *, extra: str = "") -> str:
    """Escape ``text`` for use as one inline Markdown value (a list item, a table cell...).

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


def unescape(text: str) -> str:
    """Read an inline Markdown value back into plain text (the inverse of :func:`escape`)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in _ASCII_PUNCT:
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
        backslashes = 0
        j = i - 1
        while j >= 0 and text[j] == "\\":
            backslashes += 1
            j -= 1
        if backslashes % 2 == 0:
            return i
        i = text.find(token, i + 1)
    return -1


def split_unescaped(text: str, sep: str) -> list[str]:
    """Split ``text`` on every ``sep`` that is not backslash-escaped."""
    parts: list[str] = []
    start = 0
    while True:
        i = find_unescaped(text, sep, start)
        if i == -1:
            parts.append(text[start:])
            return parts
        parts.append(text[start:i])
        start = i + len(sep)


def split_table_row(line: str) -> list[str]:
    """The cells of a GFM table row, still escaped; outer pipes are optional."""
    row = line.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and find_unescaped(row, "|", len(row) - 1) == len(row) - 1:
        row = row[:-1]
    return [cell.strip() for cell in split_unescaped(row, "|")]


def is_table_separator(line: str) -> bool:
    """True for a GFM header separator row such as ``|-------|:---:|``."""
    cells = split_table_row(line)
    return bool(cells) and all(re.fullmatch(r":?-{1,}:?", c) for c in cells)


def table_row(cells: list[str]) -> str:
    """One GFM table row from already-escaped cells."""
    return "| " + " | ".join(cells) + " |"
