"""Third-party evidence formats, found through the entry-point group ``postmortem_kit.formats``.

The plug-ins are real distributions as pip installs them (a ``*.dist-info`` folder with
``METADATA`` and ``entry_points.txt`` beside the module) on the ``PYTHONPATH`` of a fresh
interpreter, so nothing about the test process (formats already loaded, modules already
imported) can make them pass: ``importlib.metadata`` finds them as it finds any package.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DEMO = '''\
"""A plug-in format: lines ``DEMO|<time>|<message>``."""
import pandas as pd

from postmortem_kit.ingest.files.blocks import iter_lines
from postmortem_kit.ingest.registry import register


def sniff(path, head):
    return 0.99 if head.startswith("DEMO|") else 0.0


@register("demo", sniff=sniff, kind="note")
def load(path, ctx):
    rows = [text.split("|", 2) for _, text in iter_lines(path, ctx) if text]
    return pd.DataFrame({"timestamp": [r[1] for r in rows], "message": [r[2] for r in rows]})
'''
BROKEN = 'raise ImportError("No module named \'vendor_sdk\'")\n'
SHADOW = '''\
from postmortem_kit.ingest.registry import register


@register("jsonl", sniff=lambda path, head: 1.0)
def load(path, ctx):
    raise AssertionError("the built-in jsonl format was replaced")
'''

# What the fresh interpreter does and reports, as JSON on its last line.
SCRIPT = '''\
import json, sys, warnings
warnings.simplefilter("always")
from postmortem_kit.ingest import registry
report = {"imported_before_use": "pmk_demo_plugin" in sys.modules}
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    names = list(registry.FORMATS)
    again = list(registry.FORMATS)
    from postmortem_kit import read_events
    by_name = read_events(sys.argv[1], format="demo")
    auto = read_events(sys.argv[1])
    jsonl = read_events(sys.argv[2])
report.update(
    formats=names, stable=names == again,
    by_name=[by_name["timestamp"].astype(str).tolist(), by_name["message"].tolist(),
             by_name["kind"].astype(str).tolist()],
    auto=auto["message"].tolist(), jsonl=jsonl["message"].tolist(),
    warnings=[str(w.message) for w in caught if "plug-in" in str(w.message)],
)
print(json.dumps(report))
'''


def _distribution(site: Path, name: str, entry: str, module: str, code: str) -> None:
    (site / f"{module}.py").write_text(code, encoding="utf-8")
    info = site / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n",
                                   encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[postmortem_kit.formats]\n{entry} = {module}\n",
                                           encoding="utf-8")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("plugins")
    site = tmp / "site"
    site.mkdir()
    _distribution(site, "demo", "demo", "pmk_demo_plugin", DEMO)
    _distribution(site, "broken", "broken-sdk", "pmk_broken_plugin", BROKEN)
    _distribution(site, "shadow", "shadow", "pmk_shadow_plugin", SHADOW)
    evidence = tmp / "notes.txt"
    evidence.write_text("DEMO|2024-05-01T10:00:00Z|paged the DBA\n"
                        "DEMO|2024-05-01T10:05:00Z|failover started\n", encoding="utf-8")
    logs = tmp / "app.jsonl"
    logs.write_text('{"ts": "2024-05-01T10:00:00Z", "msg": "hi"}\n', encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(site), *filter(None, [os.environ.get("PYTHONPATH")])]))
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(evidence), str(logs)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_plugin_format_is_read_by_name(report):
    assert report["by_name"] == [
        ["2024-05-01 10:00:00+00:00", "2024-05-01 10:05:00+00:00"],
        ["paged the DBA", "failover started"],
        ["note", "note"],
    ]


def test_a_plugin_format_takes_part_in_auto_detection(report):
    assert report["auto"] == ["paged the DBA", "failover started"]
    assert report["formats"][-1] == "demo"  # after the built-in formats


def test_plugins_load_on_first_use_of_the_formats_only(report):
    assert report["imported_before_use"] is False
    assert report["stable"] is True


def test_a_plugin_that_fails_to_import_is_a_warning_naming_it(report):
    broken = [w for w in report["warnings"] if "'broken-sdk'" in w]
    assert broken == [textwrap.dedent("""\
        evidence format plug-in 'broken-sdk' (pmk_broken_plugin) failed to load: \
ImportError: No module named 'vendor_sdk'""")]
    assert "demo" in report["formats"]  # the others still load


def test_a_plugin_cannot_replace_a_built_in_format(report):
    assert report["jsonl"] == ["hi"]  # the built-in loader read it
    assert [w for w in report["warnings"] if "'shadow'" in w] == [
        "evidence format plug-in 'shadow' (pmk_shadow_plugin) registers 'jsonl', a format "
        "already registered: the first one is kept"]
