"""``opsgenie``: an Opsgenie alert's activity log (``GET /v2/alerts/{id}/logs``, or the
"Activity Log" of the alert saved as JSON), newest first.

``data[]`` holds ``{"log", "type", "owner", "createdAt", "offset"}``. Each entry is a ``page``
row at ``createdAt``: ``message`` is the log text, ``user`` its owner, and ``state`` what
the entry did to the alert, from its text: ``Alert created`` → triggered, ``acknowledged``
→ acknowledged, ``Alert closed`` → resolved (notifications and notes have none).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from postmortem_kit.ingest.documents.records import load_records
from postmortem_kit.ingest.registry import LoadContext, register

STATES = (("triggered", r"^Alert created\b"), ("acknowledged", r"^Alert acknowledged\b"),
          ("resolved", r"^Alert closed\b"))


def sniff(path: Path, head: str) -> float:
    """0.97 for an Opsgenie alert log (``data`` entries with ``log``, ``offset`` and
    ``createdAt``)."""
    keys = ("data", "log", "offset", "createdAt")
    return 0.97 if all(re.search(rf'"{k}"\s*:', head) for k in keys) else 0.0


@register("opsgenie", sniff=sniff, kind="page")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read an Opsgenie alert log (see the module docstring)."""
    df = load_records(path, ctx, at="data", times=("createdAt",))
    if not len(df):
        return df
    if "log" in df:  # (found as the message already when nothing else is)
        df["message"] = df.pop("log")
    text = df["message"].astype("str")
    state = pd.Series(pd.NA, index=df.index, dtype="str")
    for name, rx in STATES:
        state = state.mask(state.isna() & text.str.contains(rx, regex=True), name)
    df["state"] = state
    if "owner" in df:
        df["user"] = df["owner"].astype("str")
    return df
