"""The plain reading of a line-oriented file, to check the fast framing paths against."""

from __future__ import annotations

# Pieces chosen to hit what framing can get wrong: CR, the reader's separator byte,
# quotes and commas (no quoting must apply), NUL, invalid UTF-8, multi-byte UTF-8, blanks.
PIECES = [b"a", b"GET /x", b"\r", b"\x1f", b'"', b",", b"#", b"\x00", b"\xff", b"\xc3",
          "é".encode(), "日本".encode(), b" ", b"\t"]


def expected_lines(data: bytes) -> tuple[list[str | None], list[int]]:
    """The reference reading: line texts (None when rejected) and rejected line numbers."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    raw = data.split(b"\n") if data else []
    if data.endswith(b"\n"):
        raw = raw[:-1]
    texts, rejected = [], []
    for number, line in enumerate(raw, start=1):
        line = line.removesuffix(b"\r")
        try:
            text = None if b"\x00" in line else line.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is None:
            rejected.append(number)
        texts.append(text)
    return texts, rejected


def numbered_log(path, head, bad: dict[int, bytes], n: int = 20_000):
    """Write ``n`` lines ``head(i) + "message <line number>"``, the lines at the positions
    of ``bad`` replaced by ``head(i)`` and those bytes; return ``path``."""
    lines = [f"{head(i)}message {i + 1}".encode() for i in range(n)]
    for i, odd in bad.items():
        lines[i] = head(i).encode() + odd
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def assert_numbered(events, bad: dict[int, bytes], n: int = 20_000) -> None:
    """Every line of :func:`numbered_log` other than the bad ones is a record under its own
    number; each bad one is rejected or a record of its own."""
    good = events["message"].str.startswith("message ")
    assert (events.loc[good, "message"] == "message " + events.loc[good, "line"].astype(str)).all()
    assert good.sum() == n - len(bad)
    others = events.attrs["rejected"]["line"].tolist() + events.loc[~good, "line"].tolist()
    assert sorted(others) == sorted(i + 1 for i in bad)

