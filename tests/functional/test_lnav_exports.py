"""Real proxy and CDN logs from lnav's test suite load as requests with the right times.

The files live beside the repository in ``../shared/samples/lnav`` (not in a user's clone):
the tests skip when it is absent. The expected values were read off the files by hand.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from postmortem_kit import read_events
from postmortem_kit.ingest.detect import detect_format

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "lnav"

pytestmark = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason=f"lnav samples not found at {SAMPLES} (not in a user's clone)"
)

# file, format, rows, (row index, {column: value}) read off the file by hand
CASES = [
    ("logfile_haproxy.0", "haproxy", 17, [
        (0, {"kind": "log", "timestamp": "2019-02-25T16:19:38Z",
             "message": "Proxy prod_http_in started."}),
        (3, {"kind": "request", "timestamp": "2019-02-25T16:19:48.143Z", "line": 4,
             "client": "141.35.244.171", "status": 200, "latency_ms": 1487.0,
             "method": "GET", "backend": "bk_admin", "server": "nginx_sonst"}),
    ]),
    ("logfile_caddy_log.1", "caddy", 4, [
        (0, {"kind": "request", "timestamp": "2024-05-26T11:42:52.583924Z", "status": 200,
             "client": "10.10.10.117", "method": "GET",
             "path": "/gentoo/gentoo-distfiles/distfiles/9b/tl-hrlatex.source-2021.tar.xz"}),
    ]),
    ("logfile_cloudflare.json", "cloudflare", 1, [
        (0, {"kind": "request", "timestamp": "2022-10-30T00:00:02Z", "method": "HEAD",
             "path": "/", "status": 301, "client": "87.226.160.250",
             "host": "www.ripe.net"}),
    ]),
    ("logfile_uwsgi.0", "uwsgi", 19, [
        (0, {"kind": "request", "timestamp": "2016-03-13T22:49:12Z", "method": "POST",
             "path": "/update_metrics", "status": 200, "latency_ms": 129.0,
             "client": "127.0.0.1"}),
        (2, {"path": "/endpoint2", "latency_ms": 0.068}),
    ]),
    ("logfile_w3c.1", "w3c", 1, [
        (0, {"kind": "request", "timestamp": "2001-10-31T00:00:18Z", "line": 7,
             "client": "64.103.37.2", "user": "DMS.user", "method": "GET",
             "path": "/admin/images/oc_bottomleft.gif", "status": 200,
             "cs(Referrer)": "http://www.oracle.com/nl/partner/content.html"}),
    ]),
    ("logfile_w3c.3", "w3c", 3, [
        (0, {"timestamp": "2012-08-15T17:00:00.363Z", "client": "70.95.0.0",
             "path": "/Products/theProduct", "status": 200, "latency_ms": 109.0}),
        (2, {"status": 404, "level": "warning", "latency_ms": 359.0,
             "sc-substatus": ' "garbage" w/ spaces ', "host": "hello.example.com"}),
    ]),
    ("logfile_w3c.5", "w3c", 1, [
        (0, {"timestamp": "2015-01-13T00:32:17Z", "method": "GET", "path": "/robots.txt",
             "s-ip": "100.79.192.81"}),
    ]),
    ("logfile_w3c_big.0", "w3c", 210, [
        (0, {"timestamp": "2015-01-13T00:32:17Z", "status": 404, "latency_ms": 283.0,
             "client": "157.55.39.146", "line": 5}),
    ]),
]


@pytest.mark.parametrize(("name", "fmt", "rows", "checks"), CASES, ids=[c[0] for c in CASES])
def test_real_sample_loads_with_its_format_and_request_fields(name, fmt, rows, checks):
    path = SAMPLES / name
    assert detect_format(path).name == fmt
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        events = read_events(path)
    assert len(events) == rows and len(events.attrs["rejected"]) == 0
    for i, want in checks:
        for col, value in want.items():
            got = events.iloc[i][col]
            if col == "timestamp":
                value = pd.Timestamp(value)
            if isinstance(value, float):
                assert got == pytest.approx(value), (i, col)
            else:
                assert got == value, (i, col, got)
