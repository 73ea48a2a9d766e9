"""Request traffic of the sample incident: the nginx access log and the app JSON logs.

Everything is generated in ten-minute chunks with numpy and formatted with pyarrow
compute kernels, so a large ``scale`` streams tens of millions of lines at a bounded
memory cost. Each chunk draws from its own seeded stream, so the output depends only on
the seed, the scale and the chunk grid, never on the machine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.sample.scenario import Scenario

BASE_RPS = 1.2  # requests per second at scale 1: keeps the bundled access log under 3 MB
CHECKOUT_FAIL_P = 0.65  # share of POST /api/checkout failing during the impact
NOISE_5XX_P = 0.0012  # baseline share of API requests failing for unrelated reasons

# method, path, weight, service (app that logs it), latency ms, bytes, usual status
_EP = [
    ("GET", "/", 0.05, "", 6, 5_480, 200),
    ("GET", "/static/js/app.3f9a1c.js", 0.07, "", 2, 184_233, 200),
    ("GET", "/api/products?page=", 0.21, "inventory", 45, 8_400, 200),
    ("GET", "/api/products/SKU-", 0.17, "inventory", 30, 2_100, 200),
    ("GET", "/api/cart", 0.12, "cart", 25, 1_300, 200),
    ("POST", "/api/cart/items", 0.08, "cart", 40, 420, 201),
    ("POST", "/api/checkout", 0.18, "checkout", 180, 610, 200),
    ("GET", "/api/orders/ord_", 0.08, "checkout", 35, 900, 200),
    ("GET", "/healthz", 0.04, "", 1, 2, 200),
]
EP_METHOD = [e[0] for e in _EP]
EP_PATH = [e[1] for e in _EP]
EP_P = np.array([e[2] for e in _EP]) / sum(e[2] for e in _EP)
EP_SERVICE = [e[3] for e in _EP]
EP_LAT = np.array([e[4] for e in _EP], dtype=float)
EP_BYTES = np.array([e[5] for e in _EP], dtype=float)
EP_OK = np.array([e[6] for e in _EP], dtype=np.int16)
STATIC, PAGE, SKU, CART, CART_ITEMS, CHECKOUT, ORDER, HEALTH = 1, 2, 3, 4, 5, 6, 7, 8
API = [PAGE, SKU, CART, CART_ITEMS, CHECKOUT, ORDER]
# Which endpoints carry a numeric suffix (page number, SKU, order number) and its width.
EP_SUFFIX = {PAGE: 0, SKU: 5, ORDER: 8}
ERROR_BYTES = {402: 96, 404: 153, 500: 87, 502: 157, 503: 190, 504: 167}

USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.3 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "ShopApp/4.12.0 (Android 14; Pixel 8)",
]
REFERERS = ["-", "https://shop.example.com/", "https://shop.example.com/cart"]


@dataclass
class Users:
    """The user population: ids as the access log and app logs write them, and their IPs."""

    ids: pa.Array
    ips: pa.Array

    @classmethod
    def make(cls, n: int) -> Users:
        i = np.arange(n)
        ids = [f"u{k:06d}" for k in range(n)]
        # Carrier-grade NAT space: looks like real client addresses, belongs to nobody.
        ips = [f"100.{64 + (k >> 16) % 64}.{(k >> 8) & 255}.{k & 255}" for k in i.tolist()]
        return cls(pa.array(ids, pa.string()), pa.array(ips, pa.string()))


@dataclass
class Requests:
    """One chunk of requests, sorted by time (``user`` is -1 for anonymous health checks)."""

    t: np.ndarray  # epoch ms when the request completed (nginx logs it then)
    ep: np.ndarray
    user: np.ndarray
    status: np.ndarray
    latency: np.ndarray  # ms
    nbytes: np.ndarray
    ua: np.ndarray
    ref: np.ndarray
    suffix: np.ndarray  # page number / SKU / order number drawn for the path
    failed_kind: np.ndarray  # 0 ok; 1 KeyError; 2 payments NPE; 3 pool exhausted; 4 noise


def rng_for(seed: int, stream: int, chunk: int) -> np.random.Generator:
    """An independent, reproducible random stream per (seed, file, chunk)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, stream, chunk])))


