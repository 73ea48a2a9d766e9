"""The services' structured JSON logs (``app.jsonl``) of the sample incident.

Lines come from three places: the requests of :mod:`traffic` (orders placed, cart items,
and one or two error lines per failed request, carrying the same user and a trace id),
periodic background jobs, and a few fixed lines (deploy start-ups and planted hostile
text). Every error line that names a user belongs to a request that failed in the access
log, so "users with a failed request or an error" is the same set either way.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.sample.scenario import BAD_VERSION, GOOD_VERSION, HOSTILE, Scenario
from postmortem_kit.sample.traffic import (
    CART_ITEMS,
    CHECKOUT,
    EP_METHOD,
    EP_SERVICE,
    Requests,
    join,
    jstr,
    pad,
    paths,
    pick,
    s,
    stamp,
)

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)

KEYERROR_STACK = (
    "Traceback (most recent call last):\n"
    '  File "/app/checkout/api.py", line 142, in create_order\n'
    "    totals = compute_totals(cart)\n"
    '  File "/app/checkout/totals.py", line 88, in compute_totals\n'
    '    cur = line["currency"]\n'
    "KeyError: 'currency'"
)
# (service, level, message, extra JSON members) per failure kind of traffic.make_requests
FAILURE_LINES = {
    1: [("checkout", "error", "unhandled exception in POST /api/checkout: KeyError: 'currency'",
         ',"error":{"type":"KeyError","message":"\'currency\'","stack":'
         + jstr(KEYERROR_STACK) + "}")],
    2: [("checkout", "error", "payments rejected charge: 500 Internal Server Error", ""),
        ("payments", "error", 'java.lang.NullPointerException: Cannot invoke '
         '"String.toUpperCase()" because "currency" is null',
         ',"error":{"type":"java.lang.NullPointerException",'
         '"stack":"at com.shop.payments.ChargeService.normalize(ChargeService.java:211)"}')],
    3: [("checkout", "error", "payments call failed after 3 retries: 503 Service Unavailable",
         ""),
        ("payments", "error", "HikariPool-1 - Connection is not available, request timed out "
         "after 3000ms.", ',"logger":"com.zaxxer.hikari.pool.HikariPool"')],
}
NOISE_LINES = {  # an unrelated failure, logged by the service that served the request
    "cart": "redis GET cart session timed out after 250ms",
    "inventory": "stock lookup failed: read timeout from inventory-db",
    "checkout": "order write failed: deadlock detected, retries exhausted",
}


def trace_ids(rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` random 128-bit trace ids as 32 lowercase hex digits (W3C traceparent style)."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    nib = np.stack([raw >> 4, raw & 15], axis=2).reshape(n, 32)
    return pa.array(np.ascontiguousarray(_HEX[nib]).view("S32").ravel()).cast(pa.string())


def ts_text(t_ms: np.ndarray) -> pa.Array:
    """ISO 8601 UTC with milliseconds: ``2026-03-12T14:03:00.412Z``."""
    t_ms = np.asarray(t_ms, dtype=np.int64)
    return join(stamp(t_ms, "%Y-%m-%dT%H:%M:%S"), ".", pad(t_ms % 1000, 3), "Z")


class Hosts:
    """Pod and VM names per service; checkout pods change with each rollout, as in k8s."""

    def __init__(self, scen: Scenario):
        self.eras = {
            "checkout": ([scen.bad_deploy + 20_000, scen.rollback + 20_000],
                         [["checkout-5c8d7b9f4-hx2lp", "checkout-5c8d7b9f4-q7wzk",
                           "checkout-5c8d7b9f4-m4c9d"],
                          ["checkout-7f9c6d5b8-r2kqp", "checkout-7f9c6d5b8-vz6tn",
                           "checkout-7f9c6d5b8-b8jxs"],
                          ["checkout-5c8d7b9f4-t5nfw", "checkout-5c8d7b9f4-k9rbe",
                           "checkout-5c8d7b9f4-w3gyh"]]),
            "cart": ([scen.cart_deploy + 15_000],
                     [["cart-6b7d9c5f8-dn4sx", "cart-6b7d9c5f8-p2lmv"],
                      ["cart-84c5f6d7b-j6qtz", "cart-84c5f6d7b-c1vhr"]]),
            "inventory": ([], [["inventory-0", "inventory-1"]]),
            "payments": ([], [["pay-01", "pay-02"]]),
        }

    def pick(self, service: str, t: np.ndarray, r: np.ndarray) -> pa.Array:
        bounds, eras = self.eras[service]
        era = np.searchsorted(np.array(bounds, dtype=np.int64), t, side="right")
        flat = [h for e in eras for h in e]
        width = len(eras[0])
        return pick(flat, era * width + (r % width))


def line_array(t, level, service, host, msg_json, extra) -> pa.Array:
    """JSON lines with a fixed key order: ts, level, service, host, msg, then extras."""
    return join('{"ts":"', ts_text(t), '","level":"', level, '","service":"', service,
                '","host":"', host, '","msg":', msg_json, extra, "}\n")


def request_lines(rng, req: Requests, users: pa.Array, hosts: Hosts) -> tuple[list, list]:
    """App lines caused by requests: ``(times, lines)`` lists of arrays, not yet merged."""
    times, lines = [], []
    tid = trace_ids(rng, len(req.t))
    r = rng.integers(0, 1 << 30, len(req.t))
    uid = users.take(pa.array(np.maximum(req.user, 0)))
    http_path = paths(req)

    def emit(mask, service, level, msg, extra, with_http=True):
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        take = pa.array(idx)
        t = req.t[idx]  # same millisecond as the request, so both sit in the same window
        ctx = join(',"trace_id":"', tid.take(take), '","user_id":"', uid.take(take), '"')
        if with_http:
            ctx = join(ctx, ',"http":{"method":"', pick(EP_METHOD, req.ep[idx]), '","path":"',
                       http_path.take(take), '","status":', s(req.status[idx]),
                       ',"duration_ms":', s(req.latency[idx]), "}")
        times.append(t)
        lines.append(line_array(t, level, service, hosts.pick(service, t, r[idx]),
                                jstr(msg), join(ctx, extra)))

    ok = req.status < 400
    emit((req.ep == CART_ITEMS) & ok, "cart", "info", "item added to cart", "")
    emit((req.ep == CHECKOUT) & ok, "checkout", "info", "order placed", "")
    emit((req.ep == CHECKOUT) & (req.status == 402), "checkout", "warning",
         "payment declined by issuer", ',"decline_code":"insufficient_funds"')
    for kind, entries in FAILURE_LINES.items():
        for service, level, msg, extra in entries:
            emit(req.failed_kind == kind, service, level, msg, extra,
                 with_http=service == "checkout")
    svc = np.array(EP_SERVICE)[req.ep]
    for service, msg in NOISE_LINES.items():
        emit((req.failed_kind == 4) & (svc == service), service, "error", msg, "")
    return times, lines


def background_lines(rng, t0: int, t1: int, scen: Scenario, hosts: Hosts):
    """Periodic job lines in ``[t0, t1)``: cache refreshes, settlements, pool stats."""
    times, lines = [], []

    def grid(period_s: int, offset_ms: int) -> np.ndarray:
        first = scen.start + offset_ms
        k0 = max(0, -(-(t0 - first) // (period_s * 1000)))
        return first + np.arange(k0, (t1 - first - 1) // (period_s * 1000) + 1) * period_s * 1000

    t = grid(30, 4_217)
    slow = (t >= scen.at(13, 22)) & (t < scen.at(13, 31))
    took = np.where(slow, rng.integers(2_100, 4_800, len(t)), rng.integers(180, 900, len(t)))
    msg = pc.if_else(pa.array(slow), '"stock cache refresh slow: ', '"stock cache refreshed in ')
    unit = pc.if_else(pa.array(slow), 'ms (threshold 2000ms)"', 'ms"')
    times.append(t)
    lines.append(line_array(t, pc.if_else(pa.array(slow), "warning", "info"), "inventory",
                            hosts.pick("inventory", t, np.zeros(len(t), np.int64)),
                            join(msg, s(took), unit), ',"job":"stock-cache"'))

    t = grid(15, 9_031)
    hot = (t >= scen.bad_deploy + 90_000) & (t < scen.impact_end + 60_000)
    size = np.where(t >= scen.pool_change, 40, 20)
    active = np.where(hot, size, rng.integers(2, 7, len(t)))
    waiting = np.where(hot, rng.integers(30, 120, len(t)), 0)
    times.append(t)
    lines.append(line_array(
        t, pc.if_else(pa.array(hot), "warning", "info"), "payments",
        hosts.pick("payments", t, np.arange(len(t))),
        join('"HikariPool-1 - Pool stats (total=', s(size), ", active=", s(active), ", idle=",
             s(size - active), ", waiting=", s(waiting), ')"'),
        ',"logger":"com.zaxxer.hikari.pool.HikariPool"'))

    t = grid(60, 31_502)
    times.append(t)
    lines.append(line_array(t, "info", "payments", hosts.pick("payments", t, np.ones(len(t), int)),
                            join('"settlement batch committed: ', s(rng.integers(40, 90, len(t))),
                                 ' transactions"'), ',"job":"settlement"'))
    return times, lines


def fixed_lines(scen: Scenario) -> list[tuple[int, str, str, str, str]]:
    """Deploy start-ups and hostile text: ``(time, level, service, host, msg)``."""
    rows = []
    for t, version, pods in ((scen.bad_deploy, BAD_VERSION, "7f9c6d5b8-r2kqp 7f9c6d5b8-vz6tn "
                              "7f9c6d5b8-b8jxs"),
                             (scen.rollback, GOOD_VERSION, "5c8d7b9f4-t5nfw 5c8d7b9f4-k9rbe "
                              "5c8d7b9f4-w3gyh")):
        for i, pod in enumerate(pods.split()):
            rows.append((t + 14_000 + 9_000 * i, "info", "checkout", f"checkout-{pod}",
                         f"starting checkout {version} (gunicorn 21.2.0, 4 workers)"))
    for i, pod in enumerate(("j6qtz", "c1vhr")):
        rows.append((scen.cart_deploy + 11_000 + 7_000 * i, "info", "cart", f"cart-84c5f6d7b-{pod}",
                     "starting cart v5.2.1"))
    script, td, tmpl, pipe, md, intl = HOSTILE
    rows += [
        (scen.at(13, 41, 7, 250), "warning", "cart", "cart-84c5f6d7b-j6qtz",
         f"rejected coupon code {script!r} for cart c_88412"),
        (scen.at(13, 52, 33, 901), "warning", "inventory", "inventory-1",
         f"product title not normalised: 'Oak table {td} chair'"),
        (scen.at(14, 12, 5, 18), "warning", "checkout", "checkout-7f9c6d5b8-vz6tn",
         f"gift note kept verbatim: {tmpl} {pipe} {md}"),
        (scen.at(14, 27, 49, 663), "info", "checkout", "checkout-7f9c6d5b8-r2kqp",
         f"gift note kept verbatim: {intl}"),
    ]
    return rows
