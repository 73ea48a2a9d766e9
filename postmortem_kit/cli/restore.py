"""``postmortem restore FILE VERSION [--force]``: bring a saved version back."""

from __future__ import annotations

import argparse

from postmortem_kit.cli import values
from postmortem_kit.cli.terminal import echo


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "restore", help="bring back a saved version of a postmortem.json",
        description="Replace FILE with one of its saved versions (see `postmortem history "
                    "FILE`). The current file is recorded in the history first, so a "
                    "restore is itself undone by restoring the version before it.")
    p.add_argument("file", type=values.path, help="the postmortem.json")
    p.add_argument("version", help="a number from `postmortem history` (1 is the oldest, -1 "
                                    "the newest), a version id or the start of one")
    p.add_argument("--force", action="store_true",
                   help="restore even a version that is not a valid postmortem (kept as it "
                        "was, say a hand edit with a typo)")
    return p


def run(args: argparse.Namespace) -> int:
    from postmortem_kit.document import history
    from postmortem_kit.document.storage import atomic_write_text, from_json
    from postmortem_kit.errors import DocumentError, InputError

    version = history.find(args.file, args.version)
    data = version.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{args.file}: version {version.id} is not UTF-8 text") from None
    if not args.force:
        try:
            from_json(text, source=f"{args.file} version {version.id}")
        except DocumentError as exc:
            where, what = exc.problems[0]
            more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
            raise InputError(f"{args.file}: version {version.id} is not a valid postmortem "
                             f"({where}: {what}{more}); not restored: --force restores it "
                             "as it is") from None
    atomic_write_text(args.file, text)
    echo(f"{args.file}: restored version {version.id} "
         f"({version.time:%Y-%m-%d %H:%M:%S} UTC); the version it replaced is in "
         "`postmortem history`")
    return 0
