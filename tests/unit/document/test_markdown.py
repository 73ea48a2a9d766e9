"""Markdown: the template's exact layout, exact round trips, and what people really write."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from markdown_it import MarkdownIt

from postmortem_kit.document import Postmortem
from postmortem_kit.document.markdown_parse import parse_markdown
from postmortem_kit.errors import DocumentError
from tests.unit.document.strategies import documents, item

UTC = dt.UTC


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.rstrip().split("\n")]


def test_blank_document_renders_as_the_template_itself(template_md):
    assert _lines(Postmortem().to_markdown()) == _lines(template_md)


def test_blank_template_parses_to_an_empty_document(template_md):
    result = parse_markdown(template_md)
    assert result.document == Postmortem()
    # every placeholder was noticed (39 of them in the template), none taken as a value
    assert len(result.placeholders) == 39
    assert result.notes == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_render_then_parse_gives_an_equal_document(pm):
    assert Postmortem.from_markdown(pm.to_markdown()) == pm


def test_filled_example_round_trips_and_keeps_headings_in_template_order(example_json,
                                                                         template_md):
    pm = Postmortem.load(example_json)
    md = pm.to_markdown()
    assert Postmortem.from_markdown(md) == pm
    headings = [line for line in md.split("\n") if line.startswith("##")]
    assert headings == [line for line in template_md.split("\n") if line.startswith("##")]
    for label in ("**Date**:", "**Duration**:", "**Technical Cause**:", "**Stakeholders**:"):
        assert label in md


def _table_cells(md: str, heading: str) -> list[list[str]]:
    """Rows of the first table after ``heading``, as a real CommonMark+GFM parser sees them."""
    tokens = MarkdownIt("commonmark").enable("table").parse(md)
    start = next(i for i, t in enumerate(tokens)
                 if t.type == "inline" and t.content == heading)
    rows, row = [], None
    for tok in tokens[start:]:
        if tok.type == "tr_open":
            row = []
        elif tok.type == "inline" and row is not None:
            row.append(tok.content)
        elif tok.type == "tr_close":
            rows.append(row)
            row = None
        elif tok.type == "table_close":
            break
    return rows


@settings(max_examples=150, deadline=None)
@given(event=item, action=item)
def test_a_table_cell_can_never_break_the_table(event, action):
    pm = Postmortem(key_events=[{"time": dt.datetime(2026, 3, 14, 13, 5, tzinfo=UTC),
                                 "event": event, "action_taken": action}])
    rows = _table_cells(pm.to_markdown(), "Key Events")
    assert len(rows) == 2  # header + our one row, whatever the text held
    assert all(len(r) == 3 for r in rows)


def test_markdown_renderers_show_hostile_html_as_text_and_inline_markdown_as_written():
    pm = Postmortem(overview={"impact": "<script>alert(1)</script> **bold** | a # b"})
    html = MarkdownIt("commonmark").render(pm.to_markdown())
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <strong>bold</strong> | a # b" in html


HUMAN = """\
# Payment API outage

## Overview
* **Date**: March 14, 2026
* **Duration**: 13:07 UTC - 2026-03-14T14:21:00Z
* **Impact**: Checkout failing
  for a third of users
* **Severity**: p1

## Timeline
### Detection
**Time:** 13:12
- **Method**: PagerDuty alert
### Key Events
| Time | Event | Action Taken |
|:-----|:------|:-------------|
| 13:04 | Deploy of checkout | - |
| 2026-03-14 14:38:20+01:00 | Rollback started | — |
| 13:52:00 UTC | Errors back to normal | |

### Resolution
- **Time**: 2026-03-14T14:21:00+00:00
- **Resolution**: Rolled back

## What Went Well
- alert fired quickly
- rollback was easy

## What went wrong
1) canary skipped

## Action Items
### Immediate Actions
| Action Item | Owner | Due Date | Status |
|---|---|---|---|
| Pin the client | Marta | 2026-03-16 | Done |
| Backfill carts | - | — | In-Progress |

