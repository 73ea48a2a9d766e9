"""Deploys and other changes (CSV or JSON): ``deploy`` events for deploys and rollbacks,
``change`` events for config changes and feature flags.

A change list is whatever a deploy tool, a CI pipeline or a spreadsheet exports, so the
columns are found by their usual names (after folding case and punctuation:
``Deployed At`` = ``deployed_at``):

========== ===========================================================================
time       timestamp, time, deployed_at, deploy_time, date, datetime, created_at, ...
service    service, app, application, component, project, repo, service_name, ...
version    version, tag, release, revision, sha, commit, image_tag, image, build
author     author, user, actor, deployer, deployed_by, triggered_by, by, username, ...
text       description, message, summary, notes, comment, title, details, reason
type       type, change_type, kind, action, event, event_type, category
========== ===========================================================================

``type`` is normalised to ``deploy``, ``rollback``, ``config`` or ``flag`` (``release`` and
``deployment`` are deploys, ``revert`` a rollback, ``feature_flag`` / ``toggle`` a flag,
``configuration`` a config); other values are kept lower-cased and count as changes. With
no type column, a row is a deploy, or a rollback when its text says "rollback", "roll back"
or "revert": a deploy list without types usually marks rollbacks only in the text.
Every row keeps all its fields; ``change_type``, ``version`` and ``author`` (also as
``user``) are always present. Source fields named like events-frame columns that mean
something else there (``status``, ``source``, ``kind``, ``level``, ``line``) are kept as
``deploy_status``, ``deploy_source``, ...
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pandas as pd

from postmortem_kit.ingest.documents import csv_exports
from postmortem_kit.ingest.documents.items import flatten, frame, items_of, take_items
from postmortem_kit.ingest.documents.read import head_document
from postmortem_kit.ingest.files.decompress import read_head
from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.times import parse_time
from postmortem_kit.timeline.rules import ROLLBACK_WORDS  # one rule for what a rollback is

TIME = ("timestamp", "time", "deployed_at", "deploy_time", "deployed", "date", "datetime",
        "created_at", "started_at", "finished_at", "completed_at", "applied_at", "changed_at",
        "at", "when", "ts")
SERVICE = ("service", "service_name", "app", "app_name", "application", "component", "project",
           "repo", "repository", "system")
VERSION = ("version", "tag", "release", "revision", "sha", "commit", "commit_sha", "image_tag",
           "image", "build", "ref")
AUTHOR = ("author", "user", "actor", "deployer", "deployed_by", "triggered_by", "by", "username",
          "owner", "who", "committer", "creator_login", "actor_name", "user_name")
TEXT = ("description", "message", "summary", "notes", "comment", "title", "details", "reason")
TYPE = ("type", "change_type", "kind", "action", "event", "event_type", "category", "task")

TYPES = {"deploy": "deploy", "deployment": "deploy", "release": "deploy", "deployed": "deploy",
         "rollout": "deploy", "rollback": "rollback", "roll_back": "rollback",
         "revert": "rollback", "rolled_back": "rollback", "config": "config",
         "configuration": "config", "config_change": "config", "flag": "flag",
         "feature_flag": "flag", "feature": "flag", "toggle": "flag", "flag_change": "flag"}
RENAMED = {"status": "deploy_status", "source": "deploy_source", "kind": "deploy_kind",
           "level": "deploy_level", "line": "deploy_line"}
_LIST_KEYS = ("deploys", "deployments", "changes", "releases", "events", "items", "data")


def _find(keys: dict[str, str], names: tuple[str, ...]) -> str | None:
    """The source key (as written) of the first candidate present in ``keys`` (snake -> raw)."""
    return next((keys[n] for n in names if n in keys), None)


def _head_records(head: str) -> list[dict[str, Any]]:
    doc = head_document(head)
    if isinstance(doc, dict):
        doc = next((doc[k] for k in _LIST_KEYS if isinstance(doc.get(k), list)), [doc])
    if isinstance(doc, list):
        return [d for d in doc[:20] if isinstance(d, dict)]
    if head.lstrip().startswith(("{", "[")):
        return []
    lines = head.splitlines()
    if len(head) >= 60_000:
        lines = lines[:-1]  # the head may end mid-row
    try:
        return list(csv.DictReader(io.StringIO("\n".join(lines[:21]))))
    except csv.Error:
        return []


def sniff(path: Path, head: str) -> float:
    """0.96 when rows have a time and a deploy/rollback/config/flag type; 0.9 for a time,
    a service, a version and an author (or a deploy-ish file name)."""
    records = _head_records(head)
    if not records:
        return 0.0
    keys = {csv_exports.snake(k): k for k in flatten(records[0]) if k}
    if _find(keys, TIME) is None:
        return 0.0
    type_key = _find(keys, TYPE)
    typed = type_key and all(
        TYPES.get(csv_exports.snake(str(flatten(r).get(type_key, "")))) for r in records)
    if typed and (_find(keys, SERVICE) or _find(keys, VERSION)):
        return 0.96  # above a JSON-lines log's 0.95: these lines are changes, not logs
    named = re.search(r"deploy|release|change|rollout", path.name, re.IGNORECASE)
    if _find(keys, SERVICE) and _find(keys, VERSION) and (_find(keys, AUTHOR) or named):
        return 0.9
    return 0.0


def _row(rec: dict[str, Any], tz: str) -> tuple[list[dict[str, Any]], str | None]:
    flat = flatten(rec)
    keys = {csv_exports.snake(k): k for k in flat}
    time_key = _find(keys, TIME)
    when = parse_time(flat.get(time_key), tz) if time_key else None
    if when is None:
        what = f"{time_key}={flat.get(time_key)!r} is not a time" if time_key else \
            f"no time field (looked for {', '.join(TIME[:6])}, ...)"
        return [], what
    row = {RENAMED.get(k, k): v for k, v in flat.items()}

    def get(names: tuple[str, ...]) -> str | None:
        key = _find(keys, names)
        value = flat.get(key) if key else None
        return None if value is None or str(value).strip() == "" else str(value)

    text = get(TEXT)
    raw_type = get(TYPE)
    if raw_type is not None:
        change_type = TYPES.get(csv_exports.snake(raw_type), raw_type.strip().lower())
    else:
        change_type = "rollback" if text and ROLLBACK_WORDS.search(text) else "deploy"
    service, version, author = get(SERVICE), get(VERSION), get(AUTHOR)
    row.update(timestamp=when, change_type=change_type, version=version, author=author,
               user=author, service=service,
               kind="deploy" if change_type in ("deploy", "rollback") else "change")
    row["message"] = text or " ".join(x for x in (change_type, service, version) if x)
    return [row], None


def _take(rec: Any, tz: str) -> tuple[list[dict[str, Any]], str | None]:
    if not isinstance(rec, dict):
        return [], f"not a change record (a {type(rec).__name__})"
    return _row(rec, tz)


@register("deploys", sniff=sniff, kind="deploy")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Load a deploy / change list (CSV, a JSON list, or JSON lines) from ``path``.

    Examples
    --------
    >>> changes = read_events("deploys.csv", format="deploys")  # doctest: +SKIP
    >>> changes.loc[changes["change_type"] == "rollback", "timestamp"]  # doctest: +SKIP
    """
    rows: list[dict[str, Any]] = []
    if read_head(path, 4096).lstrip().startswith(("{", "[")):
        rows = take_items(path, ctx, lambda doc: items_of(doc, *_LIST_KEYS),
                          lambda rec, doc: _take(rec, ctx.tz))
    else:
        for line, rec in csv_exports.read_records(path, ctx):
            got, problem = _row(rec, ctx.tz)
            if problem:
                ctx.rejects.add(str(path), line, problem, ",".join(rec.values()))
            rows += [dict(row, line=line) for row in got]
    df = frame(rows)
    for col in ("change_type", "version", "author", "user", "service"):
        if col not in df:
            df[col] = pd.Series(pd.NA, index=df.index, dtype="str")
    return df
