"""What a user or a file can throw at ``postmortem``: outputs that would clobber inputs, bad
option values, escape sequences in evidence, missing inputs, a closed pipe (issue 11).

Each runs the real command (``python -m postmortem_kit``) unless it checks a helper the
verbs share (:mod:`postmortem_kit.cli.terminal`, :mod:`postmortem_kit.cli.outputs`).
"""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from postmortem_kit.errors import UsageError

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"
ESCAPES = "\x1b]0;pwned\x07\x1b[2J"
# 1x1 transparent PNG: a picture output the Markdown export writes to <name>_files/.
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5E"
       "rkJggg==")


def postmortem(*args: str | Path, cwd: Path | None = None,
               stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "postmortem_kit", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=120, input=stdin)


def error_line(proc: subprocess.CompletedProcess) -> str:
    """The one ``error:`` line on stderr (argparse prints its usage lines before it)."""
    errors = [line for line in proc.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return errors[0]


def notebook_with_picture(path: Path) -> Path:
    cell = nbformat.v4.new_code_cell("plot()", outputs=[nbformat.v4.new_output(
        "display_data", data={"image/png": PNG, "text/plain": "<Figure>"})])
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Report"), cell])
    nbformat.write(nb, path)
    return path


@pytest.fixture
def pm_json(tmp_path, example_json) -> Path:
    path = tmp_path / "pm.json"
    path.write_bytes(example_json.read_bytes())
    return path


# 1. Outputs never clobber inputs, nor existing files without --force ---------------------

def test_an_output_that_is_a_pipe_is_written_into_not_replaced(tmp_path):
    """``-o`` naming a FIFO (as ``/dev/null`` and ``/dev/stdout`` name character devices)
    gets the output written into it. Renaming a file over it, as over a regular file,
    replaced /dev/null with a regular file for the whole machine when run as root."""
    for option in ("-o", "--rejected-csv"):
        fifo = tmp_path / f"out{option}.fifo"
        os.mkfifo(fifo)
        got: list[bytes] = []
        reader = threading.Thread(target=lambda f=fifo, g=got: g.append(f.read_bytes()),
                                  daemon=True)  # (blocked for good if nothing writes)
        reader.start()
        proc = postmortem("ingest", DATA / "zap.jsonl", option, fifo, "--force")
        reader.join(60)
        assert proc.returncode == 0, proc.stderr
        assert stat.S_ISFIFO(os.stat(fifo).st_mode), option
        assert got, option
        if option == "-o":
            assert len(pd.read_parquet(io.BytesIO(got[0]))) == 4
        else:
            assert got[0].decode().splitlines() == ["file,line,reason,text"]


def test_export_refuses_to_write_the_report_over_its_notebook(tmp_path):
    nb = notebook_with_picture(tmp_path / "nb.ipynb")
    before = nb.read_bytes()
    proc = postmortem("export", nb, "--to", "html", "-o", nb)
    assert proc.returncode == 2
    assert error_line(proc) == (f"postmortem export: error: output {nb} is the input {nb}; "
                                "choose another output path")
    assert nb.read_bytes() == before
    # --force never allows it, and neither does --execute (refused before the kernel runs).
    proc = postmortem("export", nb, "--to", "md", "-o", nb, "--force", "--execute")
    assert proc.returncode == 2 and nb.read_bytes() == before


def test_ingest_refuses_an_output_inside_its_input_folder(tmp_path):
    ev = tmp_path / "ev"
    ev.mkdir()
    app = ev / "app.jsonl"
    app.write_bytes((DATA / "zap.jsonl").read_bytes())
    before = app.read_bytes()
    for output in ("-o", "--rejected-csv"):
        proc = postmortem("ingest", ev, output, app, "--force")
        assert proc.returncode == 2
        assert error_line(proc) == (f"postmortem ingest: error: output {app} is the input "
                                    f"{app}; choose another output path")
        assert app.read_bytes() == before
    hidden = ev / ".notes"  # not evidence the reader loads, but inside the input folder
    hidden.write_text("mine")
    proc = postmortem("ingest", ev, "-o", hidden, "--force")
    assert proc.returncode == 2
    assert f"output {hidden} is inside the input folder {ev}" in error_line(proc)
    assert hidden.read_text() == "mine"


def test_ingest_refuses_an_output_that_is_an_input_through_a_link(tmp_path):
    app = tmp_path / "app.jsonl"
    app.write_bytes((DATA / "zap.jsonl").read_bytes())
    os.link(app, tmp_path / "hard.jsonl")
    (tmp_path / "soft.jsonl").symlink_to(app)
    for alias in ("hard.jsonl", "soft.jsonl", "./sub/../app.jsonl"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        proc = postmortem("ingest", "app.jsonl", "-o", alias, "--force", cwd=tmp_path)
        assert proc.returncode == 2, alias
        assert "is the input app.jsonl" in error_line(proc)
    glob = postmortem("ingest", "*.jsonl", "-o", "hard.jsonl", "--force", cwd=tmp_path)
    assert glob.returncode == 2
    assert app.read_bytes() == (DATA / "zap.jsonl").read_bytes()


def test_render_refuses_its_input_and_existing_files_without_force(tmp_path, pm_json):
    before = pm_json.read_bytes()
    proc = postmortem("render", pm_json, "--to", "md", "-o", pm_json, "--force")
    assert proc.returncode == 2
    assert error_line(proc) == (f"postmortem render: error: output {pm_json} is the input "
                                f"{pm_json}; choose another output path")
    assert pm_json.read_bytes() == before
    out = tmp_path / "pm.md"
    out.write_text("my notes")
    proc = postmortem("render", pm_json, "--to", "md", "-o", out)
    assert proc.returncode == 2
    assert error_line(proc) == (f"postmortem render: error: {out}: already exists; "
                                "pass --force to overwrite it")
    assert out.read_text() == "my notes"
    proc = postmortem("render", pm_json, "--to", "md", "-o", out, "--force")
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().startswith("# ")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp


def test_ingest_outputs_need_force_to_replace_a_file(tmp_path):
    out, csv = tmp_path / "events.parquet", tmp_path / "rejected.csv"
    out.write_text("older")
    proc = postmortem("ingest", DATA / "zap.jsonl", "-o", out)
    assert proc.returncode == 2
    assert error_line(proc).endswith(f"{out}: already exists; pass --force to overwrite it")
    assert out.read_text() == "older"
    csv.write_text("older")
    proc = postmortem("ingest", DATA / "zap.jsonl", "--rejected-csv", csv)
    assert proc.returncode == 2 and csv.read_text() == "older"
    proc = postmortem("ingest", DATA / "zap.jsonl", "-o", out, "--rejected-csv", csv, "--force")
    assert proc.returncode == 0, proc.stderr
    assert len(pd.read_parquet(out)) == 4
    assert csv.read_text().splitlines() == ["file,line,reason,text"]
    proc = postmortem("ingest", DATA / "zap.jsonl", "-o", out, "--rejected-csv", out,
                      "--force")
    assert proc.returncode == 2
    assert f"{out} and {out} are the same output file" in error_line(proc)


def test_markdown_export_never_overwrites_its_pictures_without_force(tmp_path):
    nb = notebook_with_picture(tmp_path / "nb.ipynb")
    proc = postmortem("export", nb, "--to", "md")
    assert proc.returncode == 0, proc.stderr
    report = tmp_path / "nb.md"
    pictures = list((tmp_path / "nb_files").iterdir())
    assert len(pictures) == 1 and f"nb_files/{pictures[0].name}" in report.read_text()
    proc = postmortem("export", nb, "--to", "md")
    assert proc.returncode == 2
    assert error_line(proc).endswith(f"{report}: already exists; pass --force to overwrite it")
    report.unlink()
    pictures[0].write_bytes(b"a picture I edited")
    proc = postmortem("export", nb, "--to", "md")
    assert proc.returncode == 2
    assert error_line(proc).endswith(
        f"{pictures[0]}: already exists; pass --force to overwrite it")
    assert not report.exists() and pictures[0].read_bytes() == b"a picture I edited"
    proc = postmortem("export", nb, "--to", "md", "--force")
    assert proc.returncode == 0, proc.stderr
    assert pictures[0].read_bytes().startswith(b"\x89PNG") and report.exists()


def test_demo_refuses_a_folder_holding_an_earlier_demo_before_running(tmp_path):
    out = tmp_path / "demo"
    out.mkdir()
    (out / "report.md").write_text("my edited report")
    proc = postmortem("demo", "--out", out)
    assert proc.returncode == 2
    assert error_line(proc) == (
        f"postmortem demo: error: {out / 'report.md'}: already exists (an earlier demo?); "
        "pass --force to overwrite it, or choose another --out")
    assert [p.name for p in out.iterdir()] == ["report.md"]  # nothing ran, nothing written
    assert (out / "report.md").read_text() == "my edited report"


@pytest.mark.slow
def test_demo_force_replaces_an_earlier_demo(tmp_path):
    out = tmp_path / "demo"
    out.mkdir()
    (out / "report.md").write_text("stale")
    proc = postmortem("demo", "--out", out, "--force")
    assert proc.returncode == 0, proc.stderr
    assert (out / "report.md").read_text().startswith("# ")
    assert nbformat.read(out / "worked_example.ipynb", as_version=4).cells


def test_new_refuses_an_existing_folder_and_force_fills_in_without_overwriting(tmp_path):
    folder = tmp_path / "outage"
    (folder / "evidence").mkdir(parents=True)
    (folder / "evidence" / "app.log").write_text("evidence")
    (folder / "postmortem.json").write_text('{"mine": true}')
    proc = postmortem("new", "outage", "--dir", tmp_path)
    assert proc.returncode == 2
    assert error_line(proc).startswith(f"postmortem new: error: {folder}: already exists;")
    assert sorted(p.name for p in folder.iterdir()) == ["evidence", "postmortem.json"]
    proc = postmortem("new", "outage", "--dir", tmp_path, "--force")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in folder.iterdir()) == [
        "evidence", "investigation.ipynb", "postmortem.json"]
    assert (folder / "postmortem.json").read_text() == '{"mine": true}'
    assert (folder / "evidence" / "app.log").read_text() == "evidence"
    (tmp_path / "file").write_text("x")
    assert postmortem("new", "file", "--dir", tmp_path, "--force").returncode == 2


def test_the_clobber_check_takes_standard_input_names(tmp_path):
    from postmortem_kit.cli.outputs import Inputs, guard_outputs

    app = tmp_path / "app.jsonl"
    app.write_text("{}\n")
    inputs = Inputs.of_evidence(["-", "/dev/stdin", str(app)])
    guard_outputs([tmp_path / "events.parquet"], inputs)
    with pytest.raises(UsageError, match="is the input"):
        guard_outputs([app], inputs, force=True)


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path):
    from postmortem_kit.cli.outputs import atomic_output

    target = tmp_path / "events.parquet"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt), atomic_output(target) as tmp:
        tmp.write_text("half of the new")
        raise KeyboardInterrupt
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["events.parquet"]


