"""Completeness and consistency of a postmortem: what ``postmortem check`` reports.

Errors are things a finished postmortem must not have (a required field empty, placeholder
text left in, an end before the start, detection or resolution outside the incident
window, key events out of order, an action item with no owner or due date, or due before
the incident happened). Warnings are things a reviewer should look at (a recommended field
empty, a "what went wrong" item that no action item addresses) and readings of a Markdown
file that were a guess (a Duration whose end is before its start on the same date, read as
ending the next day): with ``strict``, those are errors.

For a Markdown file, :func:`check_parsed` names each problem with its line
(``line 23 (action_items.immediate[0].owner)``). The action-item rules live in
:mod:`~postmortem_kit.document.rules`, where the form finds them to flag its rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from postmortem_kit.document import layout as L
from postmortem_kit.document import rules
from postmortem_kit.document.model import Postmortem

if TYPE_CHECKING:  # pragma: no cover
    from postmortem_kit.document.markdown_parse import ParseResult

Level = Literal["error", "warning"]

# Words too common to show that an action item addresses a "what went wrong" item.
_STOPWORDS = frozenset("""
about after again against also because been before being between both could didn does
doing down during each from further have having into just more most much only other over
same should some such than that their them then there these they this those through under
until very were what when where which while will with would your team incident issue
problem took time were wasn weren make made need needs needed work""".split())


@dataclass(frozen=True)
class Problem:
    """One finding: ``level``, where (a JSON path or ``line N``) and what is wrong."""

    level: Level
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.where}: {self.message}"


def check(pm: Postmortem, *, placeholders: Sequence[tuple[int, str]] | None = None,
          lines: Mapping[str, int] | None = None,
          assumptions: Sequence[tuple[int, str, str]] = (), strict: bool = False
          ) -> list[Problem]:
    """Every problem of ``pm``, errors first in template order, then warnings.

    Parameters
    ----------
    pm
        The document.
    placeholders
        ``(line, text)`` of template placeholders found while parsing Markdown (see
        :class:`~postmortem_kit.document.markdown_parse.ParseResult`); JSON documents are
        searched for placeholder text directly.
    lines
        The Markdown line of each model path (``ParseResult.lines``): problems then say
        ``line 23 (overview.severity)`` instead of the bare path.
    assumptions
        ``(line, path, what)`` readings the parser had to guess (``ParseResult.assumptions``):
        warnings, or errors with ``strict``.
    strict
        Make the parser's guesses errors.
    """
    problems: list[Problem] = []
    problems += _empty_fields(pm)
    problems += _placeholder_text(pm, list(placeholders or []))
    problems += _window(pm)
    problems += _key_event_order(pm)
    problems += _action_items(pm)
    problems += _went_wrong_addressed(pm)
    level: Level = "error" if strict else "warning"
    problems += [Problem(level, f"line {line} ({path})", what)
                 for line, path, what in assumptions]
    if lines:
        problems = [replace(p, where=_locate(p.where, lines)) for p in problems]
    return sorted(problems, key=lambda p: p.level != "error")


def check_parsed(parsed: ParseResult, *, strict: bool = False) -> list[Problem]:
    """:func:`check` of a document read by :func:`~postmortem_kit.document.io.read_document`,
    with Markdown line numbers, the parser's guesses, and what it set aside (warnings)."""
    problems = check(parsed.document, placeholders=parsed.placeholders, lines=parsed.lines,
                     assumptions=parsed.assumptions, strict=strict)
    problems += [Problem("warning", f"line {line}", note) for line, note in parsed.notes]
    return sorted(problems, key=lambda p: p.level != "error")


def _locate(where: str, lines: Mapping[str, int]) -> str:
    from postmortem_kit.document.markdown_parse import locate

    return where if where.startswith("line ") else locate(where, dict(lines))


