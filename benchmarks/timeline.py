"""derive_timeline at scale, against a plain pandas resample baseline, in one run.

    .venv/bin/python benchmarks/timeline.py [--events 10000000] [--repeat 3]
        [--scenario sample_like|latency_only]

The scaled ``sample_like`` scenario (requests, alerts, a page, a deploy and its rollback,
chat) is built once and written to Parquet in ``benchmarks/.data/``. Each measurement runs
in a fresh child process: it reads the frame, resets the process's memory high-water
mark, then times either ``derive_timeline`` or the baseline. The peak reported is that
high-water mark: the frame held in memory plus what the measured step adds.

The baseline is what a notebook would do by hand: filter the requests, ``resample`` the
5xx count and total per minute, and take the first and last minute above median + 5 MAD.
It finds two of the five phases and none of the provenance, impact, key events or
signatures, so the ratio is the price of everything else.

``derive_timeline`` measures every SLI the evidence supports (the 5xx error ratio and the
request latency, with its per-bin p99); ``--scenario latency_only`` (requests slowed to
3-8 s, no 5xx) also times ``derive_timeline(sli=("latency",))``, the latency SLI alone.

Targets (issues 4 and 15): under 30 s and under 4 GB peak on 10 million events on this
2-core machine.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import statistics
import sys
import time
from pathlib import Path

BASE_EVENTS = 36_400  # sample_like at scale 1 (200 requests a minute for three hours)


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


def _status_gib(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 2**20
    return float("nan")


def _reset_peak() -> None:
    # Reading Parquet peaks far above the frame it leaves; "5" resets VmHWM (Linux) so the
    # peak measured next is the measured step's, with the frame resident.
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


DATA = Path(__file__).resolve().parent / ".data"


def _build(events: int, scenario: str = "sample_like") -> Path:
    name = "" if scenario == "sample_like" else f"{scenario}-"
    path = DATA / f"timeline-{name}{events}.parquet"
    if not path.exists():
        from postmortem_kit.sample.suite import build

        DATA.mkdir(exist_ok=True)
        build(scenario, seed=1, scale=events / BASE_EVENTS).events.to_parquet(path)
    return path


def _baseline(events) -> tuple:
    import pandas as pd

    requests = events[events["kind"] == "request"]
    per_minute = pd.DataFrame(
        {"failures": (requests["status"] >= 500).to_numpy(), "requests": 1},
        index=pd.DatetimeIndex(requests["timestamp"]),
    ).resample("1min").sum()
    ratio = per_minute["failures"] / per_minute["requests"]
    median = ratio.median()
    mad = (ratio - median).abs().median()
    above = ratio[ratio > median + 5 * 1.4826 * mad + 0.01]
    return (above.index.min(), above.index.max()) if len(above) else (None, None)


def _child(what: str, path: Path, queue) -> None:
    import gc

    import pandas as pd

    frame = pd.read_parquet(path)
    built_peak = _peak_gib()
    gc.collect()
    _reset_peak()
    start = time.perf_counter()
    if what.startswith("derive"):
        from postmortem_kit.timeline import derive_timeline

        tl = derive_timeline(frame, **({"sli": ("latency",)} if what == "derive-latency"
                                       else {}))
        found = str(tl.phases.at["started", "time"])
    else:
        found = str(_baseline(frame)[0])
    seconds = time.perf_counter() - start
    queue.put({"rows": len(frame), "seconds": seconds, "peak_gib": _status_gib("VmHWM"),
               "built_peak_gib": built_peak, "started": found,
               "frame_gib": frame.memory_usage(deep=True).sum() / 2**30})


def measure(what: str, path: Path) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(what, path, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scenario", default="sample_like",
                        choices=("sample_like", "latency_only"))
    args = parser.parse_args(argv)

    path = _build(args.events, args.scenario)
    modes = ["derive", "baseline"]
    if args.scenario == "latency_only":
        modes.insert(1, "derive-latency")
    runs: dict[str, list[dict]] = {m: [] for m in modes}
    for _ in range(args.repeat):
        for what in runs:  # interleaved, so drift on a noisy machine hits both alike
            runs[what].append(measure(what, path))
    base = runs["baseline"]
    t_base = statistics.median(r["seconds"] for r in base)
    first = runs["derive"][0]
    print(f"{args.scenario}: {first['rows']:,} events (median of {args.repeat} runs each; "
          f"reading Parquet peaked at {first['built_peak_gib']:.2f} GiB; the frame itself "
          f"{first['frame_gib']:.2f} GiB)")
    worst, slowest = 0.0, 0.0
    for what in modes[:-1]:
        t = statistics.median(r["seconds"] for r in runs[what])
        peak = max(r["peak_gib"] for r in runs[what])
        worst, slowest = max(worst, peak), max(slowest, t)
        label = "derive_timeline" if what == "derive" else 'derive_timeline(sli="latency")'
        print(f"{label:<32} {t:7.2f} s   peak {peak:5.2f} GiB   "
              f"started {runs[what][0]['started']}")
    print(f"{'pandas resample (5xx)':<32} {t_base:7.2f} s   peak "
          f"{max(r['peak_gib'] for r in base):5.2f} GiB   started {base[0]['started']}")
    print(f"target: < 30 s ({'met' if slowest < 30 else 'MISSED'}), "
          f"< 4 GiB ({'met' if worst < 4 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
