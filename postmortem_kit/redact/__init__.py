"""Share-safe reports: personal data and secrets replaced by consistent pseudonyms.

:class:`Redactor` finds (:mod:`~postmortem_kit.redact.detectors`) and replaces, with
pseudonyms from a keyed hash (:mod:`~postmortem_kit.redact.pseudonyms`), keeping what the
allow-list names and counting everything in a :class:`RedactionAudit`.
:func:`redact_document` applies one to a postmortem (``Postmortem.redacted`` is the short
way), :func:`redact_svg` to a chart; :func:`redactor_for` makes the one a report of a file
uses (the document's key, the user ids of the evidence beside it).

Names are loaded on first use: the document model imports the audit from here, and the
detectors need ``phonenumbers``, which a document that is never redacted has no use for.
"""

from __future__ import annotations

import importlib
from typing import Any

_NAMES = {
    "RedactionAudit": "audit",
    "KINDS": "kinds",
    "Finding": "detectors",
    "Pseudonyms": "pseudonyms",
    "document_key": "pseudonyms",
    "key_path": "pseudonyms",
    "Redactor": "redactor",
    "RedactionSettings": "redactor",
    "identities_from_events": "redactor",
    "redact_document": "document",
    "check_residual": "document",
    "residual": "document",
    "redact_svg": "charts",
    "redactor_for": "sources",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