# 2. Option values: one error line, exit 2 -------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (["timeline", "x.jsonl", "--tz", "Not/AZone"],
     "argument --tz: unknown time zone 'Not/AZone'"),
    (["timeline", "x.jsonl", "--display-tz", "Mars/Olympus"],
     "argument --display-tz: unknown time zone 'Mars/Olympus'"),
    (["ingest", "x.jsonl", "--tz", ""], "argument --tz: expected a time zone"),
    (["timeline", "x.jsonl", "--freq", "banana"], "argument --freq: 'banana' is not a duration"),
    (["timeline", "x.jsonl", "--freq", "0s"],
     "argument --freq: '0s': expected a duration from 1s to 1D"),
    (["timeline", "x.jsonl", "--freq", "1ns"],
     "argument --freq: '1ns': expected a duration from 1s to 1D"),
    (["timeline", "x.jsonl", "--baseline", "yesterday", "2024-05-01"],
     "argument --baseline: 'yesterday' is not a time"),
    (["timeline", "x.jsonl", "--latency-ms", "-5"],
     "argument --latency-ms: '-5': expected a finite number >= 0"),
    (["timeline", "x.jsonl", "--latency-ms", "nan"],
     "argument --latency-ms: 'nan': expected a finite number >= 0"),
    (["ingest", "x.jsonl", "--year", "99999"],
     "argument --year: '99999': expected a year from 1970 to 2200"),
    (["timeline", "x.jsonl", "--year", "twenty"], "argument --year: 'twenty' is not a year"),
    (["ingest", "x.jsonl", "--start", "soon"], "argument --start: 'soon' is not a time"),
    (["ingest", "x.jsonl", "--format", "yaml"], "argument --format: unknown format 'yaml'"),
    (["ingest", "x.jsonl", "-o", ""], "argument -o/--output: expected a path"),
])
def test_bad_option_values_are_one_error_line_and_exit_2(args, message):
    proc = postmortem(*args)
    assert proc.returncode == 2
    assert error_line(proc).startswith(f"postmortem {args[0]}: error: {message}")


