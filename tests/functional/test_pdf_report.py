"""PDF reports printed by the real headless Chromium, read back with poppler: every section
of the template, the running header and page numbers, the paper size, charts as vectors,
no table row split across pages, and a clear error without a Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from postmortem_kit import Postmortem
from postmortem_kit.document.model import Link
from tests.unit.redact.seed import (
    chart_svg_and_png,
    document_data,
    every_secret,
    evidence_lines,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEMPLATE = Path(__file__).resolve().parents[2] / "docs" / "postmortem-template.md"
EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "example-postmortem.json"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "pdf"


@pytest.fixture(autouse=True)
def _tools():
    for tool in ("chromium", "pdftotext", "pdftoppm", "pdfinfo", "pdfimages"):
        if shutil.which(tool) is None:
            if os.environ.get("CI"):
                pytest.fail(f"{tool} is not installed: .ci/run must install it")
            pytest.skip(f"{tool} is not installed (Debian: chromium, poppler-utils)")


def postmortem(*args: str | Path, env: dict[str, str] | None = None
               ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "postmortem_kit", *map(str, args)],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def pdftotext(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


def pdfinfo(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True,
                         text=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def pages(pdf: Path) -> int:
    return int(pdfinfo(pdf)["Pages"])


def images(pdf: Path) -> list[str]:
    out = subprocess.run(["pdfimages", "-list", str(pdf)], check=True, capture_output=True,
                         text=True).stdout
    return out.splitlines()[2:]  # after the two header lines


def template_sections() -> list[str]:
    """Every heading and every field label of the template."""
    text = TEMPLATE.read_text()
    headings = [h for h in re.findall(r"^#{2,3} (.+)$", text, re.M)]
    labels = re.findall(r"\*\*(.+?)\*\*", text)
    return headings + labels + ["Time", "Event", "Action Taken"]


@pytest.fixture
def document_folder(tmp_path) -> Path:
    """The example postmortem (every section filled) with a chart saved as PNG and SVG."""
    chart_svg_and_png(tmp_path)
    pm = Postmortem.load(EXAMPLE)
    pm.supporting_documentation.insert(0, Link(title="Error ratio", url="charts/errors.png"))
    pm.save(tmp_path / "postmortem.json")
    return tmp_path


def test_render_pdf_holds_every_section_with_header_and_page_numbers(document_folder):
    out = document_folder / "report.pdf"
    result = postmortem("render", document_folder / "postmortem.json", "--to", "pdf",
                        "-o", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    text = " ".join(pdftotext(out).split())
    for section in template_sections():
        assert section in text, section
    total = pages(out)
    assert total >= 2
    for page in range(1, total + 1):
        lines = [ln for ln in pdftotext(out, page).splitlines() if ln.strip()]
        assert re.fullmatch(r"Checkout outage after payments-client 2\.14\.0 deploy\s+"
                            r"Severity P1", lines[0].strip()), lines[0]
        assert lines[-1].strip() == f"Page {page} of {total}"
    assert "(A4)" in pdfinfo(out)["Page size"]
    # The pages as pictures, kept for a person to look at (tests/artifacts/pdf).
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("render-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(out), str(ARTIFACTS / "render")],
                   check=True)
    assert len(list(ARTIFACTS.glob("render-*.png"))) == total


def test_letter_paper(document_folder):
    out = document_folder / "report.pdf"
    result = postmortem("render", document_folder / "postmortem.json", "--to", "pdf",
                        "--paper", "letter", "-o", out)
    assert result.returncode == 0, result.stderr
    assert "(letter)" in pdfinfo(out)["Page size"]


def test_pdf_is_written_beside_the_document_by_default(document_folder):
    result = postmortem("render", document_folder / "postmortem.json", "--to", "pdf")
    assert result.returncode == 0, result.stderr
    assert (document_folder / "postmortem.pdf").is_file()


def test_charts_with_an_svg_twin_print_as_vectors(document_folder):
    out = document_folder / "vector.pdf"
    assert postmortem("render", document_folder / "postmortem.json", "--to", "pdf",
                      "-o", out).returncode == 0
    assert images(out) == []  # no raster anywhere: the chart is drawn as paths
    # The same document with only the PNG: the chart is a picture in the PDF.
    (document_folder / "charts" / "errors.svg").unlink()
    raster = document_folder / "raster.pdf"
    assert postmortem("render", document_folder / "postmortem.json", "--to", "pdf",
                      "-o", raster).returncode == 0
    assert len(images(raster)) == 1


def test_no_table_row_is_split_across_pages(tmp_path):
    events = [{"time": f"2026-03-12T14:{i:02d}:00Z",
               "event": f"start-{i:02d} " + "a long log line quoted in the event " * 6
                        + f"end-{i:02d}",
               "action_taken": "Investigated " * 8} for i in range(40)]
    Postmortem(title="Long", overview={"date": "2026-03-12", "severity": "P2"},
               key_events=events).save(tmp_path / "postmortem.json")
    out = tmp_path / "long.pdf"
    assert postmortem("render", tmp_path / "postmortem.json", "--to", "pdf", "-o",
                      out).returncode == 0
    total = pages(out)
    assert total >= 3
    where: dict[str, list[int]] = {}
    for page in range(1, total + 1):
        for word in re.findall(r"(?:start|end)-\d\d", pdftotext(out, page)):
            where.setdefault(word.split("-")[1], []).append(page)
    assert len(where) == 40
    for row, found in where.items():
        assert len(found) == 2 and found[0] == found[1], (row, found)


def test_redacted_pdf_of_a_document(document_folder):
    data = document_data()
    data["supporting_documentation"][0]["url"] = "charts/errors.png"
    Postmortem.model_validate(data).save(document_folder / "postmortem.json")
    (document_folder / "evidence").mkdir()  # whose user column names the customers
    (document_folder / "evidence" / "access.jsonl").write_text(evidence_lines())
    out = document_folder / "shared.pdf"
    result = postmortem("render", document_folder / "postmortem.json", "--to", "pdf", "-o",
                        out, "--redact", "--allow", "shop.example", "--allow", "*.internal")
    assert result.returncode == 0, result.stderr
    text = pdftotext(out)
    for secret in every_secret():
        assert secret not in text, secret
    assert "Severity P1" in text
    flat = " ".join(text.split())
    assert "Redacted for sharing: 10 user ids," in flat
    # The chart's labels, drawn again as text, are in the PDF's text with the pseudonym.
    user = re.search(r"failed for (user-[0-9a-f]{4,})", flat).group(1)
    assert f"{user} retried" in flat
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("redacted-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(out), str(ARTIFACTS / "redacted")],
                   check=True)
    assert len(list(ARTIFACTS.glob("redacted-*.png"))) == pages(out)


def test_export_notebook_to_pdf(tmp_path):
    import nbformat
    import nbformat.v4 as v4

    from postmortem_kit.document.display import mimebundle

    pm = Postmortem.load(EXAMPLE)
    cells = [v4.new_code_cell("Report('postmortem.json')", execution_count=1, outputs=[
        v4.new_output("display_data", data=mimebundle(pm, tmp_path))])]
    nbformat.write(v4.new_notebook(cells=cells), tmp_path / "investigation.ipynb")
    result = postmortem("export", tmp_path / "investigation.ipynb", "--to", "pdf")
    assert result.returncode == 0, result.stderr
    out = tmp_path / "investigation.pdf"
    assert result.stdout.strip() == str(out)
    text = " ".join(pdftotext(out).split())
    for section in template_sections():
        assert section in text, section
    first = pdftotext(out, 1).splitlines()[0]
    assert re.fullmatch(r"Checkout outage after payments-client 2\.14\.0 deploy\s+Severity P1",
                        first.strip()), first


def test_without_chromium_the_error_says_so_and_nothing_is_written(document_folder, tmp_path):
    out = document_folder / "report.pdf"
    named = postmortem("render", document_folder / "postmortem.json", "--to", "pdf", "-o", out,
                       env={"POSTMORTEM_CHROMIUM": str(tmp_path / "no-such-chromium")})
    assert named.returncode == 2
    assert named.stderr.strip() == (
        f"postmortem render: error: POSTMORTEM_CHROMIUM={tmp_path / 'no-such-chromium'}: no "
        "such program; a PDF is printed by headless Chromium")
    empty = tmp_path / "empty-path"
    empty.mkdir()
    missing = postmortem("render", document_folder / "postmortem.json", "--to", "pdf",
                         "-o", out, env={"PATH": str(empty)})
    assert missing.returncode == 2
    assert missing.stderr.startswith("postmortem render: error: no Chromium found to print "
                                     "the PDF (looked for chromium, ")
    assert not out.exists()
