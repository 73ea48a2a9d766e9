"""Benchmark: error-signature mining, speed and grouping accuracy, against drain3 defaults.

Measures in one run, for ``mine_signatures`` (ours) and for drain3's ``TemplateMiner``
with default settings fed one message at a time (the baseline):

- messages per second on a synthetic service-log mix of ``--messages`` messages (about
  forty templates with Zipf-like frequencies; ids, addresses, durations, paths, users
  and status codes drawn at random so that nearly every message text is distinct);
- messages per second on the four LogHub samples concatenated (8,000 real lines);
- grouping accuracy (the LogHub definition: a message counts as right when its predicted
  group holds exactly the messages of its true group) on the synthetic mix and on each
  LogHub sample, when ``../shared/samples/loghub`` is present.

Targets: accuracy >= 0.95 per sample (issue 4); at least drain3's speed, ratio >= 1.0
(issue 18). ``--memory N`` instead mines N synthetic messages once and prints the time
and the process's peak resident memory (issue 18: bounded for 10M messages).

    .venv/bin/python benchmarks/signatures.py [--messages 200000] [--repeat 3]
    .venv/bin/python benchmarks/signatures.py --memory 10000000
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from postmortem_kit.timeline.signatures import mine_signatures

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples" / "loghub"
LOGHUB = ("Apache", "Linux", "Zookeeper", "Spark")

_USERS = [f"{a}{b}" for a in ("al", "bo", "cy", "di", "ed", "fa", "gu", "ha") for b in
          ("ice", "ris", "na", "mon", "son", "tim", "ra", "lex")]
_TEMPLATES: tuple[str, ...] = (
    "GET {path} {status} {ms}ms",
    "POST {path} {status} {ms}ms",
    "request {uuid} completed in {ms} ms",
    "upstream timeout after {ms}ms calling {host}:{port}",
    "connection refused to {ip}:{port}",
    "connection reset by peer {ip}:{port}",
    "retrying call to inventory (attempt {n} of 5)",
    "cache miss for key product:{n}",
    "cache hit ratio {f}%",
    "user {user} logged in from {ip}",
    "user {user} logged out",
    "session {hex} expired after {s} seconds",
    "payment {uuid} authorised for {user} amount={f} currency=EUR",
    "payment {uuid} declined: insufficient funds",
    "order {n} placed by {user}",
    "order {n} shipped to warehouse {n}",
    "failed to acquire lock {path} within {ms}ms",
    "db query took {ms} ms rows={n}",
    "slow query detected: {ms}ms on table orders",
    "deadlock detected on table orders, retrying transaction {hex}",
    "OutOfMemoryError in worker {n}: heap {f} MB used of {n} MB",
    "pod checkout-{hex6}-{hex5} restarted (exit code {status})",
    "readiness probe failed for pod checkout-{hex6}-{hex5}: HTTP {status}",
    "TLS handshake with {host} failed: certificate expired",
    "wrote {n} bytes to {path}",
    "disk usage at {f}% on {path}",
    "gc pause {ms}ms (young) heap {f} GB",
    "trace_id={hex} span_id={hex8} status=ERROR error=\"context deadline exceeded\"",
    "circuit breaker opened for service payments after {n} failures",
    "circuit breaker closed for service payments",
    "feature flag new-checkout evaluated to true for {user}",
    "kafka consumer lag {n} on partition {n} of topic orders",
    "message {uuid} sent to queue orders-dlq after {n} retries",
    "config reloaded from {path}",
    "health check ok",
    "starting worker pool with {n} workers",
    "shutting down worker pool",
    "rate limit exceeded for client {ip}",
    "invalid token for user {user}: signature mismatch",
    "scheduled job cleanup finished in {s}s",
)


def _fill(template: str, rng: random.Random) -> str:
    values = {
        "path": "/" + "/".join(rng.choice(("api", "v1", "orders", "cart", "items", "var",
                                           "log", "tmp", "data")) for _ in range(3))
                + f"/{rng.randrange(10_000)}",
        "status": rng.choice((200, 201, 204, 400, 404, 500, 502, 503)),
        "ms": rng.randrange(1, 30_000), "s": rng.randrange(1, 3_600),
        "uuid": f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-"
                f"{rng.getrandbits(16):04x}-{rng.getrandbits(16):04x}-{rng.getrandbits(48):012x}",
        "hex": f"{rng.getrandbits(64):016x}", "hex8": f"{rng.getrandbits(32):08x}",
        "hex6": f"{rng.getrandbits(24):06x}", "hex5": f"{rng.getrandbits(20):05x}",
        "host": f"node-{rng.randrange(50)}.svc.example.com", "port": rng.randrange(1024, 65536),
        "ip": ".".join(str(rng.randrange(1, 255)) for _ in range(4)),
        "n": rng.randrange(100_000), "f": round(rng.uniform(0, 100), 2),
        "user": rng.choice(_USERS),
    }
    # Each placeholder draws its own value, even when a template names it twice.
    out = template
    while "{" in out:
        start = out.index("{")
        end = out.index("}", start)
        out = out[:start] + str(values[out[start + 1:end]]) + out[end + 1:]
        values = {**values, "n": rng.randrange(100_000)}
    return out


def synthetic(count: int, seed: int = 4) -> tuple[list[str], list[int]]:
    """``count`` messages and the index of the template each came from."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(_TEMPLATES))]
    rng.shuffle(weights)
    which = rng.choices(range(len(_TEMPLATES)), weights=weights, k=count)
    return [_fill(_TEMPLATES[w], rng) for w in which], which


