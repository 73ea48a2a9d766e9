"""Table editors: key events and both action-item tables, every column editable."""

from __future__ import annotations

import datetime as dt

from postmortem_kit.document import Postmortem

UTC = dt.UTC


def fill(row, **values) -> None:
    for name, value in values.items():
        row.cells[name].value = value


def test_key_event_rows_are_added_edited_in_every_column_and_saved(make_form, pm_path):
    form = make_form()
    form.field("timezone").value = "Europe/Berlin"
    form.field("overview.date").value = "2026-03-14"
    table = form.editor("key_events")
    table._w_add.click()
    fill(table.rows[0], time="14:05", event="alert fires", action_taken="paged",
         source="alertmanager", provenance="alerts.jsonl:3")
    event = Postmortem.load(pm_path).key_events[0]
    assert event.time == dt.datetime(2026, 3, 14, 13, 5, tzinfo=UTC)  # 14:05 in Berlin
    assert (event.event, event.action_taken, event.source, event.provenance) == \
        ("alert fires", "paged", "alertmanager", "alerts.jsonl:3")


def test_a_malformed_time_is_shown_on_the_row_and_the_file_keeps_the_last_good_one(
        make_form, pm_path):
    form = make_form()
    table = form.editor("key_events")
    row = table.add(time="2026-03-14 13:05", event="alert fires")
    row.cells["time"].value = "half past one"
    assert "Time: expected a time like 14:05" in row.error
    assert row._w_error.layout.display == ""
    assert Postmortem.load(pm_path).key_events[0].time.hour == 13
    assert Postmortem.load(pm_path).key_events[0].time.minute == 5
    assert any("key_events[0]" in where for where, _ in form.editor("key_events").errors())


def test_a_row_missing_a_required_cell_is_not_saved(make_form, pm_path):
    form = make_form()
    form.field("overview.impact").value = "x"
    row = form.editor("key_events").add(event="something happened")
    assert row.error == "Time: required"
    assert Postmortem.load(pm_path).key_events == []


def test_removing_a_row_removes_the_item(make_form, pm_path):
    form = make_form()
    table = form.editor("key_events")
    table.add(time="2026-03-14 13:05", event="first")
    table.add(time="2026-03-14 13:10", event="second")
    table.rows[0]._w_remove.click()
    assert [e.event for e in Postmortem.load(pm_path).key_events] == ["second"]
    assert len(table.rows) == 1


def test_sort_by_time_orders_the_key_events(make_form, pm_path):
    form = make_form()
    table = form.editor("key_events")
    table.add(time="2026-03-14 13:10", event="later")
    table.add(time="2026-03-14 13:05", event="earlier")
    table._w_sort.click()
    assert [e.event for e in Postmortem.load(pm_path).key_events] == ["earlier", "later"]
    assert table.rows[0].cells["event"].value == "earlier"


def test_a_bare_time_of_day_takes_the_start_day_when_there_is_no_date_line(make_form):
    form = make_form()
    form.field("overview.start").value = "2026-03-14 13:00"
    row = form.editor("key_events").add(time="13:05", event="alert")
    assert row.error is None
    assert form.document.key_events[0].time == dt.datetime(2026, 3, 14, 13, 5, tzinfo=UTC)


def test_immediate_actions_edit_every_column(make_form, pm_path):
    form = make_form()
    table = form.editor("action_items.immediate")
    table._w_add.click()
    fill(table.rows[0], description="add canary for library bumps", owner="Priya",
         due="2026-03-20", status="in progress")
    item = Postmortem.load(pm_path).action_items.immediate[0]
    assert (item.description, item.owner, item.due, item.status) == \
        ("add canary for library bumps", "Priya", dt.date(2026, 3, 20), "in progress")
    table.rows[0]._w_remove.click()
    assert Postmortem.load(pm_path).action_items.immediate == []


def test_long_term_improvements_edit_every_column(make_form, pm_path):
    form = make_form()
    table = form.editor("action_items.long_term")
    row = table.add(description="contract tests for payments-client", owner="Team Pay",
                    due="2026-04-30", priority="high")
    assert row.error is None
    row.cells["priority"].value = None
    item = Postmortem.load(pm_path).action_items.long_term[0]
    assert (item.description, item.owner, item.due, item.priority) == \
        ("contract tests for payments-client", "Team Pay", dt.date(2026, 4, 30), None)


def test_clearing_every_cell_of_a_row_removes_its_item(make_form, pm_path):
    form = make_form()
    row = form.editor("action_items.immediate").add(description="x", owner="me")
    fill(row, description="", owner="")
    assert row.error is None
    assert Postmortem.load(pm_path).action_items.immediate == []


def test_a_new_action_item_starts_open(make_form):
    form = make_form()
    row = form.editor("action_items.immediate").add(description="rotate the key")
    assert row.cells["status"].value == "open"
    assert form.document.action_items.immediate[0].status == "open"


def test_a_time_zone_change_rewrites_key_event_times_in_the_same_rows(make_form):
    form = make_form()
    table = form.editor("key_events")
    row = table.add(time="2026-03-14 13:05", event="alert fires")
    form.field("timezone").value = "Europe/Berlin"
    assert table.rows == [row]  # updated in place: the browser keeps its inputs
    # 13:05 UTC is 14:05 in Berlin, shown as a time of day: the incident's day (no Date
    # line yet: the first key event's) is implied
    assert row.cells["time"].value == "14:05"
    assert form.document.key_events[0].time == dt.datetime(2026, 3, 14, 13, 5, tzinfo=UTC)


def test_a_due_date_is_typed_and_read_strictly(make_form, pm_path):
    form = make_form()
    row = form.editor("action_items.immediate").add(description="rotate the key",
                                                    owner="me", due="2026-03-20")
    row.cells["due"].value = "02312026"  # what a date picker took as 2026-02-03
    assert "Due Date: expected a date like 2026-03-14" in row.error
    assert Postmortem.load(pm_path).action_items.immediate[0].due == dt.date(2026, 3, 20)


def test_text_cells_are_text_areas_that_wrap(make_form):
    row = make_form().editor("key_events").add(event="x")
    assert type(row.cells["event"]).__name__ == "Textarea"
    assert "pmk-grow" in row.cells["event"]._dom_classes
    assert type(row.cells["time"]).__name__ == "Text"


def test_removing_a_key_event_remembers_it_as_dismissed(make_form, pm_path):
    form = make_form()
    table = form.editor("key_events")
    table.add(time="2026-03-14 13:05", event="noise from chat")
    table.rows[0]._w_remove.click()
    saved = Postmortem.load(pm_path)
    assert saved.key_events == []
    assert saved.dismissed(dt.datetime(2026, 3, 14, 13, 5, tzinfo=UTC), "noise from chat")


def test_action_items_due_before_the_incident_or_without_owner_are_marked_on_the_row(
        make_form):
    form = make_form()
    form.field("overview.date").value = "2026-03-14"
    table = form.editor("action_items.immediate")
    table.add(description="rotate the key", owner="me", due="2026-03-10")
    table.add(description="add a canary", due="2026-03-20")
    form.flush()
    assert "due 2026-03-10 is before the incident (2026-03-14)" in table.rows[0]._w_notes.value
    assert "action item has no owner" in table.rows[1]._w_notes.value
    assert "action item has no owner" not in table.rows[0]._w_notes.value
    assert "action_items.immediate[0].due" in form._w_check.value
