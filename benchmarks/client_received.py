"""What the client of the dask timeline receives, call by call (issue 19: the client's peak).

    .venv/bin/python benchmarks/client_received.py EVENTS

On the folder ``benchmarks/scale.py --events EVENTS --shard-lines 250000`` made, with the
same cluster (2 worker processes x 1 thread, 3 GB each): ``dask.compute`` and a dask
frame's ``.compute`` are wrapped to print, for each call, the calling function, the size
of what came back (``memory_usage(deep=True)`` of frames and Series, ``nbytes`` of arrays,
summed through tuples, lists and dataclasses), the client's resident memory after it and
its high-water mark. A result that grows with the events shows up here.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import dask
import numpy as np
import pandas as pd
from dask.dataframe.dask_expr._collection import FrameBase

DATA = Path(__file__).resolve().parent / ".data"


def _memory() -> tuple[float, float]:
    """The client's resident memory and its high-water mark, GiB."""
    status = {line.split(":")[0]: int(line.split()[1]) for line in open("/proc/self/status")
              if line.startswith(("VmRSS", "VmHWM"))}
    return status["VmRSS"] / 2**20, status["VmHWM"] / 2**20


def size(obj: Any) -> int:
    """Bytes of a result as it sits in the client's memory (approximately)."""
    if isinstance(obj, pd.DataFrame):
        return int(obj.memory_usage(deep=True).sum())
    if isinstance(obj, pd.Series):
        return int(obj.memory_usage(deep=True))
    if isinstance(obj, np.ndarray):
        return obj.nbytes
    if isinstance(obj, tuple | list):
        return sum(size(x) for x in obj)
    if hasattr(obj, "__dataclass_fields__"):
        return sum(size(getattr(obj, f)) for f in obj.__dataclass_fields__)
    return sys.getsizeof(obj)


def _report(kind: str, run: Any) -> Any:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        caller = sys._getframe(1).f_code.co_name
        started = time.perf_counter()
        out = run(*args, **kwargs)
        rss, peak = _memory()
        print(f"  {kind:9s} in {caller:22s} {size(out) / 2**20:9.1f} MiB  rss {rss:.2f} GiB "
              f"peak {peak:.2f} GiB  {time.perf_counter() - started:.1f} s", flush=True)
        return out
    return wrapped


def main(events: int) -> None:
    from distributed import Client, LocalCluster

    from postmortem_kit import derive_timeline, read_events

    dask.compute = _report("compute", dask.compute)
    FrameBase.compute = _report(".compute", FrameBase.compute)
    evidence = DATA / f"scale-{events}-250000" / "evidence"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit="3GB",
                      dashboard_address=None) as cluster, Client(cluster):
        del cluster
        started = time.perf_counter()
        derive_timeline(read_events(evidence, engine="dask"))
        rss, peak = _memory()
        print(f"done in {time.perf_counter() - started:.1f} s; client rss {rss:.2f} GiB, "
              f"peak {peak:.2f} GiB", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
