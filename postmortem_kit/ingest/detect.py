"""``format="auto"``: which registered format reads a file or a folder."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from postmortem_kit.errors import IngestError
from postmortem_kit.ingest.files.decompress import read_head
from postmortem_kit.ingest.lines.layout import SAMPLE_LINES, near_misses
from postmortem_kit.ingest.lines.undated import is_plain_text
from postmortem_kit.ingest.registry import FORMATS, Format


def folder_format(folder: Path) -> Format | None:
    best, score = None, 0.0
    for fmt in FORMATS.values():
        if fmt.folder:
            s = _safe_sniff(fmt, folder, "")
            if s > score:
                best, score = fmt, s
    return best


def _safe_sniff(fmt: Format, path: Path, head: str) -> float:
    try:
        return float(fmt.sniff(path, head))
    except Exception:  # a sniffer that chokes on a file just says "not mine"
        return 0.0


def detect_format(path: Path, head: str | None = None, *, plain_text: bool = False) -> Format:
    """The registered format most confident it can read ``path`` (``format="auto"``).

    ``head``: the file's first bytes as :func:`~postmortem_kit.ingest.files.decompress.read_head`
    gives them, when the caller has read them already. ``plain_text``: a file of lines of
    text that no format recognises (no timestamp in any line) is read by ``text``, each
    line dated by the file (for a file named explicitly; in a folder such a file is more
    likely a README beside the evidence). Raises IngestError (``exit_code`` 2) listing
    the formats tried when none recognises the file.
    """
    if path.is_dir():
        fmt = folder_format(path)
        if fmt is None:
            tried = ", ".join(f.name for f in FORMATS.values() if f.folder)
            raise IngestError(f"no folder format recognises this folder (tried: {tried})",
                              file=str(path), unusable=True)
        return fmt
    if head is None:
        head = read_head(path)
    scores = {name: _safe_sniff(fmt, path, head) for name, fmt in FORMATS.items()
              if not fmt.folder or path.is_file()}
    name, score = max(scores.items(), key=lambda kv: kv[1], default=("", 0.0))
    if score <= 0:
        lines = head.splitlines()[:SAMPLE_LINES]
        if plain_text and "text" in FORMATS and is_plain_text(lines):
            return FORMATS["text"]
        why = near_misses(pa.array(lines, pa.string())) if lines else "pass format="
        raise IngestError(
            "no format recognises this file (tried: " + ", ".join(scores) + "); "
            "as a text log: " + why + "; or pass format=",
            file=str(path), unusable=True,
        )
    return FORMATS[name]
