"""The bundled sample incident's charts: evidence files → read_events → derive_timeline →
plots, with the markers where truth.json (written by the generator) says things happened."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from postmortem_kit.ingest import read_events
from postmortem_kit.paths import data_dir
from postmortem_kit.plots import plot_overview, plot_phases, plot_timeline, save_figure
from postmortem_kit.sample import evidence_paths
from postmortem_kit.timeline import derive_timeline
from tests.unit.plots.artists import no_overlaps, num, phase_lines

ONE_BIN = 1 / 1440  # one minute, in date numbers


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((data_dir() / "incident" / "truth.json").read_text())


@pytest.fixture(scope="module")
def incident():
    events = read_events(evidence_paths(), year=2026)
    return events, derive_timeline(events)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_overview_puts_phases_changes_and_alerts_where_they_happened(incident, truth):
    events, tl = incident
    ax = plot_overview(events, tl)
    lines = phase_lines(ax)
    for phase, when in truth["phases"].items():
        assert abs(lines[phase] - num(when)) <= ONE_BIN, phase
    markers = {c.get_label(): np.asarray(c.get_offsets())[:, 0] for c in ax.collections}
    assert num(truth["bad_deploy"]["time"]) in markers["deploy"]
    assert markers["rollback"].tolist() == [num(truth["mitigation"]["time"])]
    assert markers["alert firing"].min() < num(truth["first_alert"]["firing"]) + 1e-6
    assert any(t.get_text() == "checkout v2.14.0" for t in ax.texts)
    (ratio,) = [ln for ln in ax.lines if ln.get_label().startswith("error ratio")]
    x, y = ratio.get_data()
    inside = (x > num(truth["impact_start"])) & (x < num(truth["impact_end"]))
    assert np.nanmax(y[inside]) == pytest.approx(tl.impact["peak_error_ratio"])


def test_swimlanes_show_every_source_and_label_the_key_events_without_overlap(incident):
    events, tl = incident
    ax = plot_timeline(events, tl, lanes="source")
    lanes = {t.get_text().split("  (")[0] for t in ax.get_yticklabels()}
    assert lanes == {"access", "alertmanager", "app", "deploys", "pagerduty", "slack",
                     "syslog"}
    shown = set(tl.key_events["event"].head(12).map(lambda s: s.split(": ")[0]))
    labels = [t for t in ax.texts if any(t.get_text().startswith(s[:12]) for s in shown)]
    assert len(labels) >= 8
    assert no_overlaps(ax, labels)


def test_phase_bars_carry_the_derived_durations(incident):
    _, tl = incident
    ax = plot_phases(tl)
    written = {t.get_text().strip() for t in ax.texts}
    ttr = pd.Timedelta(tl.metrics.at["ttr", "value"])
    assert f"{int(ttr.total_seconds() // 60)}m {int(ttr.total_seconds() % 60):02d}s" in written


def test_saved_charts_are_byte_stable(incident, tmp_path):
    events, tl = incident
    for run in ("a", "b"):
        save_figure(plot_timeline(events, tl).figure, tmp_path / run / "timeline")
    for suffix in ("png", "svg"):
        assert ((tmp_path / "a" / f"timeline.{suffix}").read_bytes()
                == (tmp_path / "b" / f"timeline.{suffix}").read_bytes())


def test_redacting_the_sample_charts_finds_nothing_in_their_drawing(incident, tmp_path):
    # The charts' labels hold versions, alert names, times and counts, and their path data
    # endless digit runs: none of it is an address, a phone or a card number.
    from postmortem_kit.redact import Redactor, identities_from_events
    from postmortem_kit.redact.charts import redact_svg

    events, tl = incident
    redactor = Redactor(key=b"k" * 32, identities=identities_from_events(events))
    for name, ax in [("overview", plot_overview(events, tl)),
                     ("timeline", plot_timeline(events, tl)), ("phases", plot_phases(tl))]:
        save_figure(ax.figure, tmp_path / name, formats=("svg",))
        svg = (tmp_path / f"{name}.svg").read_text()
        assert redact_svg(svg, redactor, name) == svg
    assert redactor.audit.counts == {}
