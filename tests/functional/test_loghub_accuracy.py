"""Ground truth check: the LogHub samples, loaded with ``format="auto"``, against their
hand-checked parses (``*_structured.csv``).

For each line the loader must recover the ground truth's timestamp, level (where the
format has one) and message (``Content``); at least 99.5% of the 2,000 lines of each
sample must get all of them right. The samples live beside the repository in
``../shared/samples`` (not in a user's clone): the tests skip when it is absent.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from postmortem_kit.ingest import read_events

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "loghub"
REQUIRED_ACCURACY = 0.995

# The samples' level spellings, written out here rather than taken from the loader, so the
# check does not depend on the code it checks (DESIGN.md §1: WARN -> warning).
EXPECTED_LEVEL = {"INFO": "info", "WARN": "warning", "ERROR": "error",
                  "notice": "notice", "error": "error"}

pytestmark = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason=f"LogHub samples not found at {SAMPLES} (not in a user's clone)"
)


def _truth(name: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLES / name / f"{name}_2k.log_structured.csv", dtype=str,
                       keep_default_na=False)


def _load(name: str, **kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rejects are counted below, as misses
        events = read_events(SAMPLES / name / f"{name}_2k.log", format="auto", **kwargs)
    return events.set_index("line")


def _expected_times(name: str, truth: pd.DataFrame) -> pd.Series:
    """The ground truth's timestamps, parsed with explicit formats (naive = UTC)."""
    if name == "Apache":
        text, fmt = truth["Time"], "%a %b %d %H:%M:%S %Y"
    elif name == "Linux":
        text = "2005 " + truth["Month"] + " " + truth["Date"] + " " + truth["Time"]
        fmt = "%Y %b %d %H:%M:%S"
    elif name == "Zookeeper":
        text = truth["Date"] + " " + truth["Time"].str.replace(",", ".")
        fmt = "%Y-%m-%d %H:%M:%S.%f"
    else:  # Spark: yy/mm/dd
        text, fmt = truth["Date"] + " " + truth["Time"], "%y/%m/%d %H:%M:%S"
    return pd.to_datetime(text, format=fmt, utc=True).astype("datetime64[us, UTC]")


def _accuracy(name: str, truth: pd.DataFrame, events: pd.DataFrame, *, with_level: bool):
    lines = truth["LineId"].astype(int)
    got = events.reindex(lines)  # a rejected line comes back as all-NA: a miss
    ok_time = got["timestamp"].to_numpy() == _expected_times(name, truth).to_numpy()
    # LogHub's parser trims the whitespace around Content; the loader keeps lines exact.
    ok_msg = got["message"].fillna("\0").str.strip().to_numpy() == truth["Content"].to_numpy()
    ok = ok_time & ok_msg
    if with_level:
        want = truth["Level"].map(EXPECTED_LEVEL)
        ok &= got["level"].astype("str").to_numpy() == want.to_numpy()
    misses = truth.loc[~ok, ["LineId", "Content"]].head(5).to_dict("records")
    return ok.mean(), misses


@pytest.mark.parametrize("name", ["Apache", "Zookeeper", "Spark"])
def test_text_logs_match_ground_truth(name):
    truth = _truth(name)
    events = _load(name)
    accuracy, misses = _accuracy(name, truth, events, with_level=True)
    assert accuracy >= REQUIRED_ACCURACY, (name, accuracy, misses)


def test_linux_syslog_matches_ground_truth():
    truth = _truth("Linux")
    events = _load("Linux", year=2005)
    accuracy, misses = _accuracy("Linux", truth, events, with_level=False)
    assert accuracy >= REQUIRED_ACCURACY, (accuracy, misses)
    # LogHub's "Level" column for this file holds the host name, and "Component" the program.
    got = events.reindex(truth["LineId"].astype(int))
    assert (got["host"].to_numpy() == truth["Level"].to_numpy()).mean() >= REQUIRED_ACCURACY
    assert (got["service"].to_numpy() == truth["Component"].to_numpy()).mean() >= REQUIRED_ACCURACY


@pytest.mark.parametrize(
    ("name", "expected_format"),
    [("Apache", "text"), ("Zookeeper", "text"), ("Spark", "text"), ("Linux", "syslog")],
)
def test_auto_detection_picks_the_format(name, expected_format):
    from postmortem_kit.ingest.detect import detect_format
    from postmortem_kit.ingest.files.decompress import read_head

    path = SAMPLES / name / f"{name}_2k.log"
    assert detect_format(path).name == expected_format, read_head(path)[:200]
