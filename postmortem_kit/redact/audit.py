"""The audit of a redaction: what kinds were replaced, how many, in which fields; never a value.

It is kept in the redacted document (``Postmortem.redaction``), printed by the command line
and summarised in the report's footer, so a reader knows the report was redacted and the
team can see what went, without the audit itself leaking anything.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from postmortem_kit.redact.kinds import KINDS


class RedactionAudit(BaseModel):
    """What a redaction replaced.

    Attributes
    ----------
    counts
        Replacements per kind (``{"email": 3, "user": 5}``).
    fields
        Per field (a JSON path such as ``key_events[2].event``, or a chart's file name),
        the replacements per kind made there.
    allowed
        Findings per kind that the allow-list kept.
    withheld
        Charts left out of the report because they could not be checked (a PNG without
        its SVG twin), by their link.
    identities
        How many user ids from the evidence were looked for.
    """

    model_config = ConfigDict(extra="forbid")

    counts: dict[str, int] = Field(default_factory=dict)
    fields: dict[str, dict[str, int]] = Field(default_factory=dict)
    allowed: dict[str, int] = Field(default_factory=dict)
    withheld: list[str] = Field(default_factory=list)
    identities: int = 0

    def add(self, where: str, kind: str) -> None:
        """Count one replacement of ``kind`` in field ``where``."""
        self.counts[kind] = self.counts.get(kind, 0) + 1
        per_field = self.fields.setdefault(where, {})
        per_field[kind] = per_field.get(kind, 0) + 1

    def keep(self, kind: str) -> None:
        """Count one finding of ``kind`` the allow-list kept."""
        self.allowed[kind] = self.allowed.get(kind, 0) + 1

    @property
    def total(self) -> int:
        """Replacements of every kind."""
        return sum(self.counts.values())

    def summary(self) -> str:
        """One sentence: ``Redacted for sharing: 3 email addresses, 1 JWT in 2 fields.``"""
        if not self.total:
            text = "Redacted for sharing: nothing found to replace."
        else:
            text = (f"Redacted for sharing: {describe_counts(self.counts)} in "
                    f"{_plural(len(self.fields), 'field', 'fields')}.")
        if self.allowed:
            text += f" Kept by the allow-list: {describe_counts(self.allowed)}."
        if self.withheld:
            text += (f" {_plural(len(self.withheld), 'chart', 'charts')} withheld (no SVG "
                     "twin to check).")
        return text

    def lines(self) -> list[str]:
        """The summary, then one line per field: ``key_events[2].event: 1 email address``."""
        out = [self.summary()]
        out += [f"  {where}: {describe_counts(kinds)}" for where, kinds in self.fields.items()]
        out += [f"  withheld: {url}" for url in self.withheld]
        return out


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def describe_counts(counts: dict[str, int]) -> str:
    """``{"email": 2, "jwt": 1}`` as ``2 email addresses, 1 JWT`` (in :data:`KINDS` order)."""
    order = [k for k in KINDS if k in counts] + sorted(set(counts) - set(KINDS))
    parts = []
    for kind in order:
        name = KINDS.get(kind)
        parts.append(_plural(counts[kind], name.one, name.many) if name else
                     f"{counts[kind]} {kind}")
    return ", ".join(parts)
