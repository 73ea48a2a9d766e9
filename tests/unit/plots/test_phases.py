"""plot_phases: TTD/TTA/TTM/TTR bars from the impact start, durations written on them."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle

from postmortem_kit.plots import PHASE_COLORS, plot_phases
from postmortem_kit.plots.phases import format_duration
from tests.unit.plots.artists import at, num, phase_lines, texts
from tests.unit.plots.incidents import timeline_for

SAMPLE = {"started": "2026-03-12T14:03:00Z", "detected": "2026-03-12T14:09:17Z",
          "acknowledged": "2026-03-12T14:13:41Z", "mitigated": "2026-03-12T14:38:05Z",
          "resolved": "2026-03-12T14:40:00Z"}


def bars(ax) -> dict[str, Rectangle]:
    return {p.get_gid(): p for p in ax.patches if isinstance(p, Rectangle)
            and p.get_gid() in ("ttd", "tta", "ttm", "ttr")}


def test_each_metric_is_a_bar_over_its_own_interval_in_its_phase_colour():
    ax = plot_phases(timeline_for(SAMPLE))
    found = bars(ax)
    expected = {"ttd": ("started", "detected"), "tta": ("detected", "acknowledged"),
                "ttm": ("started", "mitigated"), "ttr": ("started", "resolved")}
    assert set(found) == set(expected)
    for metric, (first, last) in expected.items():
        bar = found[metric]
        assert bar.get_x() == at(num(SAMPLE[first]))
        assert bar.get_x() + bar.get_width() == at(num(SAMPLE[last]))
        assert to_hex(bar.get_facecolor()) == PHASE_COLORS[last].lower()
    # Reading order: TTD on top.
    assert found["ttd"].get_y() < found["ttr"].get_y()
    assert ax.yaxis_inverted()


def test_durations_are_written_on_the_bars():
    ax = plot_phases(timeline_for(SAMPLE))
    assert {"6m 17s", "4m 24s", "35m 05s", "37m 00s"} <= {t.strip() for t in texts(ax)}
    ttr = next(t for t in ax.texts if t.get_text().strip() == "37m 00s")
    bar = bars(ax)["ttr"]
    assert bar.get_x() < ttr.get_position()[0] < bar.get_x() + bar.get_width()


def test_a_missing_phase_leaves_its_metrics_unmeasured_and_says_why():
    ax = plot_phases(timeline_for({**SAMPLE, "acknowledged": None}))
    assert set(bars(ax)) == {"ttd", "ttm", "ttr"}
    assert "not measurable: acknowledged missing" in texts(ax)
    assert "acknowledged" not in phase_lines(ax)


@pytest.mark.parametrize("timeline", [None, timeline_for({})])
def test_no_phases_is_a_note_not_an_exception(timeline):
    ax = plot_phases(timeline)
    assert bars(ax) == {}
    assert any("no phase times" in t for t in texts(ax))


def test_a_four_minute_incident_and_a_three_day_one_both_get_bars(blip, slow_burn):
    for (_, tl), expect in ((blip, "4m 00s"), (slow_burn, "3d 0h")):
        ax = plot_phases(tl)
        assert len(bars(ax)) == 4
        assert expect in {t.strip() for t in texts(ax)}


@pytest.mark.parametrize(("value", "text"), [
    ("45s", "45s"), ("6min 17s", "6m 17s"), ("2h 5min", "2h 05m"), ("3D 4h 10min", "3d 4h"),
    ("-90s", "−1m 30s"), ("0s", "0s")])
def test_durations_read_as_people_say_them(value, text):
    assert format_duration(pd.Timedelta(value)) == text
