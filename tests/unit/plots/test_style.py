"""The shared look: time axes that suit the span, the palette, label staggering."""

from __future__ import annotations

import datetime as dt

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.colors import to_rgb

from postmortem_kit.plots.style import (
    PHASE_COLORS,
    format_time_axis,
    resolve_tz,
    shorten,
    stagger,
    to_num,
    utc_datetime64,
)


def tick_labels(start: str, end: str, tz: str | None = None) -> tuple[list[str], str]:
    fig, ax = plt.subplots(figsize=(10, 3))
    ax.set_xlim(*to_num([start, end]))
    format_time_axis(ax, resolve_tz(tz))
    fig.canvas.draw()
    return [t.get_text() for t in ax.get_xticklabels()], ax.xaxis.get_offset_text().get_text()


def test_a_four_minute_span_gets_clock_ticks_and_the_date_once():
    labels, offset = tick_labels("2026-03-12T14:00Z", "2026-03-12T14:04Z")
    assert {"14:01", "14:02", "14:03"} <= set(labels)
    assert offset == "2026-03-12"
    assert not any("2026" in label for label in labels)


def test_a_three_day_span_gets_day_ticks():
    labels, offset = tick_labels("2026-05-02T06:00Z", "2026-05-05T06:00Z")
    assert {"03 May", "04 May", "05 May"} <= set(labels)
    assert offset.startswith("2026")


def test_ticks_follow_the_display_timezone():
    labels, _ = tick_labels("2026-03-12T14:00Z", "2026-03-12T14:04Z", tz="Asia/Kolkata")
    assert "19:32" in labels  # UTC+05:30


def test_resolve_tz_accepts_names_tzinfo_and_none():
    assert resolve_tz(None) is dt.UTC
    assert resolve_tz("UTC") is dt.UTC
    assert resolve_tz("Europe/Berlin").key == "Europe/Berlin"
    zone = dt.timezone(dt.timedelta(hours=2))
    assert resolve_tz(zone) is zone


def test_times_convert_through_numpy_in_utc():
    aware = pd.Series(pd.to_datetime(["2026-03-12T15:00+01:00"]))
    naive = pd.Series(pd.to_datetime(["2026-03-12T14:00"]))
    assert utc_datetime64(aware)[0] == utc_datetime64(naive)[0]
    assert utc_datetime64(aware).dtype == "datetime64[us]"


def test_phase_colours_are_distinct_okabe_ito_colours():
    colours = [to_rgb(c) for c in PHASE_COLORS.values()]
    assert len(set(colours)) == 5
    assert list(PHASE_COLORS) == ["started", "detected", "acknowledged", "mitigated",
                                  "resolved"]


@pytest.fixture
def axes():
    _, ax = plt.subplots(figsize=(10, 3))
    ax.set_xlim(0, 100)
    return ax


def test_stagger_moves_colliding_labels_to_new_rows(axes):
    rows = stagger(axes, [10, 11, 12, 80], ["a long label"] * 4, fontsize=8, max_rows=3)
    assert rows == [0, 1, 2, 0]


def test_stagger_gives_up_when_rows_run_out(axes):
    rows = stagger(axes, [10, 11, 12], ["a long label"] * 3, fontsize=8, max_rows=2)
    assert rows == [0, 1, -1]


def test_stagger_auto_puts_a_label_before_its_point_when_after_is_taken(axes):
    sides: list[str] = []
    rows = stagger(axes, [50, 45], ["a long label"] * 2, fontsize=8, max_rows=1,
                   align="auto", sides=sides)
    assert rows == [0, 0]
    assert sides == ["left", "right"]


@pytest.mark.parametrize(("text", "short"), [
    ("Page triggered: Triggered through the API.", "Page triggered"),
    ("short one", "short one"),
    ("x" * 40, "x" * 33 + "…"),
    ("multi\n  line   text", "multi line text"),
])
def test_shorten_keeps_labels_short_and_whole(text, short):
    assert shorten(text) == short


def test_charts_use_the_timelines_display_zone_unless_told_otherwise():
    from dataclasses import replace

    from postmortem_kit.errors import UsageError
    from postmortem_kit.plots.style import resolve_tz
    from postmortem_kit.timeline import Timeline, TimelineSettings

    tl = replace(Timeline(), settings=TimelineSettings(display_tz="Europe/Berlin"))
    assert str(resolve_tz(None, tl)) == "Europe/Berlin"
    assert str(resolve_tz("Asia/Tokyo", tl)) == "Asia/Tokyo"
    assert str(resolve_tz(None)) == "UTC"
    with pytest.raises(UsageError, match="Not/AZone"):
        resolve_tz("Not/AZone")
