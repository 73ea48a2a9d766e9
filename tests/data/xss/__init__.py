"""Hostile HTML payloads for the report sanitiser's tests (see README.md beside this file)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def payloads(name: str) -> list[str]:
    """The entries of ``<name>.txt``: split on ``%%`` lines, the leading comment dropped."""
    text = (HERE / f"{name}.txt").read_text(encoding="utf-8")
    entries = text.split("\n%%\n")[1:]
    return [entry.rstrip("\n").replace("{NUL}", "\x00") for entry in entries]
