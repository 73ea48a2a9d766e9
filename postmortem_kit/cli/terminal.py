"""What the command line prints goes through here: evidence text made harmless to a terminal.

Log lines, file names and document fields are written by whoever produced the evidence. An
escape sequence in them (``ESC ]0;title BEL``, ``ESC [2J``) would retitle or clear the
user's terminal, and a bidi override (U+202E) can make a line read as something it is not.
:func:`safe` replaces each such character by a visible escape (``\\x1b``, ``\\u202e``), so
the user sees that something was there and the terminal interprets none of it; every verb
prints with :func:`echo`, which applies it.
"""

from __future__ import annotations

import os
import re
import sys
from typing import TextIO

# C0 controls but tab and newline, DEL, the C1 controls (U+0080-U+009F: U+009B is an 8-bit
# CSI), the bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the
# marks (U+061C, U+200E, U+200F), and lone surrogates, which a file name that is not UTF-8
# decodes to and which no stream can encode. Escaping ESC, BEL and the C1 controls one by
# one is enough to disarm every CSI, OSC and DCS sequence: without its introducer the rest
# is plain text.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                     "\u2066-\u2069\ud800-\udfff]")


def _visible(match: re.Match[str]) -> str:
    # DEL and up as \uNNNN: the same character in a JSON string, so `timeline --json` stays
    # valid and means what it meant (JSON escapes the C0 controls itself; they never reach
    # here from it).
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x20 else f"\\u{code:04x}"


def safe(text: str) -> str:
    """``text`` with every terminal control character shown as a visible escape.

    Newlines and tabs stay; every other C0 control becomes ``\\xNN``; DEL, the C1
    controls, bidi overrides and isolates, and lone surrogates become ``\\uNNNN``.

    Examples
    --------
    >>> safe("boom \\x1b[2J done\\n")
    'boom \\\\x1b[2J done\\n'
    """
    return _UNSAFE.sub(_visible, text)


def echo(text: str = "", *, err: bool = False, end: str = "\n") -> None:
    """Print ``text`` made :func:`safe` to standard output (or standard error, ``err``)."""
    stream: TextIO = sys.stderr if err else sys.stdout
    out = safe(text) + end
    try:
        stream.write(out)
    except BrokenPipeError:
        discard(stream)
    except UnicodeEncodeError:
        # A terminal or pipe whose encoding is not UTF-8 (LANG=C on an old system): show
        # what it cannot encode as escapes rather than fail after the work is done.
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(out.encode(encoding, "backslashreplace").decode(encoding))


def flush(stream: TextIO) -> None:
    """Flush what was printed; a reader that closed the pipe (``| head -1``) is no error."""
    try:
        stream.flush()
    except BrokenPipeError:
        discard(stream)


def discard(stream: TextIO) -> None:
    """Send the rest of ``stream``'s output to the null device: its reader has gone.

    The verb goes on: what it writes to files (``-o``) is still written, and it exits with
    its own code, so ``postmortem ingest ... -o events.parquet | head -1`` still succeeds.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (a test's capture)
        pass
