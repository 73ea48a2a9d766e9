"""The same analysis on a Dask cluster: pandas path vs dask path on a gzip evidence folder.

    .venv/bin/python benchmarks/scale.py [--events 10000000] [--shard-lines 500000]
        [--workers 2] [--memory-limit 3GB] [--skip-pandas | --skip-dask] [--tasks]

The sample incident generator (``postmortem_kit.sample``) writes the incident at the
scale that gives about ``--events`` events, once, into ``benchmarks/.data/``; its big files
(access log, app log, syslog) are then cut into shards of ``--shard-lines`` lines, one
folder per shard as one host's logs would be (``shard-007/access.log.gz``), gzip on disk.

In this one process, in turn:

- the dask path: a ``LocalCluster`` of ``--workers`` worker processes (one thread each,
  ``--memory-limit`` each) and ``derive_timeline(read_events(folder, engine="dask"))``;
- the pandas path: ``derive_timeline(read_events(folder))``.

Printed for each: wall time, CPU seconds (the client process, plus the workers' for
dask: ``getrusage`` in each worker before and after), events per CPU-second (throughput
per core), and peak memory (client: this process's high-water mark, reset before each
path through ``/proc/self/clear_refs``; workers: each worker's high-water mark against its
limit). ``--tasks``: the workers' compute seconds per kind of task (dask's task stream),
where the dask path's CPU goes. The two timelines' phases and impact are checked equal.
Issue 19's targets:
dask throughput per core within 1.5x of pandas on 10M events; at 100M events (a benchmark
run, not a test) the run completes, no worker exceeds its limit, the client stays under
1 GB, and the time grows linearly from 10M.
"""

from __future__ import annotations

import argparse
import gzip
import resource
import shutil
import sys
import time
import warnings
from pathlib import Path

DATA = Path(__file__).resolve().parent / ".data"
# Events the generator writes per unit of scale (app, access and syslog lines, and the
# few alerts, pages, deploys and chat messages), measured at scale 10.
EVENTS_PER_SCALE = 17_261
BIG = ("access.log", "app.jsonl", "syslog.log")


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as fh:  # "5": reset VmHWM (Linux)
        fh.write("5")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _worker_usage() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 2**20


