"""Many postmortems as one table: :func:`read_postmortems`.

One row per incident, from every ``postmortem.json`` and Markdown postmortem under a folder
(ours or another layout, :func:`~postmortem_kit.document.io.read_document`): what each
states (TTD, TTA, TTM, TTR: as ``Time to detection: 8 minutes`` lines, else from the
document's own Duration and Detection times) and what its timeline says (derived from the
evidence when ``evidence/`` sits beside ``postmortem.json``, as ``postmortem new`` lays it
out; else from its key events, :mod:`~postmortem_kit.portfolio.phases`), and its action
items (total, open, overdue).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from postmortem_kit.document.io import MARKDOWN_SUFFIXES, read_document
from postmortem_kit.document.model import Postmortem
from postmortem_kit.document.rules import incident_day
from postmortem_kit.document.stated import stated_durations
from postmortem_kit.errors import InputError, PostmortemKitError
from postmortem_kit.portfolio.phases import metrics_of, phases_from_key_events

#: The metrics compared, as in DESIGN §2.
METRIC_NAMES = ("ttd", "tta", "ttm", "ttr")
#: Stated and timeline figures disagree when they differ by more than this many minutes
#: and more than this share of the stated figure.
TOLERANCE = (dt.timedelta(minutes=5), 0.10)
DOCUMENT = "postmortem.json"
EVIDENCE = "evidence"

COLUMNS = ("file", "title", "date", "severity", "category", "layout",
           *(f"{m}_stated" for m in METRIC_NAMES), *(f"{m}_timeline" for m in METRIC_NAMES),
           "timeline", "basis", "disagree", "actions_total", "actions_open",
           "actions_overdue")


ITEM_COLUMNS = ("file", "title", "kind", "description", "owner", "due", "status", "overdue")


@dataclass
class Portfolio:
    """What a folder of postmortems holds: one row per incident (:func:`read_postmortems`),
    one row per action item, and the files that were not read, with why."""

    table: pd.DataFrame
    items: pd.DataFrame
    rejected: list[dict[str, str]]


def read_postmortems(folder: str | os.PathLike[str], *, today: dt.date | None = None
                     ) -> pd.DataFrame:
    """One row per postmortem under ``folder``, oldest first.

    Parameters
    ----------
    folder
        Searched recursively: a folder holding ``postmortem.json`` is one incident (its
        exported ``report.md`` and its ``evidence/`` are not read as more), and every other
        ``.md`` file is one postmortem, in any layout the importer knows.
    today
        The day action items are overdue against (default: today).

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`: ``file`` (relative to ``folder``), ``title``, ``date``,
        ``severity``, ``category``, ``layout``; ``ttd_stated`` ... ``ttr_stated`` and
        ``ttd_timeline`` ... ``ttr_timeline`` (Timedelta, NaT where unknown); ``timeline``
        (``"evidence"``, ``"key events"`` or ``""``), ``basis`` (the events or phases
        behind the timeline figures), ``disagree`` (the metrics whose two figures differ
        beyond :data:`TOLERANCE`, comma-separated); ``actions_total``, ``actions_open``
        (not done or dropped; long-term items count as open), ``actions_overdue`` (open and
        due before ``today``). Files that could not be read, or hold no incident (no date,
        no timeline: a README, a template), are in ``attrs["rejected"]`` with the reason.

    Raises
    ------
    InputError
        ``folder`` is missing or not a folder.

    Examples
    --------
    >>> table = read_postmortems("postmortems/")  # doctest: +SKIP
    >>> table.groupby("category")["ttr_stated"].median()  # doctest: +SKIP
    """
    return collect(folder, today=today).table


def collect(folder: str | os.PathLike[str], *, today: dt.date | None = None) -> Portfolio:
    """Read every postmortem under ``folder``: the incidents, their action items, and the
    files rejected (see :func:`read_postmortems`)."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root}: no such folder" if not root.exists()
                         else f"{root}: is not a folder; expected a folder of postmortems")
    today = today or dt.date.today()
    rows: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    rejected: list[dict[str, str]] = []
    for path in find_documents(root):
        name = path.relative_to(root).as_posix()
        try:
            pm, layout = _read(path)
        except (PostmortemKitError, OSError) as exc:
            rejected.append({"file": name, "reason": _one_line(str(exc), path)})
            continue
        row = incident_row(pm, layout, path, today)
        if row is None:
            rejected.append({"file": name, "reason": "no incident date and no timeline: not "
                                                    "a postmortem (a README, a template?)"})
            continue
        rows.append({"file": name, **row})
        items += [{"file": name, "title": pm.title, **item} for item in action_items(pm, today)]
    frame = _frame(rows)
    frame.attrs["rejected"] = rejected
    return Portfolio(frame, _items_frame(items), rejected)


def find_documents(root: Path) -> list[Path]:
    """The postmortems under ``root``, in a stable order (hidden folders skipped)."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != EVIDENCE)
        here = Path(dirpath)
        if DOCUMENT in filenames:
            found.append(here / DOCUMENT)
            continue  # report.md beside it is a rendering of the same document
        found += [here / f for f in sorted(filenames)
                  if Path(f).suffix.lower() in MARKDOWN_SUFFIXES and not f.startswith(".")]
    return found


def _read(path: Path) -> tuple[Postmortem, str]:
    parsed = read_document(path)
    layout = parsed.layout if path.suffix.lower() in MARKDOWN_SUFFIXES else "json"
    return parsed.document, layout


def incident_row(pm: Postmortem, layout: str, path: Path, today: dt.date
                 ) -> dict[str, Any] | None:
    """The row of one document (without ``file``), or None when it holds no incident."""
    day = incident_day(pm)
    if day is None:
        return None
    stated = stated_metrics(pm)
    timeline = timeline_metrics(pm, path)
    total, open_, overdue = action_counts(pm, today)
    return {
        "title": pm.title, "date": pd.Timestamp(day), "severity": pm.overview.severity or "",
        "category": pm.overview.category, "layout": layout,
        **{f"{m}_stated": stated.get(m) for m in METRIC_NAMES},
        **{f"{m}_timeline": timeline.metrics.get(m) for m in METRIC_NAMES},
        "timeline": timeline.source, "basis": timeline.basis,
        "disagree": ", ".join(disagreements(stated, timeline.metrics)),
        "actions_total": total, "actions_open": open_, "actions_overdue": overdue,
    }


def stated_metrics(pm: Postmortem) -> dict[str, dt.timedelta]:
    """What ``pm`` states: ``Time to detection: ...`` lines of its Response Time Analysis,
    else its own times (TTD = Detection time − start, TTR = the Duration line)."""
    stated = stated_durations(pm.assessment.response_time_analysis)
    ov = pm.overview
    if "ttd" not in stated and ov.start and pm.detection.time:
        stated["ttd"] = pm.detection.time - ov.start
    if "ttr" not in stated and ov.start and (ov.end or pm.resolution.time):
        stated["ttr"] = (ov.end or pm.resolution.time) - ov.start  # type: ignore[operator]
    return stated


@dataclass
class TimelineFigures:
    """The metrics a document's timeline gives, where they came from, and on what basis."""

    metrics: dict[str, dt.timedelta | None]
    source: str  # "evidence", "key events" or ""
    basis: str


def timeline_metrics(pm: Postmortem, path: Path) -> TimelineFigures:
    """The metrics of ``pm``'s timeline: derived from ``evidence/`` beside a
    ``postmortem.json`` when there is some, else from its key events."""
    evidence = path.parent / EVIDENCE
    if path.name == DOCUMENT and evidence.is_dir() and any(evidence.iterdir()):
        derived = _from_evidence(pm, evidence)
        if derived is not None:
            return derived
    phases = phases_from_key_events(pm)
    if not any(phases.values()):
        return TimelineFigures({}, "", "")
    times = {name: phase.time if phase else None for name, phase in phases.items()}
    basis = "; ".join(f"{name} {pm.to_local(p.time):%Y-%m-%d %H:%M} “{_short(p.event)}”"
                      for name, p in phases.items() if p is not None)
    return TimelineFigures(metrics_of(times), "key events", basis)


def _from_evidence(pm: Postmortem, evidence: Path) -> TimelineFigures | None:
    from postmortem_kit.ingest import read_events
    from postmortem_kit.timeline import derive_timeline

    day = incident_day(pm)
    try:
        events = read_events([evidence], year=day.year if day else None, progress=False)
        if events.empty:
            return None
        tl = derive_timeline(events)
    except (PostmortemKitError, ValueError):
        return None  # evidence that cannot be used: the key events still can
    times: dict[str, dt.datetime | None] = {
        str(name): (None if pd.isna(t) else t.to_pydatetime())
        for name, t in tl.phases["time"].items()}
    basis = "; ".join(f"{name} {pm.to_local(t):%Y-%m-%d %H:%M} ({tl.phases.at[name, 'note']!s})"
                      for name, t in times.items() if t is not None)
    return TimelineFigures(metrics_of(times), "evidence", basis)


def action_items(pm: Postmortem, today: dt.date) -> list[dict[str, Any]]:
    """Every action item of ``pm``: ``kind``, ``description``, ``owner``, ``due``,
    ``status`` (a long-term item has none: ``"long-term"``) and ``overdue`` (still open and
    due before ``today``)."""
    out: list[dict[str, Any]] = [
        {"kind": "immediate", "description": a.description, "owner": a.owner, "due": a.due,
         "status": a.status} for a in pm.action_items.immediate]
    out += [{"kind": "long-term", "description": a.description, "owner": a.owner,
             "due": a.due, "status": "long-term"} for a in pm.action_items.long_term]
    for item in out:
        item["overdue"] = bool(item["status"] in _OPEN and item["due"] is not None
                               and item["due"] < today)
    return out


_OPEN = ("open", "in progress", "long-term")


def action_counts(pm: Postmortem, today: dt.date) -> tuple[int, int, int]:
    """``(total, open, overdue)``: open is not done nor dropped (a long-term item has no
    status: open), overdue is open and due before ``today``."""
    items = action_items(pm, today)
    return (len(items), sum(i["status"] in _OPEN for i in items),
            sum(i["overdue"] for i in items))


def disagreements(stated: dict[str, dt.timedelta],
                  timeline: dict[str, dt.timedelta | None]) -> list[str]:
    """The metrics whose stated and timeline figures differ beyond :data:`TOLERANCE`."""
    least, share = TOLERANCE
    out = []
    for metric in METRIC_NAMES:
        a, b = stated.get(metric), timeline.get(metric)
        if a is None or b is None:
            continue
        if abs(a - b) > max(least, abs(a) * share):
            out.append(metric)
    return out


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _one_line(message: str, path: Path) -> str:
    first = message.split("\n")
    text = " ".join(line.strip() for line in first)
    return text.replace(f"{path}: ", "", 1)


def _items_frame(items: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(items, columns=list(ITEM_COLUMNS))
    frame["due"] = pd.to_datetime(frame["due"]).astype("datetime64[us]")
    frame["overdue"] = frame["overdue"].astype("bool")
    for column in ("file", "title", "kind", "description", "owner", "status"):
        frame[column] = frame[column].astype("str")
    return frame


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    for metric in METRIC_NAMES:
        for kind in ("stated", "timeline"):
            column = f"{metric}_{kind}"
            frame[column] = pd.to_timedelta(frame[column]).astype("timedelta64[us]")
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[us]")
    for column in ("actions_total", "actions_open", "actions_overdue"):
        frame[column] = frame[column].astype("int64")
    for column in ("file", "title", "severity", "category", "layout", "timeline", "basis",
                   "disagree"):
        frame[column] = frame[column].astype("str")
    return frame.sort_values(["date", "file"], kind="stable").reset_index(drop=True)
