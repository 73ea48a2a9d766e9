"""``postmortem check FILE [--strict]``: one line per problem, exit 1 when any error."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "check", help="list completeness and consistency problems of a postmortem",
        description="Check a postmortem (JSON or Markdown). Prints one line per problem; "
                    "exits 1 when there are errors (or warnings, with --strict).")
    p.add_argument("file", type=Path, help="postmortem.json or a Markdown postmortem")
    p.add_argument("--strict", action="store_true", help="warnings also fail the check")
    return p


def run(args: argparse.Namespace) -> int:
    from postmortem_kit.document.check import Problem, check
    from postmortem_kit.document.io import read_document

    parsed = read_document(args.file)
    problems = check(parsed.document, placeholders=parsed.placeholders)
    problems += [Problem("warning", f"line {line}", note) for line, note in parsed.notes]
    for problem in problems:
        print(f"{args.file}: {problem}")
    errors = sum(p.level == "error" for p in problems)
    warnings = len(problems) - errors
    print(f"{args.file}: {errors} error(s), {warnings} warning(s)")
    return 1 if errors or (args.strict and warnings) else 0
