"""One report's redaction: the detectors, the allow-list, the pseudonyms and the audit.

A :class:`Redactor` is made once per report and used for every piece of it (each field of
the document, each chart, each notebook output), so one user has one pseudonym throughout
and the audit counts the whole report.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from postmortem_kit.redact import detectors as D
from postmortem_kit.redact.audit import RedactionAudit
from postmortem_kit.redact.kinds import KINDS
from postmortem_kit.redact.pseudonyms import Pseudonyms

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: Kept whatever the settings say: loopback and unspecified addresses identify nobody.
ALWAYS_ALLOWED = ("127.0.0.1", "0.0.0.0", "::1", "::")

_PSEUDONYM = re.compile(
    "(?:" + "|".join(sorted({re.escape(k.prefix) for k in KINDS.values()})) + r")-[0-9a-f]{4,64}")


@dataclass(frozen=True)
class RedactionSettings:
    """How to redact.

    Attributes
    ----------
    allow
        What the team wants to show, each entry one of: a value as written (``deploy-bot``,
        a commit hash), a domain (``shop.example``: its addresses and subdomains'), an IP
        network (``10.0.0.0/8``) or a glob (``*.internal``). Case does not matter.
    kinds
        The kinds to look for (default: all of :data:`~postmortem_kit.redact.kinds.KINDS`).
    phone_region
        Region national phone numbers are read in (``"US"``, ``"DE"``); numbers written with
        ``+`` and a country code are found whatever it is. None: only those.
    """

    allow: tuple[str, ...] = ()
    kinds: frozenset[str] = field(default_factory=lambda: frozenset(KINDS))
    phone_region: str | None = "US"

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown redaction kinds {sorted(unknown)}: expected some of "
                             f"{list(KINDS)}")


class AllowList:
    """The allow-list of :class:`RedactionSettings`, ready to test findings against."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.exact: set[str] = set()
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        self.globs: list[str] = []
        self.domains: list[str] = []
        for entry in (e.strip().lower() for e in [*ALWAYS_ALLOWED, *entries]):
            if not entry:
                continue
            self.exact.add(entry)
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            if any(c in entry for c in "*?["):
                self.globs.append(entry)
            elif "." in entry and "@" not in entry:
                self.domains.append(entry.lstrip("@."))

    def allows(self, text: str, finding: D.Finding) -> bool:
        """Whether ``text`` (the span of ``finding``) is to be kept."""
        text = text.lower()
        value = finding.value.lower()
        if text in self.exact or value in self.exact:
            return True
        if finding.kind in ("ipv4", "ipv6"):
            try:
                address = ipaddress.ip_address(value)
            except ValueError:
                address = None
            if address is not None and any(address in net for net in self.networks
                                           if net.version == address.version):
                return True
        if any(fnmatch.fnmatchcase(text, g) or fnmatch.fnmatchcase(value, g)
               for g in self.globs):
            return True
        if finding.kind == "email":
            domain = value.rsplit("@", 1)[-1]
            return any(domain == d or domain.endswith("." + d) for d in self.domains)
        return False


#: Kinds of evidence written by the team (chat, pages, deploys): the ``user`` there is a
#: responder, whose name the report shows, not a customer.
RESPONDER_KINDS = frozenset({"chat", "page", "deploy", "change", "alert", "note"})


def identities_from_events(events: pd.DataFrame, *, responders: bool = False) -> list[str]:
    """The user ids of an events frame: the values of the columns it marks as identities.

    ``read_events`` marks them in ``events.attrs["identities"]``
    (:data:`~postmortem_kit.ingest.schema.IDENTITY_COLUMNS` that the evidence filled); a
    frame made another way is read by those columns' names. Rows of the team's own
    evidence (:data:`RESPONDER_KINDS`: chat, pages, deploys) name responders, who are left
    out unless ``responders`` is True (or who can be passed as ``identities``).
    """
    from postmortem_kit.ingest.schema import IDENTITY_COLUMNS

    columns = events.attrs.get("identities") or [c for c in IDENTITY_COLUMNS if c in events]
    rows = events
    if not responders and "kind" in events:
        rows = events[~events["kind"].astype("str").isin(RESPONDER_KINDS).to_numpy(bool)]
    ids: set[str] = set()
    for column in columns:
        if column in rows:
            ids.update(str(v) for v in rows[column].dropna().unique() if str(v).strip())
    return sorted(ids)


class Redactor:
    """Finds and replaces what must not travel, consistently across one report.

    Parameters
    ----------
    settings
        :class:`RedactionSettings` (default: every kind, no allow-list, US phone numbers).
    key
        The document's secret (:func:`~postmortem_kit.redact.pseudonyms.document_key`);
        None: a random one, so pseudonyms are consistent within this redactor only.
    identities
        User ids to replace wherever they appear (:func:`identities_from_events`).

    Examples
    --------
    >>> r = Redactor(key=b"k" * 32, identities=["u000274"])
    >>> r.redact("u000274 wrote from 203.0.113.9", "detection.initial_symptoms")
    'user-... wrote from ip-...'
    """

    def __init__(self, settings: RedactionSettings | None = None, *, key: bytes | None = None,
                 identities: Iterable[str] = ()) -> None:
        self.settings = settings or RedactionSettings()
        self.allow = AllowList(self.settings.allow)
        self.pseudonyms = Pseudonyms(key)
        ids = list(identities)
        self.audit = RedactionAudit(identities=len(set(ids)))
        kinds = self.settings.kinds
        found: list[D.Detector] = list(D.PATTERN_DETECTORS)
        if "phone" in kinds:
            region = self.settings.phone_region
            found.append(lambda text: D.phones(text, region))
        if "user" in kinds:
            found.append(D.identity_finder(D.identity_pattern(ids)))
        self._detectors = found

    def __deepcopy__(self, memo: dict[int, object]) -> Redactor:
        # One redactor is the state of one report (pseudonyms handed out, the audit):
        # nbconvert deep-copies its resources, and a copy would split both.
        return self

    def findings(self, text: str) -> list[D.Finding]:
        """What the detectors find in ``text`` (allowed ones included), left to right."""
        kinds = self.settings.kinds
        return [f for f in D.detect(text, self._detectors) if f.kind in kinds]

    def _is_pseudonym(self, text: str) -> bool:
        if text in self.pseudonyms.issued() or _PSEUDONYM.fullmatch(text) is not None:
            return True
        # A URL's credentials replaced ("https://credentials-1a2b@host/") read as an
        # address whose user part is the pseudonym: nothing of the original is left.
        local, at, _ = text.partition("@")
        return bool(at) and _PSEUDONYM.fullmatch(local) is not None

    def redact(self, text: str, where: str) -> str:
        """``text`` with every finding replaced by its pseudonym, counted under ``where``."""
        if not text:
            return text
        pieces: list[str] = []
        last = 0
        for finding in self.findings(text):
            original = text[finding.start:finding.end]
            if self._is_pseudonym(original):
                continue  # redacted already (a document redacted twice)
            if self.allow.allows(original, finding):
                self.audit.keep(finding.kind)
                continue
            pieces += [text[last:finding.start],
                       self.pseudonyms.pseudonym(KINDS[finding.kind].prefix, finding.value)]
            last = finding.end
            self.audit.add(where, finding.kind)
        return "".join(pieces) + text[last:] if pieces else text

    def residual(self, text: str) -> list[D.Finding]:
        """Findings in (redacted) ``text`` that are neither pseudonyms nor allowed: what
        ``--strict`` fails on."""
        return [f for f in self.findings(text)
                if not self._is_pseudonym(text[f.start:f.end])
                and not self.allow.allows(text[f.start:f.end], f)]


def residual_problems(items: Sequence[tuple[str, str]], redactor: Redactor
                      ) -> list[tuple[str, str]]:
    """``(where, kind)`` for each finding left in the ``(where, text)`` pairs."""
    return [(where, finding.kind) for where, text in items
            for finding in redactor.residual(text)]


def describe_residual(problems: Sequence[tuple[str, str]]) -> str:
    """One line naming the fields that still match a detector (never the values)."""
    where: dict[str, list[str]] = {}
    for path, kind in problems:
        where.setdefault(path, []).append(KINDS[kind].one if kind in KINDS else kind)
    return "; ".join(f"{path} ({', '.join(sorted(set(kinds)))})"
                     for path, kinds in where.items())
