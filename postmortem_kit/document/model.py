"""The postmortem document: one typed field for every placeholder of the template.

The sections mirror ``shared/postmortem-template.md`` in its order. Conventions:

- Free text is ``str``; ``""`` means "not filled in" (rendered as the template's placeholder).
  Surrounding whitespace is stripped and line breaks are normalised to ``\\n``.
- Times are timezone-aware and stored in UTC. The document keeps a display ``timezone``
  (an IANA name, default ``UTC``); a naive time given to :class:`Postmortem` is read in it.
- Dates (incident date, due dates, review date) are plain calendar dates.
- The duration is never stored: :attr:`Overview.duration` is ``end - start``.
- Long-term action items are prioritised ``high`` / ``medium`` / ``low`` (severity already
  uses P0-P3; a second P-scale for work items invites confusing the two).
- Free text holds inline Markdown as the person wrote it (```code```, ``*emphasis*``,
  ``[links](https://...)``); see :mod:`~postmortem_kit.document.markdown_inline`.
- Two fields go beyond the template and are written only when filled, so a file that does
  not use them is the same as before: ``overview.category`` (what kind of incident, for
  comparing many) and ``notes`` (what a document imported from another layout held that
  maps to no field of the template, kept verbatim).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from postmortem_kit.redact.audit import RedactionAudit

if TYPE_CHECKING:  # pragma: no cover  (the timeline imports pandas; the document does not)
    from postmortem_kit.timeline.model import Timeline

SCHEMA_VERSION: Literal[1] = 1
DEFAULT_TITLE = "Incident Postmortem Template"

Severity = Literal["P0", "P1", "P2", "P3"]
Status = Literal["open", "in progress", "done", "won't do"]
Priority = Literal["high", "medium", "low"]


def _normalise_text(value: str) -> str:
    # \r\n from Windows editors and bare \r would otherwise survive as invisible differences.
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _require_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            "expected a timezone-aware time (set it through the Postmortem, which reads "
            "naive times in its timezone)"
        )
    return value.astimezone(dt.UTC)


def _lower_choice(aliases: dict[str, str]) -> BeforeValidator:
    def normalise(value: Any) -> Any:
        if isinstance(value, str):
            key = re.sub(r"[\s_-]+", " ", value.strip().lower()).replace("’", "'")
            return aliases.get(key, key)
        return value

    return BeforeValidator(normalise)


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _omit_empty(data: Any, key: str) -> Any:
    # Fields beyond the template are written only when used: a file that does not use them
    # stays the file it was (and readable by a postmortem-kit that predates them).
    if isinstance(data, dict) and not data.get(key):
        data.pop(key, None)
    return data


Text = Annotated[str, AfterValidator(_normalise_text)]
Item = Annotated[str, AfterValidator(_normalise_text), Field(min_length=1)]
UtcTime = Annotated[datetime, AfterValidator(_require_aware)]
SeverityField = Annotated[Severity | None, BeforeValidator(_upper)]
StatusField = Annotated[
    Status, _lower_choice({"wont do": "won't do", "in progress": "in progress", "todo": "open"})
]
PriorityField = Annotated[Priority | None, _lower_choice({"med": "medium"})]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Overview(_Part):
    """Incident Overview: date, start and end (the Duration line), impact summary, severity."""

    date: dt.date | None = None
    start: UtcTime | None = None
    end: UtcTime | None = None
    impact: Text = ""
    severity: SeverityField = None
    category: Text = ""  # beyond the template: "database", "deploy", ... (written when set)

    @model_serializer(mode="wrap")
    def _omit_empty_category(self, handler: SerializerFunctionWrapHandler) -> Any:
        return _omit_empty(handler(self), "category")

    @property
    def duration(self) -> timedelta | None:
        """``end - start``, or None while either is missing."""
        if self.start is None or self.end is None:
            return None
        return self.end - self.start


class Detection(_Part):
    """Timeline > Detection."""

    time: UtcTime | None = None
    method: Text = ""
    initial_symptoms: Text = ""


class KeyEvent(_Part):
    """One row of the Key Events table, with where the fact came from."""

    time: UtcTime
    event: Item
    action_taken: Text = ""
    source: Text = ""  # evidence source, e.g. "alertmanager" or "chat"
    provenance: Text = ""  # the row and rule that produced it, e.g. "alerts.jsonl:12"


class Resolution(_Part):
    """Timeline > Resolution."""

    time: UtcTime | None = None
    description: Text = ""


class RootCause(_Part):
    technical_cause: Text = ""
    contributing_factors: Text = ""
    trigger: Text = ""


class Impact(_Part):
    users_affected: Text = ""  # "number or percentage": free text such as "1,204 (3.1%)"
    service_degradation: Text = ""
    business_impact: Text = ""


class Assessment(_Part):
    """Detection & Response Assessment."""

    detection_method_effectiveness: Text = ""
    response_time_analysis: Text = ""
    tool_effectiveness: Text = ""


class ImmediateAction(_Part):
    description: Item
    owner: Text = ""
    due: dt.date | None = None
    status: StatusField = "open"


class LongTermImprovement(_Part):
    description: Item
    owner: Text = ""
    due: dt.date | None = None
    priority: PriorityField = None


class ActionItems(_Part):
    immediate: list[ImmediateAction] = Field(default_factory=list)
    long_term: list[LongTermImprovement] = Field(default_factory=list)


class Prevention(_Part):
    monitoring_improvements: Text = ""
    process_improvements: Text = ""
    system_improvements: Text = ""


class Link(_Part):
    """A supporting document: a title and, when there is one, its URL or relative path."""

    title: Item
    url: str = ""

    @field_validator("url")
    @classmethod
    def _no_whitespace(cls, value: str) -> str:
        value = value.strip()
        if any(ch.isspace() or ch in "<>" for ch in value):
            raise ValueError("a URL or path cannot contain whitespace, '<' or '>' "
                             "(percent-encode them, e.g. %20)")
        return value


class Note(_Part):
    """Text a document held under a heading that maps to no field of the template, verbatim
    (Markdown), so importing another layout never drops what people wrote."""

    heading: Item
    text: Item


class FollowUp(_Part):
    review_date: dt.date | None = None
    stakeholders: list[Item] = Field(default_factory=list)


class DismissedEvent(_Part):
    """A key-event candidate the author removed from the table: prefill leaves it out."""

    time: UtcTime
    event: str


# Where the document's times live, for reading naive input in the document's timezone.
_TIME_PATHS = (("overview", "start"), ("overview", "end"), ("detection", "time"),
               ("resolution", "time"))


class Postmortem(_Part):
    """A postmortem following ``postmortem-template.md``, section by section.

    Examples
    --------
    >>> pm = Postmortem(timezone="Europe/Berlin",
    ...                 overview={"start": "2026-03-14 15:02", "severity": "p1"})
    >>> pm.overview.start.isoformat(), pm.overview.severity
    ('2026-03-14T14:02:00+00:00', 'P1')
    """

    schema_version: Literal[1] = SCHEMA_VERSION
    title: Item = DEFAULT_TITLE
    timezone: str = "UTC"
    overview: Overview = Field(default_factory=Overview)
    detection: Detection = Field(default_factory=Detection)
    key_events: list[KeyEvent] = Field(default_factory=list)
    resolution: Resolution = Field(default_factory=Resolution)
    root_cause: RootCause = Field(default_factory=RootCause)
    impact: Impact = Field(default_factory=Impact)
    assessment: Assessment = Field(default_factory=Assessment)
    went_well: list[Item] = Field(default_factory=list)
    went_wrong: list[Item] = Field(default_factory=list)
    action_items: ActionItems = Field(default_factory=ActionItems)
    lessons_learned: list[Item] = Field(default_factory=list)
    prevention: Prevention = Field(default_factory=Prevention)
    supporting_documentation: list[Link] = Field(default_factory=list)
    follow_up: FollowUp = Field(default_factory=FollowUp)
    # Editing state, not report content: neither Markdown nor HTML shows it, so a document
    # parsed back from Markdown starts with none (the candidates are offered again).
    dismissed_key_events: list[DismissedEvent] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)  # beyond the template (written when any)
    # Set on a redacted copy only (Postmortem.redacted): what was replaced, never the values.
    redaction: RedactionAudit | None = None

    @model_serializer(mode="wrap")
    def _omit_empty_notes(self, handler: SerializerFunctionWrapHandler) -> Any:
        return _omit_empty(_omit_empty(handler(self), "notes"), "redaction")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        find_zone(value)
        return value

    @model_validator(mode="before")
    @classmethod
    def _read_naive_times_in_document_zone(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        try:
            zone = find_zone(str(data.get("timezone", "UTC")))
        except ValueError:
            return data  # the timezone validator reports it
        data = dict(data)
        for section, key in _TIME_PATHS:
            part = data.get(section)
            if isinstance(part, dict) and key in part:
                data[section] = {**part, key: localize(part[key], zone)}
        events = data.get("key_events")
        if isinstance(events, list):
            data["key_events"] = [
                {**e, "time": localize(e["time"], zone)} if isinstance(e, dict) and "time" in e
                else e
                for e in events
            ]
        return data

    # -- time helpers used by renderers and widgets -------------------------------------
    @property
    def zone(self) -> ZoneInfo:
        """The display time zone as a ``ZoneInfo``."""
        return ZoneInfo(self.timezone)

    def localize(self, value: datetime | str) -> datetime:
        """Return ``value`` as an aware UTC time, reading a naive one in the document's zone."""
        result = localize(value, self.zone)
        if not isinstance(result, datetime):
            result = datetime.fromisoformat(str(result))
        return _require_aware(result)

    def to_local(self, value: datetime) -> datetime:
        """``value`` in the document's display time zone."""
        return value.astimezone(self.zone)

    def dismissed(self, time: datetime, event: str) -> bool:
        """Whether the author removed this key event (``time``, ``event``) from the table."""
        return any(d.time == time and d.event == event for d in self.dismissed_key_events)

    def dismiss(self, time: datetime, event: str) -> None:
        """Remember that the author removed this key event, so prefill never adds it back."""
        if not self.dismissed(time, event):
            self.dismissed_key_events = [*self.dismissed_key_events,
                                         DismissedEvent(time=time, event=event)]

    def undismiss(self, time: datetime, event: str) -> None:
        """Forget a dismissal (the author asked for the event again)."""
        self.dismissed_key_events = [d for d in self.dismissed_key_events
                                     if not (d.time == time and d.event == event)]

    # -- files and renderings (implemented in sibling modules) ---------------------------
    @classmethod
    def load(cls, path: str | Any) -> Postmortem:
        """Read a ``postmortem.json``; raises :class:`~postmortem_kit.errors.DocumentError`."""
        from postmortem_kit.document.storage import load

        return load(path)

    def save(self, path: str | Any) -> None:
        """Write atomically; the version replaced stays in the history beside the file."""
        from postmortem_kit.document.storage import save

        save(self, path)

    @classmethod
    def from_json(cls, text: str, source: str | None = None) -> Postmortem:
        """Parse the JSON text of a postmortem file."""
        from postmortem_kit.document.storage import from_json

        return from_json(text, source=source)

    def to_json(self) -> str:
        """The JSON text ``save`` writes."""
        from postmortem_kit.document.storage import to_json

        return to_json(self)

    def to_markdown(self) -> str:
        """Render in the template's exact Markdown layout."""
        from postmortem_kit.document.markdown_render import render_markdown

        return render_markdown(self)

    @classmethod
    def from_markdown(cls, text: str, source: str | None = None, *,
                      layout: str = "template") -> Postmortem:
        """Parse a Markdown postmortem.

        Parameters
        ----------
        text
            The Markdown.
        source
            The file it came from, named in errors.
        layout
            ``"template"`` (the default): the template's layout, which :meth:`to_markdown`
            writes. ``"auto"``: detect it among the template's and the layouts common in
            the wild (``"google-sre"``, ``"pagerduty"``, ``"atlassian"``, ``"short"``), which
            can also be named. See :func:`~postmortem_kit.document.importing.import_markdown`
            for what went where.
        """
        from postmortem_kit.document.importing import import_markdown

        return import_markdown(text, layout=layout, source=source).document

    def prefill(self, timeline: Timeline, *, key_events: Sequence[int] | None = None,
                charts: Sequence[Mapping[str, str]] = ()) -> list[str]:
        """Fill empty fields from a Timeline, never overwriting the author's text.

        See :func:`postmortem_kit.document.prefill.prefill`; returns the paths filled.
        """
        from postmortem_kit.document.prefill import prefill

        return prefill(self, timeline, key_events=key_events, charts=charts)

    def redacted(self, *, events: Any = None, identities: Sequence[str] = (),
                 allow: Sequence[str] = (), key: bytes | None = None,
                 settings: Any = None) -> Postmortem:
        """A copy safe to share: personal data and secrets replaced by pseudonyms.

        Emails, IP addresses, phone and card numbers, JWTs, bearer tokens, credentials in
        URLs, cloud keys, ``password=``/``secret=``/``token=`` values, high-entropy values in
        key positions and the user ids of ``events`` are replaced in every text field by
        consistent pseudonyms (``user-7f3a``). The copy carries the audit in
        :attr:`redaction`; this document is not changed. See :mod:`postmortem_kit.redact`.

        Parameters
        ----------
        events
            An events frame: the values of its identity columns (``events.attrs
            ["identities"]``, the ``user`` column) are replaced wherever they appear.
        identities
            More user ids to replace.
        allow
            Values, domains, IP networks or globs to keep (``"shop.example"``,
            ``"10.0.0.0/8"``, ``"*.internal"``).
        key
            The document's secret (``redact.document_key("postmortem.json")``): the same
            key gives the same pseudonyms. None: a random one.
        settings
            A :class:`~postmortem_kit.redact.RedactionSettings` (``allow`` adds to it).

        Examples
        --------
        >>> pm = Postmortem(detection={"initial_symptoms": "mail from bob@example.com"})
        >>> pm.redacted(key=b"k" * 32).detection.initial_symptoms
        'mail from email-...'
        """
        from dataclasses import replace

        from postmortem_kit.redact import (
            RedactionSettings,
            Redactor,
            identities_from_events,
            redact_document,
        )

        settings = settings or RedactionSettings()
        if allow:
            settings = replace(settings, allow=(*settings.allow, *allow))
        ids = [*identities, *(identities_from_events(events) if events is not None else [])]
        return redact_document(self, Redactor(settings, key=key, identities=ids))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """The document in a notebook and its exported report (charts embedded)."""
        from postmortem_kit.document.display import mimebundle

        return mimebundle(self)

    def to_html(self) -> str:
        """Render a standalone, offline, printable HTML page."""
        from postmortem_kit.document.html import render_html

        return render_html(self)


def find_zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; raises ValueError saying what was expected.

    ``ZoneInfo`` looks the name up as a file path, so besides its own errors it raises
    OSError for a folder (``"America"``) or a name longer than a file name may be.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {name!r}: expected an IANA name such as "
                         "'UTC' or 'Europe/Berlin'") from None


def localize(value: Any, zone: ZoneInfo) -> Any:
    """Attach ``zone`` to a naive datetime (or naive ISO string); leave anything else as is."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return value  # pydantic reports it with the field's path
        value = parsed
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=zone).astimezone(dt.UTC)
    return value
