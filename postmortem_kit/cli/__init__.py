"""The ``postmortem`` command line: one module per verb, each a thin layer over the API.

A verb module defines ``add_parser(subparsers)`` and ``run(args) -> int``; heavy imports
stay inside ``run`` so ``postmortem --help`` is instant. Exit codes (DESIGN.md §4):
0 success, 1 problems found or the job failed on what its input holds, 2 usage error
or input that cannot be used at all (``PostmortemKitError.exit_code``).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence

from postmortem_kit.errors import PostmortemKitError

# Order is the order of `postmortem --help`; later issues add their verbs here.
VERB_MODULES = ("demo", "new", "ingest", "timeline", "render", "check", "export")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="postmortem",
        description="Investigate an incident from its evidence and write the postmortem.",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback when something fails"
    )
    sub = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    for name in VERB_MODULES:
        module = importlib.import_module(f"postmortem_kit.cli.{name}")
        verb = module.add_parser(sub)
        verb.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``postmortem`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._run(args))
    except PostmortemKitError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"postmortem {args.verb}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except (OSError, UnicodeDecodeError) as exc:
        # Unreadable input (permissions, a folder where a file was expected): cannot be used.
        if args.debug:
            traceback.print_exc()
        print(f"postmortem {args.verb}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"postmortem {args.verb}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
