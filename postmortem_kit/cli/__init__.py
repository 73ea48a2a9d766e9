"""The ``postmortem`` command line: one module per verb, each a thin layer over the API.

A verb module defines ``add_parser(subparsers)`` and ``run(args) -> int``; heavy imports
stay inside ``run`` so ``postmortem --help`` is instant. Exit codes (DESIGN.md §4):
0 success, 1 problems found or the job failed on what its input holds, 2 usage error
or input that cannot be used at all (``PostmortemKitError.exit_code``).

Everything a verb prints goes through :func:`~postmortem_kit.cli.terminal.echo`, which
shows terminal control characters as escapes; option values are checked by the argparse
types in :mod:`~postmortem_kit.cli.values`; files are written through
:mod:`~postmortem_kit.cli.outputs`, which refuses to overwrite an input or an existing file.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from postmortem_kit.cli.terminal import echo, flush, safe
from postmortem_kit.errors import PostmortemKitError

# Order is the order of `postmortem --help`; later issues add their verbs here.
VERB_MODULES = ("demo", "new", "ingest", "timeline", "render", "check", "export", "import_",
                "portfolio", "history", "restore")

EXIT_CODES = """\
exit codes:
  0    success
  1    problems found (check: errors; with --strict, warnings too), or a run
       that failed on what its input holds (e.g. no line could be loaded)
  2    usage error: a bad option value, an output that would overwrite an
       input (or an existing file, without --force); or input that cannot be
       used at all: missing, unreadable, not a format postmortem knows
  130  interrupted (Ctrl-C)"""


class Parser(argparse.ArgumentParser):
    """argparse, with its error messages (which quote what was typed) made safe to print."""

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        super().exit(status, safe(message) if message else message)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="postmortem",
        description="Investigate an incident from its evidence and write the postmortem.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {_version()}")
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback when something fails"
    )
    sub = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    for name in VERB_MODULES:
        module = importlib.import_module(f"postmortem_kit.cli.{name}")
        verb = module.add_parser(sub)
        verb.set_defaults(_run=module.run)
        # Also after the verb (``postmortem ingest x --debug``); SUPPRESS keeps a --debug
        # given before the verb from being reset by the verb's default.
        verb.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                          help="show the full traceback when something fails")
    return parser


def _version() -> str:
    from postmortem_kit import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``postmortem`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args._run(args))
        flush(sys.stdout)
        return code
    except PostmortemKitError as exc:
        return _fail(args, str(exc), exc.exit_code)
    except (OSError, UnicodeDecodeError) as exc:
        # Unreadable input (permissions, a folder where a file was expected): cannot be used.
        return _fail(args, str(exc), 2)
    except KeyboardInterrupt:
        echo(f"postmortem {args.verb}: interrupted", err=True)
        return 130
    except Exception as exc:  # a bug: still one line, and a way to see the traceback
        first = (str(exc).splitlines() or [""])[0]
        return _fail(args, f"internal error: {type(exc).__name__}: {first} (run with "
                           "--debug for the traceback, and please report it)", 1)


def _fail(args: argparse.Namespace, message: str, code: int) -> int:
    if args.debug:
        echo(traceback.format_exc(), err=True, end="")
    echo(f"postmortem {args.verb}: error: {message}", err=True)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
