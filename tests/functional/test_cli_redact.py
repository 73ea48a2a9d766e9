"""`postmortem render --redact` and `postmortem export --redact` as a user runs them, on the
seeded evidence: every secret gone from the report (its text, its charts, its pictures'
files), look-alikes kept, one pseudonym per value across the report and across both verbs,
the audit printed and kept, `--strict`, and the full text left beside the notebook."""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import nbformat.v4 as v4
import pytest

from postmortem_kit import Postmortem
from postmortem_kit.document.display import mimebundle
from tests.unit.redact.seed import (
    ALLOW,
    LOOK_ALIKES,
    chart_svg_and_png,
    document_data,
    every_secret,
    evidence_lines,
)

ALLOW_ARGS = [arg for entry in ALLOW for arg in ("--allow", entry)]
_SVG_URI = re.compile(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)")


def postmortem(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "postmortem_kit", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def readable(report: str) -> str:
    """The report with its SVG pictures decoded (their labels are text a reader sees)."""
    svgs = [base64.b64decode(m.group(1)).decode() for m in _SVG_URI.finditer(report)]
    return "\n".join([report, *svgs])


def figure(fmt: str, title: str) -> bytes:
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_title(title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, metadata={"Software": None} if fmt == "png" else None)
    plt.close(fig)
    return buffer.getvalue()


@pytest.fixture
def investigation(tmp_path) -> Path:
    """A folder as `postmortem new` lays it out, its notebook run: postmortem.json (the
    full text), evidence/, charts/, and investigation.ipynb whose outputs quote evidence."""
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / "access.jsonl").write_text(evidence_lines())
    chart_svg_and_png(tmp_path)
    pm = Postmortem.model_validate(document_data())
    pm.save(tmp_path / "postmortem.json")
    stream = ("u000274 POST /api/checkout 502 trace_id=4bf92f3577b34da6a3ce929d0e0e4736\n"
              "Authorization: Bearer 9fK2xQ7mZp4LrT8vW1yB\n")
    table = ('<table class="dataframe"><tr><th>user</th><th>client</th></tr>'
             "<tr><td>cust-88412</td><td>203.0.113.77</td></tr>"
             "<tr><td>ops</td><td>10.20.30.40</td></tr></table>")
    cells = [
        v4.new_markdown_cell("# Checkout outage\n\nCustomer dana.whitfield@gmail.com wrote in "
                             "from 198.51.100.23 about version 2.14.0.1."),
        v4.new_code_cell("print(rows)", execution_count=1, outputs=[
            v4.new_output("stream", name="stdout", text=stream)]),
        v4.new_code_cell("users", execution_count=2, outputs=[v4.new_output(
            "execute_result", execution_count=2,
            data={"text/html": table, "text/plain": "user client"})]),
        v4.new_code_cell("raster", execution_count=3, outputs=[v4.new_output(
            "display_data", data={"image/png": base64.b64encode(
                figure("png", "errors for cust-88412")).decode(), "text/plain": "<Figure>"})]),
        v4.new_code_cell("vector", execution_count=4, outputs=[v4.new_output(
            "display_data", data={"image/svg+xml": figure(
                "svg", "errors for u000274 from 203.0.113.77").decode(),
                "text/plain": "<Figure>"})]),
        v4.new_code_cell("Report('postmortem.json')", execution_count=5, outputs=[
            v4.new_output("display_data", data=mimebundle(pm, tmp_path))]),
    ]
    nbformat.write(v4.new_notebook(cells=cells), tmp_path / "investigation.ipynb")
    return tmp_path


def meta_content(page: str, name: str) -> str:
    class Meta(HTMLParser):
        found = ""

        def handle_starttag(self, tag, attrs):
            if tag == "meta" and dict(attrs).get("name") == name:
                Meta.found = dict(attrs)["content"]

    Meta().feed(page)
    return Meta.found


def pseudonym_of(kind: str, text: str, before: str) -> str:
    return re.search(rf"({kind}-[0-9a-f]{{4,}}){re.escape(before)}", text).group(1)


def test_export_html_redact_removes_every_secret_and_keeps_look_alikes(investigation):
    nb = investigation / "investigation.ipynb"
    json_before = (investigation / "postmortem.json").read_bytes()
    nb_before = nb.read_bytes()
    result = postmortem("export", nb, "--to", "html", "-o", investigation / "shared.html",
                        "--redact", *ALLOW_ARGS)
    assert result.returncode == 0, result.stderr
    report = readable((investigation / "shared.html").read_text())
    for secret in every_secret():
        assert secret not in report, secret
    for look_alike in ("version 2.14.0.1", "trace_id=4bf92f3577b34da6a3ce929d0e0e4736",
                       "10.20.30.40", "oncall@shop.example", "checkout.internal"):
        assert look_alike in report, look_alike
    assert "image/png" not in report  # the raster chart was withheld, not shown
    # The original stays whole, for the team: the JSON beside the notebook, the notebook.
    assert (investigation / "postmortem.json").read_bytes() == json_before
    assert "dana.whitfield@gmail.com" in (investigation / "postmortem.json").read_text()
    assert nb.read_bytes() == nb_before


def test_export_uses_one_pseudonym_per_value_across_outputs(investigation):
    result = postmortem("export", investigation / "investigation.ipynb", "--to", "html",
                        "-o", investigation / "shared.html", "--redact", *ALLOW_ARGS)
    assert result.returncode == 0, result.stderr
    report = readable((investigation / "shared.html").read_text())
    # u000274: printed by a cell, in the document's title, in an SVG chart's title.
    user = pseudonym_of("user", report, " POST /api/checkout 502")
    assert f"card payments failed for {user} and others" in report
    assert f"errors for {user} from" in report
    # cust-88412 in the pandas table and in the document's users affected.
    customer = re.search(r"<td>(user-[0-9a-f]{4,})</td>", report).group(1)
    assert customer != user
    assert f"{user}, {customer}" in report


