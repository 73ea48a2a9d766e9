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


def as_requests(df: pd.DataFrame, *, where: pd.Series | None = None) -> pd.DataFrame:
    """``df`` with ``kind="request"`` on the rows of ``where`` (every row when None; the
    others are ``log``), their level from ``status`` where they have one (a proxy's own
    log level says how its logger saw the line, not how the request went); other rows
    keep the level the source gave."""
    rows = pd.Series(True, index=df.index) if where is None else where.fillna(False).astype(bool)
    df["kind"] = pd.Series("log", index=df.index).where(~rows, "request")
    if "status" in df:
        derived = status_levels(df["status"]).astype("object")
        use = rows & derived.notna()
        given = (df["level"].astype("object").where(df["level"].notna()) if "level" in df
                 else pd.Series(None, index=df.index, dtype="object"))
        df["level"] = given.where(~use, derived)
    return df


def seconds_text_ms(values: pd.Series) -> pd.Series:
    """Durations written as seconds with a unit suffix (Google's ``"3.012345s"``) in
    milliseconds; NA where a value is not one."""
    text = values.astype("str").str.strip().str.removesuffix("s")
    return pd.to_numeric(text, errors="coerce") * 1000.0


_REQUEST_LINE = (r"^(?P<method>[A-Za-z][A-Za-z0-9_-]*) (?P<url>\S+)"
                 r"(?: (?P<protocol>[A-Z]+/[\d.]+))?$")


def url_path(url: pd.Series) -> pd.Series:
    """The path (query included) of URLs that may be absolute (``https://host:443/a?b``)."""
    return url.astype("str").str.replace(r"^[a-zA-Z][\w+.-]*://[^/?#]*", "", regex=True)


def split_request(request: pd.Series) -> pd.DataFrame:
    """An HTTP request line (``GET https://host/a?b HTTP/1.1``) as ``method``, ``path``
    and ``protocol``; NA where the line is not one (``- - -``, a TLS handshake)."""
    parts = request.astype("str").str.extract(_REQUEST_LINE)
    parts["path"] = url_path(parts.pop("url"))
    return parts


def dash_na(values: pd.Series) -> pd.Series:
    """Text where ``-`` (how access logs write "no value") and ``""`` are NA."""
    text = values.astype("str")
    return text.where(~text.isin(["-", ""]))
