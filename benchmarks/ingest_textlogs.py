"""Benchmark: the ``access`` and ``syslog`` loaders, and text logs of inferred layout,
against plain regex extraction.

Generates an nginx access log and an RFC 3164 syslog file of ``--lines`` lines each into
``benchmarks/.data/`` and times, in one process and on the same files:

- ``read_events(path, format=...)``: our whole load (read, parse, timestamps, the events
  frame with its dtypes);
- pandas: the lines read into a ``Series`` and ``Series.str.extract`` with our regex;
- polars: the lines read with ``pl.read_csv`` (one column, no quoting) and
  ``str.extract_groups`` with our regex.

The baselines only extract strings; ours also builds typed columns and UTC timestamps.
Targets (issue 3): ours at least 6x faster than pandas and at most 1.3x polars, with the
same regex.

Run it alone::

    .venv/bin/python benchmarks/ingest_textlogs.py --lines 1000000
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import polars as pl

from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.formats import access, syslog

DATA = Path(__file__).resolve().parent / ".data"
_PATHS = ("/", "/api/v1/cart", "/api/v1/checkout", "/static/app.3f9a.js", "/login?next=%2Fcart",
          "/api/v1/items/12345", "/healthz")
_AGENTS = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/124.0 Safari/537.36", "curl/8.4.0", "kube-probe/1.29",
           "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile/15E148")
# Messages as real servers write them (the reference file: ~130 bytes a line).
_PROGRAMS = (
    ("sshd", "Accepted publickey for deploy from 10.1.2.3 port 52144 ssh2: ED25519 "
             "SHA256:Vq3Kz0uVb1sC9mJ0aQYxR2lT8wE5nP4dF7gH6jK1LzM"),
    ("kernel", "[UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56 SRC=203.0.113.7 "
               "DST=10.0.0.5 LEN=60 TTL=52 PROTO=TCP SPT=51432 DPT=22 SYN"),
    ("checkout", "payment provider timeout after 2000 ms order=81723 "
                 "provider=acme-pay attempt=2 trace_id=4bf92f3577b34da6"),
    ("CRON", "(root) CMD (/usr/local/bin/rotate-logs --config /etc/rotate.d/app.conf)"),
    ("systemd", "Started Session 4212 of user deploy."),
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def generate(lines: int, folder: Path = DATA) -> tuple[Path, Path]:
    """Write ``access.log`` and ``syslog.log`` of ``lines`` lines each (seeded)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".gitignore").write_text("*\n")  # generated data never enters the repository
    rng = random.Random(42)
    acc, sys_ = folder / f"access-{lines}.log", folder / f"syslog-v2-{lines}.log"
    if not acc.exists():
        with open(acc, "w") as f:
            for i in range(lines):
                s = i // 20
                status = rng.choice((200, 200, 200, 200, 301, 404, 500, 503))
                f.write(
                    f"10.{i % 7}.{i % 251}.{i % 199} - - "
                    f"[01/May/2024:{(s // 3600) % 24:02d}:{(s // 60) % 60:02d}:{s % 60:02d} +0000] "
                    f'"{rng.choice(("GET", "GET", "POST"))} {rng.choice(_PATHS)} HTTP/1.1" '
                    f'{status} {rng.randint(0, 60000)} "https://shop.example.com/" '
                    f'"{rng.choice(_AGENTS)}" {rng.random() * 2:.3f}\n'
                )
    if not sys_.exists():
        with open(sys_, "w") as f:
            for i in range(lines):
                s = i // 20
                prog, msg = rng.choice(_PROGRAMS)
                f.write(
                    f"{_MONTHS[4]} {1 + (s // 86400) % 28:2d} {(s // 3600) % 24:02d}:"
                    f"{(s // 60) % 60:02d}:{s % 60:02d} web-{i % 5} {prog}[{1000 + i % 5000}]: "
                    f"{msg}\n"
                )
    return acc, sys_


