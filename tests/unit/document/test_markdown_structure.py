"""Markdown read as CommonMark says, and fields that hold inline Markdown.

The three defects of issue 16, each as it was met: a fenced code block in a field, nested
sub-bullets, headings inside an HTML comment; inline Markdown that came back
backslash-escaped.
"""

from __future__ import annotations

import datetime as dt

from markdown_it import MarkdownIt

from postmortem_kit.document import Postmortem
from postmortem_kit.document.markdown_parse import parse_markdown

UTC = dt.UTC

FENCED = """\
# Connection pool exhaustion

## Incident Overview
- **Date**: 2026-03-14
- **Severity**: P2

## Root Cause
- **Technical Cause**: the pool ran out of connections
- **Contributing Factors**: the pool size came from this config:
  ```ini
  # max_connections was lowered in January
  max_connections = 10
  ## What Went Well
  1. not really
  ```
- **Trigger**: a batch job opened 40 connections
  ```console
  $ # nobody noticed the warning
  ```

## What Went Well
1. The alert fired within a minute
"""


def test_a_fenced_code_block_in_a_field_is_part_of_the_field():
    pm = Postmortem.from_markdown(FENCED)
    assert pm.root_cause.contributing_factors == (
        "the pool size came from this config:\n"
        "```ini\n"
        "# max_connections was lowered in January\n"
        "max_connections = 10\n"
        "## What Went Well\n"
        "1. not really\n"
        "```")
    assert pm.root_cause.trigger == ("a batch job opened 40 connections\n```console\n"
                                     "$ # nobody noticed the warning\n```")
    assert pm.went_well == ["The alert fired within a minute"]


def test_a_fence_after_a_labeled_line_belongs_to_that_field():
    md = FENCED.replace(
        "- **Contributing Factors**: the pool size came from this config:\n  ```ini",
        "- **Contributing Factors**: the pool size came from this config:\n\n```ini",
    ).replace("  # max_", "# max_").replace("  max_connections = 10\n  ## What Went Well\n"
                                            "  1. not really\n  ```\n",
                                            "max_connections = 10\n## What Went Well\n"
                                            "1. not really\n```\n\n")
    pm = Postmortem.from_markdown(md)
    assert "## What Went Well\n1. not really\n```" in pm.root_cause.contributing_factors
    assert pm.root_cause.trigger.startswith("a batch job opened 40 connections")
    assert pm.went_well == ["The alert fired within a minute"]


NESTED = """\
# Queue backlog

## What Went Well
1. Rollback was quick
   - one command
   - no data loss
2. Status page updated early

## What Went Wrong
- Alert was noisy
  * it paged three people
"""


def test_nested_sub_bullets_stay_inside_their_item():
    pm = Postmortem.from_markdown(NESTED)
    assert pm.went_well == ["Rollback was quick\n- one command\n- no data loss",
                            "Status page updated early"]
    assert pm.went_wrong == ["Alert was noisy\n* it paged three people"]


COMMENTED = """\
# Cache stampede

<!--
## What Went Well
1. copied from last time
## Root Cause
- **Technical Cause**: copied from last time
-->

## Root Cause
- **Technical Cause**: TTL expiry aligned across all keys
"""


def test_headings_inside_an_html_comment_are_not_read():
    result = parse_markdown(COMMENTED)
    assert result.document.went_well == []
    assert result.document.root_cause.technical_cause == "TTL expiry aligned across all keys"
    # skipped, and said so
    assert any("HTML comment" in note for _, note in result.notes)


def test_setext_headings_are_headings():
    md = "Cache stampede\n==============\n\nWhat Went Well\n--------------\n1. caught early\n"
    pm = Postmortem.from_markdown(md)
    assert pm.title == "Cache stampede"
    assert pm.went_well == ["caught early"]


# -- inline Markdown ------------------------------------------------------------------------

def test_inline_markdown_in_fields_is_kept_as_written():
    pm = Postmortem(
        overview={"impact": "503s on `/api/pay` for *all* EU users"},
        root_cause={"technical_cause": "`max_connections` was 10; see "
                                       "[the runbook](https://runbooks.example.com/db)"},
        went_well=["**fast** rollback of max_connections"],
        key_events=[{"time": "2026-03-14T13:05:00Z", "event": "5xx on `/api/pay`",
                     "action_taken": "paged _on-call_"}],
    )
    md = pm.to_markdown()
    assert "- **Impact**: 503s on `/api/pay` for *all* EU users\n" in md
    assert ("- **Technical Cause**: `max_connections` was 10; see "
            "[the runbook](https://runbooks.example.com/db)\n") in md
    assert "1. **fast** rollback of max_connections\n" in md
    assert "| 5xx on `/api/pay` | paged _on-call_ |" in md
    assert "\\`" not in md and "\\_" not in md and "\\*" not in md
    assert Postmortem.from_markdown(md) == pm


def test_inline_markdown_written_by_a_person_is_read_as_written():
    md = ("# Payments\n\n## Incident Overview\n- **Impact**: 503s on `/api/pay`\n\n"
          "## Root Cause\n- **Technical Cause**: max_connections too low "
          "(`max_connections = 10`)\n")
    pm = Postmortem.from_markdown(md)
    assert pm.overview.impact == "503s on `/api/pay`"
    assert pm.root_cause.technical_cause == ("max_connections too low "
                                             "(`max_connections = 10`)")


def test_a_pipe_in_a_table_cell_is_escaped_only_there_and_renders_as_a_pipe():
    pm = Postmortem(key_events=[{"time": "2026-03-14T13:05:00Z",
                                 "event": "ran `grep 5xx | wc -l`"}],
                    went_well=["a | b"])
    md = pm.to_markdown()
    assert "| ran `grep 5xx \\| wc -l` |" in md
    assert "1. a | b\n" in md
    html = MarkdownIt("commonmark").enable("table").render(md)
    assert "<code>grep 5xx | wc -l</code>" in html
    assert Postmortem.from_markdown(md) == pm


def test_a_multi_line_field_renders_as_indented_lines_of_its_list_item():
    pm = Postmortem(root_cause={"contributing_factors": "config:\n```\n# pool\nsize = 10\n```"},
                    went_well=["one\n- sub"])
    md = pm.to_markdown()
    assert ("- **Contributing Factors**: config:\n  ```\n  # pool\n  size = 10\n  ```\n"
            in md)
    assert "1. one\n   - sub\n" in md
    assert Postmortem.from_markdown(md) == pm
