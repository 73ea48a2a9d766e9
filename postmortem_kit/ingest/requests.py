"""Rows that are HTTP requests: the rules every request source shares.

Access logs, proxies, load balancers, CDNs and log platforms that record requests give
``kind="request"`` rows with ``status``, ``method``, ``path``, ``latency_ms``, ``client``
and ``user`` where they have them. A request's level follows its status, as for the
``access`` format: 5xx error, 4xx warning, anything else info.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from postmortem_kit.ingest.schema import LEVEL_DTYPE


def status_levels(status: pd.Series) -> pd.Series:
    """The level of each request from its HTTP status (NA where there is none)."""
    code = pd.to_numeric(status, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    level = np.select([code >= 500, code >= 400, code >= 100], ["error", "warning", "info"],
                      default="")
    named = pd.Series(level, index=status.index)
    return named.where(named != "").astype(LEVEL_DTYPE)


def as_requests(df: pd.DataFrame, *, where: pd.Series | None = None,
                level: bool = True) -> pd.DataFrame:
    """``df`` with ``kind="request"`` (on the rows of ``where``, else ``log``; on every row
    when ``where`` is None) and, when ``level``, the level from ``status`` on those rows
    where the source gave none."""
    rows = pd.Series(True, index=df.index) if where is None else where.fillna(False).astype(bool)
    df["kind"] = pd.Series("log", index=df.index).where(~rows, "request")
    if level and "status" in df:
        derived = status_levels(df["status"])
        if "level" in df:
            given = df["level"].astype("object").where(df["level"].notna())
            df["level"] = given.where(given.notna() | ~rows, derived.astype("object"))
        else:
            df["level"] = derived.where(rows)
    return df


def seconds_text_ms(values: pd.Series) -> pd.Series:
    """Durations written as seconds with a unit suffix (Google's ``"3.012345s"``) in
    milliseconds; NA where a value is not one."""
    text = values.astype("str").str.strip().str.removesuffix("s")
    return pd.to_numeric(text, errors="coerce") * 1000.0
