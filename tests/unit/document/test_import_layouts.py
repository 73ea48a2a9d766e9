"""Importing postmortems written in other layouts: every sample read, nothing lost.

The samples in tests/data/postmortems/<layout>/ were written for these tests in the layouts
common in the wild: the Google SRE book's example, PagerDuty's and Atlassian's published
templates, and the short form of many public collections.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from postmortem_kit.document import Postmortem
from postmortem_kit.document.importing import detect_layout, import_markdown, read_severity
from postmortem_kit.document.markdown_blocks import read_blocks
from postmortem_kit.document.markdown_inline import is_table_separator
from postmortem_kit.errors import UsageError

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "postmortems"
LAYOUTS = ("google-sre", "pagerduty", "atlassian", "short")
UTC = dt.UTC


def _sample(layout: str) -> tuple[Path, str]:
    path, = (SAMPLES / layout).glob("*.md")
    return path, path.read_text(encoding="utf-8")


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


# Structure, not content: a "Label:" (the field it names says it), a checkbox (the status
# says it), a line stating the timeline's zone or day (the document's zone and times say it).
_CONTEXT = re.compile(r"all times|\(all times [A-Z]+\)|^\d{4}-\d{2}-\d{2} \(", re.IGNORECASE)
_CHECKBOX = re.compile(r"^\s*[-*+]\s+\[[ xX]\]")
_LABEL = re.compile(r"^\s*(?:[-*+]\s+)?(?:\*\*|__)?[A-Za-z][\w ’'()/-]{0,40}?(?:\*\*|__)?\s*:"
                    r"(?:\*\*|__)?")


def _content_words(md: str) -> set[str]:
    """The words of what a person wrote: no headings, table headers, labels or comments."""
    src = read_blocks(md)
    skip = {i for b in src.blocks if b.kind in ("heading", "comment")
            for i in range(b.start, b.end)}
    skip |= {b.header for b in src.blocks if b.kind == "table"}
    words: set[str] = set()
    for i, line in enumerate(src.lines):
        if i in skip or is_table_separator(line) or _CONTEXT.search(line):
            continue
        words |= _words(_LABEL.sub("", _CHECKBOX.sub("", line), count=1))
    return words


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_layout_is_detected(layout):
    _, md = _sample(layout)
    assert detect_layout(md)[0] == layout
    assert import_markdown(md).layout == layout


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_sample_imports_with_no_content_lost(layout):
    path, md = _sample(layout)
    pm = import_markdown(md, source=str(path)).document
    rendered = pm.to_markdown()
    missing = _content_words(md) - _words(rendered)
    assert missing == set()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_an_imported_document_round_trips_in_the_template_layout(layout):
    _, md = _sample(layout)
    pm = import_markdown(md).document
    assert Postmortem.from_markdown(pm.to_markdown()) == pm
    assert Postmortem.from_json(pm.to_json()) == pm


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_layout_can_be_named(layout):
    _, md = _sample(layout)
    assert Postmortem.from_markdown(md, layout=layout) == import_markdown(md).document


def test_an_unknown_layout_name_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown layout 'confluence': expected one of auto, "
                                         "template, google-sre"):
        Postmortem.from_markdown("# x", layout="confluence")


def test_our_own_layout_is_detected_and_read_exactly(example_json):
    pm = Postmortem.load(example_json)
    result = import_markdown(pm.to_markdown())
    assert result.layout == "template"
    assert result.document == pm


def test_google_sre_sample_goes_where_its_headings_say():
    result = import_markdown(_sample("google-sre")[1])
    pm = result.document
    assert pm.title == "Checkout API Cascading Failure Postmortem (incident #1207)"
    assert pm.overview.date == dt.date(2026, 2, 17)
    assert pm.overview.impact.startswith("Checkout API unavailable for 38 minutes")
    assert "`max_connections = 200`" in pm.root_cause.technical_cause
    assert pm.root_cause.trigger.startswith("Latent retry bug")
    assert pm.detection.method.startswith("Prometheus alert `CheckoutErrorBudgetBurn`")
    # OUTAGE BEGINS / ENDS in the timeline give the incident window
    assert (pm.overview.start, pm.overview.end) == (
        dt.datetime(2026, 2, 17, 13, 6, tzinfo=UTC), dt.datetime(2026, 2, 17, 13, 44, tzinfo=UTC))
    assert len(pm.key_events) == 10
    assert pm.key_events[3].event == "Alert `CheckoutErrorBudgetBurn` pages the payments on-call"
    # mitigate/repair are immediate (DONE/TODO read from the Bug column), prevent/process
    # long-term; the table itself is kept, since Type and Bug have no field
    assert [(a.description[:20], a.owner, a.status) for a in pm.action_items.immediate] == [
        ("Alert on connection ", "j.oduya", "open"), ("Document the edge lo", "priya", "done")]
    assert [a.owner for a in pm.action_items.long_term] == ["marek", "priya"]
    assert len(pm.went_well) == 2 and len(pm.went_wrong) == 3
    notes = {n.heading: n.text for n in pm.notes}
    assert "PAY-2291 **DONE**" in notes["Action Items"]
    assert "```sql\n  SELECT state" in notes["Where we got lucky"]
    assert "**Authors**: priya, marek, j.oduya" in notes["Before the first section"]
    assert [link.url for link in pm.supporting_documentation] == [
        "https://grafana.example.com/d/checkout-overview",
        "https://chat.example.com/archives/inc-1207"]


def test_pagerduty_sample_goes_where_its_headings_say():
    result = import_markdown(_sample("pagerduty")[1])
    pm = result.document
    assert pm.overview.severity == "P1"  # SEV-2, with SEV-1 the highest
    assert any("'SEV-2' read as P1" in note for _, note in result.notes)
    assert pm.root_cause.technical_cause.startswith("A routine deploy of `notifier` 7.3.0")
    assert pm.impact.users_affected == "14,906"  # a row of the Impact table
    assert "| Time in SEV-2 | 47 mins |" in pm.impact.service_degradation
    assert pm.went_wrong[0].startswith("We learned about the delay from a customer")
    first = pm.action_items.immediate[0]
    assert (first.owner, first.due, first.status) == ("Dana Whitfield", dt.date(2026, 3, 13),
                                                      "done")
    assert pm.action_items.immediate[1].description == (
        "Alert on the age of the oldest message in `notify-high`, not on depth")
    assert pm.overview.date == dt.date(2026, 3, 4)  # no Date line: the timeline's first day
    assert {n.heading for n in pm.notes} >= {"Responders", "Messaging", "Severity"}
    assert any("HTML comment" in note for _, note in result.notes)


def test_atlassian_sample_goes_where_its_headings_say():
    result = import_markdown(_sample("atlassian")[1])
    pm = result.document
    assert pm.root_cause.contributing_factors.startswith("At 10:14 UTC on 2026-01-22")
    assert pm.root_cause.technical_cause.startswith("Searches with a project filter")
    assert pm.impact.users_affected == "48,000 (31% of EU users)"
    assert pm.assessment.response_time_analysis.startswith("After being paged at 10:27")
    assert pm.resolution.description.startswith("We re-pointed the search alias")
    # a priority makes an item long-term; its status is kept with the table in the notes
    assert [(a.priority, a.due) for a in pm.action_items.long_term] == [
        ("high", dt.date(2026, 2, 13)), ("medium", dt.date(2026, 1, 30)),
        ("high", dt.date(2026, 3, 6))]
    where = {m.heading: m.target for m in result.mapping}
    assert where["Blameless root cause"] == ("notes (root_cause.technical_cause already holds "
                                             "'Fault')")
    assert where["Five whys"] == "notes"


def test_short_form_sample_goes_where_its_headings_say():
    result = import_markdown(_sample("short")[1])
    pm = result.document
    assert pm.timezone == "CET"  # "All times in CET."
    assert pm.key_events[0].time == dt.datetime(2026, 4, 11, 4, 0, tzinfo=UTC)  # CEST
    assert len(pm.key_events) == 6
    assert pm.overview.category == "Certificates"
    assert pm.assessment.response_time_analysis == ("- Time to detection: 8 minutes\n"
                                                    "- Time to recovery: 1 hour 17 minutes")
    notes = {n.heading: n.text for n in pm.notes}
    assert notes["Attendees"] == "- RK, ML, SA, TB"
    # the rows without a time of day are kept, under the table's header
    assert notes["Timeline"].splitlines() == [
        "| Time | Event |", "| :--- | --- |",
        "| ... | Issuer logs show DNS-01 challenge failures since 2026-03-20 |",
        "| 2026-04-11 | Follow-up: credentials rotation runbook reviewed |"]
    assert pm.action_items.immediate[2].description == (
        "Add the issuer to the credentials rotation runbook\n"
        "- and link the runbook from the issuer's config")


def test_the_import_report_says_which_heading_went_where():
    result = import_markdown(_sample("short")[1])
    assert [(m.line, m.heading, m.target) for m in result.mapping] == [
        (3, "Summary", "overview.impact"),
        (10, "Timeline", "key_events (6 events, times in CET)"),
        (10, "Timeline", "notes (not an event with a time)"),
        (16, "first timeline event", "overview.date"),
        (25, "Contributing Factors", "root_cause.contributing_factors"),
        (31, "Action Items", "action_items (3 immediate, 0 long-term)"),
        (38, "Lessons Learned", "lessons_learned (1 items)"),
        (42, "Attendees", "notes"),
        (46, "Stats", "labeled lines (see below)"),
        (48, "Category", "overview.category"),
        (49, "Time to detection", "stated ttd"),
        (50, "Time to recovery", "stated ttr"),
    ]


def test_headings_are_matched_loosely():
    md = ("# Disk full on build agents\n\n## 1. Executive Summary:\nThe build agents ran out of "
          "disk.\n\n### ROOT CAUSE(S)\nDocker images were never pruned.\n\n"
          "## 3) What didn’t go well\n- Nobody owned the agents\n")
    pm = import_markdown(md, layout="short").document
    assert pm.overview.impact == "The build agents ran out of disk."
    assert pm.root_cause.technical_cause == "Docker images were never pruned."
    assert pm.went_wrong == ["Nobody owned the agents"]


def test_a_timeline_past_midnight_is_read_as_the_next_day_and_said_so():
    md = ("# Batch overrun\n\n**Date**: 2026-05-02\n\n## Summary\nThe nightly batch ran late.\n\n"
          "## Timeline\n\n- 23:40 Batch starts\n- 23:58 Batch slows down\n- 00:35 Batch "
          "finishes\n")
    result = import_markdown(md, layout="short")
    times = [e.time for e in result.document.key_events]
    assert times[-1] == dt.datetime(2026, 5, 3, 0, 35, tzinfo=UTC)
    assert result.assumptions == [(12, "key_events", "00:35 is earlier than the event before "
                                                      "it: read as the next day, 2026-05-03")]


@pytest.mark.parametrize(("written", "read"), [
    ("P2", "P2"), ("SEV-1", "P0"), ("Sev 2", "P1"), ("sev3", "P2"), ("SEV 5", "P3"),
    ("S1", "P0"), ("Major", None),
])
def test_severities_on_other_scales(written, read):
    assert read_severity(written)[0] == read


def test_yaml_front_matter_sets_fields_and_is_kept_not_read_as_headings():
    md = ("---\ntitle: \"Disk full on build agents\"\ndate: 2026-01-05\nseverity: SEV-1\n"
          "tags: [ci, disk]\n---\n\n## The Impact\nBuilds queued for two hours.\n")
    result = import_markdown(md, layout="short")
    pm = result.document
    assert (pm.title, pm.overview.date, pm.overview.severity) == (
        "Disk full on build agents", dt.date(2026, 1, 5), "P0")
    assert pm.impact.service_degradation == "Builds queued for two hours."
    notes = {n.heading: n.text for n in pm.notes}
    assert notes["Front matter"] == "---\ntags: [ci, disk]\n---"
    # our own parser keeps it too, instead of reading "---" as a rule and a heading
    assert Postmortem.from_markdown(md).notes[0].heading == "Front matter"
