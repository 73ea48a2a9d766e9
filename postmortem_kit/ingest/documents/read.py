"""A file as JSON documents: one per file, one per line, or a stream of them.

Alertmanager, PagerDuty, Slack, Kubernetes and deploy lists all arrive either as one JSON
document per file (an API response saved with ``curl``, pretty-printed or not) or as one
document per line (a webhook receiver's log). :func:`read_documents` accepts both, through
the shared line reader (compression, invalid UTF-8 and NUL bytes handled there), and rejects
what does not parse with the line and the parser's message. :func:`head_document` and
:func:`has_keys` are what the formats' sniffers look at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from postmortem_kit.ingest.files.blocks import iter_lines
from postmortem_kit.ingest.limits import TooDeep, first_too_deep, loads, nesting_depth
from postmortem_kit.ingest.registry import LoadContext


def read_documents(path: Path, ctx: LoadContext) -> Iterator[tuple[int, Any, bool]]:
    """Yield ``(line, document, per_line)`` for each JSON document of ``path``.

    A file that parses as a whole is one document (``line`` is where it starts). Otherwise
    each non-blank line is its own document, or, when the first line alone is not JSON,
    the file is a stream of concatenated pretty-printed documents (``kubectl get -w -o
    json`` writes that). A line or document that does not parse, or nests deeper than
    ``ctx.max_depth``, is rejected with the parser's message. ``per_line`` tells the caller
    which it got, so it can report rows by line or by JSON path.
    """
    lines = list(iter_lines(path, ctx))
    text = "\n".join(t for _, t in lines)
    first = next((n for n, t in lines if t.strip()), None)
    if first is None:
        return
    limit = ctx.max_depth
    too_deep = nesting_depth(text) > limit  # (then no parser may see the whole text)
    if not too_deep:
        try:
            yield first, json.loads(text), False
            return
        except ValueError:
            pass
    docs = [(n, t) for n, t in lines if t.strip()]
    try:
        loads(docs[0][1], limit)
    except TooDeep:
        pass  # a JSON-lines file whose first line is too deep: rejected below
    except ValueError:
        yield from _concatenated(path, ctx, lines, text, too_deep)
        return
    for number, t in docs:
        try:
            yield number, loads(t, limit), True
        except ValueError as exc:
            ctx.rejects.add(str(path), number, _why(exc), t)


def _why(exc: ValueError) -> str:
    if isinstance(exc, TooDeep):
        return exc.msg
    return f"invalid JSON: {getattr(exc, 'msg', exc)}"


def _concatenated(path: Path, ctx: LoadContext, lines: list[tuple[int, str]],
                  text: str, too_deep: bool) -> Iterator[tuple[int, Any, bool]]:
    """Documents written one after another; the first that does not parse ends the file."""
    decoder = json.JSONDecoder()
    if too_deep:
        # Documents end where the nesting is back at zero; the parser only reads the text
        # before the first bracket beyond the limit, so the deep document fails to parse
        # there instead of exhausting the recursion.
        text = text[:first_too_deep(text, ctx.max_depth)]
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return
        index = text.count("\n", 0, pos)
        line = lines[index][0]
        try:
            doc, pos = decoder.raw_decode(text, pos)
        except ValueError as exc:
            if too_deep and getattr(exc, "pos", 0) >= len(text) - 1:
                ctx.rejects.add(str(path), line, TooDeep(ctx.max_depth).msg, lines[index][1])
                return
            at = lines[min(getattr(exc, "lineno", 1), len(lines)) - 1]
            ctx.rejects.add(str(path), at[0], f"invalid JSON: {getattr(exc, 'msg', exc)} (the "
                            "rest of the file from here is not read)", at[1])
            return
        yield line, doc, True


def head_document(head: str) -> Any:
    """The first JSON document of a sniffed head: the whole head, else its first line.

    Returns None when neither parses (the head may also be a cut-off prefix of a large
    document; sniffers fall back to looking for keys in the text then).
    """
    text = head.strip()
    for candidate in (text, text.split("\n", 1)[0]):
        try:
            return loads(candidate)
        except ValueError:  # (TooDeep too)
            continue
    return None


def has_keys(head: str, *keys: str) -> bool:
    """Whether every ``"key":`` appears in the text (a sniff for documents cut by the head)."""
    return all(re.search(rf'"{re.escape(k)}"\s*:', head) for k in keys)
