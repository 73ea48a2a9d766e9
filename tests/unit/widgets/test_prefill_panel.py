""""Prefill from evidence": the author's text wins, ticked key events go in."""

from __future__ import annotations

import datetime as dt

from postmortem_kit.document import Postmortem
from postmortem_kit.widgets import prefill_panel

UTC = dt.UTC


def test_the_button_passes_the_ticked_candidates_and_shows_what_was_filled(
        make_form, pm_path, timeline, monkeypatch):
    calls = []

    def fake_prefill(pm, tl, *, key_events=None, charts=()):
        calls.append((tl, list(key_events), tuple(charts)))
        pm.root_cause.trigger = "filled by the fake"
        return ["root_cause.trigger"]

    monkeypatch.setattr(prefill_panel, "prefill_document", fake_prefill)
    charts = ({"title": "error ratio", "url": "charts/ratio.png"},)
    form = make_form(timeline=timeline, charts=charts)
    form._prefill.checkboxes[1].value = False
    form._prefill._w_button.click()
    assert calls == [(timeline, [0, 2], charts)]
    assert form.field("root_cause.trigger").value == "filled by the fake"
    assert Postmortem.load(pm_path).root_cause.trigger == "filled by the fake"
    assert "root_cause.trigger" in form._prefill._w_message.value


def test_prefill_fills_blanks_and_never_overwrites_the_author(make_form, pm_path, timeline):
    form = make_form(timeline=timeline)
    form.field("impact.users_affected").value = "about a hundred, says support"
    form.field("overview.start").value = "2026-03-14 12:55"
    form._prefill._w_button.click()
    pm = Postmortem.load(pm_path)
    assert pm.impact.users_affected == "about a hundred, says support"
    assert pm.overview.start == dt.datetime(2026, 3, 14, 12, 55, tzinfo=UTC)
    assert pm.overview.end == dt.datetime(2026, 3, 14, 14, 0, tzinfo=UTC)
    assert pm.detection.time == dt.datetime(2026, 3, 14, 13, 5, tzinfo=UTC)
    assert form.field("overview.end").value == "2026-03-14 14:00"
    assert form.field("impact.users_affected").value == "about a hundred, says support"


def test_only_ticked_key_events_go_into_the_table(make_form, pm_path, timeline):
    form = make_form(timeline=timeline)
    boxes = form._prefill.checkboxes
    assert [b.value for b in boxes] == [True, True, True]
    boxes[0].value = False
    form._prefill._w_button.click()
    assert [e.event for e in Postmortem.load(pm_path).key_events] == \
        ["alert HighErrorRate fires", "rollback started"]
    assert [r.cells["event"].value for r in form.editor("key_events").rows] == \
        ["alert HighErrorRate fires", "rollback started"]
    # candidates now in the table are shown as such and cannot be added twice
    boxes = form._prefill.checkboxes
    assert [b.disabled for b in boxes] == [False, True, True]
    assert form._prefill.picked() == []


def test_a_key_event_the_author_is_typing_survives_a_prefill(make_form, timeline):
    form = make_form(timeline=timeline)
    row = form.editor("key_events").add(event="customer tweet")  # no time yet: not saved
    assert row.error
    form._prefill._w_button.click()
    events = [r.cells["event"].value for r in form.editor("key_events").rows]
    assert "customer tweet" in events and len(events) == 4


def test_prefill_is_disabled_without_a_timeline(make_form):
    form = make_form()
    assert form._prefill._w_button.disabled
    assert "No timeline" in form._prefill._w_message.value
    assert form._prefill.prefill() == []


def test_a_second_prefill_says_there_is_nothing_left(make_form, timeline):
    form = make_form(timeline=timeline)
    form._prefill._w_button.click()
    form._prefill._w_button.click()
    assert "Nothing to fill" in form._prefill._w_message.value


def test_a_removed_key_event_stays_unticked_and_prefill_does_not_bring_it_back(
        make_form, pm_path, timeline):
    form = make_form(timeline=timeline)
    form._prefill._w_button.click()
    table = form.editor("key_events")
    gone = table.rows[1]
    assert gone.cells["event"].value == "alert HighErrorRate fires"
    gone._w_remove.click()
    boxes = form._prefill.checkboxes
    assert [b.value for b in boxes] == [True, False, True]  # its tick did not come back
    assert "you removed it from the table" in \
        form._prefill._w_candidates.children[1].children[1].value
    form._prefill._w_button.click()
    assert [e.event for e in Postmortem.load(pm_path).key_events] == \
        ["deploy checkout 2.14", "rollback started"]
    # a form opened later on the same file remembers it too
    again = make_form(timeline=timeline)
    assert [b.value for b in again._prefill.checkboxes] == [True, False, True]
    # ticking it by hand is asking for it: it comes back
    again._prefill.checkboxes[1].value = True
    again._prefill._w_button.click()
    assert len(Postmortem.load(pm_path).key_events) == 3
    assert Postmortem.load(pm_path).dismissed_key_events == []


def test_the_candidates_pane_is_open_for_an_empty_table_and_closed_once_it_has_rows(
        make_form, pm_path, timeline):
    form = make_form(timeline=timeline)
    assert form._prefill.widget.selected_index == 0
    form._prefill._w_button.click()
    form.flush()
    assert make_form(timeline=timeline)._prefill.widget.selected_index is None
