"""Action-item rules shared by `check` and the form: due before the incident, no owner."""

from __future__ import annotations

from postmortem_kit.document import Postmortem
from postmortem_kit.document.rules import due_before_incident, owner_missing


def doc(**overview) -> Postmortem:
    return Postmortem(timezone="Europe/Berlin", overview=overview, action_items={
        "immediate": [{"description": "roll back", "owner": "dana", "due": "2026-03-13"},
                      {"description": "pin pool", "owner": " ", "due": "2026-03-14"}],
        "long_term": [{"description": "canary", "due": "2025-03-20"}]})


def test_a_due_date_before_the_incident_day_is_flagged_with_both_dates():
    assert due_before_incident(doc(date="2026-03-14")) == [
        ("action_items.immediate[0].due", "due 2026-03-13 is before the incident (2026-03-14)"),
        ("action_items.long_term[0].due", "due 2025-03-20 is before the incident (2026-03-14)")]


def test_without_a_date_the_start_in_the_documents_zone_is_the_incident_day():
    # 23:30 UTC on the 13th is already the 14th in Berlin
    found = due_before_incident(doc(start="2026-03-13T23:30:00Z"))
    assert [path for path, _ in found] == ["action_items.immediate[0].due",
                                           "action_items.long_term[0].due"]
    assert due_before_incident(doc()) == []  # no day known: nothing to compare with


def test_an_owner_that_is_empty_or_blank_is_missing():
    assert owner_missing(doc()) == [("action_items.immediate[1].owner", "action item has no owner"),
                                    ("action_items.long_term[0].owner", "action item has no owner")]
