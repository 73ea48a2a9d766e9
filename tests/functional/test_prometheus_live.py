"""read_prometheus against a real Prometheus, backfilled with the sample incident's metrics,
and the timeline derived from metrics, alerts, pages, deploys and chat alone."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import pandas as pd
import pytest

from postmortem_kit import read_prometheus
from postmortem_kit.errors import IngestError, IngestWarning
from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.schema import concat_events
from postmortem_kit.paths import data_dir
from postmortem_kit.sample.incident import response_paths
from postmortem_kit.sample.metrics import QUERIES
from postmortem_kit.timeline import derive_timeline
from tests.functional.prometheus_server import free_port, running_prometheus

INCIDENT = data_dir() / "incident"
START, END = "2026-03-12T13:00:00Z", "2026-03-12T16:00:00Z"
ONE_BIN = pd.Timedelta("1min")
# user "postmortem", password "s3cret-pm" (bcrypt, as Prometheus' web config wants it)
WEB_CONFIG = ("basic_auth_users:\n  postmortem: "
              "$2b$04$O2zGtY5MGDLibaLpmIV7Qe3gNKy9qKWoBa0pVr2.bprJDTI0WmjCy\n")


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((INCIDENT / "truth.json").read_text())


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    with running_prometheus(tmp_path_factory.mktemp("prometheus"),
                            INCIDENT / "metrics.om") as url:
        yield url


def test_a_query_returns_metric_rows_with_labels_as_columns(prometheus):
    events = read_prometheus(prometheus, {"requests": "http_requests_total"}, START, END,
                             alerts=False)
    assert set(events["kind"].astype(str)) == {"metric"}
    assert (events["metric"] == "requests").all()
    assert events["value"].dtype == "float64"
    assert set(events["labels.code"]) >= {"200", "500", "503"}
    assert (events["service"] == "shop").all()  # from the job label
    # the counters as written: the last sample of the 5xx series counts the access log's
    last = events[events["timestamp"] == events["timestamp"].max()]
    assert last["value"].sum() == pytest.approx(13017)  # access.log lines (truth files)


def test_the_error_ratio_query_and_alerts_are_evidence_enough_for_a_full_timeline(
        prometheus, truth):
    metrics = read_prometheus(prometheus, {"error_ratio": QUERIES["error_ratio"]}, START, END)
    alerts = metrics[metrics["kind"] == "alert"]
    fired = alerts[(alerts["state"] == "firing") & (alerts["alert"] == "HighErrorRate")]
    assert len(fired) == 1
    assert abs(fired["timestamp"].iloc[0] - pd.Timestamp(truth["first_alert"]["firing"])) \
        <= pd.Timedelta("15s")  # the next 15 s step of the query
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        response = read_events(response_paths())
    tl = derive_timeline(concat_events([metrics, response]))
    assert [s.label for s in tl.sli] == ["error ratio (metric error_ratio)"]
    for phase, when in truth["phases"].items():
        got = tl.phases.at[phase, "time"]
        assert abs(got - pd.Timestamp(when)) <= ONE_BIN, f"{phase}: {got} vs {when}"
    assert "metric error_ratio" in tl.phases.at["started", "note"]


def test_a_latency_quantile_query_is_the_latency_sli(prometheus, truth):
    metrics = read_prometheus(prometheus, {"latency_p99": QUERIES["latency_p99"]}, START, END,
                              alerts=False)
    tl = derive_timeline(metrics, signatures=False, slo_latency="2s")
    (sli,) = tl.sli
    assert (sli.label, sli.threshold) == ("latency (metric latency_p99)", 2000.0)
    assert abs(tl.phases.at["started", "time"] - pd.Timestamp(truth["phases"]["started"])) \
        <= ONE_BIN


def test_a_bad_query_says_what_prometheus_said(prometheus):
    with pytest.raises(IngestError, match=r"query 'broken' failed: bad_data: .*parse error") \
            as info:
        read_prometheus(prometheus, {"broken": "sum(rate(http_requests_total[1m]"}, START, END)
    assert info.value.exit_code == 2 and prometheus in str(info.value)


def test_an_unreachable_server_is_a_clear_error_naming_it():
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(IngestError, match="cannot reach Prometheus") as info:
        read_prometheus(url, {"error_ratio": "up"}, START, END, timeout=5)
    assert info.value.exit_code == 2 and url in str(info.value)


def test_an_empty_result_is_a_note_and_a_warning(prometheus):
    with pytest.warns(IngestWarning, match="'missing' returned no series"):
        events = read_prometheus(prometheus, {"missing": "no_such_metric"}, START, END,
                                 alerts=False)
    assert len(events) == 0
    assert events.attrs["notes"] == [f"query 'missing' returned no series between "
                                     f"{pd.Timestamp(START)} and {pd.Timestamp(END)}"]


def test_a_long_range_gets_a_step_under_the_point_limit(prometheus):
    # three days at 15 s would be 17,281 points per series: Prometheus refuses above 11,000
    start, end = "2026-03-10T00:00:00Z", "2026-03-13T00:00:00Z"
    events = read_prometheus(prometheus, {"requests": "sum(http_requests_total)"}, start, end,
                             step="15s", alerts=False)
    steps = events["timestamp"].diff().dropna().unique()
    assert list(steps) == [pd.Timedelta("24s")]  # 72 h / 10,999 points, rounded up
    assert events.attrs["notes"] == ["step 15s would need more than 11,000 points per "
                                     "series from 2026-03-10 00:00:00+00:00 to "
                                     "2026-03-13 00:00:00+00:00: 24s used"]


def test_basic_auth_is_sent_and_a_refusal_says_so(tmp_path):
    with running_prometheus(tmp_path, web_config=WEB_CONFIG) as url:
        with pytest.raises(IngestError, match=r"refused: HTTP 401 .*check token= / auth="):
            read_prometheus(url, {"up": "vector(1)"}, START, END, alerts=False)
        events = read_prometheus(url, {"one": "vector(1)"}, START, END, alerts=False,
                                 auth=("postmortem", "s3cret-pm"))
        assert (events["value"] == 1.0).all() and len(events) == 721


def test_the_ingest_command_reads_prometheus(prometheus, tmp_path):
    out = tmp_path / "events.parquet"
    result = subprocess.run(
        [sys.executable, "-m", "postmortem_kit", "ingest", "--prometheus", prometheus,
         "--query", f"error_ratio={QUERIES['error_ratio']}", "--start", START, "--end", END,
         "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "prometheus: " in result.stdout
    events = pd.read_parquet(out)
    assert set(events["metric"].dropna()) == {"error_ratio", "ALERTS"}


def test_the_ingest_command_exits_2_when_prometheus_is_unreachable():
    url = f"http://127.0.0.1:{free_port()}"
    result = subprocess.run(
        [sys.executable, "-m", "postmortem_kit", "ingest", "--prometheus", url,
         "--query", "error_ratio=up", "--start", START, "--end", END],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "cannot reach Prometheus" in result.stderr and url in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--query", "error_ratio=up"], "--query needs --prometheus URL"),
    (["--prometheus", "http://127.0.0.1:9"], "--prometheus needs at least one --query"),
    (["--prometheus", "http://127.0.0.1:9", "--query", "error_ratio"], "expected NAME=PROMQL"),
    (["--prometheus", "http://127.0.0.1:9", "--query", "a=up"], "needs --start and --end"),
    ([], "give evidence FILEs, or --prometheus URL with --query"),
])
def test_the_ingest_command_refuses_prometheus_flags_it_cannot_use(args, message):
    result = subprocess.run([sys.executable, "-m", "postmortem_kit", "ingest", *args],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert message in result.stderr
