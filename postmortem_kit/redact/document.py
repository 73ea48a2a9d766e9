"""Redacting a :class:`~postmortem_kit.document.model.Postmortem`: every text field, once.

The walk goes over the document's JSON form, so a field added to the model later is
redacted without anyone remembering to list it; what is not free text (times, dates, the
time zone, severity, status and priority choices) is skipped by name. Dismissed key-event
candidates are editing state, not report content: a redacted document has none.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from postmortem_kit.redact.redactor import Redactor, describe_residual, residual_problems

if TYPE_CHECKING:  # pragma: no cover  (the model imports the audit from this package)
    from postmortem_kit.document.model import Postmortem

#: Keys whose values are not free text: choices, times and dates, the audit itself.
NOT_TEXT = frozenset({"schema_version", "timezone", "severity", "status", "priority", "time",
                      "start", "end", "date", "due", "review_date", "redaction"})


def text_fields(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """``(json_path, text)`` for every free-text value of a document's JSON form."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in NOT_TEXT:
                continue
            yield from text_fields(value, f"{path}.{key}" if path else key)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from text_fields(value, f"{path}[{index}]")
    elif isinstance(data, str):
        yield path, data


def _redact(data: Any, redactor: Redactor, path: str = "") -> Any:
    if isinstance(data, dict):
        return {key: value if key in NOT_TEXT else
                _redact(value, redactor, f"{path}.{key}" if path else key)
                for key, value in data.items()}
    if isinstance(data, list):
        return [_redact(value, redactor, f"{path}[{i}]") for i, value in enumerate(data)]
    if isinstance(data, str):
        return redactor.redact(data, path)
    return data


def redact_document(pm: Postmortem, redactor: Redactor) -> Postmortem:
    """A new document with every text field of ``pm`` redacted and the audit attached
    (``redaction``); ``pm`` is not changed.

    The audit is ``redactor``'s, so redacting charts or notebook outputs with the same
    redactor afterwards adds to it (the returned document holds the same audit object).
    """
    from postmortem_kit.document.model import Postmortem

    data = pm.model_dump(mode="json")
    data["dismissed_key_events"] = []
    data.pop("redaction", None)
    redacted = _redact(data, redactor)
    out = Postmortem.model_validate(redacted)
    out.redaction = redactor.audit
    return out


def readable_fields(pm: Postmortem) -> list[tuple[str, str]]:
    """``(field, text)`` for every text field of ``pm``: its Markdown as written, and the
    text a reader sees when that differs."""
    from postmortem_kit.document.markdown_html import to_plain

    items = []
    for where, text in text_fields(pm.model_dump(mode="json")):
        items.append((where, text))
        plain = to_plain(text)
        if plain != text:
            items.append((where, plain))
    return items


def residual(pm: Postmortem, redactor: Redactor) -> list[tuple[str, str]]:
    """``(field, kind)`` for each finding left in ``pm`` after redaction (what ``--strict``
    fails on): both the field's Markdown and the text a reader sees are checked."""
    return sorted(set(residual_problems(readable_fields(pm), redactor)))


def check_residual(pm: Postmortem, redactor: Redactor) -> None:
    """Raise :class:`~postmortem_kit.redact.errors.RedactionError` when :func:`residual`
    finds anything."""
    from postmortem_kit.errors import RedactionError

    problems = residual(pm, redactor)
    if problems:
        raise RedactionError("still matching a detector after redaction (--strict): "
                             + describe_residual(problems))
