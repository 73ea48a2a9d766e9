"""Saving charts for the report: byte-stable PNG and SVG, and their supporting-doc entries."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import matplotlib as mpl
from matplotlib.figure import Figure

# Without a fixed salt, SVG element ids are random per run and every re-render is a diff.
SVG_HASHSALT = "postmortem-kit"
# Writers stamp the software version (PNG) and the date (SVG): both change bytes across runs
# and machines without changing the picture.
FORMAT_METADATA: dict[str, dict[str, None]] = {
    "png": {"Software": None},
    "svg": {"Date": None},
    "pdf": {"CreationDate": None, "Producer": None},
}
FORMAT_NAMES = {"png": "PNG", "svg": "SVG", "pdf": "PDF"}


def figure_title(fig: Figure) -> str:
    """The figure's title: its suptitle, else the first left or centre axes title."""
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        return suptitle.get_text()
    for ax in fig.axes:
        for loc in ("left", "center"):
            text = ax.get_title(loc=loc)
            if text:
                return text
    return "Chart"


def save_figure(
    fig: Figure,
    path: str | os.PathLike[str],
    *,
    formats: Iterable[str] = ("png", "svg"),
    title: str | None = None,
    dpi: float = 150,
    relative_to: str | os.PathLike[str] | None = None,
) -> list[dict[str, str]]:
    """Write ``fig`` once per format, byte-identical across runs, and describe each file.

    Parameters
    ----------
    fig
        The figure (``ax.figure`` of a plot function's result).
    path
        Where to write, with or without a suffix: ``charts/overview`` gives
        ``charts/overview.png`` and ``charts/overview.svg``. Folders are created.
    formats
        Any of ``png``, ``svg``, ``pdf``.
    title
        Title of the entries; by default the figure's (sup)title.
    dpi
        Resolution of raster formats.
    relative_to
        Folder the returned ``url`` is relative to: the postmortem document's folder, so
        the link works from the rendered report. By default the path as given.

    Returns
    -------
    list of dict
        One ``{"title": ..., "url": ...}`` per file, in the shape of the document's
        supporting-documentation list (``Postmortem.supporting_documentation``).

    Examples
    --------
    >>> ax = plot_overview(events, tl)  # doctest: +SKIP
    >>> save_figure(ax.figure, "charts/overview", relative_to=".")  # doctest: +SKIP
    [{'title': 'Error ratio and traffic (PNG)', 'url': 'charts/overview.png'}, ...]
    """
    base = Path(path)
    if base.suffix.lstrip(".").lower() in FORMAT_METADATA:
        base = base.with_suffix("")
    base.parent.mkdir(parents=True, exist_ok=True)
    name = title or figure_title(fig)
    entries = []
    for fmt in formats:
        fmt = fmt.lower().lstrip(".")
        if fmt not in FORMAT_METADATA:
            raise ValueError(f"unknown format {fmt!r}: expected some of {list(FORMAT_METADATA)}")
        target = base.with_name(f"{base.name}.{fmt}")
        with mpl.rc_context({"svg.hashsalt": SVG_HASHSALT, "svg.fonttype": "path"}):
            fig.savefig(target, format=fmt, dpi=dpi, metadata=FORMAT_METADATA[fmt])
        url = target if relative_to is None else Path(os.path.relpath(target, relative_to))
        entries.append({"title": f"{name} ({FORMAT_NAMES[fmt]})", "url": url.as_posix()})
    return entries
