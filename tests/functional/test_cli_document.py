"""The `postmortem` command as a user runs it: render, check, demo and the error contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from postmortem_kit.document import Postmortem


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "postmortem_kit", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_render_markdown_to_stdout_is_the_documents_markdown(example_json):
    result = run("render", str(example_json), "--to", "md")
    assert result.returncode == 0, result.stderr
    assert result.stdout == Postmortem.load(example_json).to_markdown()


def test_render_html_to_a_file_prints_its_path(tmp_path, example_json):
    out = tmp_path / "report" / "pm.html"
    result = run("render", str(example_json), "--to", "html", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_render_reads_markdown_too(tmp_path, example_json):
    md = tmp_path / "report.md"
    md.write_text(Postmortem.load(example_json).to_markdown())
    result = run("render", str(md), "--to", "html")
    assert result.returncode == 0, result.stderr
    assert "Checkout outage after payments-client 2.14.0 deploy" in result.stdout


def test_check_clean_document_exits_0(example_json):
    result = run("check", str(example_json))
    assert result.returncode == 0
    assert result.stdout.strip() == f"{example_json}: 0 error(s), 0 warning(s)"


def test_check_lists_each_problem_on_one_line_and_exits_1(tmp_path, example_json):
    data = json.loads(example_json.read_text())
    data["action_items"]["immediate"][0]["owner"] = ""
    data["overview"]["end"] = "2026-03-14T12:00:00Z"
    path = tmp_path / "postmortem.json"
    path.write_text(json.dumps(data))
    result = run("check", str(path))
    assert result.returncode == 1
    lines = result.stdout.strip().split("\n")
    assert f"{path}: error: overview.end: the incident ends before it starts" in lines
    assert f"{path}: error: action_items.immediate[0].owner: action item has no owner" in lines
    assert lines[-1] == f"{path}: 2 error(s), 0 warning(s)"


def test_warnings_fail_only_with_strict(tmp_path, example_json):
    data = json.loads(example_json.read_text())
    data["went_wrong"].append("Status page updates were late")
    path = tmp_path / "postmortem.json"
    path.write_text(json.dumps(data))
    assert run("check", str(path)).returncode == 0
    strict = run("check", "--strict", str(path))
    assert strict.returncode == 1
    assert "warning: went_wrong[3]: no action item mentions it" in strict.stdout


def test_check_reports_placeholders_left_in_markdown(tmp_path, template_md):
    path = tmp_path / "report.md"
    path.write_text(template_md)
    result = run("check", str(path))
    assert result.returncode == 1
    assert f"{path}: error: line 4: template placeholder left in: [Date of incident]" in \
        result.stdout.split("\n")


def test_bad_file_is_one_clear_line_on_stderr_without_traceback(tmp_path):
    path = tmp_path / "postmortem.json"
    path.write_text(json.dumps({"schema_version": 1, "overview": {"severity": "P5"}}))
    result = run("check", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"postmortem check: error: {path}: overview.severity: "
        "Input should be 'P0', 'P1', 'P2' or 'P3' (got 'P5')")


def test_missing_file_is_an_error_not_a_traceback(tmp_path):
    result = run("render", str(tmp_path / "nope.json"), "--to", "md")
    assert result.returncode == 2  # input that cannot be used at all (DESIGN §4)
    assert "nope.json: no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_2():
    assert run("render").returncode == 2
    assert run("render", "x.json", "--to", "pdf").returncode == 2
    assert run("frobnicate").returncode == 2


def test_demo_writes_html_and_markdown_and_prints_their_paths(tmp_path):
    result = run("demo", "--out", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    html = tmp_path / "demo" / "report.html"
    md = tmp_path / "demo" / "report.md"
    assert f"HTML report:     {html}" in result.stdout
    assert f"Markdown report: {md}" in result.stdout
    assert Postmortem.from_markdown(md.read_text()) == Postmortem.load(
        tmp_path / "demo" / "postmortem.json")
    assert "<h2>Incident Overview</h2>" in html.read_text()


def test_check_names_the_next_day_reading_and_fails_on_it_with_strict(tmp_path, example_json):
    md = Postmortem.load(example_json).to_markdown().replace(
        "- **Duration**: 14:07 +01:00 to 15:21 +01:00 (1h 14m)",
        "- **Duration**: 10:46 UTC to 10:05 UTC")
    path = tmp_path / "report.md"
    path.write_text(md)
    line = next(i for i, text in enumerate(md.split("\n"), 1) if "**Duration**" in text)
    relaxed = run("check", str(path))
    assert relaxed.returncode == 0, relaxed.stdout
    assert (f"{path}: warning: line {line} (overview.end): the Duration ends (10:05 UTC) "
            "before it starts (10:46 UTC) on the same date: read as ending the next day, "
            "2026-03-15 10:05 UTC") in relaxed.stdout
    strict = run("check", "--strict", str(path))
    assert strict.returncode == 1
    assert f"{path}: error: line {line} (overview.end): the Duration ends" in strict.stdout
