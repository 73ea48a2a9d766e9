"""Rejected input lines: counted, kept with file, line number and reason, never dropped silently."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from postmortem_kit.errors import IngestError

ErrorPolicy = Literal["report", "raise"]

# Keep enough of a rejected line to recognise it, not a 10 MB copy of it.
MAX_KEPT_TEXT = 300


@dataclass(frozen=True)
class Rejected:
    """One input record that could not be loaded."""

    file: str
    line: int | None
    reason: str
    text: str = ""


@dataclass
class RejectLog:
    """Collects rejected records for one load; raises at the first one under ``errors="raise"``."""

    errors: ErrorPolicy = "report"
    items: list[Rejected] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.errors not in ("report", "raise"):
            raise IngestError(f'errors= must be "report" or "raise", got {self.errors!r}')

    def add(self, file: str, line: int | None, reason: str, text: str | bytes = "") -> None:
        """Record one rejected record (``line`` is 1-based, or None for whole-file problems)."""
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        if len(text) > MAX_KEPT_TEXT:
            text = text[:MAX_KEPT_TEXT] + f"… ({len(text):,} characters)"
        item = Rejected(str(file), line, reason, text)
        if self.errors == "raise":
            raise IngestError(reason, file=item.file, line=line)
        self.items.append(item)

    def __len__(self) -> int:
        return len(self.items)

    def to_frame(self) -> pd.DataFrame:
        """The rejected records as a frame: ``file``, ``line``, ``reason``, ``text``."""
        return pd.DataFrame(
            {
                "file": pd.Series([r.file for r in self.items], dtype="str"),
                "line": pd.Series([r.line for r in self.items], dtype="Int64"),
                "reason": pd.Series([r.reason for r in self.items], dtype="str"),
                "text": pd.Series([r.text for r in self.items], dtype="str"),
            }
        )
