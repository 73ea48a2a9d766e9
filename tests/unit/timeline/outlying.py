"""Events with a few rows at impossible times, and guards that keep a regression cheap.

Go's zero time (``0001-01-01T00:00:00Z``) and the Unix epoch are what a clock that was never
set, or a time field left empty, writes. The rows are built as the loaders build theirs.
"""

from __future__ import annotations

import contextlib
import resource
import time
import tracemalloc
from collections.abc import Iterator

import pandas as pd

from postmortem_kit.ingest.schema import concat_events, finalize_events

GO_ZERO = "0001-01-01T00:00:00Z"
EPOCH = "1970-01-01T00:00:00Z"


def with_rows_at(events: pd.DataFrame, times: list[str | None], *, kind: str = "log",
                 source: str = "app") -> pd.DataFrame:
    """``events`` plus one failed row (5xx request or error log) at each of ``times``."""
    n = len(times)
    rows = pd.DataFrame({
        "timestamp": pd.to_datetime(pd.Series(times, dtype="object"), utc=True,
                                    format="ISO8601").astype("datetime64[us, UTC]"),
        "kind": [kind] * n, "message": ["payment failed"] * n, "level": ["error"] * n,
        "status": [503] * n, "user": ["u-clock"] * n, "line": range(9001, 9001 + n)})
    return concat_events([events, finalize_events(rows, source=source)])


@contextlib.contextmanager
def bounded(seconds: float, megabytes: float) -> Iterator[None]:
    """Fail unless the block runs within ``seconds`` and allocates under ``megabytes``.

    The address space is also capped (current size + 3 GB) while it runs, so code that asks
    for gigabytes fails at once with MemoryError instead of swapping a shared machine.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as fh:
        current = int(fh.read().split()[0]) * resource.getpagesize()
    cap = current + 3 * 2**30
    resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY
                                            else min(cap, hard), hard))
    tracemalloc.start()
    began = time.perf_counter()
    try:
        yield
        took = time.perf_counter() - began
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    assert took < seconds, f"took {took:.1f} s (limit {seconds} s)"
    assert peak < megabytes, f"allocated {peak:.0f} MB at peak (limit {megabytes} MB)"
