"""``journald``: ``journalctl -o json`` (one object per line) and ``-o json-pretty``
(the ``"KEY" : "value"`` layout, objects one after another).

Every field is text; journald writes a value that is not valid UTF-8 as an array of byte
values (decoded here, invalid bytes as U+FFFD) and a field given twice as an array.
The time is ``_SOURCE_REALTIME_TIMESTAMP`` (when the program logged, as the client says),
else ``__REALTIME_TIMESTAMP`` (when journald received it), both in microseconds; the other
stays a column. ``PRIORITY`` (syslog 0..7) gives the level; ``_SYSTEMD_UNIT``, then
``_SYSTEMD_USER_UNIT``, ``SYSLOG_IDENTIFIER`` and ``_COMM`` the service; ``_HOSTNAME`` the
host.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from postmortem_kit.ingest.documents.records import load_records
from postmortem_kit.ingest.records.fields import first_present
from postmortem_kit.ingest.registry import LoadContext, register

TIMES = ("_SOURCE_REALTIME_TIMESTAMP", "__REALTIME_TIMESTAMP")
SERVICE = ("_SYSTEMD_UNIT", "_SYSTEMD_USER_UNIT", "SYSLOG_IDENTIFIER", "_COMM")
# syslog priorities (RFC 5424) by number
PRIORITIES = {"0": "critical", "1": "critical", "2": "critical", "3": "error", "4": "warning",
              "5": "notice", "6": "info", "7": "debug"}


def sniff(path: Path, head: str) -> float:
    """0.98 when the head has journald's own fields."""
    if re.search(r'"__REALTIME_TIMESTAMP"\s*:', head) and re.search(
            r'"(?:__CURSOR|_BOOT_ID|__MONOTONIC_TIMESTAMP)"\s*:', head):
        return 0.98
    return 0.0


@register("journald", sniff=sniff, kind="log")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read a journalctl JSON export (see the module docstring)."""
    df = load_records(path, ctx, at=None, times=TIMES, unit="us")
    if not len(df):
        return df
    if "json_path" in df and df["line"].notna().all():
        df = df.drop(columns=["json_path"])  # one record per line: the line says where
    text = {c.lower(): c for c in df.columns}
    message = text.get("message")
    if message is not None:
        df["message"] = df[message].map(_text, na_action="ignore").astype("str")
        if message != "message":
            df = df.drop(columns=[message])
    if "PRIORITY" in df:
        df["level"] = df["PRIORITY"].astype("str").str.strip().map(PRIORITIES)
    service = first_present(df, SERVICE)
    if service is not None:
        df["service"] = service
    if "_HOSTNAME" in df:
        df["host"] = df["_HOSTNAME"].astype("str")
    return df


def _text(value: object) -> str:
    """A journald value as text: byte arrays decoded (as JSON text when Arrow listed them)."""
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        try:
            value = json.loads(value)
        except ValueError:
            return str(value)
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list) and all(isinstance(b, int) and 0 <= b < 256 for b in value):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, list):
        return "\n".join(_text(v) for v in value)
    return str(value)
