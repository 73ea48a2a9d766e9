"""``postmortem portfolio DIR [--out portfolio.html] [--as-of DATE] [--force]``: many
postmortems as one table and trend charts."""

from __future__ import annotations

import argparse
from pathlib import Path

from postmortem_kit.cli import values
from postmortem_kit.cli.terminal import echo


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "portfolio", help="many postmortems (ours or other layouts) as one page of trends",
        description="Read every postmortem under DIR (postmortem.json, or Markdown in the "
                    "template's layout or another common one) and write one offline HTML "
                    "page: TTD and TTR over time, by category and severity, action items by "
                    "status, and every document whose stated figures disagree with its own "
                    "timeline. The same folder gives the same page, byte for byte.")
    p.add_argument("folder", metavar="DIR", type=values.path, help="folder of postmortems")
    p.add_argument("--out", type=values.path, default=Path("portfolio.html"),
                   help="the page to write (default: portfolio.html)")
    p.add_argument("--as-of", type=values.day, default=None, metavar="DATE",
                   help="the day action items are overdue against (default: today)")
    p.add_argument("--force", action="store_true",
                   help="overwrite OUT if it exists (never one of the postmortems)")
    return p


def run(args: argparse.Namespace) -> int:
    from postmortem_kit.cli.outputs import Inputs, guard_outputs
    from postmortem_kit.portfolio import write_portfolio

    guard_outputs([args.out], Inputs.of([args.folder]), force=args.force)
    portfolio = write_portfolio(args.folder, args.out, today=args.as_of)
    table = portfolio.table
    disagree = int((table["disagree"] != "").sum())
    echo(f"{args.folder}: {len(table)} postmortem(s) read, {len(portfolio.rejected)} not "
         f"included, {disagree} with stated figures that disagree with their timeline")
    for rejected in portfolio.rejected:
        echo(f"  not included: {rejected['file']}: {rejected['reason']}")
    echo(str(args.out))
    return 0