## Follow up
- **Stakeholders**: Priya, Lee
"""


def test_parses_what_people_really_write():
    pm = Postmortem.from_markdown(HUMAN)
    assert pm.title == "Payment API outage"
    assert pm.overview.date == dt.date(2026, 3, 14)
    assert pm.overview.start == dt.datetime(2026, 3, 14, 13, 7, tzinfo=UTC)
    assert pm.overview.end == dt.datetime(2026, 3, 14, 14, 21, tzinfo=UTC)
    assert pm.overview.impact == "Checkout failing\nfor a third of users"
    assert pm.overview.severity == "P1"
    assert pm.detection.time == dt.datetime(2026, 3, 14, 13, 12, tzinfo=UTC)
    assert pm.detection.method == "PagerDuty alert"
    assert [(e.time.strftime("%H:%M:%S"), e.event, e.action_taken) for e in pm.key_events] == [
        ("13:04:00", "Deploy of checkout", ""),
        ("13:38:20", "Rollback started", ""),
        ("13:52:00", "Errors back to normal", ""),
    ]
    assert pm.went_well == ["alert fired quickly", "rollback was easy"]
    assert pm.went_wrong == ["canary skipped"]
    first, second = pm.action_items.immediate
    assert (first.owner, first.due, first.status) == ("Marta", dt.date(2026, 3, 16), "done")
    assert (second.owner, second.due, second.status) == ("", None, "in progress")
    assert pm.follow_up.stakeholders == ["Priya", "Lee"]


def test_time_of_day_is_read_in_the_declared_timezone():
    md = Postmortem(timezone="Asia/Kolkata", overview={"date": "2026-03-14"}).to_markdown()
    md = md.replace("[Time incident was detected]", "18:42")
    pm = Postmortem.from_markdown(md)
    assert pm.detection.time == dt.datetime(2026, 3, 14, 13, 12, tzinfo=UTC)


def test_end_written_as_earlier_time_of_day_is_the_next_day():
    md = HUMAN.replace("13:07 UTC - 2026-03-14T14:21:00Z", "23:10 to 01:20")
    pm = Postmortem.from_markdown(md)
    assert pm.overview.end - pm.overview.start == dt.timedelta(hours=2, minutes=10)


def test_bad_values_are_reported_with_their_markdown_lines():
    md = HUMAN.replace("**Severity**: p1", "**Severity**: P5").replace("| 13:04 |", "| soon |")
    with pytest.raises(DocumentError) as info:
        Postmortem.from_markdown(md, source="report.md")
    message = str(info.value)
    assert message.startswith("report.md: ")
    assert "line 17 (key_events[0].time): expected a time like 14:05" in message
    assert "'soon'" in message
    assert "line 8 (overview.severity)" in message  # both problems in one report
    assert len(info.value.problems) == 2


def test_model_errors_point_at_the_markdown_line():
    md = HUMAN.replace("**Severity**: p1", "**Severity**: P5")
    with pytest.raises(DocumentError) as info:
        Postmortem.from_markdown(md)
    (where, what), = info.value.problems
    assert where == "line 8 (overview.severity)"
    assert "'P5'" in what


def test_time_of_day_without_a_date_line_is_an_error_not_a_guess():
    md = HUMAN.replace("* **Date**: March 14, 2026\n", "")
    with pytest.raises(DocumentError, match="no Date line"):
        Postmortem.from_markdown(md)


def test_unknown_sections_are_reported_not_silently_dropped():
    result = parse_markdown(HUMAN + "\n## Appendix\nsome notes\n")
    assert any("'Appendix' is not part of the template" in note for _, note in result.notes)


@pytest.mark.parametrize("zone", ["America", "x" * 300])
def test_a_declared_time_zone_that_is_not_a_zone_name_is_reported(zone):
    md = f"# T\n\n<!-- postmortem-kit: timezone={zone} -->\n\n## Incident Overview\n"
    with pytest.raises(DocumentError) as info:
        Postmortem.from_markdown(md, source="r.md")
    assert info.value.problems == [("timezone", f"unknown time zone {zone!r}: expected an "
                                                "IANA name such as 'UTC' or 'Europe/Berlin'")]
