"""save_figure: byte-stable PNG and SVG, and entries for the supporting documentation."""

from __future__ import annotations

from pathlib import Path

import pytest

from postmortem_kit.document.model import Link
from postmortem_kit.plots import plot_overview, save_figure


def render(events, tl, path: Path) -> list[dict]:
    ax = plot_overview(events, tl)
    return save_figure(ax.figure, path, dpi=60)


def test_png_and_svg_are_byte_identical_across_renders(tmp_path, hour_incident):
    events, tl = hour_incident
    render(events, tl, tmp_path / "a" / "overview")
    render(events, tl, tmp_path / "b" / "overview")
    for suffix in ("png", "svg"):
        first = (tmp_path / "a" / f"overview.{suffix}").read_bytes()
        assert first == (tmp_path / "b" / f"overview.{suffix}").read_bytes()
    png = (tmp_path / "a" / "overview.png").read_bytes()
    svg = (tmp_path / "a" / "overview.svg").read_text(encoding="utf-8")
    assert png.startswith(b"\x89PNG") and b"Software" not in png
    assert "<dc:date>" not in svg


def test_entries_carry_title_and_relative_url(tmp_path, hour_incident):
    events, tl = hour_incident
    ax = plot_overview(events, tl)
    entries = save_figure(ax.figure, tmp_path / "charts" / "overview.png",
                          relative_to=tmp_path)
    assert entries == [
        {"title": "Error ratio and traffic (PNG)", "url": "charts/overview.png"},
        {"title": "Error ratio and traffic (SVG)", "url": "charts/overview.svg"},
    ]
    # The entries are what the document's supporting-documentation list accepts.
    assert [Link(**e).url for e in entries] == ["charts/overview.png", "charts/overview.svg"]


def test_title_and_formats_can_be_chosen(tmp_path, hour_incident):
    events, tl = hour_incident
    ax = plot_overview(events, tl)
    entries = save_figure(ax.figure, tmp_path / "o", formats=("png",), title="Overview")
    assert entries == [{"title": "Overview (PNG)", "url": (tmp_path / "o.png").as_posix()}]
    assert not (tmp_path / "o.svg").exists()


def test_unknown_format_is_refused(tmp_path, hour_incident):
    events, tl = hour_incident
    ax = plot_overview(events, tl)
    with pytest.raises(ValueError, match="unknown format 'gif'"):
        save_figure(ax.figure, tmp_path / "o", formats=("gif",))
