"""A folder of generated postmortems, for the portfolio's tests: seeded, so every run and
every machine gets the same folder.

Half are ``postmortem.json`` folders (as ``postmortem new`` lays them out), a quarter our
Markdown, a quarter the short form of public collections. Each incident's timeline has the
words the portfolio reads phases from; some state figures that disagree with it.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from postmortem_kit.document import Postmortem

CATEGORIES = ("Database", "Deploy", "Network", "Certificates", "Capacity")
UTC = dt.UTC


def incident(i: int, rng: random.Random) -> dict:
    """One incident's facts: start, phase offsets (minutes), category, severity."""
    start = dt.datetime(2024, 1, 8, 9, 0, tzinfo=UTC) + dt.timedelta(days=17 * i,
                                                                      minutes=rng.randrange(600))
    detect, ack = rng.randrange(1, 40), rng.randrange(1, 15)
    mitigate = detect + ack + rng.randrange(5, 60)
    resolve = mitigate + rng.randrange(5, 90)
    return {"i": i, "start": start, "detect": detect, "ack": ack, "mitigate": mitigate,
            "resolve": resolve, "category": CATEGORIES[i % len(CATEGORIES)],
            "severity": f"P{rng.randrange(4)}", "lie": i % 7 == 3}


def document(facts: dict, rng: random.Random) -> Postmortem:
    start = facts["start"]

    def at(minutes: int) -> dt.datetime:
        return start + dt.timedelta(minutes=minutes)

    stated_ttd = facts["detect"] + (25 if facts["lie"] else 0)
    due = (start + dt.timedelta(days=rng.choice([-3, 10, 30, 400]))).date()
    return Postmortem(
        title=f"Incident {facts['i']:02d}: {facts['category'].lower()} trouble",
        overview={"date": start.date(), "start": start, "end": at(facts["resolve"]),
                  "severity": facts["severity"], "category": facts["category"],
                  "impact": "Requests failed."},
        detection={"time": at(stated_ttd), "method": "Alert"},
        key_events=[
            {"time": start, "event": "Error ratio leaves its baseline (impact starts)"},
            {"time": at(facts["detect"]), "event": "Alert HighErrorRate fires; on-call paged"},
            {"time": at(facts["detect"] + facts["ack"]), "event": "Page acknowledged"},
            {"time": at(facts["mitigate"]), "event": "Rollback started"},
            {"time": at(facts["resolve"]), "event": "Errors back to normal, incident resolved"},
        ],
        action_items={
            "immediate": [{"description": "Fix the alert", "owner": "Ana", "due": due,
                           "status": rng.choice(["open", "in progress", "done", "won't do"])}],
            "long_term": [{"description": "Add a canary", "owner": "Bo", "due": due,
                           "priority": "high"}],
        },
    )


def short_form(facts: dict) -> str:
    """The incident in the short form of public collections (times in UTC)."""
    start = facts["start"]

    def row(minutes: int, event: str) -> str:
        return f"| {start + dt.timedelta(minutes=minutes):%Y-%m-%d %H:%M} | {event} |"

    return "\n".join([
        f"# Incident {facts['i']:02d}: {facts['category'].lower()} trouble", "",
        "## Summary", "", "Requests failed.", "", "## Timeline", "", "All times in UTC.", "",
        "| Time | Event |", "| :--- | --- |",
        row(0, "Error ratio leaves its baseline"),
        row(facts["detect"], "Alert fired, on-call paged"),
        row(facts["detect"] + facts["ack"], "On-call acknowledged the page"),
        row(facts["mitigate"], "Rollback performed"),
        row(facts["resolve"], "Service operational again"), "",
        "## Action Items", "", "- Fix the alert", "",
        "## Stats", "", f"- Category: {facts['category']}",
        f"- Time to detection: {facts['detect'] + (25 if facts['lie'] else 0)} minutes",
        f"- Time to recovery: {facts['resolve']} minutes", "",
    ])


def generate(folder: Path, count: int = 40, seed: int = 16) -> list[dict]:
    """Write ``count`` postmortems under ``folder``; returns the facts of each."""
    rng = random.Random(seed)
    facts = [incident(i, rng) for i in range(count)]
    for f in facts:
        pm = document(f, rng)
        if f["i"] % 4 in (0, 1):
            home = folder / f"incident-{f['i']:02d}"
            home.mkdir(parents=True)
            pm.save(home / "postmortem.json")
            (home / "report.md").write_text(pm.to_markdown())  # the export beside it
        elif f["i"] % 4 == 2:
            (folder / f"incident-{f['i']:02d}.md").write_text(pm.to_markdown())
        else:
            (folder / f"incident-{f['i']:02d}.md").write_text(short_form(f))
    return facts
