"""The JSON-document path (``format="json"``: an export whose records sit in one large
array) against ``json.load`` + ``pd.json_normalize``, in the same process.

    .venv/bin/python benchmarks/json_documents.py [--mb 200] [--repeat 1]

The export is generated into ``benchmarks/.data/``: a Cloud-Logging-like array of nested
records (payload, resource labels, an HTTP request on a third of them, arrays, non-ASCII
text and escapes), wrapped as ``{"result": {"entries": [...]}}`` so that the records array
must be found. Worst case for our path: every record is a new Python object from the
streaming parser before it is flattened by Arrow, and the time field is nested. Timed:
wall and CPU seconds; memory: the peak resident size above what the process held before
the run, sampled every 5 ms (tracemalloc cannot see Arrow's buffers). Targets (issue 14):
ours within 1.5x of the baseline's time, peak at most 4x the file's size.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import threading
import time
import warnings
from pathlib import Path

import pandas as pd

DATA = Path(__file__).parent / ".data"
TARGET_TIME, TARGET_MEMORY = 1.5, 4.0


def generate(path: Path, mb: int, seed: int = 14) -> None:
    """Write an export of about ``mb`` megabytes to ``path``."""
    rng = random.Random(seed)
    services = ["checkout", "payments", "cart", "search", "auth"]
    levels = ["DEBUG", "INFO", "INFO", "INFO", "WARNING", "ERROR", "DEFAULT"]
    base = 1714557600
    with path.open("w", encoding="utf-8") as out:
        out.write('{"request_id": "bench", "result": {"total": 0, "entries": [\n')
        size, i = 0, 0
        while size < mb * 1_000_000:
            t = base + i * 0.01
            rec = {
                "insertId": f"{i:012x}",
                "event": {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t))
                          + f".{int(t * 1e6) % 1_000_000:06d}Z",
                          "level": rng.choice(levels)},
                "fields": {"message": f"order {i} for user {rng.randint(1, 10**6)} "
                                      f"caf\u00e9 \"quoted\" took {rng.random():.3f}s",
                           "attempt": rng.randint(1, 5), "tags": ["a", "b"][: rng.randint(0, 2)]},
                "resource": {"type": "k8s_container",
                             "labels": {"service": rng.choice(services),
                                        "pod": f"pod-{rng.randint(1, 50)}",
                                        "namespace": "shop"}},
            }
            if i % 3 == 0:
                rec["httpRequest"] = {"requestMethod": "GET", "status": rng.choice([200, 503]),
                                      "latency": f"{rng.random():.6f}s",
                                      "requestUrl": f"/api/item/{i}"}
            text = json.dumps(rec, ensure_ascii=False)
            out.write(("," if i else "") + text + "\n")
            size += len(text) + 2
            i += 1
        out.write("]}}\n")


class PeakRSS:
    """The peak resident set size of this process above its size at the start."""

    def __init__(self) -> None:
        self.start = self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss())

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())

    @property
    def used(self) -> int:
        return self.peak - self.start


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def baseline(path: Path) -> pd.DataFrame:
    with path.open(encoding="utf-8") as f:
        doc = json.load(f)
    return pd.json_normalize(doc["result"]["entries"])


def ours(path: Path) -> pd.DataFrame:
    from postmortem_kit import read_events

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_events(path, format="json", progress=False)


def measure(func, path: Path) -> tuple[float, float, int, int]:
    gc.collect()
    with PeakRSS() as rss:
        wall, cpu = time.perf_counter(), time.process_time()
        frame = func(path)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rows = len(frame)
    del frame
    gc.collect()
    return wall, cpu, rss.used, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    path = DATA / f"export_{args.mb}mb.json"
    if not path.exists():
        generate(path, args.mb)
    size = path.stat().st_size
    import postmortem_kit.ingest.formats  # noqa: F401  (imports outside the timed region)

    print(f"{path.name}: {size / 1e6:,.0f} MB; load average {os.getloadavg()[0]:.1f}")
    results = {}
    for name, func in (("ours", ours), ("baseline", baseline)) * args.repeat:
        wall, cpu, used, rows = measure(func, path)
        best = results.get(name)
        if best is None or wall < best[0]:
            results[name] = (wall, cpu, used, rows)
        print(f"{name:9s} {wall:7.2f} s wall {cpu:7.2f} s CPU  peak +{used / 1e6:7,.0f} MB "
              f"({used / size:.2f}x file)  {rows:,} rows")
    ratio = results["ours"][0] / results["baseline"][0]
    memory = results["ours"][2] / size
    print(f"time ours / baseline: {ratio:.2f}x (target <= {TARGET_TIME}x); "
          f"CPU {results['ours'][1] / results['baseline'][1]:.2f}x; "
          f"peak ours / file: {memory:.2f}x (target <= {TARGET_MEMORY}x)")


if __name__ == "__main__":
    main()
