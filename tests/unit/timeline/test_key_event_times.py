"""Key-event candidates from chat are reported to the second (Slack's ts is a message id)."""

from __future__ import annotations

import pandas as pd

from postmortem_kit.timeline.key_events import candidates
from postmortem_kit.timeline.model import Timeline


def test_a_chat_candidate_is_at_the_second_and_still_marked_as_a_phase_evidence():
    # the detection phase came from this very chat message (the fallback rule)
    phases = Timeline().override(started="2026-03-14T13:00Z",
                                 detected="2026-03-14T13:15:05.000959Z",
                                 resolved="2026-03-14T14:00Z").phases.copy()
    phases.loc["detected", "source"] = "slack"
    events = pd.DataFrame({
        "timestamp": pd.to_datetime(["2026-03-14T13:15:05.000959Z",
                                     "2026-03-14T13:20:00.250Z"]).as_unit("us"),
        "kind": ["chat", "deploy"], "source": ["slack", "deploys"],
        "message": ["declaring an incident, I'm IC", "rollback checkout to 2.13"],
        "user": ["dana", None], "line": pd.array([pd.NA, 4], dtype="Int64"),
    })
    found = candidates(events, phases, pd.DataFrame())
    chat = found[found["kind"] == "chat"].iloc[0]
    assert chat["time"] == pd.Timestamp("2026-03-14T13:15:05Z")
    assert chat["why"].endswith("evidence of a phase")
    deploy = found[found["kind"] == "deploy"].iloc[0]
    assert deploy["time"] == pd.Timestamp("2026-03-14T13:20:00.250Z")  # other kinds exact
