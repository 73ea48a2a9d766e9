"""A document cut into sections: each heading with the blocks under it.

A heading that names nothing known (:data:`~.vocabulary.HEADINGS`) and sits deeper than a
section read as text (``### Background`` under ``## What Happened``) stays inside that
section, heading line and all, so the text keeps its own structure; under a section kept in
the notes it stays inside that note. HTML comments are set aside (template guidance people
leave in; invisible when the Markdown is viewed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from postmortem_kit.document.importing.vocabulary import HEADINGS, Target, key
from postmortem_kit.document.markdown_blocks import Block, Source
from postmortem_kit.document.markdown_parse import heading_name

FRONT_MATTER = "Front matter"


@dataclass
class Section:
    """A heading (None for what comes before the first one) and the blocks under it."""

    heading: str | None
    level: int
    line: int  # 1-based line of the heading (or of the first block)
    target: Target | None
    blocks: list[Block] = field(default_factory=list)


def split_sections(src: Source) -> tuple[tuple[int, str] | None, list[Section],
                                         list[Block]]:
    """``(title, sections, comments)``: the first level-1 heading as the title (with its
    line), the sections in order, and the HTML comments that were set aside."""
    title: tuple[int, str] | None = None
    sections: list[Section] = []
    comments: list[Block] = []
    current: Section | None = None
    for block in src.blocks:
        if block.kind == "frontmatter":
            sections.append(Section(FRONT_MATTER, 0, block.line, None, [block]))
            continue
        if block.kind == "comment":
            comments.append(block)
            continue
        if block.kind != "heading":
            if current is None:
                current = Section(None, 0, block.line, None)
                sections.append(current)
            current.blocks.append(block)
            continue
        name = heading_name(src, block)
        if block.level == 1 and title is None:
            title = (block.line, name)
            current = None
            continue
        target = HEADINGS.get(key(name))
        if (target is None and current is not None and current.heading is not None
                and block.level > current.level
                and (current.target is None or current.target.read_as == "text")):
            current.blocks.append(block)  # a sub-heading of a text or a note: kept inside
            continue
        current = Section(name, block.level, block.line, target)
        sections.append(current)
    return title, sections, comments