def _empty_fields(pm: Postmortem) -> list[Problem]:
    out = []
    for section in L.LAYOUT:
        for block in section.blocks:
            if isinstance(block, L.Labeled) and block.optional:
                continue
            if isinstance(block, L.Labeled):
                if block.kind == "duration":
                    for key in ("start", "end"):
                        if getattr(pm.overview, key) is None:
                            out.append(Problem("error", f"overview.{key}",
                                               f"required field is empty ({section.heading} > "
                                               f"{block.label})"))
                    continue
                if L.get_path(pm, block.path) in (None, "", []):
                    level: Level = "error" if block.required else "warning"
                    what = "required field is empty" if block.required else "not filled in"
                    out.append(Problem(level, block.path,
                                       f"{what} ({section.heading} > {block.label})"))
            elif not L.get_path(pm, block.path):
                # A postmortem without a timeline is not done; other lists can be short.
                level = "error" if block.path == "key_events" else "warning"
                out.append(Problem(level, block.path, f"no entries ({section.heading})"))
    return out


def _text_fields(pm: Postmortem):
    """Every free-text value with its JSON path."""
    def walk(value, path):
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, list):
            for i, item in enumerate(value):
                yield from walk(item, f"{path}[{i}]")
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                yield from walk(getattr(value, name), f"{path}.{name}" if path else name)

    yield from walk(pm, "")


def _placeholder_text(pm: Postmortem, found: list[tuple[int, str]]) -> list[Problem]:
    out = [Problem("error", f"line {line}", f"template placeholder left in: {text}")
           for line, text in found]
    known = L.placeholders()
    for path, value in _text_fields(pm):
        if path in ("title", "timezone"):
            continue
        for placeholder in known:
            if placeholder in value:
                out.append(Problem("error", path, f"template placeholder left in: {placeholder}"))
    if pm.title == "Incident Postmortem Template":
        out.append(Problem("warning", "title", "still the template's title: name the incident"))
    return out


def _window(pm: Postmortem) -> list[Problem]:
    start, end = pm.overview.start, pm.overview.end
    out = []
    if start and end and end < start:
        out.append(Problem("error", "overview.end", "the incident ends before it starts"))
        return out
    for path, when in (("detection.time", pm.detection.time),
                       ("resolution.time", pm.resolution.time)):
        if when is None:
            continue
        if (start and when < start) or (end and when > end):
            out.append(Problem("error", path, "outside the incident window (Duration line)"))
    if pm.overview.date and start and pm.to_local(start).date() != pm.overview.date:
        out.append(Problem("warning", "overview.date",
                           "the Date line is not the day the incident started"))
    return out


def _key_event_order(pm: Postmortem) -> list[Problem]:
    out = []
    for i in range(1, len(pm.key_events)):
        if pm.key_events[i].time < pm.key_events[i - 1].time:
            out.append(Problem("error", f"key_events[{i}].time",
                               f"out of order: earlier than key_events[{i - 1}]"))
    return out


def _action_items(pm: Postmortem) -> list[Problem]:
    """Errors from the action-item rules shared with the form (:mod:`.rules`), in item
    order."""
    found = rules.owner_missing(pm) + rules.due_missing(pm) + rules.due_before_incident(pm)
    order = {path: i for i, (path, _) in enumerate(rules.action_items(pm))}
    return [Problem("error", where, message)
            for where, message in sorted(found, key=lambda f: order[f[0].rsplit(".", 1)[0]])]


def keywords(text: str) -> set[str]:
    """Content words of ``text``, crudely stemmed, for matching items to action items."""
    words = set()
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        if len(word) < 4 or word in _STOPWORDS:
            continue
        for suffix in ("ing", "ed", "es", "s"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)]
                break
        words.add(word)
    return words


def _went_wrong_addressed(pm: Postmortem) -> list[Problem]:
    actions = [a.description for a in pm.action_items.immediate + pm.action_items.long_term]
    action_words = [keywords(a) for a in actions]
    out = []
    for i, item in enumerate(pm.went_wrong):
        words = keywords(item)
        if not any(words & aw for aw in action_words):
            out.append(Problem("warning", f"went_wrong[{i}]",
                               f"no action item mentions it: {item[:80]!r}"))
    return out
