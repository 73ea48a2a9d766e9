"""Slack: a channel export (a folder of per-day JSON files, or one JSON list) as ``chat`` events.

Accepted layouts:

- a channel folder: ``2024-05-01.json``, ``2024-05-02.json``, ... each a JSON list of
  messages, as Slack's workspace export writes one per channel;
- the export root (``channels.json``, ``users.json`` and one such folder per channel): every
  channel is loaded, named in ``channel``, and ``users.json`` names the users;
- one JSON file holding a list of messages (a day file, or ``conversations.history`` output).

``ts`` is Slack's message id, epoch seconds with six decimals as text; it is parsed with
integer arithmetic so the microseconds survive (a float would round them), and kept as
``ts``. ``user`` is the author's real name (``user_profile.real_name``, then ``users.json``,
then the display name, the bot's ``username``, and last the user id, also in ``user_id``).
``message`` is the text as people read it: Slack stores ``&``, ``<`` and ``>`` escaped and
writes mentions and links as ``<@U123>`` / ``<https://...|label>``, which are turned back into
``@Name``, ``label (https://...)`` and plain characters; a message with no text (a bot post)
uses its attachments' ``fallback`` / ``title`` / ``text``. Thread replies keep ``thread_ts``
and get ``is_reply``; ``subtype`` (``channel_join``, ``bot_message``, ``thread_broadcast``,
...) is kept, so joins and bot posts can be filtered rather than lost. Everything else in a
message is kept flattened (``user_profile.display_name``) or as JSON text (``blocks``,
``attachments``, ``replies``, ``reactions``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from postmortem_kit.ingest.documents.items import (
    flatten,
    frame,
    items_of,
    keep_clear,
    shape_of,
    take_items,
)
from postmortem_kit.ingest.documents.read import has_keys, head_document
from postmortem_kit.ingest.limits import loads
from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.times import us_per

DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
TS = re.compile(r"^(\d{9,11})(?:\.(\d{1,6}))?$")
_MARKUP = re.compile(r"<([@#!]?)([^<>|]+)(?:\|([^<>]*))?>")


def _day_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and DAY_FILE.match(p.name))


def _channels(folder: Path) -> list[tuple[str, list[Path]]]:
    """``(channel name, day files)`` of a channel folder or of an export root.

    A root must hold ``channels.json`` or ``users.json``, as Slack's export does: without
    that, any folder with a channel folder somewhere below would claim to be an export.
    """
    days = _day_files(folder)
    if days:
        return [(folder.name, days)]
    if not ((folder / "channels.json").is_file() or (folder / "users.json").is_file()):
        return []
    subs = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    return [(p.name, _day_files(p)) for p in subs if _day_files(p)]


def _looks_like_messages(doc: Any) -> bool:
    return (isinstance(doc, list) and bool(doc) and isinstance(doc[0], dict)
            and bool(TS.match(str(doc[0].get("ts", "")))))


def sniff(path: Path, head: str) -> float:
    """0.97 for a folder of day files or a JSON list of messages with Slack ``ts`` ids."""
    if path.is_dir():
        channels = _channels(path)
        if not channels:
            return 0.0
        try:
            doc = loads(channels[0][1][0].read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return 0.5  # day-file names without readable messages: probably, not surely
        return 0.97 if _looks_like_messages(doc) or doc == [] else 0.3
    doc = head_document(head)
    if _looks_like_messages(doc):
        return 0.97
    if head.lstrip().startswith("[") and has_keys(head, "ts", "type") and re.search(
            r'"ts"\s*:\s*"\d{9,11}\.\d{6}"', head):
        return 0.9
    return 0.0


def slack_time(ts: Any) -> pd.Timestamp | None:
    """``"1714557600.000123"`` -> UTC Timestamp with the exact microseconds, else None."""
    m = TS.match(str(ts).strip()) if ts is not None else None
    if not m:
        return None
    micros = int(m.group(1)) * int(us_per("s")) + int((m.group(2) or "0").ljust(6, "0"))
    return pd.Timestamp(micros, unit="us", tz="UTC")


def readable(text: str, names: dict[str, str]) -> str:
    """Slack's stored text as people saw it: mentions, links and escapes resolved."""

    def markup(m: re.Match[str]) -> str:
        sigil, target, label = m.groups()
        if sigil == "@":
            return "@" + (label or names.get(target, target))
        if sigil == "#":
            return "#" + (label or target)
        if sigil == "!":
            return "@" + (label or target.split("^")[0])
        return f"{label} ({target})" if label and label != target else target

    text = _MARKUP.sub(markup, text)
    # &amp; last, so "&amp;lt;" (a literal "&lt;" typed by someone) stays "&lt;".
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(msg: dict[str, Any], names: dict[str, str]) -> str:
    text = str(msg.get("text") or "")
    if not text.strip():
        parts = []
        for a in msg.get("attachments") or []:
            if isinstance(a, dict):
                parts += [str(a[k]) for k in ("fallback", "title", "text") if a.get(k)][:1]
        parts += [str(f.get("name") or f.get("title")) for f in msg.get("files") or []
                  if isinstance(f, dict) and (f.get("name") or f.get("title"))]
        text = " | ".join(parts)
    return readable(text, names)


