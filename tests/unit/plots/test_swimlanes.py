"""plot_timeline: one lane per kind or source, key events labelled, phases behind."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.colors import to_hex

from postmortem_kit.ingest.schema import concat_events, empty_events
from postmortem_kit.plots import PHASE_COLORS, plot_timeline
from tests.unit.plots.artists import at, no_overlaps, num, phase_lines, texts, xs
from tests.unit.plots.incidents import few, requests, timeline_for


def lane_names(ax) -> list[str]:
    """Lane labels top to bottom, without their counts."""
    ticks = sorted(zip(ax.get_yticks(), ax.get_yticklabels(), strict=True),
                   key=lambda p: -p[0])
    return [label.get_text().split("  (")[0] for _, label in ticks]


def lane_y(ax, name: str) -> float:
    for y, label in zip(ax.get_yticks(), ax.get_yticklabels(), strict=True):
        if label.get_text().split("  (")[0] == name:
            return float(y)
    raise KeyError(name)


def key_event_markers(ax) -> PathCollection:
    (ring,) = [c for c in ax.collections if isinstance(c, PathCollection)
               and to_hex(c.get_edgecolor()[0]) == "#000000" and len(c.get_facecolor()) == 0]
    return ring


def test_lanes_by_kind_put_responder_evidence_first(hour_incident):
    events, tl = hour_incident
    ax = plot_timeline(events, tl)
    assert lane_names(ax) == ["alert", "page", "deploy", "request"]
    assert "request  (8,000)" in [t.get_text() for t in ax.get_yticklabels()]


def test_lanes_by_source_and_a_missing_source_gets_an_empty_lane_with_a_note(hour_incident):
    events, tl = hour_incident
    ax = plot_timeline(events, tl, lanes="source", include=["slack"])
    assert lane_names(ax) == ["alertmanager", "pagerduty", "deploys", "access", "slack"]
    (empty,) = [t for t in ax.texts if t.get_text() == "no events"]
    assert empty.get_position()[1] == lane_y(ax, "slack")


@pytest.mark.parametrize("events", [None, empty_events()])
def test_no_events_is_an_empty_lane_with_a_note(events):
    ax = plot_timeline(events, None)
    assert "no events" in texts(ax)
    assert len(ax.collections) <= 1  # the lane separators only


def test_no_events_but_a_timeline_still_shows_the_phases():
    tl = timeline_for({"started": "2026-03-12T14:03Z", "detected": "2026-03-12T14:09Z"})
    ax = plot_timeline(empty_events(), tl, include=["alert"])
    assert set(phase_lines(ax)) == {"started", "detected"}
    assert "no events" in texts(ax)


def test_phases_are_shaded_in_the_colour_of_the_phase_that_ends_each_span(hour_incident):
    events, tl = hour_incident
    ax = plot_timeline(events, tl)
    spans = {to_hex(p.get_facecolor()): (p.get_x(), p.get_x() + p.get_width())
             for p in ax.patches}
    assert spans[PHASE_COLORS["detected"].lower()] == at(
        (num("2026-03-12T14:03Z"), num("2026-03-12T14:09:17Z")))
    assert spans[PHASE_COLORS["resolved"].lower()] == at(
        (num("2026-03-12T14:38:05Z"), num("2026-03-12T14:40Z")))


def test_key_events_are_marked_on_their_lanes_and_labelled_above_the_lanes(hour_incident):
    events, tl = hour_incident
    ax = plot_timeline(events, tl)
    ring = key_event_markers(ax)
    assert sorted(xs(ring)) == at(sorted(num(t) for t in tl.key_events["time"]))
    offsets = np.asarray(ring.get_offsets())
    rollback = offsets[np.argmax(offsets[:, 0])]
    assert rollback[1] == lane_y(ax, "deploy")
    labels = [t for t in ax.texts if t.get_text() in set(tl.key_events["event"])]
    assert len(labels) == 4
    top_lane = max(ax.get_yticks())
    assert all(t.get_position()[1] > top_lane + 0.5 for t in labels)
    assert no_overlaps(ax, labels)


def test_crowded_key_event_labels_are_staggered_without_overlap():
    times = pd.date_range("2026-03-12T14:00Z", periods=12, freq="30s")
    keys = pd.DataFrame({"time": times, "event": [f"something happened number {i}"
                                                   for i in range(12)],
                         "action_taken": "", "source": "app", "kind": "log", "why": ""})
    events = requests("2026-03-12T13:00Z", "2026-03-12T16:00Z", 3000)
    ax = plot_timeline(events, timeline_for({}, key_events=keys))
    labels = [t for t in ax.texts if t.get_text().startswith("something happened")]
    rows = {round(t.get_position()[1], 6) for t in labels}
    assert len(rows) > 1
    assert no_overlaps(ax, labels)


def test_a_thousand_key_events_stay_a_bounded_number_of_artists():
    times = pd.date_range("2026-03-12T13:00Z", periods=1000, freq="10s")
    keys = pd.DataFrame({"time": times, "event": [f"event {i}" for i in range(1000)],
                         "action_taken": "", "source": "app", "kind": "alert", "why": ""})
    events = few("alert", "alertmanager", [("2026-03-12T13:00Z", "x")])
    ax = plot_timeline(events, timeline_for({}, key_events=keys), max_labels=12)
    assert len(xs(key_event_markers(ax))) == 1000
    assert len(ax.texts) <= 12 + 1
    assert len(ax.collections) < 10
    assert ax.get_title(loc="right").endswith("more key events marked, not labelled")


def test_a_million_events_are_drawn_as_density_not_points():
    bulk = requests("2026-03-12T12:00Z", "2026-03-12T18:00Z", 1_000_000,
                    bad=("2026-03-12T14:00Z", "2026-03-12T15:00Z"))
    events = concat_events([bulk, few("deploy", "deploys", [("2026-03-12T13:59Z", "v2")])])
    ax = plot_timeline(events)
    assert len(ax.collections) < 10
    assert max(len(c.get_offsets()) for c in ax.collections
               if isinstance(c, PathCollection)) == 1
    (_, failures) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    fail_x = failures.get_paths()[0].vertices[:, 0]
    fail_y = failures.get_paths()[0].vertices[:, 1]
    base = lane_y(ax, "request") - 0.4
    raised = fail_x[fail_y > base + 0.05]
    assert raised.min() >= num("2026-03-12T13:55Z")
    assert raised.max() <= num("2026-03-12T15:05Z")


def test_sparse_lanes_colour_ticks_by_level():
    events = few("log", "app", [("2026-03-12T14:00Z", "boom"), ("2026-03-12T14:01Z", "ok"),
                                ("2026-03-12T14:02Z", "hmm")],
                 level=["error", "info", "warning"])
    ax = plot_timeline(events)
    (ticks,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    colours = [to_hex(c) for c in ticks.get_facecolor()]
    assert colours[0] == "#d55e00" and colours[2] == "#e69f00" and colours[1] == "#555555"


def test_connectors_join_each_label_to_its_event(hour_incident):
    events, tl = hour_incident
    ax = plot_timeline(events, tl)
    (connectors,) = [c for c in ax.collections if isinstance(c, LineCollection)
                     and c.get_linestyle()[0][1] is not None]
    tops = sorted(seg[0][0] for seg in connectors.get_segments())
    assert tops == at(sorted(num(t) for t in tl.key_events["time"]))


def test_unknown_lane_field_is_a_clear_error(hour_incident):
    events, _ = hour_incident
    with pytest.raises(ValueError, match="lanes must be"):
        plot_timeline(events, lanes="host")
