"""``postmortem check FILE [--strict]``: one line per problem, exit 1 when any error."""

from __future__ import annotations

import argparse

from postmortem_kit.cli import values
from postmortem_kit.cli.terminal import echo

EXIT_CODES = """\
exit codes:
  0  no errors (and, with --strict, no warnings)
  1  errors found (or warnings, with --strict); each is one line on stdout
  2  the file could not be checked: missing, unreadable, or neither JSON nor
     Markdown (one line on stderr)"""


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "check", help="list completeness and consistency problems of a postmortem",
        description="Check a postmortem (JSON or Markdown). Prints one line per problem; "
                    "exits 1 when there are errors (or warnings, with --strict).",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", type=values.path, help="postmortem.json or a Markdown postmortem")
    p.add_argument("--strict", action="store_true", help="warnings also fail the check")
    return p


def run(args: argparse.Namespace) -> int:
    from postmortem_kit.document.check import check_parsed
    from postmortem_kit.document.io import read_document

    parsed = read_document(args.file)
    problems = check_parsed(parsed, strict=args.strict)
    for problem in problems:
        echo(f"{args.file}: {problem}")
    errors = sum(p.level == "error" for p in problems)
    warnings = len(problems) - errors
    echo(f"{args.file}: {errors} error(s), {warnings} warning(s)")
    return 1 if errors or (args.strict and warnings) else 0
