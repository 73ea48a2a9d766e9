"""``postmortem history FILE``: the saved versions of a document, oldest first."""

from __future__ import annotations

import argparse

from postmortem_kit.cli import values
from postmortem_kit.cli.terminal import echo


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "history", help="list the saved versions of a postmortem.json",
        description="List the versions kept beside a postmortem.json (the newest 20 saves, "
                    "and every version a save replaced): number, id, time (UTC), size and "
                    "the fields changed since the version before. Bring one back with "
                    "`postmortem restore FILE NUMBER`.")
    p.add_argument("file", type=values.path, help="the postmortem.json")
    return p


def describe_changes(old: bytes | None, new: bytes) -> str:
    """The fields ``new`` changed since ``old`` (``"(first)"``, ``"not a document"``)."""
    import json

    from postmortem_kit.document.merge import changed_paths

    if old is None:
        return "(first recorded)"
    try:
        before, after = json.loads(old), json.loads(new)
    except ValueError:
        return "(not valid JSON)"
    changed = changed_paths(before, after)
    if not changed:
        return "(same fields, reformatted)"
    shown = ", ".join(changed[:6])
    return shown + (f" and {len(changed) - 6} more" if len(changed) > 6 else "")


def run(args: argparse.Namespace) -> int:
    from postmortem_kit.document import history
    from postmortem_kit.errors import InputError

    have = history.read_all(args.file)
    if not have:
        if not args.file.exists():
            raise InputError(f"{args.file}: no such file")
        echo(f"{args.file}: no saved versions yet (they are kept in "
             f"{history.folder(args.file)} from the next save on)")
        return 0
    previous: bytes | None = None
    width = len(str(len(have)))
    for number, (version, data) in enumerate(have, start=1):
        when = version.time.strftime("%Y-%m-%d %H:%M:%S UTC")
        echo(f"{number:>{width}}  {version.id}  {when}  {len(data):>7,} B  "
             f"{describe_changes(previous, data)}")
        previous = data
    return 0
