"""`check`: every completeness and consistency rule, on a document that is otherwise clean."""

from __future__ import annotations

import datetime as dt

import pytest

from postmortem_kit.document import Postmortem
from postmortem_kit.document.check import (
    check,
    check_parsed,
)
from postmortem_kit.document.markdown_parse import parse_markdown
from postmortem_kit.document.rules import due_before_incident, incident_day, owner_missing

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


# -- what a Markdown file says, named by line ------------------------------------------------

def _checked_markdown(md: str, *, strict: bool = False):
    return [(p.level, p.where, p.message)
            for p in check_parsed(parse_markdown(md), strict=strict)]


@pytest.fixture
def clean_md(clean) -> str:
    return clean.to_markdown()


def _line_of(md: str, text: str) -> int:
    return next(i for i, line in enumerate(md.split("\n"), 1) if text in line)


def test_a_duration_ending_before_it_starts_on_the_same_date_is_a_named_assumption(clean_md):
    md = clean_md.replace("- **Duration**: 14:07 +01:00 to 15:21 +01:00 (1h 14m)",
                          "- **Duration**: 10:46 UTC to 10:05 UTC")
    line = _line_of(md, "**Duration**")
    found = _checked_markdown(md)
    assumed = [f for f in found if f[1] == f"line {line} (overview.end)"]
    assert len(assumed) == 1
    level, _, message = assumed[0]
    assert level == "warning"
    assert "ends (10:05 UTC) before it starts (10:46 UTC)" in message
    assert "read as ending the next day, 2026-03-15 10:05 UTC" in message
    # --strict: the same finding is an error
    strict = [f for f in _checked_markdown(md, strict=True) if f[1] == assumed[0][1]]
    assert [f[0] for f in strict] == ["error"]


def test_a_duration_that_really_ends_later_is_no_assumption(clean_md):
    assert _checked_markdown(clean_md) == []


def test_an_action_item_due_before_the_incident_is_an_error_on_its_line(clean_md):
    md = clean_md.replace("| 2026-03-16 |", "| 2025-03-16 |", 1)
    line = _line_of(md, "2025-03-16")
    assert _checked_markdown(md) == [
        ("error", f"line {line} (action_items.immediate[0].due)",
         "due 2025-03-16 is before the incident (2026-03-14)")]


def test_an_owner_missing_is_an_error_on_its_line(clean_md, clean):
    owner = clean.action_items.long_term[0].owner
    md = clean_md.replace(f"| {owner} |", "| — |", 1)
    line = _line_of(md, "| — |")
    assert ("error", f"line {line} (action_items.long_term[0].owner)",
            "action item has no owner") in _checked_markdown(md)


def test_a_placeholder_left_is_an_error_on_its_line(clean_md, clean):
    md = clean_md.replace(clean.impact.business_impact, "[Financial or reputation impact]")
    line = _line_of(md, "**Business Impact**")
    assert (("error", f"line {line}", "template placeholder left in: "
             "[Financial or reputation impact]") in _checked_markdown(md))


def test_the_action_item_rules_are_callable_one_by_one(clean):
    clean.action_items.immediate[0].due = dt.date(2020, 1, 1)
    clean.action_items.immediate[1].owner = " "
    assert due_before_incident(clean) == [
        ("action_items.immediate[0].due", "due 2020-01-01 is before the incident (2026-03-14)")]
    assert [where for where, _ in owner_missing(clean)] == ["action_items.immediate[1].owner"]
    assert incident_day(clean) == dt.date(2026, 3, 14)
