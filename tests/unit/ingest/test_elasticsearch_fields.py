"""A search response of ``fields`` (no ``_source``): every value an array, read as the
source would be."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from postmortem_kit import read_events

SAMPLE = Path(__file__).resolve().parents[2] / "data/ingest/es-fields-response.json"


def test_a_fields_response_reads_like_a_source_response():
    events = read_events(SAMPLE)
    assert events.attrs["layouts"][str(SAMPLE)]["format"] == "elasticsearch"
    assert list(events["timestamp"]) == [pd.Timestamp("2024-05-01T10:00:01Z"),
                                         pd.Timestamp("2024-05-01T10:00:02.250Z")]
    assert list(events["message"]) == ["retrying", "payment provider call failed"]
    assert list(events["level"]) == ["warning", "error"]
    assert list(events["service"]) == ["checkout", "checkout"]
    assert list(events["json_path"]) == ["hits.hits[1]", "hits.hits[0]"]
    assert list(events["tags"].iloc[1]) == ["eu", "canary"]  # a many-value array stays one
