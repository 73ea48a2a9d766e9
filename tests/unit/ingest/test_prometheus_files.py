"""Prometheus evidence saved to files: a query_range answer (JSON) and Grafana's CSV
export, detected by format="auto"; and read_prometheus' step and header choices."""

from __future__ import annotations

import json
import warnings

import pandas as pd

from postmortem_kit.errors import IngestWarning
from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.prometheus import _headers, choose_step
from postmortem_kit.ingest.reader import detect_format

T = 1773324000  # 2026-03-12T14:00:00Z


def answer(result, kind="matrix"):
    return {"status": "success", "data": {"resultType": kind, "result": result}}


def load(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        return read_events(path, **kw)


def test_a_saved_query_range_answer_is_named_after_its_file(tmp_path):
    path = tmp_path / "error_ratio.json"
    path.write_text(json.dumps(answer([
        {"metric": {"job": "shop", "instance": "edge-1:9100"},
         "values": [[T, "0.001"], [T + 15, "0.25"], [T + 30, "NaN"]]}])))
    assert detect_format(path).name == "prometheus-json"
    events = load(path)
    assert list(events["metric"]) == ["error_ratio"] * 3
    assert events["value"].iloc[:2].tolist() == [0.001, 0.25] and pd.isna(events["value"][2])
    assert list(events["timestamp"]) == list(pd.to_datetime([T, T + 15, T + 30], unit="s",
                                                           utc=True))
    assert (events["kind"] == "metric").all() and (events["source"] == "error_ratio").all()
    assert events["labels.instance"].iloc[0] == "edge-1:9100"
    assert (events["service"] == "shop").all() and (events["host"] == "edge-1").all()


def test_alerts_series_in_a_saved_answer_become_firing_and_resolved_events(tmp_path):
    path = tmp_path / "alerts.json"
    labels = {"__name__": "ALERTS", "alertname": "HighErrorRate", "alertstate": "firing",
              "severity": "critical", "service": "checkout"}
    path.write_text(json.dumps(answer([
        {"metric": labels, "values": [[T + 15 * k, "1"] for k in range(4)]
         + [[T + 600 + 15 * k, "1"] for k in range(2)]}])))
    events = load(path)
    assert list(zip(events["state"], events["timestamp"], strict=True)) == [
        ("firing", pd.Timestamp(T, unit="s", tz="UTC")),
        ("resolved", pd.Timestamp(T + 60, unit="s", tz="UTC")),  # a step after the last
        ("firing", pd.Timestamp(T + 600, unit="s", tz="UTC")),
        ("resolved", pd.Timestamp(T + 630, unit="s", tz="UTC"))]
    assert (events["kind"] == "alert").all() and (events["alert"] == "HighErrorRate").all()
    assert (events["level"] == "critical").all()


def test_an_error_answer_is_rejected_with_prometheus_own_words(tmp_path):
    path = tmp_path / "error_ratio.json"
    path.write_text(json.dumps({"status": "error", "errorType": "bad_data",
                                "error": "1:5: parse error: unclosed left parenthesis",
                                "data": {"resultType": "matrix", "result": []}}))
    events = load(path, format="prometheus-json")
    (rejected,) = events.attrs["rejected"]
    assert rejected.reason == ("Prometheus answered with an error: 1:5: parse error: "
                               "unclosed left parenthesis")


def test_grafana_csv_series_joined_by_time(tmp_path):
    path = tmp_path / "grafana_data_export.csv"
    path.write_text('"Time","error_ratio","http_requests{code=""500"", job=""shop""}"\n'
                    f"{T * 1000},2.5%,3\n{(T + 60) * 1000},0.1,\n")
    assert detect_format(path).name == "grafana-csv"
    events = load(path)
    ratio = events[events["metric"] == "error_ratio"]
    assert ratio["value"].tolist() == [0.025, 0.1]  # "2.5%" read back as a ratio
    assert ratio["line"].tolist() == [2, 3]
    requests = events[events["metric"] == "http_requests"]
    assert requests["value"].tolist() == [3.0]  # the empty cell is no point
    assert requests["labels.code"].tolist() == ["500"]
    assert requests["timestamp"].tolist() == [pd.Timestamp(T, unit="s", tz="UTC")]


def test_grafana_csv_series_as_rows_with_local_times_and_a_bad_row(tmp_path):
    path = tmp_path / "panel.csv"
    path.write_text('"Series";"Time";"Value"\n'
                    '"latency_p99";"2026-03-12 15:00:00";"850 ms"\n'
                    '"latency_p99";"yesterday";"0.9"\n'
                    '"latency_p99";"2026-03-12 15:01:00";"1.2 s"\n')
    events = load(path, tz="Europe/Berlin")
    assert events["value"].tolist() == [0.85, 1.2]  # seconds, Prometheus' base unit
    assert events["timestamp"].tolist() == [pd.Timestamp("2026-03-12 14:00Z"),
                                            pd.Timestamp("2026-03-12 14:01Z")]
    (rejected,) = events.attrs["rejected"]
    assert (rejected.line, rejected.reason) == (3, "time 'yesterday' is not a time")


def test_an_ordinary_csv_with_a_time_column_is_not_taken_for_grafana(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("time,customer,status\n2026-03-12 14:00:00,alice,paid\n")
    assert detect_format(path).name == "csv"


def test_the_step_is_widened_to_stay_under_the_point_limit():
    start = pd.Timestamp("2026-03-10", tz="UTC")
    notes: list[str] = []
    assert choose_step(start, start + pd.Timedelta("3h"), None, notes) == pd.Timedelta("15s")
    assert choose_step(start, start + pd.Timedelta("30D"), None, notes) == \
        pd.Timedelta("236s")  # 30 days in at most 11,000 points
    assert notes == []  # the default step widens silently; a given one is noted
    choose_step(start, start + pd.Timedelta("30D"), "1min", notes)
    assert len(notes) == 1 and notes[0].startswith("step 60s would need more than 11,000")
    assert notes[0].endswith(": 236s used")


def test_credentials_become_authorization_headers():
    assert _headers("t0k", None, None) == {"Authorization": "Bearer t0k"}
    assert _headers(None, ("ann", "pw"), {"X-Scope-OrgID": "shop"}) == {
        "X-Scope-OrgID": "shop", "Authorization": "Basic YW5uOnB3"}
