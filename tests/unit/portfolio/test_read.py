"""read_postmortems: one row per incident, stated figures against the document's timeline."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

from postmortem_kit import read_postmortems
from postmortem_kit.document import Postmortem
from postmortem_kit.errors import InputError
from postmortem_kit.portfolio import collect, write_portfolio
from postmortem_kit.portfolio.phases import phases_from_key_events
from postmortem_kit.sample import evidence_paths
from tests.unit.portfolio.generate import generate

UTC = dt.UTC
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "postmortems"
TODAY = dt.date(2026, 6, 1)


@pytest.fixture(scope="module")
def forty(tmp_path_factory) -> tuple[Path, list[dict]]:
    folder = tmp_path_factory.mktemp("forty")
    return folder, generate(folder)


def test_one_row_per_incident_oldest_first(forty):
    folder, _facts = forty
    table = read_postmortems(folder, today=TODAY)
    assert len(table) == 40 and table.attrs["rejected"] == []
    assert table["date"].is_monotonic_increasing
    # a postmortem.json folder is one incident: its exported report.md is not another
    assert "incident-00/postmortem.json" in set(table["file"])
    assert "incident-00/report.md" not in set(table["file"])
    assert set(table["layout"]) == {"json", "template", "short"}
    assert str(table["ttd_stated"].dtype) == "timedelta64[us]"
    assert str(table["date"].dtype) == "datetime64[us]"


def test_timeline_figures_are_computed_from_the_key_events(forty):
    folder, facts = forty
    table = read_postmortems(folder, today=TODAY).set_index("file")
    for f in facts:
        name = (f"incident-{f['i']:02d}/postmortem.json" if f["i"] % 4 in (0, 1)
                else f"incident-{f['i']:02d}.md")
        row = table.loc[name]
        assert row["timeline"] == "key events"
        assert row["ttd_timeline"] == pd.Timedelta(minutes=f["detect"])
        assert row["tta_timeline"] == pd.Timedelta(minutes=f["ack"])
        assert row["ttm_timeline"] == pd.Timedelta(minutes=f["mitigate"])
        assert row["ttr_timeline"] == pd.Timedelta(minutes=f["resolve"])
        stated_ttd = f["detect"] + (25 if f["lie"] else 0)
        assert row["ttd_stated"] == pd.Timedelta(minutes=stated_ttd)
        assert row["ttr_stated"] == pd.Timedelta(minutes=f["resolve"])
        assert row["disagree"] == ("ttd" if f["lie"] else "")
        assert row["category"] == f["category"]


def test_action_items_total_open_and_overdue(forty):
    folder, _ = forty
    portfolio = collect(folder, today=TODAY)
    items = portfolio.items
    for row in portfolio.table.itertuples():
        mine = items[items["file"] == row.file]
        assert row.actions_total == len(mine)
        still = mine["status"].isin(["open", "in progress", "long-term"])
        assert row.actions_open == still.sum()
        late = still & mine["due"].notna() & (mine["due"] < pd.Timestamp(TODAY))
        assert row.actions_overdue == late.sum()
    assert portfolio.table["actions_overdue"].sum() > 0


def test_forty_postmortems_and_their_page_take_under_five_seconds(forty, tmp_path):
    folder, _ = forty
    began = time.perf_counter()
    write_portfolio(folder, tmp_path / "report.html", today=TODAY)
    assert time.perf_counter() - began < 5


def test_evidence_beside_the_document_gives_the_timeline(tmp_path, example_json):
    home = tmp_path / "checkout"
    (home / "evidence").mkdir(parents=True)
    shutil.copy(example_json, home / "postmortem.json")
    for path in evidence_paths():
        if path.is_dir():
            shutil.copytree(path, home / "evidence" / path.name)
        else:
            shutil.copy(path, home / "evidence" / path.name)
    row = read_postmortems(tmp_path, today=TODAY).iloc[0]
    assert row["timeline"] == "evidence"
    # the sample incident's derived phases (tests/unit/test_sample_incident.py pins them)
    assert row["ttd_timeline"] == pd.Timedelta("6min 17.412s")
    assert row["ttr_timeline"] == pd.Timedelta(minutes=37)
    assert row["ttr_stated"] == pd.Timedelta(minutes=74)  # the Duration line, 13:07 to 14:21
    assert row["disagree"] == "ttr"
    assert "resolved" in row["basis"]


def test_other_layouts_and_their_stated_figures(tmp_path):
    for layout in ("google-sre", "short"):
        for path in (SAMPLES / layout).glob("*.md"):
            shutil.copy(path, tmp_path / path.name)
    table = read_postmortems(tmp_path, today=TODAY).set_index("layout")
    short = table.loc["short"]
    assert short["category"] == "Certificates"
    assert short["ttd_stated"] == pd.Timedelta(minutes=8)  # "Time to detection: 8 minutes"
    assert short["ttr_stated"] == pd.Timedelta(minutes=77)  # "1 hour 17 minutes"
    assert short["ttd_timeline"] == pd.Timedelta(minutes=3)  # 06:00 expiry, 06:03 report
    assert short["disagree"] == ""  # 5 minutes apart: within the tolerance
    sre = table.loc["google-sre"]
    assert sre["ttr_stated"] == pd.Timedelta(minutes=38)  # OUTAGE BEGINS to OUTAGE ENDS
    assert sre["ttd_timeline"] == pd.Timedelta(minutes=2)


def test_files_that_are_not_incidents_are_rejected_with_their_reason(tmp_path, example_json):
    (tmp_path / "README.md").write_text("# Our postmortems\n\nOne file per incident.\n")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "postmortem.json").write_text('{"schema_version": 1, "title": ')
    (tmp_path / "ok").mkdir()
    shutil.copy(example_json, tmp_path / "ok" / "postmortem.json")
    table = read_postmortems(tmp_path, today=TODAY)
    assert list(table["file"]) == ["ok/postmortem.json"]
    rejected = {r["file"]: r["reason"] for r in table.attrs["rejected"]}
    assert rejected["README.md"].startswith("no incident date and no timeline")
    assert rejected["broken/postmortem.json"].startswith("line 1, column 32: invalid JSON")


def test_a_missing_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such folder"):
        read_postmortems(tmp_path / "nope")


def test_phases_from_key_events_say_which_event_they_read():
    pm = Postmortem(overview={"date": "2021-08-26"}, key_events=[
        {"time": "2021-08-26T08:22:00Z", "event": "Load balancers routed to the new proxy"},
        {"time": "2021-08-26T08:44:00Z", "event": "Functional tests indicate all fine, "
                                                  "reported over Slack"},
        {"time": "2021-08-26T09:26:00Z", "event": "Developer reports many HTTP 307s"},
        {"time": "2021-08-26T09:48:00Z", "event": "Rollback performed"},
        {"time": "2021-08-26T09:49:00Z", "event": "Service operational"},
    ])
    phases = phases_from_key_events(pm)
    assert phases["started"].event == "Load balancers routed to the new proxy"
    assert phases["detected"].event == "Developer reports many HTTP 307s"  # not "all fine"
    assert phases["acknowledged"] is None
    assert phases["mitigated"].time == dt.datetime(2021, 8, 26, 9, 48, tzinfo=UTC)
    assert phases["resolved"].event == "Service operational"