def make_requests(
    rng: np.random.Generator, t0: int, t1: int, scen: Scenario, scale: float, n_users: int
) -> Requests:
    """Draw the requests completing in ``[t0, t1)`` (epoch ms, whole seconds)."""
    secs = np.arange(t0, t1, 1000, dtype=np.int64)
    # A gentle swell over the three hours, so the baseline is not a flat line.
    phase = (secs - scen.start) / (scen.end - scen.start)
    lam = BASE_RPS * scale * (1.0 + 0.12 * np.sin(2 * np.pi * phase))
    counts = rng.poisson(lam)
    t = np.repeat(secs, counts) + rng.integers(0, 1000, counts.sum())
    t.sort(kind="stable")
    n = len(t)
    ep = rng.choice(len(_EP), size=n, p=EP_P).astype(np.int8)
    # Skewed popularity: a few heavy users, a long tail; health checks are anonymous.
    user = (n_users * rng.random(n) ** 1.6).astype(np.int64)
    user[ep == HEALTH] = -1
    status = EP_OK[ep].copy()
    r = rng.random(n)
    status[(ep == STATIC) & (r < 0.3)] = 304
    status[(ep == SKU) & (r < 0.02)] = 404
    status[(ep == CHECKOUT) & (r < 0.015)] = 402
    api = np.isin(ep, API)
    noise = api & (rng.random(n) < NOISE_5XX_P)
    status[noise] = rng.choice(np.array([502, 503, 504], np.int16), noise.sum(), p=[.5, .2, .3])
    in_imp = scen.in_impact(t) & (ep == CHECKOUT)
    bad = in_imp & (rng.random(n) < CHECKOUT_FAIL_P)
    status[bad] = rng.choice(np.array([500, 502, 503, 504], np.int16), bad.sum(),
                             p=[.55, .15, .12, .18])
    # The checkouts that succeed during the impact do so at their usual speed: the latency
    # the p99 alert sees is the failing ones timing out (504 at 5 s, 502 up to 3 s), so a
    # latency SLI finds the same users affected as the error ratio (truth.json, latency).
    lat = EP_LAT[ep] * rng.lognormal(0.0, 0.45, n)
    fail = status >= 500
    lat[fail & (status == 500)] = rng.uniform(20, 150, n)[fail & (status == 500)]
    lat[fail & (status == 502)] = rng.uniform(1, 3000, n)[fail & (status == 502)]
    lat[fail & (status == 503)] = rng.uniform(2, 40, n)[fail & (status == 503)]
    lat[status == 504] = 5000 + rng.integers(0, 5, n)[status == 504]  # proxy_read_timeout 5s
    nbytes = (EP_BYTES[ep] * rng.lognormal(0.0, 0.15, n)).astype(np.int64)
    for code, size in ERROR_BYTES.items():
        nbytes[status == code] = size
    nbytes[status == 304] = 0
    kind = np.zeros(n, np.int8)
    kind[fail] = 4
    kind[bad] = 3
    bug = bad & (status == 500)
    kind[bug] = np.where(rng.random(n)[bug] < 0.7, 1, 2)
    return Requests(
        t=t, ep=ep, user=user, status=status, latency=np.maximum(lat, 0.2).round().astype(np.int64),
        nbytes=nbytes, ua=rng.integers(0, len(USER_AGENTS), n), ref=rng.integers(0, 3, n),
        suffix=rng.integers(1, 100_000, n), failed_kind=kind,
    )


def s(values: np.ndarray) -> pa.Array:
    """Integers as decimal text."""
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def pad(values: np.ndarray, width: int) -> pa.Array:
    """Integers as decimal text, zero-padded to ``width``."""
    return pc.utf8_lpad(s(values), width=width, padding="0")


def pick(table: list[str], idx: np.ndarray) -> pa.Array:
    """``table[idx]`` for an index array, as an Arrow string array."""
    return pa.array(table, pa.string()).take(pa.array(np.asarray(idx, dtype=np.int64)))


def stamp(t_ms: np.ndarray, fmt: str) -> pa.Array:
    """``strftime`` of whole seconds, formatted once per distinct second.

    Arrow's strftime is the slowest kernel here; a ten-minute chunk has at most 600
    distinct seconds however many lines it holds.
    """
    secs, inverse = np.unique(np.asarray(t_ms, dtype=np.int64) // 1000, return_inverse=True)
    text = pc.strftime(pa.array(secs, pa.timestamp("s", tz="UTC")), format=fmt)
    return text.take(pa.array(inverse.ravel()))


def join(*parts) -> pa.Array:
    """Concatenate arrays and literal strings element-wise (the fast string builder)."""
    return pc.binary_join_element_wise(*parts, "")


def paths(req: Requests) -> pa.Array:
    """Request paths: the endpoint plus its page number, SKU or order number."""
    suffix = pc.if_else(pa.array(req.ep == PAGE), s(req.suffix % 20 + 1), "")
    for ep, width in EP_SUFFIX.items():
        if width:
            suffix = pc.if_else(pa.array(req.ep == ep), pad(req.suffix, width), suffix)
    return join(pick(EP_PATH, req.ep), suffix)


def access_lines(req: Requests, users: Users) -> pa.Array:
    """nginx ``combined`` plus ``$request_time``, one line per request, newline included."""
    anon = pa.array(req.user < 0)
    uidx = pa.array(np.maximum(req.user, 0))
    ip = pc.if_else(anon, "10.0.0.5", users.ips.take(uidx))
    user = pc.if_else(anon, "-", users.ids.take(uidx))
    when = stamp(req.t, "%d/%b/%Y:%H:%M:%S +0000")
    ua = pc.if_else(anon, "ELB-HealthChecker/2.0", pick(USER_AGENTS, req.ua))
    ref = pc.if_else(anon, "-", pick(REFERERS, req.ref))
    rt = join(s(req.latency // 1000), ".", pad(req.latency % 1000, 3))
    return join(ip, " - ", user, " [", when, '] "', pick(EP_METHOD, req.ep), " ", paths(req),
                ' HTTP/1.1" ', s(req.status), " ", s(req.nbytes), ' "', ref, '" "', ua, '" ',
                rt, "\n")


def write_lines(fh, lines: pa.Array) -> int:
    """Write a string array whose items end in newlines straight from its data buffer."""
    if len(lines) == 0:
        return 0
    if lines.offset or lines.null_count:
        lines = pa.concat_arrays([pc.fill_null(lines, "")])  # fresh buffers, offset 0
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32, count=len(lines) + 1)
    fh.write(memoryview(lines.buffers()[2])[offsets[0]: offsets[-1]])
    return len(lines)


def jstr(text: str) -> str:
    """JSON string literal of ``text`` (non-ASCII kept as UTF-8, as loggers write it)."""
    return json.dumps(text, ensure_ascii=False)
