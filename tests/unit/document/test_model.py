"""The Postmortem model: typed fields, times in UTC, derived duration, clear field errors."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from postmortem_kit.document import DEFAULT_TITLE, KeyEvent, Postmortem
from postmortem_kit.document.storage import from_dict

UTC = dt.UTC


def test_blank_document_has_the_templates_title_and_no_values():
    pm = Postmortem()
    assert pm.title == DEFAULT_TITLE == "Incident Postmortem Template"
    assert pm.overview.start is None and pm.key_events == [] and pm.overview.impact == ""


def test_naive_times_are_read_in_the_documents_timezone_and_stored_as_utc():
    pm = Postmortem(timezone="Europe/Berlin",
                    overview={"start": "2026-07-01 14:00", "end": dt.datetime(2026, 7, 1, 15, 30)},
                    key_events=[{"time": "2026-07-01T14:05:00", "event": "alert"}])
    assert pm.overview.start == dt.datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # CEST is +2
    assert pm.overview.end == dt.datetime(2026, 7, 1, 13, 30, tzinfo=UTC)
    assert pm.key_events[0].time == dt.datetime(2026, 7, 1, 12, 5, tzinfo=UTC)
    assert pm.overview.start.tzinfo == UTC
    assert pm.timezone == "Europe/Berlin"  # the display zone is kept


def test_aware_times_keep_their_instant_whatever_the_document_zone():
    pm = Postmortem(timezone="Asia/Kolkata", detection={"time": "2026-03-14T13:12:00-05:00"})
    assert pm.detection.time == dt.datetime(2026, 3, 14, 18, 12, tzinfo=UTC)
    assert pm.to_local(pm.detection.time).strftime("%H:%M") == "23:42"


def test_localize_reads_a_naive_time_for_callers_such_as_widgets():
    pm = Postmortem(timezone="America/New_York")
    assert pm.localize("2026-01-10 09:00") == dt.datetime(2026, 1, 10, 14, 0, tzinfo=UTC)


def test_sub_models_refuse_naive_times_they_cannot_place():
    with pytest.raises(ValidationError, match="timezone-aware"):
        KeyEvent(time=dt.datetime(2026, 1, 1, 10, 0), event="x")


def test_duration_is_derived_from_start_and_end():
    pm = Postmortem(overview={"start": "2026-03-14T13:07:00Z", "end": "2026-03-14T14:21:00Z"})
    assert pm.overview.duration == dt.timedelta(hours=1, minutes=14)
    pm.overview.end = dt.datetime(2026, 3, 14, 15, 7, tzinfo=UTC)
    assert pm.overview.duration == dt.timedelta(hours=2)
    assert "duration" not in pm.model_dump()["overview"]  # never stored, so never stale


@pytest.mark.parametrize("given,expected", [("P0", "P0"), ("p3", "P3"), (" P1 ", "P1")])
def test_severity_accepts_p0_to_p3(given, expected):
    assert Postmortem(overview={"severity": given}).overview.severity == expected


@pytest.mark.parametrize("bad", ["P4", "P5", "SEV1", "high", "1"])
def test_severity_outside_p0_p3_is_rejected(bad):
    with pytest.raises(ValidationError, match="'P0', 'P1', 'P2' or 'P3'"):
        Postmortem(overview={"severity": bad})


@pytest.mark.parametrize("given,expected", [
    ("In Progress", "in progress"), ("in-progress", "in progress"), ("in_progress", "in progress"),
    ("Won't do", "won't do"), ("wont do", "won't do"), ("won’t do", "won't do"), ("DONE", "done"),
])
def test_action_status_spellings_normalise(given, expected):
    pm = Postmortem(action_items={"immediate": [{"description": "x", "status": given}]})
    assert pm.action_items.immediate[0].status == expected


def test_long_term_priority_is_high_medium_low():
    pm = Postmortem(action_items={"long_term": [{"description": "x", "priority": "High"}]})
    assert pm.action_items.long_term[0].priority == "high"
    with pytest.raises(ValidationError, match="'high', 'medium' or 'low'"):
        Postmortem(action_items={"long_term": [{"description": "x", "priority": "P1"}]})


def test_text_is_stripped_and_line_breaks_normalised():
    pm = Postmortem(overview={"impact": "  a\r\nb\rc  "})
    assert pm.overview.impact == "a\nb\nc"


def test_assignment_is_validated_too():
    pm = Postmortem()
    with pytest.raises(ValidationError):
        pm.overview.severity = "P9"


def test_unknown_timezone_is_rejected_with_what_was_expected():
    with pytest.raises(ValidationError, match="IANA name"):
        Postmortem(timezone="Mars/Olympus")


def test_link_urls_cannot_hold_whitespace():
    with pytest.raises(ValidationError, match="whitespace"):
        Postmortem(supporting_documentation=[{"title": "x", "url": "a b"}])


def test_every_bad_field_is_listed_by_json_path():
    data = {
        "schema_version": 1,
        "overview": {"severity": "P5", "date": "2026-13-45"},
        "key_events": [{"event": "deploy", "time": "2026-03-14T13:00:00Z"},
                       {"event": "alert fired"}],
        "action_items": {"immediate": [{"description": "x", "due": "tomorrow"}]},
    }
    with pytest.raises(Exception) as info:
        from_dict(data, source="postmortem.json")
    paths = [where for where, _ in info.value.problems]
    assert paths == ["overview.date", "overview.severity", "key_events[1].time",
                     "action_items.immediate[0].due"]
    text = str(info.value)
    assert text.startswith("postmortem.json: 4 invalid fields:")
    assert "overview.severity: Input should be 'P0', 'P1', 'P2' or 'P3' (got 'P5')" in text
    assert "overview.date:" in text and "'2026-13-45'" in text
    assert "key_events[1].time: required field is missing" in text
