"""`check`: every completeness and consistency rule, on a document that is otherwise clean."""

from __future__ import annotations

import datetime as dt

import pytest

from postmortem_kit.document import Postmortem
from postmortem_kit.document.check import check
from postmortem_kit.document.markdown_parse import parse_markdown

UTC = dt.UTC


@pytest.fixture
def clean(example_json) -> Postmortem:
    return Postmortem.load(example_json)


def _findings(pm, **kw):
    return [(p.level, p.where, p.message) for p in check(pm, **kw)]


def test_the_bundled_example_is_clean(clean):
    assert _findings(clean) == []


def test_blank_template_lists_required_fields_as_errors(template_md):
    parsed = parse_markdown(template_md)
    problems = check(parsed.document, placeholders=parsed.placeholders)
    errors = {p.where for p in problems if p.level == "error" and not p.where.startswith("line")}
    assert {"overview.date", "overview.start", "overview.end", "overview.severity",
            "detection.time", "resolution.time", "root_cause.technical_cause", "key_events",
            "impact.users_affected"} <= errors
    placeholder_lines = [p for p in problems if p.message.startswith("template placeholder")]
    assert len(placeholder_lines) == 39


def test_optional_fields_left_empty_are_warnings(clean):
    clean.assessment.tool_effectiveness = ""
    assert _findings(clean) == [("warning", "assessment.tool_effectiveness",
                                 "not filled in (Detection & Response Assessment > "
                                 "Tool Effectiveness)")]


def test_placeholder_text_left_in_a_json_field_is_an_error(clean):
    clean.impact.business_impact = "[Financial or reputation impact]"
    assert ("error", "impact.business_impact",
            "template placeholder left in: [Financial or reputation impact]") in _findings(clean)


def test_end_before_start(clean):
    clean.overview.end = clean.overview.start - dt.timedelta(minutes=1)
    assert ("error", "overview.end", "the incident ends before it starts") in _findings(clean)


def test_detection_and_resolution_outside_the_window(clean):
    clean.detection.time = clean.overview.start - dt.timedelta(minutes=5)
    clean.resolution.time = clean.overview.end + dt.timedelta(minutes=5)
    found = _findings(clean)
    assert ("error", "detection.time", "outside the incident window (Duration line)") in found
    assert ("error", "resolution.time", "outside the incident window (Duration line)") in found


def test_key_events_out_of_order(clean):
    events = clean.key_events
    clean.key_events = [events[0], events[2], events[1], *events[3:]]
    assert _findings(clean) == [("error", "key_events[2].time",
                                 "out of order: earlier than key_events[1]")]


def test_action_items_need_owner_and_due_date(clean):
    clean.action_items.long_term[1].owner = ""
    clean.action_items.immediate[0].due = None
    found = _findings(clean)
    assert ("error", "action_items.long_term[1].owner", "action item has no owner") in found
    assert ("error", "action_items.immediate[0].due", "action item has no due date") in found


def test_went_wrong_item_no_action_item_mentions_is_a_warning(clean):
    clean.went_wrong = [*clean.went_wrong, "Status page updates were late"]
    assert _findings(clean) == [("warning", "went_wrong[3]",
                                 "no action item mentions it: 'Status page updates were late'")]


def test_went_wrong_matched_through_word_forms(clean):
    # "dashboards" and "dashboard" are the same concern; "slowed" is not needed to match
    clean.went_wrong = ["Dashboards lacked markers"]
    assert _findings(clean) == []
