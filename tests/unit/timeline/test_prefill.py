"""Prefill: evidence fills the blanks, the author's words win."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from postmortem_kit.document import Postmortem
from postmortem_kit.sample.suite import build
from postmortem_kit.timeline import derive_timeline

UTC = dt.UTC


@pytest.fixture(scope="module")
def timeline():
    return derive_timeline(build("sample_like").events, signatures=False)


def test_blank_document_gets_the_facts(timeline):
    pm = Postmortem(timezone="Europe/Berlin")
    filled = pm.prefill(timeline)
    assert pm.overview.date == dt.date(2026, 5, 4)
    assert pm.overview.start == dt.datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
    assert pm.overview.end == dt.datetime(2026, 5, 4, 10, 35, tzinfo=UTC)
    assert pm.overview.duration == dt.timedelta(minutes=35)
    assert pm.detection.time == dt.datetime(2026, 5, 4, 10, 5, tzinfo=UTC)
    assert pm.detection.method == "alert CheckoutErrorRate firing"
    assert pm.resolution.time == pm.overview.end
    assert pm.resolution.description == "Mitigated by rollback of checkout to v1."
    assert pm.impact.users_affected.startswith("1,298 of ")
    assert "requests failed" in pm.impact.service_degradation
    assert 0 < len(pm.key_events) <= 12
    assert [e.time for e in pm.key_events] == sorted(e.time for e in pm.key_events)
    assert {"overview.start", "detection.time", "key_events"} <= set(filled)


def test_the_authors_text_is_never_overwritten(timeline):
    pm = Postmortem(detection={"method": "A customer tweeted at us"},
                    overview={"start": "2026-05-04T09:58:00Z"},
                    key_events=[{"time": "2026-05-04T10:01:00Z", "event": "my own note"}])
    filled = pm.prefill(timeline)
    assert pm.detection.method == "A customer tweeted at us"
    assert pm.overview.start == dt.datetime(2026, 5, 4, 9, 58, tzinfo=UTC)
    assert [e.event for e in pm.key_events] == ["my own note"]  # top picks only fill a blank
    assert "detection.method" not in filled and "overview.start" not in filled


def test_picked_key_events_are_added_once(timeline):
    pm = Postmortem(key_events=[{"time": "2026-05-04T10:01:00Z", "event": "my own note"}])
    pm.prefill(timeline, key_events=[0, 1])
    pm.prefill(timeline, key_events=[0, 1])  # twice: no duplicates
    assert len(pm.key_events) == 3
    picked = timeline.key_events.iloc[0]
    added = next(e for e in pm.key_events if e.event == picked["event"])
    assert added.source == picked["source"]
    assert "evidence of a phase" in added.provenance


def test_chart_links_go_under_supporting_documentation(timeline):
    pm = Postmortem()
    charts = [{"title": "Overview", "url": "figures/overview.png"}]
    pm.prefill(timeline, charts=charts)
    pm.prefill(timeline, charts=charts)
    assert [link.url for link in pm.supporting_documentation] == ["figures/overview.png"]


def test_a_missing_phase_leaves_its_field_empty():
    tl = derive_timeline(build("no_incident").events, signatures=False)
    pm = Postmortem()
    pm.prefill(tl)
    assert pm.overview.start is None and pm.detection.time is None
    assert pm.key_events == []
    assert pd.isna(tl.phases.at["started", "time"])


def test_a_key_event_the_author_removed_never_comes_back_unasked(timeline):
    pm = Postmortem()
    pm.prefill(timeline)
    gone = pm.key_events[1]
    pm.key_events = [e for e in pm.key_events if e != gone]
    pm.dismiss(gone.time, gone.event)
    pm.key_events = []  # even an emptied table is not refilled with it
    pm.prefill(timeline)
    assert (gone.time, gone.event) not in {(e.time, e.event) for e in pm.key_events}
    assert Postmortem.from_json(pm.to_json()).dismissed(gone.time, gone.event)
    # asking for that candidate by position brings it back and forgets the dismissal
    at = [i for i, (t, ev) in enumerate(zip(timeline.key_events["time"],
                                            timeline.key_events["event"], strict=True))
          if pd.Timestamp(t).to_pydatetime() == gone.time and ev == gone.event]
    pm.prefill(timeline, key_events=at)
    assert (gone.time, gone.event) in {(e.time, e.event) for e in pm.key_events}
    assert not pm.dismissed_key_events


def test_dismissed_events_are_editing_state_and_not_in_the_report():
    pm = Postmortem()
    pm.dismiss(dt.datetime(2026, 5, 4, 10, 1, tzinfo=UTC), "a chat message nobody needs")
    assert "nobody needs" not in pm.to_markdown() and "nobody needs" not in pm.to_html()
    assert Postmortem.from_json(pm.to_json()) == pm
