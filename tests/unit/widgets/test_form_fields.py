"""Scalar fields: each widget writes its field, invalid input never reaches the file."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from postmortem_kit.document import Postmortem
from postmortem_kit.document.layout import LAYOUT
from postmortem_kit.errors import DocumentError
from postmortem_kit.widgets import PostmortemForm

UTC = dt.UTC


def saved(path) -> dict:
    return json.loads(path.read_text())


def test_a_missing_file_is_created_on_the_first_edit(make_form, pm_path):
    form = make_form()
    assert not pm_path.exists()
    form.field("root_cause.trigger").value = "deploy of 2.14"
    assert Postmortem.load(pm_path).root_cause.trigger == "deploy of 2.14"


def test_every_kind_of_field_writes_the_document_and_the_file(make_form, pm_path):
    form = make_form()
    form.field("timezone").value = "Europe/Berlin"
    form.field("title").value = "Checkout outage"
    form.field("overview.impact").value = "a third of checkouts failed"
    form.field("overview.severity").value = "P1"
    form.field("overview.date").value = "2026-03-14"
    # times are typed in the document's zone, 24-hour; the file holds UTC
    form.field("overview.start").value = "2026-03-14 14:07"
    form.field("detection.time").value = "14:12"  # a time of day falls on the Date line
    form.field("follow_up.review_date").value = "21 March 2026"
    data = saved(pm_path)
    assert data["title"] == "Checkout outage" and data["timezone"] == "Europe/Berlin"
    assert data["overview"] == {"date": "2026-03-14", "start": "2026-03-14T13:07:00Z",
                                "end": None, "impact": "a third of checkouts failed",
                                "severity": "P1"}
    assert data["detection"]["time"] == "2026-03-14T13:12:00Z"
    assert data["follow_up"]["review_date"] == "2026-03-21"


def test_the_form_has_a_pane_per_level_two_section_in_template_order(make_form):
    form = make_form()
    assert [p.heading for p in form.panes] == [s.heading for s in LAYOUT if s.level == 2]
    assert len(form._w_accordion.children) == len(form.panes)


def test_long_text_is_a_textarea_and_severity_offers_p0_to_p3_or_nothing(make_form):
    form = make_form()
    assert type(form.field("root_cause.technical_cause")._w_input).__name__ == "Textarea"
    assert [v for _, v in form.field("overview.severity")._w_input.options] == \
        [None, "P0", "P1", "P2", "P3"]
    assert type(form.field("overview.start")._w_input).__name__ == "Text"  # no picker
    assert type(form.field("overview.date")._w_input).__name__ == "Text"


def test_a_new_form_on_the_same_file_shows_every_value(make_form, pm_path, example_json):
    original = Postmortem.load(example_json)
    original.save(pm_path)
    form = make_form()
    assert form.document == original
    assert form.field("overview.impact").value == original.overview.impact
    # 13:07 UTC is 14:07 in Berlin, the document's zone
    assert form.field("overview.start").value == "2026-03-14 14:07"
    assert form.editor("key_events").rows[0].cells["time"].value == "14:04:10"
    assert form.editor("went_well").rows[2].cells["text"].value == original.went_well[2]
    assert make_form().document == original


def test_an_end_before_the_start_shows_an_error_and_keeps_the_saved_end(make_form, pm_path):
    form = make_form()
    form.field("overview.start").value = "2026-03-14 13:00"
    form.field("overview.end").value = "2026-03-14 14:00"
    form.field("overview.end").value = "2026-03-14 12:00"
    end = form.field("overview.end")
    assert "before the start" in end.error and end._w_error.layout.display == ""
    assert "the file keeps &#x27;2026-03-14 14:00&#x27;" in end._w_error.value
    assert saved(pm_path)["overview"]["end"] == "2026-03-14T14:00:00Z"
    assert "typed, not saved" in form._w_check.value
    assert form._w_accordion.titles[0].startswith("✗")
    # moving the start earlier makes the typed end valid: it is written then
    form.field("overview.start").value = "2026-03-14 11:00"
    assert end.error is None and end._w_error.layout.display == "none"
    assert saved(pm_path)["overview"]["end"] == "2026-03-14T12:00:00Z"


def test_an_unknown_time_zone_is_refused_next_to_the_field(make_form, pm_path):
    form = make_form()
    form.field("overview.impact").value = "x"
    form.field("timezone").value = "Mars/Olympus"
    assert "unknown time zone" in form.field("timezone").error
    assert saved(pm_path)["timezone"] == "UTC"
    assert form.document.timezone == "UTC"


def test_an_empty_title_is_refused(make_form, pm_path):
    form = make_form()
    form.field("title").value = "Outage"
    form.field("title").value = "   "
    assert form.field("title").error
    assert saved(pm_path)["title"] == "Outage"


def test_changing_the_time_zone_shows_the_same_instant_in_the_new_zone(make_form):
    form = make_form()
    form.field("overview.start").value = "2026-03-14 13:00"
    form.field("timezone").value = "Europe/Berlin"
    assert form.document.overview.start == dt.datetime(2026, 3, 14, 13, 0, tzinfo=UTC)
    assert form.field("overview.start").value == "2026-03-14 14:00"
    assert "Europe/Berlin" in form.field("overview.start")._w_note.value


def test_edits_wait_for_the_quiet_period_and_flush_writes_them(make_form, pm_path, schedule):
    form = make_form(autosave_delay=1.0, schedule=schedule)
    form.field("overview.impact").value = "first"
    form.field("overview.impact").value = "first and second"
    assert not pm_path.exists() and form.state == "pending"
    form.flush()
    assert Postmortem.load(pm_path).overview.impact == "first and second"
    assert form.state == "saved" and "Saved to" in form._w_status.value


def test_rerunning_the_cell_flushes_the_previous_form_first(make_form, pm_path, schedule):
    first = make_form(autosave_delay=1.0, schedule=schedule)
    first.field("overview.impact").value = "typed a moment before re-running"
    second = make_form(autosave_delay=1.0, schedule=schedule)
    assert second.document.overview.impact == "typed a moment before re-running"
    assert second.field("overview.impact").value == "typed a moment before re-running"


def test_a_file_that_is_not_a_postmortem_is_never_overwritten(pm_path):
    pm_path.write_text('{"schema_version": 1, "overview": {"severity": "P9"}}')
    with pytest.raises(DocumentError, match=r"overview\.severity"):
        PostmortemForm(pm_path, autosave_delay=0)
    assert "P9" in pm_path.read_text()


def test_the_form_displays_as_its_root_widget(make_form):
    bundle = make_form()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_saves_are_kept_in_the_history_beside_the_file(make_form, pm_path):
    from postmortem_kit.document import history

    Postmortem(title="before the form").save(pm_path)
    form = make_form()
    form.field("overview.impact").value = "first"
    form.field("overview.impact").value = "second"
    assert Postmortem.load(pm_path).overview.impact == "second"
    kept = [Postmortem.from_json(v.read().decode()) for v in history.versions(pm_path)]
    assert kept[0].title == "before the form"
    assert kept[-1].overview.impact == "second"
    assert not pm_path.with_name("postmortem.json.bak").exists()


def test_pending_edits_are_written_when_the_kernel_exits(make_form, pm_path, schedule):
    from postmortem_kit.widgets.form import _flush_live_forms

    form = make_form(autosave_delay=1.0, schedule=schedule)
    form.field("overview.impact").value = "typed just before a restart"
    assert not pm_path.exists()
    _flush_live_forms()  # what atexit runs when the kernel process ends
    assert Postmortem.load(pm_path).overview.impact == "typed just before a restart"


@pytest.mark.parametrize(("typed", "why"), [
    ("20261-03-14 15:21", "expected a time like"),  # a five-digit year
    ("2026-02-31 15:21", "no such time: day is out of range for month"),
    ("2026-03-14 25:00", "no such time: hour must be in 0..23"),
    ("02:03 PM", "expected a time like"),  # times are 24-hour
])
def test_a_time_not_understood_is_refused_beside_the_field_and_never_saved(
        make_form, pm_path, typed, why):
    form = make_form()
    end = form.field("overview.end")
    end.value = "2026-03-14 15:21"
    end.value = typed
    assert why in end.error
    assert "not saved; the file keeps &#x27;2026-03-14 15:21&#x27;" in end._w_error.value
    assert saved(pm_path)["overview"]["end"] == "2026-03-14T15:21:00Z"
    assert "1 field not saved" in form._w_status.value
    end.value = ""  # clearing the field is a value too: no end yet
    assert end.error is None and saved(pm_path)["overview"]["end"] is None


@pytest.mark.parametrize("typed", ["02312026", "2026-02-31", "20261-03-14"])
def test_a_date_not_understood_is_refused_and_the_file_keeps_the_shown_date(
        make_form, pm_path, typed):
    form = make_form()
    date = form.field("overview.date")
    date.value = "2026-03-14"
    date.value = typed
    assert "expected a date like 2026-03-14" in date.error
    assert saved(pm_path)["overview"]["date"] == "2026-03-14"
