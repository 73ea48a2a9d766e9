"""The package's own exceptions.

Every error a user can cause (a bad file, a bad field, an unknown format) is one of these,
so the CLI can print it as one clear line and notebooks can catch them by type.
"""

from __future__ import annotations

from collections.abc import Iterable


class PostmortemKitError(Exception):
    """Base class of every error postmortem-kit raises on purpose.

    ``exit_code`` is what the command line exits with when this error ends a verb
    (DESIGN.md §4): 1 for a run that failed on what its input holds, 2 for a usage error
    or input that cannot be used at all.
    """

    exit_code: int = 1


class UsageError(PostmortemKitError, ValueError):
    """A value or option the caller gave cannot be used: a time zone that does not exist, a
    frequency of zero, an output path that would overwrite an input. Exit code 2."""

    exit_code = 2


class InputError(PostmortemKitError, OSError):
    """Input that cannot be used at all: missing, unreadable, a special file that cannot be
    read as evidence, a document that is not JSON or Markdown. Exit code 2."""

    exit_code = 2


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


class RedactionError(PostmortemKitError, ValueError):
    """A redacted report still holds something a detector finds (``--strict``), or the
    redaction could not be done as asked; names the fields and kinds, never the values."""


class ToolError(PostmortemKitError, OSError):
    """A program the verb needs (Chromium, to print a PDF) is missing or failed. Exit 2:
    nothing was written."""

    exit_code = 2


class IngestError(PostmortemKitError, ValueError):
    """Evidence could not be loaded: names the file, the line (when known) and the reason."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 unusable: bool = False):
        self.file = file
        self.line = line
        self.reason = message
        # A file that is missing, unreadable or in no format we know cannot be used at all:
        # the CLI exits 2 for it, 1 for a load that failed on what the file holds.
        self.exit_code = 2 if unusable else 1
        where = file or ""
        if file and line is not None:
            where = f"{file}:{line}"
        super().__init__(f"{where}: {message}" if where else message)


class PostmortemKitWarning(UserWarning):
    """Base class of the warnings postmortem-kit issues (filter them by this type)."""


class IngestWarning(PostmortemKitWarning):
    """Some evidence was rejected or skipped while loading; the details are on the frame."""


class NotebookWarning(PostmortemKitWarning):
    """A notebook is exported as it is although its report will lack something (it was
    never run, so no cell has an output)."""
