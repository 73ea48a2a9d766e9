"""The load report in ``events.attrs["rejected"]`` must not break ordinary pandas work."""

from __future__ import annotations

import pandas as pd
import pytest

from postmortem_kit.errors import IngestWarning
from postmortem_kit.ingest import read_events


def _loaded(tmp_path):
    path = tmp_path / "app.jsonl"
    path.write_text('{"ts": "2026-01-01T00:00:00Z", "msg": "a", "level": "info"}\n'
                    "{not json\n"
                    '{"ts": "2026-01-01T00:01:00Z", "msg": "b", "level": "error"}\n')
    with pytest.warns(IngestWarning, match="1 rejected record"):
        return read_events(path)


def test_slices_of_the_events_concatenate(tmp_path):
    events = _loaded(tmp_path)
    both = pd.concat([events[events["level"] == "info"], events[events["level"] == "error"]])
    assert list(both["message"]) == ["a", "b"]
    assert len(both.attrs["rejected"]) == 1  # the report travels along


def test_events_round_trip_through_parquet(tmp_path):
    events = _loaded(tmp_path)
    events.to_parquet(tmp_path / "events.parquet")
    back = pd.read_parquet(tmp_path / "events.parquet")
    assert list(back["message"]) == ["a", "b"]
    assert back.attrs["rejected"][0][1] == 2  # (file, line, reason, text) as plain JSON


def test_the_report_reads_like_a_frame(tmp_path):
    rejected = _loaded(tmp_path).attrs["rejected"]
    assert list(rejected["line"]) == [2]
    assert list(rejected.columns) == ["file", "line", "reason", "text"]
    assert not rejected.empty
    assert rejected.groupby("reason").size().sum() == 1
    assert isinstance(rejected.frame, pd.DataFrame)
