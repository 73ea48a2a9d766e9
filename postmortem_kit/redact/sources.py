"""Where a report's redaction comes from: the document's key and the evidence's user ids.

``postmortem render --redact`` and ``postmortem export --redact`` build their
:class:`~postmortem_kit.redact.Redactor` here, so both name one user the same way: the key
is the one kept beside ``postmortem.json`` (a notebook uses the ``postmortem.json`` in its
folder when there is one), and the user ids are read from the evidence the layout of
``postmortem new`` puts beside it (``evidence/``), or from the paths given.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

from postmortem_kit.redact.pseudonyms import document_key
from postmortem_kit.redact.redactor import RedactionSettings, Redactor, identities_from_events

#: The document whose key a notebook in the same folder shares.
DOCUMENT_NAME = "postmortem.json"
#: The evidence folder of ``postmortem new``'s layout.
EVIDENCE_DIR = "evidence"


def key_owner(path: str | os.PathLike[str]) -> Path:
    """The file whose key redacts ``path``: itself, or for a notebook the
    ``postmortem.json`` beside it when there is one."""
    path = Path(path)
    if path.suffix.lower() == ".ipynb" and (path.parent / DOCUMENT_NAME).is_file():
        return path.parent / DOCUMENT_NAME
    return path


def default_evidence(path: str | os.PathLike[str]) -> list[Path]:
    """``evidence/`` beside ``path`` when it is a folder, else nothing."""
    folder = Path(path).parent / EVIDENCE_DIR
    return [folder] if folder.is_dir() else []


def evidence_identities(paths: Sequence[str | os.PathLike[str]]) -> list[str]:
    """The user ids of the evidence at ``paths`` (customers, not responders: see
    :func:`~postmortem_kit.redact.redactor.identities_from_events`).

    Raises
    ------
    IngestError, InputError
        When the evidence cannot be read (the message names the file).
    """
    if not paths:
        return []
    from postmortem_kit.ingest.reader import read_events

    with warnings.catch_warnings():
        # Rejected lines are the ingest verb's business; here only the ids matter.
        warnings.simplefilter("ignore")
        events = read_events([str(p) for p in paths])
    return identities_from_events(events)


def redactor_for(path: str | os.PathLike[str], *, allow: Iterable[str] = (),
                 evidence: Sequence[str | os.PathLike[str]] | None = None,
                 identities: Iterable[str] = ()) -> Redactor:
    """The redactor of a report made from ``path`` (``postmortem.json``, a Markdown
    postmortem or a notebook).

    Parameters
    ----------
    path
        The report's source; its key (made on first use, mode 600) lives beside
        :func:`key_owner`.
    allow
        Allow-list entries (values, domains, networks, globs).
    evidence
        Evidence whose user ids are replaced; None: :func:`default_evidence`.
    identities
        More user ids.
    """
    ids = [*identities, *evidence_identities(
        default_evidence(path) if evidence is None else evidence)]
    settings = RedactionSettings(allow=tuple(allow))
    return Redactor(settings, key=document_key(key_owner(path)), identities=ids)
