"""How a postmortem displays: the document with its charts, escaped, scoped."""

from __future__ import annotations

import base64
import json
import re

import pytest

from postmortem_kit.document import Postmortem
from postmortem_kit.document.display import (
    DOCUMENT_MIME,
    Report,
    local_charts,
    mimebundle,
    read_payload,
    to_html_fragment,
    to_markdown_with_charts,
)
from postmortem_kit.document.layout import LAYOUT
from postmortem_kit.document.model import Link
from tests.unit.exporters.conftest import HOSTILE, png_bytes


@pytest.fixture(scope="module")
def png() -> bytes:
    return png_bytes()


@pytest.fixture
def folder(tmp_path, png):
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "overview.png").write_bytes(png)
    return tmp_path


def document() -> Postmortem:
    return Postmortem(
        title="Outage",
        key_events=[{"time": "2026-03-12 14:00", "event": f"chat said {HOSTILE}"}],
        supporting_documentation=[
            {"title": "Overview (PNG)", "url": "charts/overview.png"},
            {"title": "Runbook", "url": "https://runbooks.example.com/checkout"},
            {"title": "Missing chart", "url": "charts/missing.png"},
        ])


def test_only_existing_local_pictures_count_as_charts(folder, png):
    charts = local_charts(document(), folder)
    assert list(charts) == ["charts/overview.png"]
    assert charts["charts/overview.png"].data == png
    assert charts["charts/overview.png"].mime == "image/png"


def test_html_fragment_embeds_charts_under_supporting_documentation(folder, png):
    html = to_html_fragment(document(), folder)
    supporting = html.split('id="supporting-documentation"')[1]
    assert f'src="data:image/png;base64,{base64.b64encode(png).decode()}"' in supporting
    assert 'href="https://runbooks.example.com/checkout"' in supporting  # links stay links
    assert "<code>charts/missing.png</code>" not in supporting  # relative: a plain link
    assert html.count("<img") == 1


def test_html_fragment_has_every_section_and_escapes_text(folder):
    html = to_html_fragment(document(), folder)
    for section in LAYOUT:
        assert f'id="{section.anchor}"' in html
    assert HOSTILE not in html
    assert "chat said &lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html


def test_fragment_css_is_scoped_so_it_cannot_restyle_the_notebook(folder):
    css = to_html_fragment(document(), folder).split("<style>")[1].split("</style>")[0]
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    rules = [r.split("{")[0].strip() for r in css.split("}") if "{" in r]
    selectors = [s.strip() for r in rules if not r.startswith("@media")
                 for s in r.replace("@media print", "").split(",") if s.strip()]
    assert selectors and all(s.startswith(".pmk-report") for s in selectors)


def test_markdown_keeps_the_template_layout_and_adds_the_charts_in_their_section(folder):
    pm = document()
    text = to_markdown_with_charts(pm, folder)
    plain = pm.to_markdown()
    supporting = text.split("## Supporting Documentation\n")[1].split("## Follow-up")[0]
    assert "](data:image/png;base64," in supporting
    # removing the picture paragraph gives back the plain rendering
    without = "\n".join(line for line in text.splitlines()
                        if not line.startswith("![")).replace("\n\n\n", "\n\n")
    assert without.strip() == plain.strip()


def test_markdown_without_charts_is_the_plain_rendering(tmp_path):
    pm = Postmortem(title="No charts")
    assert to_markdown_with_charts(pm, tmp_path) == pm.to_markdown()


def test_report_reads_the_file_when_displayed(folder):
    path = folder / "postmortem.json"
    document().save(path)
    report = Report(path)
    assert report.base_dir == folder
    bundle = report._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/markdown", "text/plain", DOCUMENT_MIME}
    assert "data:image/png" in bundle["text/html"]
    Postmortem(title="Edited in the form").save(path)
    assert "Edited in the form" in report._repr_mimebundle_()["text/plain"]


def test_mimebundle_plain_text_names_the_incident_window():
    pm = Postmortem(title="Outage", overview={"start": "2026-03-12 14:03",
                                              "end": "2026-03-12 14:40"})
    assert mimebundle(pm)["text/plain"] == "Postmortem: Outage, 2026-03-12 14:03 to 14:40 UTC"


def test_document_output_carries_the_document_and_its_charts(folder):
    # What a redacted export redacts field by field and renders again.
    pm = document()
    pm.save(folder / "postmortem.json")
    payload = Report(folder / "postmortem.json")._repr_mimebundle_()[DOCUMENT_MIME]
    json.dumps(payload)  # a JSON representation, as nbformat stores it
    again, charts = read_payload(payload)
    assert again == pm
    assert charts["charts/overview.png"].data == (folder / "charts" / "overview.png").read_bytes()


def test_a_png_with_an_svg_twin_is_shown_as_the_svg(folder):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><text>errors</text></svg>'
    (folder / "charts" / "overview.svg").write_bytes(svg)
    charts = local_charts(document(), folder)
    assert (charts["charts/overview.png"].mime, charts["charts/overview.png"].data) == (
        "image/svg+xml", svg)


def test_a_chart_linked_as_png_and_svg_shows_once_as_the_svg(folder):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><text>errors</text></svg>'
    (folder / "charts" / "overview.svg").write_bytes(svg)
    pm = document()
    pm.supporting_documentation.insert(1, Link(title="Overview (SVG)", url="charts/overview.svg"))
    charts = local_charts(pm, folder)
    assert list(charts) == ["charts/overview.svg"]
    html = to_html_fragment(pm, folder)
    assert html.count("<figure>") == 1
    assert '<a href="charts/overview.png">Overview (PNG)</a>' in html