def grouping_accuracy(truth: Sequence[object], predicted: Sequence[object]) -> float:
    """Share of messages whose predicted group is exactly their true group."""
    frame = pd.DataFrame({"truth": list(truth), "pred": list(predicted)})
    true_size = frame.groupby("truth")["truth"].transform("size")
    pair = frame.groupby(["pred", "truth"])["truth"].transform("size")
    pred_size = frame.groupby("pred")["pred"].transform("size")
    right = (pair == true_size) & (pair == pred_size)
    return float(right.mean())


def ours(messages: list[str]) -> list[str]:
    return mine_signatures(messages)["signature_id"].tolist()


def drain3_defaults(messages: list[str]) -> list[int]:
    from drain3 import TemplateMiner  # imported here: it logs a line when first configured

    miner = TemplateMiner()
    return [miner.add_log_message(m)["cluster_id"] for m in messages]


def _rates(messages: list[str], repeat: int) -> tuple[float, float, float]:
    """Messages per second of ours and of drain3, and the median of their ratio.

    The two are timed in turn, ``repeat`` times: on a machine shared with other work
    the load moves between runs, and a ratio taken from neighbouring runs is fairer
    than one of two medians taken minutes apart.
    """
    ours_t, base_t, ratios = [], [], []
    for _ in range(repeat):
        start = time.perf_counter()
        ours(messages)
        a = time.perf_counter() - start
        start = time.perf_counter()
        drain3_defaults(messages)
        b = time.perf_counter() - start
        ours_t.append(a)
        base_t.append(b)
        ratios.append(b / a)
    n = len(messages)
    return n / statistics.median(ours_t), n / statistics.median(base_t), statistics.median(ratios)


def _memory(count: int) -> None:
    import resource

    messages, _ = synthetic(count)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    sig = mine_signatures(messages)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{count:,} messages ({len(set(messages)):,} distinct): {elapsed:.1f} s, "
          f"{count / elapsed:,.0f} msg/s, {sig['signature_id'].nunique()} signatures; "
          f"peak RSS {peak:,.0f} MB ({before:,.0f} MB with the messages alone)")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--memory", type=int, metavar="N",
                        help="mine N synthetic messages once; print time and peak memory")
    args = parser.parse_args(argv)
    if args.memory:
        _memory(args.memory)
        return

    import logging

    logging.disable(logging.WARNING)  # drain3 warns that it has no drain3.ini
    messages, truth = synthetic(args.messages)
    print(f"synthetic mix: {len(messages):,} messages, {len(set(messages)):,} distinct, "
          f"{len(_TEMPLATES)} templates")
    rows = []
    rows.append(("synthetic mix", *_rates(messages, args.repeat),
                 grouping_accuracy(truth, ours(messages)),
                 grouping_accuracy(truth, drain3_defaults(messages))))
    if SAMPLES.is_dir():
        frames = {n: pd.read_csv(SAMPLES / n / f"{n}_2k.log_structured.csv", dtype=str,
                                 keep_default_na=False) for n in LOGHUB}
        real = [m for f in frames.values() for m in f["Content"]]
        rows.append(("loghub x4 concatenated", *_rates(real, args.repeat), float("nan"),
                     float("nan")))
        for name, f in frames.items():
            msgs = f["Content"].tolist()
            rows.append((f"  loghub {name}", float("nan"), float("nan"), float("nan"),
                         grouping_accuracy(f["EventId"], ours(msgs)),
                         grouping_accuracy(f["EventId"], drain3_defaults(msgs))))
    else:
        print(f"(LogHub samples not found at {SAMPLES}: accuracy on real logs skipped)")

    print(f"\n{'input':<26}{'ours msg/s':>12}{'drain3 msg/s':>14}{'ratio':>8}"
          f"{'ours GA':>9}{'drain3 GA':>11}")
    for name, a, b, ratio, ga_a, ga_b in rows:
        rate = f"{a:>12,.0f}{b:>14,.0f}{ratio:>7.2f}x" if a == a else " " * 34
        print(f"{name:<26}{rate}{ga_a:>9.3f}{ga_b:>11.3f}" if ga_a == ga_a
              else f"{name:<26}{rate}")
    print("\ntarget: ratio >= 1.0 (at least drain3's speed); grouping accuracy >= 0.95 on "
          "each LogHub sample")


if __name__ == "__main__":
    main()
