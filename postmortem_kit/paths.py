"""Where the bundled example data lives, in a source checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir() -> Path:
    """Return the folder of bundled example data (``data/`` of the repository).

    A source checkout or editable install reads ``<repo>/data``; a wheel carries a copy as
    ``postmortem_kit/_bundled_data`` (see ``pyproject.toml``).
    """
    for candidate in (_PACKAGE / "_bundled_data", _PACKAGE.parent / "data"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"bundled data not found next to {_PACKAGE}: reinstall postmortem-kit"
    )


def example_postmortem() -> Path:
    """Path of the bundled, fully filled-in example ``postmortem.json``."""
    return data_dir() / "example-postmortem.json"
