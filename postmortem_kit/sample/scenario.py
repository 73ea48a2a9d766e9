"""The story of the sample incident as one timeline: what happens when, and to what.

Every generator module reads its times from :class:`Scenario`, so the evidence files and
``truth.json`` cannot disagree. Times are integer milliseconds since the Unix epoch (UTC):
the access log has second resolution, app logs and Prometheus milliseconds, Slack
microseconds, and integers keep them exact through all of it.

The story (times for the default start, 2026-03-12 13:00 UTC):

- 13:00-14:00 quiet baseline; cart v5.2.1 ships at 13:18:40, an unrelated inventory alert
  fires 13:22 and resolves 13:31 (so "first alert" has to mean "first after impact start").
- 14:01:12 checkout v2.14.0 ships. It drops ``currency`` from multi-currency carts
  (``KeyError: 'currency'`` in checkout, a NullPointerException in payments) and retries
  payments without backoff, which exhausts the payments DB pool (HikariPool timeouts, OOM
  kills on the payments hosts).
- 14:03:00 impact starts: about half of ``POST /api/checkout`` fail with 5xx; the p99
  latency rises with them (504s time out at 5 s), the checkouts that succeed stay fast.
- 14:09:17.412 HighErrorRate fires (detected); PagerDuty triggers, Dana acknowledges 14:13:41.
- 14:22:10 payments pool 20 -> 40 (a config change that does not help).
- 14:38:05 checkout rolled back to v2.13.2 (the mitigation); 14:40:00 impact ends.
- 14:44:17.412 the last alert resolves, the page auto-resolves, chat calls it at 15:02.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")
_MS = pd.Timedelta(milliseconds=1)


def to_ms(ts: pd.Timestamp | str) -> int:
    """UTC milliseconds since the epoch of ``ts`` (a naive ``ts`` is read as UTC)."""
    t = pd.Timestamp(ts)
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    return int((t - _EPOCH) // _MS)


def iso(ms: int, *, millis: bool | None = None) -> str:
    """ISO 8601 UTC text of ``ms``: ``...Z``, with milliseconds when they are not zero."""
    t = _EPOCH + pd.Timedelta(milliseconds=int(ms))
    if millis or (millis is None and ms % 1000):
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def hms(h: int, m: int, s: int = 0, ms: int = 0) -> int:
    """Offset in milliseconds of a wall-clock time from 13:00:00 on the incident day."""
    return ((h - 13) * 3600 + m * 60 + s) * 1000 + ms


@dataclass(frozen=True)
class Scenario:
    """Absolute times (epoch ms) of the incident, from the evidence start."""

    start: int

    def at(self, h: int, m: int, s: int = 0, ms: int = 0) -> int:
        """Absolute time of wall-clock ``h:m:s.ms`` for the default 13:00 start."""
        return self.start + hms(h, m, s, ms)

    @property
    def end(self) -> int:  # three hours of evidence: one baseline hour, the incident, tail
        return self.at(16, 0)

    @property
    def impact_start(self) -> int:
        return self.at(14, 3)

    @property
    def impact_end(self) -> int:
        return self.at(14, 40)

    @property
    def bad_deploy(self) -> int:
        return self.at(14, 1, 12)

    @property
    def pool_change(self) -> int:
        return self.at(14, 22, 10)

    @property
    def rollback(self) -> int:
        return self.at(14, 38, 5)

    @property
    def cart_deploy(self) -> int:
        return self.at(13, 18, 40)

    def in_impact(self, t_ms):
        """Boolean mask (or bool) of times inside the impact window ``[start, end)``."""
        return (t_ms >= self.impact_start) & (t_ms < self.impact_end)


# Versions and people, shared by the deploy list, the logs, the page and the chat.
BAD_VERSION = "v2.14.0"
GOOD_VERSION = "v2.13.2"
RESPONDERS = {
    "dana": ("U04DANA7Q1", "Dana Whitfield", "dana.whitfield", "PDANA01"),
    "sam": ("U04SAMO2K8", "Sam Okafor", "sam.okafor", "PSAMO02"),
    "marco": ("U04MARC9X3", "Marco Rossi", "marco.rossi", "PMARC03"),
    "priya": ("U04PRIY5T6", "Priya Nair", "priya.nair", "PPRIY04"),
}

# Hostile text planted in logs and chat so every report is tested against it.
HOSTILE = (
    "<script>alert(1)</script>",
    "</td></tr></table>",
    "{{ 7*7 }}",
    "| pipe | table |",
    "**bold** _under_ `code`",
    "שלום עולם 🔥 naïve café",
)
