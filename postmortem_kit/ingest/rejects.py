"""Rejected input lines: counted, kept with file, line number and reason, never dropped silently."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

import pandas as pd

from postmortem_kit.errors import IngestError

ErrorPolicy = Literal["report", "raise"]

# Keep enough of a rejected line to recognise it, not a 10 MB copy of it.
MAX_KEPT_TEXT = 300


class Rejected(NamedTuple):
    """One input record that could not be loaded."""

    file: str
    line: int | None
    reason: str
    text: str = ""


class RejectedLines(tuple):
    """The rejected records of a load, as kept in ``events.attrs["rejected"]``.

    A tuple of :class:`Rejected`, because pandas treats ``attrs`` as plain data: it
    deep-copies them into every derived frame, compares them with ``==`` in ``pd.concat``
    and writes them as JSON in ``to_parquet``. A DataFrame there breaks all three; this
    tuple survives them (and is never copied: it is immutable). It still reads like the
    frame people expect: ``rejected["line"]``, ``rejected.groupby("reason")``,
    ``rejected.empty`` and ``len(rejected)`` work, and ``.frame`` is the DataFrame.
    """

    __slots__ = ()
    COLUMNS = ("file", "line", "reason", "text")

    def __new__(cls, items=()) -> RejectedLines:
        return super().__new__(cls, (Rejected(*item) for item in items))

    @property
    def frame(self) -> pd.DataFrame:
        """The records as a frame: ``file``, ``line``, ``reason``, ``text``."""
        return pd.DataFrame({
            "file": pd.Series([r[0] for r in self], dtype="str"),
            "line": pd.Series([r[1] for r in self], dtype="Int64"),
            "reason": pd.Series([r[2] for r in self], dtype="str"),
            "text": pd.Series([r[3] for r in self], dtype="str"),
        })

    def __getitem__(self, key):
        if isinstance(key, str | list):
            return self.frame[key]
        return super().__getitem__(key)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.frame, name)  # sort_values, groupby, to_csv, empty, columns...

    def __deepcopy__(self, memo) -> RejectedLines:
        return self

    def __repr__(self) -> str:
        return repr(self.frame)

    def _repr_html_(self) -> str:
        # (pandas-stubs does not declare the notebook repr, so mypy sees a column lookup)
        return self.frame._repr_html_()  # type: ignore[operator]


@dataclass
class RejectLog:
    """Collects rejected records for one load; raises at the first one under ``errors="raise"``."""

    errors: ErrorPolicy = "report"
    items: list[Rejected] = field(default_factory=list)
    # file -> the name to report it under: a temporary copy of standard input or of a
    # pipe is reported as what the user named ("stdin", the pipe's path)
    aliases: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.errors not in ("report", "raise"):
            raise IngestError(f'errors= must be "report" or "raise", got {self.errors!r}')

    def add(self, file: str, line: int | None, reason: str, text: str | bytes = "") -> None:
        """Record one rejected record (``line`` is 1-based, or None for whole-file problems)."""
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        if len(text) > MAX_KEPT_TEXT:
            text = text[:MAX_KEPT_TEXT] + f"… ({len(text):,} characters)"
        file = self.aliases.get(str(file), str(file))
        item = Rejected(file, line, reason, text)
        if self.errors == "raise":
            raise IngestError(reason, file=item.file, line=line)
        self.items.append(item)

    def __len__(self) -> int:
        return len(self.items)

    def lines(self) -> RejectedLines:
        """The rejected records, as ``read_events`` keeps them in ``attrs["rejected"]``:
        files in load order, each in line order (whole-file problems last). Loaders find
        bad lines in more than one pass, and on more than one thread."""
        files = {name: i for i, name in enumerate(dict.fromkeys(r.file for r in self.items))}
        return RejectedLines(sorted(self.items, key=lambda r: (
            files[r.file], r.line is None, r.line or 0)))

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
