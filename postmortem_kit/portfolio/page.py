"""The portfolio as one offline HTML page: charts, the figures that disagree, every incident.

The page carries the report pages' Content-Security-Policy (first in ``<head>``: no script,
nothing fetched), its charts are inline SVG (:mod:`~postmortem_kit.portfolio.charts`) and
every text is escaped by the report templates' Jinja2 environment. It holds no time of its
own making, so the same folder gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from postmortem_kit.document.html import CONTENT_SECURITY_POLICY, report_environment
from postmortem_kit.document.times import format_duration
from postmortem_kit.portfolio import charts
from postmortem_kit.portfolio.read import METRIC_NAMES, Portfolio, collect
from postmortem_kit.timeline.metrics import METRICS

_NAMES = {"ttd": "TTD", "tta": "TTA", "ttm": "TTM", "ttr": "TTR"}


def _template_source(name: str) -> str:
    return resources.files("postmortem_kit.portfolio").joinpath("templates", name).read_text(
        encoding="utf-8")


def _duration(value: Any) -> str:
    if value is None or pd.isna(value):
        return "—"
    return format_duration(pd.Timedelta(value).to_pytimedelta())


def render_portfolio(portfolio: Portfolio, *, name: str, today: dt.date) -> str:
    """The page of ``portfolio`` (``name``: what it is of, e.g. the folder's name)."""
    table, items = portfolio.table, portfolio.items
    env = report_environment(_template_source)
    env.filters["duration"] = _duration
    disagreeing = []
    for row in table.itertuples(index=False):
        for metric in filter(None, str(row.disagree).split(", ")):
            stated, timeline = getattr(row, f"{metric}_stated"), getattr(row, f"{metric}_timeline")
            disagreeing.append({"row": row, "metric": _NAMES[metric], "stated": stated,
                                "timeline": timeline, "difference": timeline - stated})
    svgs = {
        "ttd_ttr": charts.draw(charts.plot_ttd_ttr, table, "ttd-ttr"),
        "groups": charts.draw(charts.plot_by_group, table, "groups"),
        "actions": charts.draw(charts.plot_action_items, items, "actions"),
    }
    dates = table["date"]
    return env.get_template("portfolio.html.j2").render(
        csp=CONTENT_SECURITY_POLICY, name=name, today=today.isoformat(), table=table,
        rows=[(row, [(getattr(row, f"{m}_stated"), getattr(row, f"{m}_timeline"))
                     for m in METRIC_NAMES]) for row in table.itertuples(index=False)],
        items=items,
        overdue=list(items[items["overdue"]].sort_values(["due", "file"], kind="stable")
                     .itertuples(index=False)),
        disagreeing=disagreeing, rejected=portfolio.rejected, charts=svgs,
        first=f"{dates.min():%Y-%m-%d}" if len(dates) else "",
        last=f"{dates.max():%Y-%m-%d}" if len(dates) else "",
        definitions=[METRICS[m][2] for m in METRIC_NAMES], metric_names=METRIC_NAMES,
        open_items=int(table["actions_open"].sum()),
        overdue_items=int(table["actions_overdue"].sum()))


def write_portfolio(folder: str | os.PathLike[str], out: str | os.PathLike[str], *,
                    today: dt.date | None = None) -> Portfolio:
    """Read the postmortems under ``folder`` and write their page to ``out`` (atomically).

    Returns what was read. The page depends on ``today`` only through which action items
    are overdue.
    """
    from postmortem_kit.atomic import write_text

    today = today or dt.date.today()
    portfolio = collect(folder, today=today)
    name = Path(folder).resolve().name or str(folder)
    write_text(Path(out), render_portfolio(portfolio, name=name, today=today))
    return portfolio
