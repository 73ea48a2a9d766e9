"""Evidence ingestion: every supported source into one events frame (DESIGN.md §1).

Users call :func:`read_events`; format modules live in :mod:`postmortem_kit.ingest.formats`
and register themselves in :mod:`postmortem_kit.ingest.registry`.
"""

from postmortem_kit.ingest.reader import read_events

__all__ = ["read_events"]