def test_a_window_that_ends_before_it_starts_is_a_usage_error(tmp_path):
    proc = postmortem("timeline", DATA / "zap.jsonl", "--baseline", "2024-05-01T11:00Z",
                      "2024-05-01T10:00Z")
    assert proc.returncode == 2
    assert error_line(proc) == (
        "postmortem timeline: error: --baseline: the start (2024-05-01 11:00:00+00:00) is "
        "after the end (2024-05-01 10:00:00+00:00)")
    proc = postmortem("ingest", DATA / "zap.jsonl", "--start", "2024-05-01 12:00",
                      "--end", "2024-05-01T11:00Z", "--tz", "Europe/Paris")
    # 12:00 in Paris is 10:00Z: before the end, so this window is fine ...
    assert proc.returncode == 0, proc.stderr
    proc = postmortem("ingest", DATA / "zap.jsonl", "--start", "2024-05-01 14:00",
                      "--end", "2024-05-01T11:00Z", "--tz", "Europe/Paris")
    assert proc.returncode == 2  # ... and 14:00 in Paris (12:00Z) is after it
    assert "--start/--end: the start (2024-05-01 14:00:00) is after the end" in \
        error_line(proc)


def test_good_option_values_still_work(tmp_path):
    proc = postmortem("ingest", DATA / "zap.jsonl", "--tz", "Europe/Paris", "--year", "2024",
                      "--format", "jsonl", "--start", "2024-05-01T10:00:01Z")
    assert proc.returncode == 0, proc.stderr
    assert "zap: 3 events" in proc.stdout.splitlines()


