"""`postmortem import` as a user runs it: what went where, and the document written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from postmortem_kit.document import Postmortem

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "postmortems"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "postmortem_kit", *args],
                          capture_output=True, text=True, timeout=120)


def test_import_prints_where_each_heading_went_and_writes_the_document(tmp_path):
    source = SAMPLES / "short" / "ingress-certificate-expiry.md"
    out = tmp_path / "postmortem.json"
    result = run("import", str(source), "-o", str(out))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{source}: read as short"
    assert "  line 42   Attendees             -> notes" in lines
    assert "  line 49   Time to detection     -> stated ttd" in lines
    assert lines[-1] == str(out)
    pm = Postmortem.load(out)
    assert pm.overview.category == "Certificates"
    assert [n.heading for n in pm.notes] == ["Timeline", "Attendees"]


def test_import_writes_markdown_in_the_template_layout(tmp_path):
    source = SAMPLES / "atlassian" / "search-index-outage.md"
    out = tmp_path / "postmortem.md"
    assert run("import", str(source), "--layout", "atlassian", "-o", str(out)).returncode == 0
    text = out.read_text()
    assert text.startswith("# Issue search returns no results — postmortem\n")
    assert "\n## Notes (imported)\n\n### Five whys\n" in text
    assert Postmortem.from_markdown(text).root_cause.technical_cause.startswith("Searches")


def test_import_never_writes_over_its_input_or_an_existing_file(tmp_path):
    source = tmp_path / "pm.md"
    source.write_text((SAMPLES / "short" / "ingress-certificate-expiry.md").read_text())
    same = run("import", str(source), "-o", str(source), "--force")
    assert same.returncode == 2
    assert "is the input" in same.stderr
    existing = tmp_path / "out.json"
    existing.write_text("{}")
    assert run("import", str(source), "-o", str(existing)).returncode == 2
    assert existing.read_text() == "{}"
    assert run("import", str(source), "-o", str(tmp_path / "out.txt")).returncode == 2
