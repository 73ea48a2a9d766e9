"""``alb`` and ``elb``: AWS Elastic Load Balancing access logs (as delivered to S3).

Application Load Balancer lines start with the request type (``http``, ``https``, ``h2``,
``grpcs``, ``ws``, ``wss``), then ``time`` (when the load balancer sent the response),
..., and later ``request_creation_time`` (when it received the request): the row's time is
the latter, the former stays as ``response_time``. Classic Load Balancer lines start with
``time``, the time the request was received. The latency is the sum of the request,
target (backend) and response processing times in seconds (``-1``: the load balancer could
not dispatch the request, so NA). ``status`` is the load balancer's status code,
``target_status_code`` the target's (``-`` without one); the request line gives
``method`` and ``path`` (without scheme and host); ``trace_id`` is ``X-Amzn-Trace-Id``.
Fields the newer ALB versions add after ``error_reason`` are kept in ``extra``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.requests import as_requests, dash_na, split_request
from postmortem_kit.ingest.shapes import load_shape, share_matching
from postmortem_kit.ingest.times import TIMESTAMP_DTYPE, parse_timestamps

_Q = r'(?:[^"\\]|\\.)*'
_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z"
_COMMON = (r"(?P<client>\S+):(?P<client_port>\d+) (?P<target>\S+) "
           r"(?P<request_processing_time>\S+) (?P<target_processing_time>\S+) "
           r"(?P<response_processing_time>\S+) (?P<elb_status_code>\d{3}|-) "
           r"(?P<target_status_code>\S+) (?P<received_bytes>\d+) (?P<sent_bytes>\d+) "
           r'"(?P<request>' + _Q + r')" "(?P<user_agent>' + _Q + r')" '
           r"(?P<ssl_cipher>\S+) (?P<ssl_protocol>\S+)")
ALB = (r"^(?P<type>https?|h2|grpcs?|wss?) (?P<response_time>" + _TIME + r") (?P<elb>\S+) "
       + _COMMON + r" (?P<target_group_arn>\S+) "
       r'"(?P<trace_id>' + _Q + r')" "(?P<domain_name>' + _Q + r')" '
       r'"(?P<chosen_cert_arn>' + _Q + r')" (?P<matched_rule_priority>\S+) '
       r"(?P<time>" + _TIME + r") "
       r'"(?P<actions_executed>' + _Q + r')" "(?P<redirect_url>' + _Q + r')" '
       r'"(?P<error_reason>' + _Q + r')"(?P<tail>.*)$')
ELB = r"^(?P<time>" + _TIME + r") (?P<elb>\S+) " + _COMMON + r"$"
_TIMES = ("request_processing_time", "target_processing_time", "response_processing_time")


def alb_sniff(path: Path, head: str) -> float:
    """Up to 0.97: the share of the first lines in the ALB access-log format."""
    return round(0.97 * share_matching(head, ALB), 3)


def elb_sniff(path: Path, head: str) -> float:
    """Up to 0.97: the share of the first lines in the Classic Load Balancer format."""
    return round(0.97 * share_matching(head, ELB), 3)


def _columns(groups: pa.Table, ctx: LoadContext) -> pa.Table:
    return groups


def _requests(df: pd.DataFrame, ctx: LoadContext) -> pd.DataFrame:
    if not len(df):
        return df
    df = df.join(split_request(df["request"]))
    df["message"] = df.pop("request")
    df["status"] = pd.to_numeric(df.pop("elb_status_code"), errors="coerce").astype("Int64")
    df["target_status_code"] = pd.to_numeric(df["target_status_code"], errors="coerce"
                                             ).astype("Int64")
    seconds = [pd.to_numeric(df[name], errors="coerce") for name in _TIMES if name in df]
    total = sum(s.where(s >= 0) for s in seconds)
    df["latency_ms"] = total * 1000.0  # (NA when any part is -1: not dispatched)
    for name in ("target", "user_agent", "ssl_cipher", "ssl_protocol", "trace_id",
                 "domain_name", "chosen_cert_arn", "redirect_url", "error_reason"):
        if name in df:
            df[name] = dash_na(df[name])
    for name in ("received_bytes", "sent_bytes"):
        df[name] = pd.to_numeric(df[name], errors="coerce").astype("Int64")
    if "response_time" in df:
        df["response_time"] = pd.Series(
            parse_timestamps(pa.array(df["response_time"], from_pandas=True)).to_pandas(),
            index=df.index).astype(TIMESTAMP_DTYPE)
    if "tail" in df:
        tail = df.pop("tail").str.strip()
        if tail.ne("").any():
            df["extra"] = tail.where(tail != "")
    return as_requests(df)


@register("alb", sniff=alb_sniff, kind="request")
def load_alb(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read an Application Load Balancer access log (see the module docstring)."""
    df = load_shape(path, ctx, ALB, _columns,
                    unmatched="not an ALB access-log line",
                    bad_time="ALB request_creation_time is not ISO 8601")
    return _requests(df, ctx)


@register("elb", sniff=elb_sniff, kind="request")
def load_elb(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read a Classic Load Balancer access log (see the module docstring)."""
    df = load_shape(path, ctx, ELB, _columns,
                    unmatched="not a Classic Load Balancer access-log line",
                    bad_time="ELB time is not ISO 8601")
    return _requests(df.rename(columns={"backend_processing_time": "target_processing_time"}),
                     ctx)