def build(events: int, shard_lines: int) -> Path:
    """The gzip evidence folder for about ``events`` events (made once)."""
    from postmortem_kit.sample import evidence_paths, generate_incident

    folder = DATA / f"scale-{events}-{shard_lines}"
    evidence = folder / "evidence"
    if (folder / "done").exists():
        return evidence
    raw = folder / "raw"
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    generate_incident(raw, seed=7, scale=events / EVENTS_PER_SCALE)
    evidence.mkdir(parents=True)
    for path in evidence_paths(raw):
        if path.name not in BIG:
            copy = shutil.copytree if path.is_dir() else shutil.copy
            copy(path, evidence / path.name)
            continue
        with open(path, "rb") as src:
            shard, out = 0, None
            for i, line in enumerate(src):
                if i % shard_lines == 0:
                    if out is not None:
                        out.close()
                    target = evidence / f"shard-{shard:03d}" / f"{path.name}.gz"
                    target.parent.mkdir(exist_ok=True)
                    out = gzip.open(target, "wb", compresslevel=1)
                    shard += 1
                out.write(line)
            if out is not None:
                out.close()
    shutil.rmtree(raw)
    (folder / "done").touch()
    size = sum(p.stat().st_size for p in evidence.rglob("*") if p.is_file())
    print(f"built {evidence} ({size / 2**20:,.0f} MiB gzip) in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    return evidence


def _worker_spill(dask_worker) -> dict[str, float]:
    """What the worker spilled to disk and read back: bytes and seconds (dask's own
    metrics, summed over every task and activity)."""
    out = {"disk-write bytes": 0.0, "disk-read bytes": 0.0, "disk-write seconds": 0.0,
           "disk-read seconds": 0.0}
    for key, value in dask_worker.digests_total.items():
        parts = key if isinstance(key, tuple) else (key,)
        for name in out:
            activity, unit = name.split()
            if activity in parts and unit in parts:
                out[name] += float(value)
    return out


def run_dask(evidence: Path, workers: int, memory_limit: str, tasks: bool = False) -> dict:
    from contextlib import nullcontext

    from distributed import Client, LocalCluster, get_task_stream

    from postmortem_kit import derive_timeline, read_events

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      memory_limit=memory_limit, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.run(lambda: None)  # workers up and imports paid outside the timed region
        client.run(_warm)
        before = client.run(_worker_usage)
        _reset_peak()
        cpu, started = _cpu(), time.perf_counter()
        with get_task_stream(client) if tasks else nullcontext() as stream:
            events = read_events(evidence, engine="dask")
            tl = derive_timeline(events)
        wall = time.perf_counter() - started
        client_cpu = _cpu() - cpu
        after = client.run(_worker_usage)
        spill = client.run(_worker_spill)
        transitions = cluster.scheduler.transition_counter \
            if hasattr(cluster, "scheduler") else 0
        limit = cluster.workers[next(iter(cluster.workers))].memory_manager.memory_limit
        counted = int(events.map_partitions(len).sum().compute())
    worker_cpu = sum(after[w][0] - before[w][0] for w in after)
    return {"tl": tl, "events": counted, "wall": wall, "cpu": client_cpu + worker_cpu,
            "client_cpu": client_cpu, "client_peak": _peak_gib(),
            "worker_peaks": sorted(after[w][1] for w in after),
            "limit_gib": limit / 2**30, "partitions": events.npartitions,
            "spill": {k: sum(w[k] for w in spill.values()) for k in next(iter(spill.values()))},
            "transitions": transitions, "tasks": _by_task(stream.data) if tasks else {}}


def _by_task(records: list[dict]) -> dict[str, tuple[int, float]]:
    """Compute seconds and task count per task name (the key's prefix), most first."""
    from dask.utils import key_split

    out: dict[str, list[float]] = {}
    for record in records:
        seconds = sum(s["stop"] - s["start"] for s in record["startstops"]
                      if s["action"] == "compute")
        entry = out.setdefault(key_split(record["key"]), [0, 0.0])
        entry[0] += 1
        entry[1] += seconds
    return {k: (int(n), t) for k, (n, t) in sorted(out.items(), key=lambda kv: -kv[1][1])}


def _warm() -> None:
    import postmortem_kit.ingest.dask
    import postmortem_kit.timeline.dask  # noqa: F401


def run_pandas(evidence: Path) -> dict:
    from postmortem_kit import derive_timeline, read_events

    _reset_peak()
    cpu, started = _cpu(), time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        events = read_events(evidence)
        tl = derive_timeline(events)
    wall = time.perf_counter() - started
    return {"tl": tl, "events": len(events), "wall": wall, "cpu": _cpu() - cpu,
            "client_peak": _peak_gib()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--shard-lines", type=int, default=500_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="3GB")
    parser.add_argument("--skip-pandas", action="store_true",
                        help="dask path only (100M events do not fit one pandas process)")
    parser.add_argument("--skip-dask", action="store_true",
                        help="pandas path only, in a fresh process (its peak then is its own)")
    parser.add_argument("--tasks", action="store_true",
                        help="print the workers' compute seconds per kind of task")
    args = parser.parse_args(argv)
    import postmortem_kit.ingest.dask
    import postmortem_kit.timeline.dask  # noqa: F401

    evidence = build(args.events, args.shard_lines)
    if args.skip_dask:
        p = run_pandas(evidence)
        print(f"pandas (fresh process): {p['events']:,} events in {p['wall']:.1f} s wall, "
              f"{p['cpu']:.1f} CPU-s, {p['events'] / p['cpu']:,.0f} events per CPU-s; peak "
              f"{p['client_peak']:.2f} GiB", flush=True)
        return 0
    d = run_dask(evidence, args.workers, args.memory_limit, args.tasks)
    print(f"dask   ({args.workers} workers x 1 thread, {d['limit_gib']:.2f} GiB limit, "
          f"{d['partitions']} partitions): {d['events']:,} events in {d['wall']:.1f} s wall, "
          f"{d['cpu']:.1f} CPU-s (client {d['client_cpu']:.1f}), "
          f"{d['events'] / d['cpu']:,.0f} events per CPU-s; client peak "
          f"{d['client_peak']:.2f} GiB, worker peaks "
          f"{', '.join(f'{p:.2f}' for p in d['worker_peaks'])} GiB", flush=True)
    spill = d["spill"]
    print(f"workers spilled {spill['disk-write bytes'] / 2**30:.2f} GiB to disk "
          f"({spill['disk-write seconds']:.1f} s) and read back "
          f"{spill['disk-read bytes'] / 2**30:.2f} GiB ({spill['disk-read seconds']:.1f} s); "
          f"scheduler transitions: {d['transitions']:,}", flush=True)
    for name, (count, seconds) in d["tasks"].items():
        if seconds >= 0.1:
            print(f"  {name:<40} {count:>6,} tasks {seconds:>9.1f} s", flush=True)
    if args.skip_pandas:
        return 0
    p = run_pandas(evidence)
    print(f"pandas (this process): {p['events']:,} events in {p['wall']:.1f} s wall, "
          f"{p['cpu']:.1f} CPU-s, {p['events'] / p['cpu']:,.0f} events per CPU-s; peak "
          f"{p['client_peak']:.2f} GiB", flush=True)
    ratio = (p["events"] / p["cpu"]) / (d["events"] / d["cpu"])
    print(f"throughput per core, pandas / dask: {ratio:.2f}x (target <= 1.5x); "
          f"wall, dask / pandas: {d['wall'] / p['wall']:.2f}x")
    same = (d["tl"].phases.equals(p["tl"].phases)
            and all(str(d["tl"].impact[k]) == str(p["tl"].impact[k])
                    for k in p["tl"].impact.index))
    print(f"timelines: {'the same phases and impact' if same else 'DIFFERENT'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
