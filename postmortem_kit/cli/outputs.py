"""Files the verbs write: never over one of their inputs, never over a file without
``--force``, and always whole.

:func:`guard_outputs` is called by every verb that writes, before it writes anything (and,
where it can, before the long part of its work): an output that is one of the inputs (the
same file through any path, link or hard link), or a file under an input folder, is refused
even with ``--force``; an output that exists already is refused without it. Both are
:class:`~postmortem_kit.errors.UsageError` (exit 2). :func:`atomic_output` writes a file so
that a crash, a full disk or Ctrl-C at any moment leaves the old file or the new one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from postmortem_kit.atomic import atomic_output, write_bytes, write_text
from postmortem_kit.errors import IngestError, UsageError

__all__ = ["Inputs", "atomic_output", "guard_outputs", "write_bytes", "write_text"]

# Names that are not files on disk: standard input, which the reader may take as "-".
_STREAMS = {"-"}


def _resolved(path: Path) -> Path:
    try:
        path = path.expanduser()
    except RuntimeError:  # "~nobody": no such user, so the name is taken as it is
        pass
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
        return path.absolute()


def _identity(path: Path) -> tuple[int, int] | None:
    """``(st_dev, st_ino)`` of what ``path`` names (through links), None when nothing."""
    try:
        st = path.stat()
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


@dataclass
class Inputs:
    """What a verb reads: files by identity, folders by resolved path, to test outputs
    against. Build it with :meth:`of` (plain files) or :meth:`of_evidence` (what the ingest
    reader expands: folders and globs)."""

    files: dict[tuple[int, int], Path] = field(default_factory=dict)
    paths: dict[Path, Path] = field(default_factory=dict)
    folders: list[tuple[Path, Path]] = field(default_factory=list)

    @classmethod
    def of(cls, paths: Iterable[str | os.PathLike[str] | None]) -> Inputs:
        """The inputs named by ``paths`` (missing ones included by path; None skipped)."""
        inputs = cls()
        for item in paths:
            if item is not None and str(item) not in _STREAMS:
                inputs.add(Path(item))
        return inputs

    @classmethod
    def of_evidence(cls, items: Iterable[str]) -> Inputs:
        """The inputs ``read_events`` would read for ``items`` (files, folders, globs)."""
        from postmortem_kit.ingest.paths import expand_paths

        inputs = cls()
        for item in items:
            if item in _STREAMS:
                continue
            inputs.add(Path(item))
            try:
                expanded = expand_paths([item])
            except (IngestError, OSError, RuntimeError):
                continue  # missing: the reader says so, with the exit code it deserves
            for path in expanded:
                inputs.add(path)
        return inputs

    def add(self, path: Path) -> None:
        self.paths.setdefault(_resolved(path), path)
        if path.is_dir():
            self.folders.append((_resolved(path), path))
            return
        key = _identity(path)
        if key is not None:
            self.files.setdefault(key, path)

    def clash(self, output: Path) -> str | None:
        """Why writing ``output`` would destroy an input, or None when it would not."""
        key = _identity(output)
        if key is not None and key in self.files:
            return f"output {output} is the input {self.files[key]}; choose another output path"
        where = _resolved(output)
        if where in self.paths:
            return (f"output {output} is the input {self.paths[where]}; "
                    "choose another output path")
        for folder, given in self.folders:
            if output.exists() and where.is_relative_to(folder):
                return (f"output {output} is inside the input folder {given}; "
                        "choose a path outside it")
        return None


def guard_outputs(outputs: Iterable[str | os.PathLike[str] | None], inputs: Inputs, *,
                  force: bool = False) -> None:
    """Refuse outputs that would overwrite an input, each other, or (without ``force``)
    an existing file.

    Parameters
    ----------
    outputs
        The paths the verb is about to write; None entries (an option not given) skipped.
    inputs
        What the verb reads (:class:`Inputs`).
    force
        Allow replacing existing files that are not inputs.

    Raises
    ------
    UsageError
        Naming the output and the input (or the existing file) it would replace.
    """
    seen: dict[Path, Path] = {}
    for item in outputs:
        if item is None:
            continue
        output = Path(item)
        reason = inputs.clash(output)
        if reason is not None:
            raise UsageError(reason)
        where = _resolved(output)
        if where in seen:
            raise UsageError(f"{seen[where]} and {output} are the same output file")
        seen[where] = output
        if output.is_dir():
            raise UsageError(f"{output}: is a folder; expected the path of a file to write")
        if not force and (output.exists() or output.is_symlink()):
            raise UsageError(f"{output}: already exists; pass --force to overwrite it")