# 3. Nothing printed from evidence reaches the terminal as a control sequence -------------

def test_safe_shows_each_control_character_as_an_escape():
    from postmortem_kit.cli.terminal import safe

    assert safe(f"a{ESCAPES}b\tc\nd") == "a\\x1b]0;pwned\\x07\\x1b[2Jb\tc\nd"
    assert safe("\r\x00\x7f\x9b\u202eevil\u2066\u200f\udcff") == (
        "\\x0d\\x00\\u007f\\u009b\\u202eevil\\u2066\\u200f\\udcff")
    assert safe("naïve — 東京 ✓") == "naïve — 東京 ✓"


def assert_no_controls(text: str) -> None:
    bad = [c for c in text if c not in "\n\t" and (ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f
                                                   or 0x202a <= ord(c) <= 0x202e
                                                   or 0x2066 <= ord(c) <= 0x2069)]
    assert bad == [], repr(text)


def test_ingest_shows_escapes_in_file_names_and_rejected_lines(tmp_path):
    evil = tmp_path / f"app{ESCAPES}.jsonl"
    evil.write_text('{"ts": 1714557600, "msg": "ok"}\n'
                    f'{{"ts": 1714557601, "msg": "{ESCAPES}"\n'
                    f'{json.dumps({"ts": ESCAPES, "msg": "x"})}\n')
    proc = postmortem("ingest", evil)
    assert proc.returncode == 0, proc.stderr
    assert_no_controls(proc.stdout)
    assert "app\\x1b]0;pwned\\x07\\x1b[2J: 1 events" in proc.stdout.splitlines()
    assert "rejected 2 line(s):" in proc.stdout
    proc = postmortem("ingest", tmp_path / "gone\x1b]0;pwned\x07.log")
    assert proc.returncode == 2
    assert_no_controls(proc.stderr)
    assert "gone\\x1b]0;pwned\\x07.log: no such file or folder" in proc.stderr


