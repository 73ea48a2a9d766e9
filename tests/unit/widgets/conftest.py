"""Fixtures for the form tests: a form on a temporary file, a timeline, a manual clock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import ipywidgets as W
import pandas as pd
import pytest

from postmortem_kit.timeline.model import KEY_EVENT_COLUMNS, Timeline
from postmortem_kit.widgets.form import _LIVE, PostmortemForm


class ManualSchedule:
    """A scheduler that runs nothing until the test says so: debouncing without a clock."""

    def __init__(self) -> None:
        self.waiting: list[list] = []

    def __call__(self, delay: float, fn: Callable[[], None]) -> Callable[[], None]:
        entry = [delay, fn, True]
        self.waiting.append(entry)
        return lambda: entry.__setitem__(2, False)

    def run_due(self) -> int:
        """Run every call still scheduled (as if the quiet period passed); how many ran."""
        due, self.waiting = [e for e in self.waiting if e[2]], []
        for _, fn, _ in due:
            fn()
        return len(due)


@pytest.fixture
def schedule() -> ManualSchedule:
    return ManualSchedule()


@pytest.fixture
def pm_path(tmp_path: Path) -> Path:
    return tmp_path / "postmortem.json"


@pytest.fixture
def make_form(pm_path: Path):
    """``make_form(**kw)``: a form on ``pm_path`` saving on every edit unless told otherwise."""
    forms: list[PostmortemForm] = []

    def make(path: Path | None = None, **kw) -> PostmortemForm:
        kw.setdefault("autosave_delay", 0)
        form = PostmortemForm(path or pm_path, **kw)
        forms.append(form)
        return form

    yield make
    for form in forms:
        _LIVE.discard(form)  # the kernel-wide registry must not flush into the next test
    W.Widget.close_all()  # widgets register globally; free them between tests


@pytest.fixture
def timeline() -> Timeline:
    """Phases from 13:00 to 14:00 UTC and three key-event candidates."""
    tl = Timeline().override(note="alert HighErrorRate fired",
                             started="2026-03-14T13:00Z", detected="2026-03-14T13:05Z",
                             mitigated="2026-03-14T13:40Z", resolved="2026-03-14T14:00Z")
    events = pd.DataFrame({
        "time": pd.to_datetime(["2026-03-14T12:58Z", "2026-03-14T13:05Z",
                                "2026-03-14T13:40Z"]).as_unit("us"),
        "event": ["deploy checkout 2.14", "alert HighErrorRate fires", "rollback started"],
        "action_taken": ["", "on-call paged", "rollback"],
        "source": ["deploys", "alertmanager", "deploys"],
        "kind": ["deploy", "alert", "deploy"],
        "why": ["change before impact", "first alert", "mitigation"],
    }, columns=list(KEY_EVENT_COLUMNS))
    tl = Timeline(phases=tl.phases, metrics=tl.metrics, key_events=events,
                  impact=pd.Series({"users_affected": 120, "users_active": 1000}))
    return tl