def _users(folder: Path) -> dict[str, str]:
    for candidate in (folder / "users.json", folder.parent / "users.json"):
        try:
            users = loads(candidate.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        return {u["id"]: (u.get("real_name") or (u.get("profile") or {}).get("real_name")
                          or u.get("name") or u["id"])
                for u in users if isinstance(u, dict) and "id" in u}
    return {}


def _take(msg: Any, doc: Any) -> tuple[list[dict[str, Any]], str | None]:
    """A message with a usable ``ts``, kept whole: its row needs the names of the whole
    export (:func:`_row`)."""
    if msg is doc:
        return [], ("not a Slack export day file (expected a JSON list of messages, found "
                    f"{shape_of(doc, keys=6)})")
    if not isinstance(msg, dict):
        return [], f"not a message (a {type(msg).__name__})"
    if slack_time(msg.get("ts")) is None:
        return [], f"ts missing or not a Slack timestamp: {msg.get('ts')!r}"
    return [{"message": msg}], None


def _messages(path: Path, channel: str | None, ctx: LoadContext) -> list[dict[str, Any]]:
    """The messages of one day file that have a usable ``ts``; the others are rejected."""
    items = take_items(path, ctx, items_of, _take)
    return [dict(item, channel=channel, file=path.name) for item in items]


def _row(item: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    msg = item["message"]
    row = keep_clear(flatten({k: v for k, v in msg.items() if k != "user"}), "slack")
    uid = msg.get("user")
    profile = msg.get("user_profile") or {}
    row["user_id"] = uid
    row["user"] = (profile.get("real_name") or names.get(uid) or profile.get("display_name")
                   or msg.get("username") or uid)
    thread = msg.get("thread_ts")
    row["is_reply"] = bool(thread) and thread != msg.get("ts")
    row.update(timestamp=slack_time(msg["ts"]), message=_text(msg, names),
               **{k: v for k, v in item.items() if k != "message"})
    return row


@register("slack", sniff=sniff, kind="chat", folder=True)
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Load a Slack export: a channel folder, an export root, or one JSON list of messages.

    Examples
    --------
    >>> chat = read_events("export/inc-checkout", format="slack")  # doctest: +SKIP
    >>> chat.loc[~chat["is_reply"], ["timestamp", "user", "message"]]  # doctest: +SKIP
    """
    msgs = []
    if path.is_dir():
        names = _users(path)
        channels = _channels(path)
        if not channels:
            ctx.rejects.add(str(path), None, "no Slack day files (YYYY-MM-DD.json) in this "
                            "folder or its channel folders")
        for channel, days in channels:
            for day in days:
                msgs += _messages(day, channel, ctx)
    else:
        names = _users(path.parent)
        msgs = _messages(path, None, ctx)
    # Join messages and mentions carry only a user id; other messages of the same export
    # carry that user's profile, so learn names from them first (users.json wins).
    for item in msgs:
        msg = item["message"]
        real = (msg.get("user_profile") or {}).get("real_name")
        if msg.get("user") and real:
            names.setdefault(msg["user"], real)
    df = frame([_row(m, names) for m in msgs])
    for col in ("subtype", "thread_ts", "channel"):
        if col not in df:
            df[col] = pd.Series(pd.NA, index=df.index, dtype="str")
    return df
