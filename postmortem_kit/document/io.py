"""Open a postmortem from either of its file forms, chosen by extension.

A Markdown file is read in the layout it is written in (``layout="auto"``): the template's,
or one of those :mod:`~postmortem_kit.document.importing` knows.
"""

from __future__ import annotations

import os
from pathlib import Path

from postmortem_kit.document.importing import import_markdown
from postmortem_kit.document.markdown_parse import ParseResult
from postmortem_kit.document.storage import load, read_text, refuse_special
from postmortem_kit.errors import DocumentError, InputError

MARKDOWN_SUFFIXES = {".md", ".markdown"}


def read_document(path: str | os.PathLike[str], *, layout: str = "auto") -> ParseResult:
    """Read ``postmortem.json`` or a Markdown report; Markdown also returns what parsing saw
    (and ``layout`` names its layout; ``"auto"`` detects it).

    Raises
    ------
    InputError
        The file cannot be used at all: missing, a folder or a device, unreadable, not
        UTF-8, or (for a file that is not Markdown) not JSON.
    DocumentError
        The document was read but its fields are invalid.
    """
    path = Path(path)
    check_readable(path, "file", "postmortem.json or a Markdown file")
    markdown = path.suffix.lower() in MARKDOWN_SUFFIXES
    try:
        if markdown:
            return import_markdown(read_text(path), layout=layout, source=str(path))
        return ParseResult(load(path))
    except DocumentError as exc:
        if not _not_json(exc):
            raise
        hint = "" if markdown else " (expected postmortem JSON, or Markdown named .md)"
        raise InputError(f"{exc}{hint}") from None


def check_readable(path: Path, noun: str, expected: str) -> None:
    """Raise InputError unless ``path`` is a regular file: reading a folder fails, a named
    pipe waits for a writer, a device (``/dev/zero``, a terminal) may never end.

    ``noun`` names the missing thing (``no such notebook``); ``expected`` says what should
    be there (``a notebook (.ipynb)``).
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError(f"{path}: no such {noun}") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot be read: {getattr(exc, 'strerror', exc)}") from None
    refuse_special(path, mode, f"expected {expected}")


def _not_json(exc: DocumentError) -> bool:
    """Whether ``load`` failed on the file's bytes (not UTF-8, not JSON) rather than on a
    field: such a file is in no format we know (exit 2), not a document with problems."""
    if len(exc.problems) != 1:
        return False
    _, what = exc.problems[0]
    return what.startswith("invalid JSON") or what == "not valid UTF-8"
