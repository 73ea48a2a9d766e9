"""Open a postmortem from either of its file forms, chosen by extension."""

from __future__ import annotations

import os
from pathlib import Path

from postmortem_kit.document.markdown_parse import ParseResult, parse_markdown
from postmortem_kit.document.storage import load, read_text
from postmortem_kit.errors import DocumentError

MARKDOWN_SUFFIXES = {".md", ".markdown"}


def read_document(path: str | os.PathLike[str]) -> ParseResult:
    """Read ``postmortem.json`` or a Markdown report; Markdown also returns what parsing saw."""
    path = Path(path)
    if not path.exists():
        raise DocumentError([("file", "not found")], str(path))
    if path.suffix.lower() in MARKDOWN_SUFFIXES:
        return parse_markdown(read_text(path), source=str(path))
    return ParseResult(load(path))