def test_export_prints_the_audit_and_keeps_it_in_the_report(investigation):
    result = postmortem("export", investigation / "investigation.ipynb", "--to", "html",
                        "-o", investigation / "shared.html", "--redact", *ALLOW_ARGS)
    assert result.returncode == 0, result.stderr
    err = result.stderr
    assert "postmortem export: Redacted for sharing: " in err
    assert "postmortem export:   key_events[3].event: 1 AWS key, 1 secret value" in err
    assert "postmortem export:   charts/errors.png: 1 user id, 1 email address, " in err
    assert "postmortem export:   withheld: cell 3" in err
    for secret in every_secret():
        assert secret not in err
    page = (investigation / "shared.html").read_text()
    audit = json.loads(meta_content(page, "postmortem-kit-redaction"))
    assert audit["fields"]["key_events[3].event"] == {"aws_key": 1, "secret": 1}
    assert audit["withheld"] == ["cell 3"]
    summary = err.splitlines()[0].removeprefix("postmortem export: ")
    assert summary in page.replace("&#39;", "'")


def test_export_markdown_redact_leaves_no_secret_in_any_file(investigation):
    out = investigation / "shared" / "report.md"
    result = postmortem("export", investigation / "investigation.ipynb", "--to", "md",
                        "-o", out, "--redact", *ALLOW_ARGS)
    assert result.returncode == 0, result.stderr
    files = [out, *sorted((out.parent / "report_files").iterdir())]
    assert {p.suffix for p in files[1:]} == {".svg"}  # pictures only as checked vectors
    for path in files:
        text = path.read_text()
        for secret in every_secret():
            assert secret not in text, (path.name, secret)
    assert "<!-- postmortem-kit redaction: {" in out.read_text()


def test_render_and_export_name_a_user_the_same_way(investigation):
    rendered = postmortem("render", investigation / "postmortem.json", "--to", "md",
                          "--redact", *ALLOW_ARGS)
    assert rendered.returncode == 0, rendered.stderr
    exported = postmortem("export", investigation / "investigation.ipynb", "--to", "md",
                          "-o", investigation / "shared.md", "--embed-images", "--redact",
                          *ALLOW_ARGS)
    assert exported.returncode == 0, exported.stderr
    user = pseudonym_of("user", rendered.stdout, " and others")
    assert f"card payments failed for {user} and others" in (
        investigation / "shared.md").read_text()
    key = investigation / ".postmortem.json.redaction-key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert key.read_text().strip() not in rendered.stdout + rendered.stderr


def test_render_redact_prints_the_report_and_the_audit_apart(investigation):
    result = postmortem("render", investigation / "postmortem.json", "--to", "html",
                        "--redact", *ALLOW_ARGS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<!DOCTYPE html>")
    # 9 in the document's fields, 1 in its chart
    assert result.stderr.startswith("postmortem render: Redacted for sharing: 10 user ids, ")
    for secret in every_secret():
        assert secret not in readable(result.stdout)
        assert secret not in result.stderr


def test_strict_fails_when_a_field_still_matches_and_writes_nothing(investigation):
    data = document_data()
    data["lessons_learned"].append("`password`=swordfish42 was in the runbook")
    Postmortem.model_validate(data).save(investigation / "postmortem.json")
    out = investigation / "shared.html"
    result = postmortem("render", investigation / "postmortem.json", "--to", "html", "-o", out,
                        "--redact", "--strict", *ALLOW_ARGS)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "postmortem render: error: still matching a detector after redaction (--strict; "
        "nothing written): lessons_learned[1] (secret value)")
    assert not out.exists()
    # Without --strict the same report is written (and the residue is the team's call).
    assert postmortem("render", investigation / "postmortem.json", "--to", "html", "-o", out,
                      "--redact", *ALLOW_ARGS).returncode == 0


def test_export_strict_names_the_cell_and_writes_nothing(investigation):
    nb_path = investigation / "investigation.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.insert(1, v4.new_markdown_cell("Runbook said `password`=swordfish42."))
    nbformat.write(nb, nb_path)
    out = investigation / "shared.html"
    result = postmortem("export", nb_path, "--to", "html", "-o", out, "--redact", "--strict",
                        *ALLOW_ARGS)
    assert result.returncode == 1
    assert result.stderr.strip().endswith("nothing written): cell 1 (secret value)")
    assert "swordfish42" not in result.stderr
    assert not out.exists()


def test_redaction_options_need_redact(investigation):
    result = postmortem("render", investigation / "postmortem.json", "--to", "md",
                        "--allow", "shop.example")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "postmortem render: error: --allow and --evidence apply only with --redact")
    result = postmortem("render", investigation / "postmortem.json", "--to", "md", "--strict")
    assert (result.returncode, result.stderr.strip()) == (
        2, "postmortem render: error: --strict applies only with --redact")


def test_look_alikes_survive_render_redact(investigation):
    result = postmortem("render", investigation / "postmortem.json", "--to", "md",
                        "--redact", *ALLOW_ARGS)
    assert result.returncode == 0, result.stderr
    for look_alike in LOOK_ALIKES:
        if look_alike != "127.0.0.1":
            assert look_alike in result.stdout, look_alike
