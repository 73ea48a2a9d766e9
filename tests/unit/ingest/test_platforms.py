"""Exports of the platforms SREs use, each read by ``format="auto"`` and checked against
the ground truth written by hand beside its sample (``<sample>.expected.json``: the
format that must be detected, every row in time order with the columns it must have,
and the rejected records)."""

from __future__ import annotations

import json
import math
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

from postmortem_kit import read_events
from postmortem_kit.ingest.detect import detect_format

PLATFORMS = Path(__file__).parents[2] / "data" / "ingest" / "platforms"
SAMPLES = sorted(p for p in PLATFORMS.rglob("*") if p.is_file()
                 and not p.name.endswith(".expected.json"))


def _load(path: Path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_events(path)


def _same(got, want) -> bool:
    if want is None:
        return bool(pd.isna(got))
    if isinstance(got, pd.Timestamp) and isinstance(want, str):
        return got == pd.Timestamp(want)
    if isinstance(want, float):
        return not pd.isna(got) and math.isclose(float(got), want, rel_tol=1e-9)
    if isinstance(want, bool):
        return bool(got) is want
    return got == want


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_platform_sample_loads_as_written_by_hand(sample):
    truth = json.loads(Path(f"{sample}.expected.json").read_text())
    assert detect_format(sample).name == truth["format"]
    events = _load(sample)
    assert len(events) == len(truth["rows"]), events[["timestamp", "message"]]
    for i, want in enumerate(truth["rows"]):
        row = events.iloc[i]
        for col, value in want.items():
            if col == "timestamp":
                value = pd.Timestamp(value)
            assert col in events.columns, (i, col)
            assert _same(row[col], value), (i, col, row[col], value)
    rejected = events.attrs["rejected"]
    assert len(rejected) == len(truth["rejected"]), rejected.to_dict("records")
    for got, want in zip(rejected.itertuples(), truth["rejected"], strict=True):
        assert _same(got.line, want["line"]) and want["reason"] in got.reason, got


def test_mixed_platforms_in_one_folder_each_file_read_by_its_own_format(tmp_path):
    for sub in ("docker", "journald", "gcp", "cri"):
        for f in (PLATFORMS / sub).iterdir():
            if not f.name.endswith(".expected.json"):
                shutil.copy(f, tmp_path / f.name)
    (tmp_path / "NOTES.txt").write_text("what we exported and when\n")
    events = _load(tmp_path)
    by_source = events.groupby("source", observed=True).size().to_dict()
    assert by_source == {"web-json": 6, "web-1": 4, "db-1-pretty": 2, "checkout-logs": 3,
                         "checkout-0": 7}
    assert any("NOTES.txt" in n and "skipped" in n for n in events.attrs["notes"])


def test_truncated_json_document_keeps_the_records_before_the_damage(tmp_path):
    text = (PLATFORMS / "invented" / "nimbus_export.json").read_text()
    cut = tmp_path / "cut.json"
    cut.write_text(text[: text.index('"id": "e-1003"') + 30])
    events = _load(cut)
    assert events["message"].tolist() == ["retrying payment provider call (attempt 2)",
                                          "payment provider timed out after 3000 ms"]
    [reason] = events.attrs["rejected"]["reason"].tolist()
    assert reason.startswith("result.entries[2]: invalid JSON")
    assert "2 record(s) before it kept" in reason


def test_a_line_no_platform_shape_fits_is_rejected_with_its_number(tmp_path):
    cri = tmp_path / "0.log"
    cri.write_text("2024-05-01T10:00:00.000000001Z stdout F up\n"
                   "kubelet restarted the container here\n"
                   "2024-05-01T10:00:01.000000001Z stderr F down\n")
    events = _load(cri)
    assert events["message"].tolist() == ["up", "down"]
    [reject] = events.attrs["rejected"].itertuples()
    assert reject.line == 2 and reject.reason.startswith("not a CRI log line")


def test_errors_raise_names_the_record_of_a_json_export(tmp_path):
    from postmortem_kit.errors import IngestError

    sample = PLATFORMS / "invented" / "nimbus_export.json"
    with pytest.raises(IngestError, match=r"result\.entries\[2\]: no value for 'event\.timestamp'"
                       ) as caught:
        read_events(sample, errors="raise")
    assert caught.value.file == str(sample)
