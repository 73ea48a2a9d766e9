"""A real Prometheus for the tests: Debian's ``prometheus`` package, on a free localhost
port, with a temporary storage folder backfilled from an OpenMetrics file by ``promtool``."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"


def require_prometheus() -> None:
    """Skip when Debian's prometheus is missing; fail under CI, which must install it."""
    if Path(PROMETHEUS).exists() and Path(PROMTOOL).exists():
        return
    if os.environ.get("CI"):
        pytest.fail("prometheus is not installed: .ci/run must install Debian's prometheus")
    pytest.skip("Debian's prometheus is not installed (apt-get install prometheus)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_prometheus(folder: Path, metrics: Path | None = None,
                       web_config: str | None = None) -> Iterator[str]:
    """Backfill ``metrics`` (OpenMetrics) into ``folder``, start Prometheus on it and yield
    its URL; stop it after."""
    require_prometheus()
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    if metrics is not None:
        subprocess.run([PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", str(metrics),
                        str(data)], check=True, capture_output=True, timeout=300)
    config = folder / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 1h\n", encoding="utf-8")  # scrapes nothing
    port = free_port()
    args = [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={data}",
            f"--web.listen-address=127.0.0.1:{port}",
            # the backfilled evidence is months old: keep it, whatever its age
            "--storage.tsdb.retention.time=100y",
            # backfilled series carry no staleness markers: without this an alert would
            # look firing for the default 5 minutes after its last sample
            "--query.lookback-delta=30s"]
    if web_config is not None:
        path = folder / "web.yml"
        path.write_text(web_config, encoding="utf-8")
        args.append(f"--web.config.file={path}")
    log = open(folder / "prometheus.log", "wb")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, proc, folder / "prometheus.log", auth=web_config is not None)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _wait_ready(url: str, proc: subprocess.Popen, log: Path, *, auth: bool) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"prometheus exited ({proc.returncode}): "
                               f"{log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as answer:
                if answer.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            if auth and exc.code == 401:  # up, and asking for the credentials
                return
        except OSError:
            pass
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"prometheus not ready after 90 s: {tail}")
