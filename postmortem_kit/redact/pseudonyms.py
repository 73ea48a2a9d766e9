"""Consistent pseudonyms from a keyed hash, and the per-document key that is never exported.

A pseudonym is ``<prefix>-<hex>``: the first hex digits of HMAC-SHA256(key, kind + value).
The same value gets the same pseudonym everywhere in one report, so the story stays
readable ("user-7f3a retried, then user-7f3a opened a ticket"), and the values cannot be
recovered from it: without the key, not even by hashing guesses (a plain hash of an email
address is looked up in seconds). Four hex digits are shown; a second value that would get
the same pseudonym in one report gets more digits instead.

The key of a document is kept beside it in ``.<name>.redaction-key`` (mode 600), made the
first time the document is redacted, so every redacted rendering of one document (HTML,
Markdown, PDF, the notebook's export) names the same user the same way. No exporter reads
or writes that file; it stays with the team like the full ``postmortem.json``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_BYTES = 32
_SHOWN = 4  # hex digits of a pseudonym, unless two values would share them


class Pseudonyms:
    """The pseudonyms of one report: ``pseudonym("user", "u000274") -> "user-7f3a"``.

    Parameters
    ----------
    key
        The secret of the document (:func:`document_key`); a fresh random one when None,
        which keeps pseudonyms consistent within this object only.
    """

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(KEY_BYTES)
        self._by_value: dict[tuple[str, str], str] = {}
        self._taken: dict[str, tuple[str, str]] = {}

    def pseudonym(self, prefix: str, value: str) -> str:
        """The pseudonym of ``value`` under ``prefix`` (``user``, ``email``, ``ip``...)."""
        known = self._by_value.get((prefix, value))
        if known is not None:
            return known
        digest = hmac.new(self._key, f"{prefix}\0{value}".encode(), hashlib.sha256).hexdigest()
        for length in range(_SHOWN, len(digest) + 1, 2):
            name = f"{prefix}-{digest[:length]}"
            if name not in self._taken:
                break
        self._taken[name] = (prefix, value)
        self._by_value[(prefix, value)] = name
        return name

    def issued(self) -> set[str]:
        """Every pseudonym handed out so far (a check after redaction skips them)."""
        return set(self._taken)


def key_path(document: str | os.PathLike[str]) -> Path:
    """Where the key of ``document`` lives: ``.<name>.redaction-key`` beside the real file."""
    target = Path(os.path.realpath(document))
    return target.parent / f".{target.name}.redaction-key"


def document_key(document: str | os.PathLike[str], *, create: bool = True) -> bytes:
    """The secret of ``document``'s pseudonyms, made (mode 600) the first time.

    Raises
    ------
    OSError
        When the key cannot be read, or cannot be written where ``create`` asks for it.
    """
    path = key_path(document)
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        if not create:
            raise
    except ValueError:
        raise OSError(f"{path}: not a redaction key (expected hex digits); delete it to "
                      "make a new one (pseudonyms will change)") from None
    key = secrets.token_bytes(KEY_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another run made it between our read and now: use theirs
        return document_key(document, create=False)
    try:
        os.write(fd, key.hex().encode("ascii") + b"\n")
    finally:
        os.close(fd)
    return key
