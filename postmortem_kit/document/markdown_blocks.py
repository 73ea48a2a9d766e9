"""The block structure of a Markdown document, as CommonMark (+ GFM tables) reads it.

markdown-it-py finds the blocks (headings, paragraphs, lists and their items, tables, fenced
code, HTML blocks and comments, block quotes) and their line ranges; the text of each block
is then taken from the document's own lines, so a value is read back exactly as written
(markdown-it replaces NUL characters; the source lines keep them). A heading inside a fenced
code block, an HTML comment or a list item is not a heading of the document.

Only the top level is walked: what is nested (a sub-list, a fence inside an item) is part of
the block that holds it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from markdown_it import MarkdownIt

BlockKind = Literal["heading", "paragraph", "list", "table", "fence", "code", "quote", "hr",
                    "html", "comment", "frontmatter"]

# Inline parsing is not needed for the structure (and is the slow part).
_PARSER = (MarkdownIt("commonmark", {"html": True}).enable("table")
           .disable(["inline", "reference"]))
_MARKER = re.compile(r"[ \t]{0,3}(?:[-*+]|\d{1,9}[.)])")
_ATX = re.compile(r"[ \t]{0,3}#{1,6}(?=[ \t]|$)")


@dataclass
class Item:
    """One top-level item of a list: its lines ``[start, end)`` and its text, de-indented."""

    start: int
    end: int
    text: str


@dataclass
class Block:
    """A top-level block: its kind and lines ``[start, end)`` (0-based)."""

    kind: BlockKind
    start: int
    end: int
    level: int = 0  # heading level
    ordered: bool = False  # list
    items: list[Item] = field(default_factory=list)  # list
    rows: list[int] = field(default_factory=list)  # table: body row lines
    header: int = -1  # table: header row line

    @property
    def line(self) -> int:
        """1-based number of the block's first line."""
        return self.start + 1


@dataclass
class Source:
    """A document's lines and its top-level blocks."""

    lines: list[str]
    blocks: list[Block]

    def text(self, start: int, end: int) -> str:
        """Lines ``[start, end)`` verbatim, trailing blank lines dropped."""
        return "\n".join(self.lines[start:end]).rstrip()

    def heading_text(self, block: Block) -> str:
        """A heading's text as written (ATX markers kept for the caller to strip, setext
        underline dropped)."""
        if block.end - block.start > 1 or not _ATX.match(self.lines[block.start]):
            # setext: the text lines, without the underline
            return "\n".join(line.strip() for line in self.lines[block.start:block.end - 1])
        line = self.lines[block.start]
        return line[_ATX.match(line).end():]  # type: ignore[union-attr]


def split_lines(text: str) -> list[str]:
    """Lines as CommonMark counts them: ``\\r\\n``, ``\\r`` and ``\\n`` end a line."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def read_blocks(text: str) -> Source:
    """The top-level blocks of ``text`` with their line ranges.

    YAML front matter (a first line ``---`` and a closing ``---`` or ``...``, as static
    site generators and GitHub read it) is one ``frontmatter`` block, not a rule and a
    heading.
    """
    lines = split_lines(text)
    front = _front_matter(lines)
    shown = [""] * front + lines[front:]  # markdown-it sees blank lines there: same numbers
    tokens = _PARSER.parse("\n".join(shown))
    blocks: list[Block] = [Block("frontmatter", 0, front)] if front else []
    current_list: Block | None = None
    current_table: Block | None = None
    for token in tokens:
        if token.type == "list_item_open" and token.level == 1 and current_list is not None:
            start, end = token.map or (0, 0)
            current_list.items.append(Item(start, end, item_text(lines, start, end)))
            continue
        # A table's rows sit two levels down (table > thead/tbody > tr); deeper ones belong
        # to a table nested in a list item or a quote.
        if token.type == "tr_open" and token.level == 2 and current_table is not None \
                and token.map:
            if current_table.header < 0:
                current_table.header = token.map[0]
            else:
                current_table.rows.append(token.map[0])
            continue
        if token.level != 0 or token.nesting == -1 or token.map is None:
            continue
        start, end = token.map
        kind = _KINDS.get(token.type)
        if kind is None:  # pragma: no cover - every level-0 opening token is listed
            continue
        if kind == "html" and token.content.lstrip().startswith("<!--"):
            kind = "comment"
        block = Block(kind, start, end)
        current_list = current_table = None
        if kind == "heading":
            block.level = int(token.tag[1])
        elif kind == "list":
            block.ordered = token.type == "ordered_list_open"
            current_list = block
        elif kind == "table":
            current_table = block
        blocks.append(block)
    return Source(lines, blocks)


def _front_matter(lines: list[str]) -> int:
    """The number of lines of YAML front matter at the start of ``lines`` (0: none)."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    for i in range(1, min(len(lines), 200)):
        if lines[i].rstrip() in ("---", "..."):
            return i + 1 if i > 1 else 0
    return 0


_KINDS: dict[str, BlockKind] = {
    "heading_open": "heading", "paragraph_open": "paragraph", "bullet_list_open": "list",
    "ordered_list_open": "list", "table_open": "table", "fence": "fence", "code_block": "code",
    "blockquote_open": "quote", "hr": "hr", "html_block": "html",
}


def item_text(lines: list[str], start: int, end: int) -> str:
    """The text of a list item: the marker removed from its first line, the item's
    indentation from the others (a value written by the renderer comes back exactly)."""
    first = lines[start]
    marker = _MARKER.match(first)
    if marker is None:  # pragma: no cover - markdown-it only starts items at a marker
        return "\n".join(lines[start:end]).rstrip()
    rest = first[marker.end():]
    spaces = len(rest) - len(rest.lstrip(" "))
    # CommonMark: 1-4 blanks after the marker; five or more (or none, on an empty first
    # line) put the content one column after the marker.
    gap = spaces if 1 <= spaces <= 4 and rest.strip() else 1
    width = _columns(first[:marker.end()]) + gap
    body = [rest[gap:] if rest.strip() else ""]
    body += [dedent(line, width) for line in lines[start + 1:end]]
    return "\n".join(body).rstrip()


def dedent(line: str, width: int) -> str:
    """``line`` without up to ``width`` columns of leading blanks (tabs every 4 columns)."""
    column = 0
    i = 0
    while i < len(line) and column < width and line[i] in " \t":
        step = 4 - column % 4 if line[i] == "\t" else 1
        if column + step > width:  # a tab straddling the edge: keep its remainder as spaces
            return " " * (column + step - width) + line[i + 1:]
        column += step
        i += 1
    return line[i:]


def _columns(text: str) -> int:
    column = 0
    for ch in text:
        column += 4 - column % 4 if ch == "\t" else 1
    return column


def quote_text(lines: list[str], start: int, end: int) -> str:
    """The text of a block quote: one ``>`` (and one blank after it) removed per line."""
    out = []
    for line in lines[start:end]:
        stripped = line.lstrip(" ")
        if stripped.startswith(">") and len(line) - len(stripped) <= 3:
            stripped = stripped[1:]
            if stripped.startswith(" "):
                stripped = stripped[1:]
            out.append(stripped)
        else:
            out.append(line)  # a lazy continuation line
    return "\n".join(out).rstrip()


def indent(text: str, first: str, width: int) -> list[str]:
    """``text`` as lines of a list item: ``first`` (the marker) before its first line, the
    others indented by ``width`` blanks (empty lines stay empty)."""
    head, *rest = text.split("\n")
    pad = " " * width
    return [first + head, *(pad + line if line else "" for line in rest)]
