"""The package's own exceptions.

Every error a user can cause (a bad file, a bad field, an unknown format) is one of these,
so the CLI can print it as one clear line and notebooks can catch them by type.
"""

from __future__ import annotations

from collections.abc import Iterable


class PostmortemKitError(Exception):
    """Base class of every error postmortem-kit raises on purpose."""


class DocumentError(PostmortemKitError, ValueError):
    """A postmortem document (JSON or Markdown) has invalid fields.

    Parameters
    ----------
    problems
        ``(where, what)`` pairs: ``where`` is a JSON path such as ``overview.severity`` or
        ``key_events[2].time`` (or a ``file:line`` for Markdown), ``what`` says what was
        expected and what was found.
    source
        The file the document came from, when there is one.
    """

    def __init__(self, problems: Iterable[tuple[str, str]], source: str | None = None):
        self.problems = list(problems)
        self.source = source
        super().__init__(self._format())

    def _format(self) -> str:
        head = f"{self.source}: " if self.source else ""
        if len(self.problems) == 1:
            where, what = self.problems[0]
            return f"{head}{where}: {what}"
        lines = [f"{head}{len(self.problems)} invalid fields:"]
        lines += [f"  {where}: {what}" for where, what in self.problems]
        return "\n".join(lines)


class NotebookError(PostmortemKitError, ValueError):
    """A notebook could not be read, parameterised or executed; names the file and cell."""


class IngestError(PostmortemKitError, ValueError):
    """Evidence could not be loaded: names the file, the line (when known) and the reason."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None):
        self.file = file
        self.line = line
        self.reason = message
        where = file or ""
        if file and line is not None:
            where = f"{file}:{line}"
        super().__init__(f"{where}: {message}" if where else message)


class PostmortemKitWarning(UserWarning):
    """Base class of the warnings postmortem-kit issues (filter them by this type)."""


class IngestWarning(PostmortemKitWarning):
    """Some evidence was rejected or skipped while loading; the details are on the frame."""