def incident(path: Path, message: str) -> Path:
    """A log whose errors make an incident with ``message`` as its new error signature."""
    rows = [{"ts": 1714557600 + 30 * i, "level": "error" if 40 <= i < 70 else "info",
             "msg": message if 40 <= i < 70 else "ok"} for i in range(120)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_timeline_shows_escapes_in_key_event_messages(tmp_path):
    log = incident(tmp_path / "app.jsonl", f"payment failed {ESCAPES} \u202etxt.exe")
    proc = postmortem("timeline", log)
    assert proc.returncode == 0, proc.stderr
    assert_no_controls(proc.stdout)
    key_events = proc.stdout.split("Key events")[1]
    assert "New error: payment failed \\x1b]" in key_events
    assert "\\u202etxt.exe" in key_events
    proc = postmortem("timeline", log, "--json")
    assert proc.returncode == 0, proc.stderr
    assert_no_controls(proc.stdout)
    events = [e["event"] for e in json.loads(proc.stdout)["key_events"]]
    # JSON escapes mean the same characters: the data survives, the terminal is safe.
    assert any("payment failed \x1b]" in e and "\u202etxt.exe" in e for e in events), events


def test_check_and_argparse_errors_show_escapes(tmp_path, template_md):
    report = tmp_path / f"report{ESCAPES}.md"  # check names the file on every line
    report.write_text(template_md)
    proc = postmortem("check", report)
    assert proc.returncode == 1
    assert_no_controls(proc.stdout)
    assert proc.stdout.splitlines()[-1].startswith(
        f"{tmp_path}/report\\x1b]0;pwned\\x07\\x1b[2J.md: ")
    proc = postmortem("check", report, f"extra{ESCAPES}")
    assert proc.returncode == 2
    assert_no_controls(proc.stderr)
    assert "unrecognized arguments: extra\\x1b]0;pwned" in proc.stderr


# 4. Input that cannot be used exits 2; "problems found" stays 1 ---------------------------

def test_unusable_input_exits_2_for_every_verb(tmp_path):
    missing = tmp_path / "missing"
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    text = tmp_path / "notes.json"
    text.write_text("these are my notes, not JSON")
    unknown = tmp_path / "unknown.log"
    unknown.write_text("\x00\x01\x02 nothing any format knows\n")
    parquet = tmp_path / "frame.parquet"
    parquet.write_text("not parquet")
    (tmp_path / "empty").mkdir()
    cases = [
        ("check", missing / "pm.json"), ("check", tmp_path), ("check", garbage),
        ("check", text), ("check", "/dev/zero"),
        ("render", missing / "pm.json", "--to", "md"), ("render", garbage, "--to", "html"),
        ("ingest", missing / "app.log"), ("ingest", str(missing / "*.log")),
        ("ingest", unknown), ("ingest", tmp_path / "empty"),
        ("timeline", missing / "app.log"), ("timeline", parquet),
        ("timeline", pm_frame(tmp_path)),
        ("export", missing / "nb.ipynb", "--to", "md"), ("export", text, "--to", "html"),
        ("export", tmp_path, "--to", "md"),
    ]
    for args in cases:
        proc = postmortem(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert error_line(proc).startswith(f"postmortem {args[0]}: error: "), args


def pm_frame(tmp_path: Path) -> Path:
    """A Parquet file that is not an events frame."""
    path = tmp_path / "other.parquet"
    pd.DataFrame({"a": [1, 2]}).to_parquet(path)
    return path


def test_check_exits_1_only_for_problems_and_2_when_nothing_was_checked(tmp_path,
                                                                          example_json):
    data = json.loads(example_json.read_text())
    data["overview"]["end"] = "2020-01-01T00:00:00Z"
    bad = tmp_path / "pm.json"
    bad.write_text(json.dumps(data))
    assert postmortem("check", bad).returncode == 1
    proc = postmortem("check", tmp_path / "nope.json")
    assert proc.returncode == 2
    assert error_line(proc) == f"postmortem check: error: {tmp_path / 'nope.json'}: no such file"


# 5. Exit codes in --help ----------------------------------------------------------------

def test_help_documents_the_exit_codes():
    main = postmortem("--help")
    assert main.returncode == 0
    assert "exit codes:\n  0    success\n  1    problems found" in main.stdout
    assert "  2    usage error" in main.stdout
    check = postmortem("check", "--help")
    assert "exit codes:\n  0  no errors" in check.stdout
    assert "  2  the file could not be checked" in check.stdout
    for verb in ("ingest", "render", "export", "demo", "new"):
        assert "--force" in postmortem(verb, "--help").stdout, verb


# 6. A reader that goes away ---------------------------------------------------------------

def test_a_closed_pipe_is_quiet_and_the_outputs_are_still_written(tmp_path):
    ev = tmp_path / "ev"
    ev.mkdir()
    (ev / "app.jsonl").write_bytes((DATA / "zap.jsonl").read_bytes())
    # Many empty files: one "note:" line each, far more output than a pipe holds.
    for i in range(1500):
        (ev / f"empty-{i:04d}-{'x' * 150}.log").touch()
    out = tmp_path / "events.parquet"
    writer = subprocess.Popen([sys.executable, "-m", "postmortem_kit", "ingest", str(ev), "-o",
                               str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    head = subprocess.Popen(["head", "-1"], stdin=writer.stdout, stdout=subprocess.PIPE)
    writer.stdout.close()  # head holds the only reading end: when it exits, the pipe closes
    first, _ = head.communicate(timeout=120)
    stderr = writer.stderr.read().decode()
    assert writer.wait(timeout=120) == 0, stderr
    assert first.decode() == "app: 4 events\n"
    assert stderr == ""
    assert len(pd.read_parquet(out)) == 4