def _time(funcs: list[Callable[[], object]], repeat: int) -> list[tuple[float, float]]:
    """Median (wall, CPU) seconds of each function.

    Runs are interleaved so that load from other processes on a shared machine hits the
    contenders alike; CPU time (all threads of this process) is the steadier measure of
    work when the machine is busy, wall time what a user waits.
    """
    runs: list[list[tuple[float, float]]] = [[] for _ in funcs]
    for _ in range(repeat):
        for func, out in zip(funcs, runs, strict=True):
            w0, c0 = time.perf_counter(), time.process_time()
            func()
            out.append((time.perf_counter() - w0, time.process_time() - c0))
    return [(statistics.median(w for w, _ in r), statistics.median(c for _, c in r))
            for r in runs]


def _pandas(path: Path, rx: str) -> pd.DataFrame:
    lines = pd.Series(path.read_text(encoding="utf-8").splitlines(), dtype="str")
    return lines.str.extract(rx)


def _polars(path: Path, rx: str) -> pl.DataFrame:
    # One column, no quoting: \x1f never occurs in the generated files.
    lines = pl.read_csv(path, has_header=False, new_columns=["line"], separator="\x1f",
                        quote_char=None, infer_schema=False)
    return lines.select(pl.col("line").str.extract_groups(rx)).unnest("line")


