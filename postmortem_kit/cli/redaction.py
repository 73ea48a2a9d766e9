"""The redaction options ``render`` and ``export`` share, and how the audit is printed.

``--redact`` makes the report from a redacted copy (the input is never changed);
``--allow`` keeps values, domains, networks or globs; ``--evidence`` names the evidence
whose user ids are replaced (default: ``evidence/`` beside the input). The audit (kinds,
counts, fields; never a value) goes to standard error, so standard output stays the
report or its path.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from postmortem_kit.cli import values
from postmortem_kit.cli.terminal import echo
from postmortem_kit.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    from postmortem_kit.redact.audit import RedactionAudit
    from postmortem_kit.redact.redactor import Redactor


def allow_entry(value: str) -> str:
    """An allow-list entry: a value, a domain, an IP network or a glob."""
    if not value.strip():
        raise argparse.ArgumentTypeError("expected a value, domain, network or glob to keep")
    return value.strip()


def add_options(p: argparse.ArgumentParser, strict_help: str) -> None:
    """Add ``--redact``, ``--allow``, ``--evidence`` and ``--strict`` to a verb."""
    g = p.add_argument_group("redaction (share-safe reports)")
    g.add_argument("--redact", action="store_true",
                   help="replace personal data and secrets (emails, IPs, phone and card "
                        "numbers, tokens, keys, passwords, user ids) with consistent "
                        "pseudonyms such as user-7f3a; the audit goes to standard error, "
                        "the input is not changed")
    g.add_argument("--allow", metavar="VALUE", action="append", default=[], type=allow_entry,
                   help="with --redact: keep this value, domain (shop.example), IP network "
                        "(10.0.0.0/8) or glob (*.internal); repeatable")
    g.add_argument("--evidence", metavar="PATH", action="append", type=values.input_name,
                   help="with --redact: evidence whose user ids are replaced (default: "
                        "evidence/ beside the input when it exists); repeatable")
    g.add_argument("--strict", action="store_true", help=strict_help)


def check_options(args: argparse.Namespace) -> None:
    """Refuse redaction options given without ``--redact``."""
    if not args.redact and (args.allow or args.evidence):
        raise UsageError("--allow and --evidence apply only with --redact")


def redactor(args: argparse.Namespace, source: Path) -> Redactor | None:
    """The redactor the options ask for (None without ``--redact``)."""
    if not args.redact:
        return None
    from postmortem_kit.redact.sources import redactor_for

    return redactor_for(source, allow=args.allow, evidence=args.evidence)


def print_audit(verb: str, audit: RedactionAudit) -> None:
    """The audit, one line per field, on standard error."""
    for line in audit.lines():
        echo(f"postmortem {verb}: {line.strip()}" if not line.startswith("  ")
             else f"postmortem {verb}:   {line.strip()}", err=True)