def _ours(path: Path, fmt: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_events(path, format=fmt, year=2024, progress=False)


def run(lines: int, repeat: int = 3, pandas_repeat: int = 1) -> list[str]:
    """Generate the files, time the contenders, return the report lines.

    The baselines run the regex our loader runs on these lines: ``access.COMBINED``; for
    syslog the one-pass ``syslog.RFC3164_FAST`` (the loader keeps the full grammar,
    ``syslog.RFC3164``, for lines it does not fit), and the grammar too, for comparison.
    """
    acc, sys_ = generate(lines)
    out = [f"text logs, {lines:,} lines each (median of {repeat}; pandas {pandas_repeat})"]
    cases = (("access", acc, {"grammar": access.COMBINED}),
             ("syslog", sys_, {"fast path": syslog.RFC3164_FAST, "grammar": syslog.RFC3164}))
    for name, path, regexes in cases:
        rows = len(_ours(path, name))  # also warms up imports and caches
        timed = _time([lambda p=path, n=name: _ours(p, n)]
                      + [lambda p=path, r=rx: _polars(p, r) for rx in regexes.values()], repeat)
        ours, polars = timed[0], dict(zip(regexes, timed[1:], strict=True))
        pandas = dict(zip(regexes, _time([lambda p=path, r=rx: _pandas(p, r)
                                          for rx in regexes.values()], pandas_repeat),
                          strict=True))
        size = path.stat().st_size / 1e6
        out += [f"{name}: {size:.0f} MB, {rows:,} rows loaded          wall s   CPU s",
                f"  ours (read_events)              {ours[0]:7.2f} {ours[1]:7.2f}"]
        for label, (wall, cpu) in polars.items():
            out.append(f"  polars extract_groups, {label:9s}{wall:7.2f} {cpu:7.2f}"
                       f"   ours/polars = {ours[0] / wall:4.2f} wall, {ours[1] / cpu:4.2f} CPU"
                       "  (target <= 1.30)")
        for label, (wall, cpu) in pandas.items():
            out.append(f"  pandas str.extract, {label:9s}   {wall:7.2f} {cpu:7.2f}"
                       f"   pandas/ours = {wall / ours[0]:4.1f} wall, {cpu / ours[1]:4.1f}"
                       " CPU  (target >= 6)")
    return out


# -- inferred layouts (issue 13) ---------------------------------------------------------
_TAGS = ("ActivityManager", "WindowManager", "AndroidRuntime", "chromium", "NetworkMonitor")
_FILES = ("main.cc", "server.cc", "storage/db.cc", "rpc/channel.cc")
_LOGGERS = ("checkout.api", "checkout.db", "payments.client", "auth.session")
_WORDS = ("request", "finished", "retrying", "connection", "reset", "by", "peer", "cache",
          "miss", "for", "key", "user", "order", "timeout", "after", "ms", "queue", "depth")
# The hand-written regex a user would write for each layout: the baselines run it.
INFERRED: dict[str, str] = {
    "logcat": (r"^(?P<month>\d\d)-(?P<day>\d\d) (?P<time>\d\d:\d\d:\d\d\.\d{3})\s+"
               r"(?P<pid>\d+)\s+(?P<tid>\d+) (?P<level>[VDIWEF]) (?P<tag>[^:]+): (?P<message>.*)$"),
    "glog": (r"^(?P<level>[IWEF])(?P<month>\d\d)(?P<day>\d\d) "
             r"(?P<time>\d\d:\d\d:\d\d\.\d{6})\s+(?P<thread>\d+) "
             r"(?P<file>[^:\]]+:\d+)\] (?P<message>.*)$"),
    "iso-after-file": (r"^(?P<file>[^:]+):(?P<timestamp>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) "
                       r"(?P<level>[A-Z]+) (?P<logger>\S+) - (?P<message>.*)$"),
}


def generate_inferred(lines: int, folder: Path = DATA) -> dict[str, Path]:
    """Write one file of ``lines`` lines per layout of :data:`INFERRED` (seeded)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(13)
    paths = {}
    for name in INFERRED:
        path = paths[name] = folder / f"{name}-{lines}.log"
        if path.exists():
            continue
        with open(path, "w") as f:
            for i in range(lines):
                s = i // 20
                hms = f"{(s // 3600) % 24:02d}:{(s // 60) % 60:02d}:{s % 60:02d}"
                msg = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 14)))
                if name == "logcat":
                    f.write(f"05-14 {hms}.{i % 1000:03d}  {1000 + i % 50:5d} {2000 + i % 97:5d} "
                            f"{rng.choice('DIIIWE')} {rng.choice(_TAGS)}: {msg}\n")
                elif name == "glog":
                    f.write(f"{rng.choice('IIIWE')}0517 {hms}.{i % 1_000_000:06d} "
                            f"{1952452992 + i % 7:10d} {rng.choice(_FILES)}:{i % 400}] {msg}\n")
                else:
                    f.write(f"logs/web-{i % 3}.log:2024-05-01 {hms},{i % 1000:03d} "
                            f"{rng.choice(('INFO', 'INFO', 'WARN', 'ERROR'))} "
                            f"{rng.choice(_LOGGERS)} - {msg}\n")
    return paths


def _ours_auto(path: Path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_events(path, year=2024, progress=False)


def run_inferred(lines: int, repeat: int = 3, pandas_repeat: int = 1) -> list[str]:
    """Inference plus load (``format="auto"``) against the baselines with the hand-written
    regex of each layout (:data:`INFERRED`); targets (issue 13): ours at least 6x faster
    than pandas, at most 1.5x polars."""
    paths = generate_inferred(lines)
    out = [f"inferred layouts, {lines:,} lines each (median of {repeat}; pandas {pandas_repeat})"]
    for name, path in paths.items():
        rx = INFERRED[name]
        rows = len(_ours_auto(path))
        (ours, polars) = _time([lambda p=path: _ours_auto(p),
                                lambda p=path, r=rx: _polars(p, r)], repeat)
        (pandas,) = _time([lambda p=path, r=rx: _pandas(p, r)], pandas_repeat)
        size = path.stat().st_size / 1e6
        out += [f"{name}: {size:.0f} MB, {rows:,} rows loaded          wall s   CPU s",
                f"  ours (read_events, auto)        {ours[0]:7.2f} {ours[1]:7.2f}",
                f"  polars extract_groups           {polars[0]:7.2f} {polars[1]:7.2f}"
                f"   ours/polars = {ours[0] / polars[0]:4.2f} wall, {ours[1] / polars[1]:4.2f} CPU"
                "  (target <= 1.50)",
                f"  pandas str.extract              {pandas[0]:7.2f} {pandas[1]:7.2f}"
                f"   pandas/ours = {pandas[0] / ours[0]:4.1f} wall, {pandas[1] / ours[1]:4.1f}"
                " CPU  (target >= 6)"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pandas-repeat", type=int, default=1)
    parser.add_argument("--only", choices=("fixed", "inferred"),
                        help="only the access/syslog section, or only the inferred layouts")
    args = parser.parse_args()
    if args.only != "inferred":
        print("\n".join(run(args.lines, args.repeat, args.pandas_repeat)))
    if args.only != "fixed":
        print("\n".join(run_inferred(args.lines, args.repeat, args.pandas_repeat)))


if __name__ == "__main__":
    main()
