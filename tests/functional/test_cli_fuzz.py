"""Hostile command lines through ``postmortem_kit.cli.main``: whatever the arguments, the
command exits 0, 1 or 2, raises nothing else, never hangs, and writes no traceback and no
terminal control character (issue 11).

Hypothesis draws argv lists from the verbs, their options and hostile values: empty
strings, ``-``, huge numbers, control characters, missing paths, files of the wrong kind,
``../``, very long strings. ``demo`` and ``export --execute`` run a kernel and are left to
their own tests (tests/functional/test_cli_safety.py). The root folder is not drawn:
``ingest /`` walks the whole file system (and blocks reading /proc/kmsg), which is the
reader's to bound, not the command line's.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import stat
import sys
import threading
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postmortem_kit import cli

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"
EXAMPLE_SECONDS = 30


def make_files(root: Path) -> dict[str, str]:
    """One file of each kind the verbs meet, right and wrong, under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    files = {
        "jsonl": root / "app.jsonl", "pm": root / "pm.json", "md": root / "report.md",
        "nb": root / "nb.ipynb", "png": root / "chart.png", "empty": root / "empty.log",
        "parquet": root / "events.parquet", "folder": root / "evidence",
        "bad_json": root / "bad.json",
    }
    # An hour of evidence with an error burst: enough bins for the timeline to derive.
    rows = [{"ts": 1714557600 + 30 * i, "level": "error" if 40 <= i < 70 else "info",
             "msg": "payment failed \x1b[2J" if 40 <= i < 70 else "ok"} for i in range(120)]
    files["jsonl"].write_text("".join(json.dumps(r) + "\n" for r in rows) + "not json\n")
    pm = Path(__file__).resolve().parents[2] / "data" / "example-postmortem.json"
    shutil.copy(pm, files["pm"])
    files["md"].write_text("# Outage \x1b]0;pwned\x07\n\n## Incident Overview\n- **Date**: x\n")
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Hi")]),
                   files["nb"])
    files["png"].write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    files["empty"].touch()
    pd.DataFrame({"a": [1]}).to_parquet(files["parquet"])
    files["folder"].mkdir(exist_ok=True)
    shutil.copy(files["jsonl"], files["folder"] / "app.jsonl")
    shutil.copy(DATA / "gokit.logfmt", files["folder"] / "gokit.logfmt")
    files["bad_json"].write_text('{"schema_version": 1, "title": ')
    return {name: str(path) for name, path in files.items()}


HOSTILE = ["", "-", "--", "0", "-1", "1e309", "nan", "inf", "99999999999999999999999",
           "../", "../../x", ".", "/etc/hostname", "/dev/null", "a" * 5000, "x" * 300 + ".json",
           "\x1b]0;pwned\x07", "\x1b[2J", "\u202etxt.exe", "\x00", "\r", "\udcff",
           "2024-05-01T10:00:00Z", "1970-01-01", "9999-12-31", "Europe/Paris", "1min",
           "nope/missing.jsonl", "*.jsonl", "**/*", "[", "UTC", "+02:00", "~nosuchuser",
           "~0/x"]


def argv_for(files: dict[str, str]) -> st.SearchStrategy[list[str]]:
    """Command lines: a verb, its positionals and options in any order, each value drawn
    from the right kind (a file of ours, an output path) or a hostile one; half of them
    start from a command that works and change one or two of its values."""
    # Drawn text never climbs out of the work folder nor names the root (see above).
    text = st.text(max_size=12).filter(lambda v: not v.startswith("/") and ".." not in v)
    hostile = st.one_of(st.sampled_from(HOSTILE), text)
    ours = st.sampled_from(sorted(files.values()))
    value = st.one_of(hostile, ours)
    path = st.one_of(ours, value)
    out = st.one_of(st.sampled_from(["out.md", "out.html", "out.parquet", "sub/o.csv",
                                     files["jsonl"], files["pm"], files["folder"]]), value)

    def one(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
        return strategy.map(lambda v: [v])

    flag = st.just([])
    # verb -> (positionals, {option: its values}, commands that work)
    verbs = {
        "check": (one(path), {"--strict": flag, "--help": flag},
                  [[files["pm"]], [files["md"]], ["--strict", files["pm"]]]),
        "render": (one(path), {"--to": one(st.sampled_from(["md", "html", "pdf", ""])),
                               "-o": one(out), "--force": flag},
                   [[files["pm"], "--to", "md"], [files["md"], "--to", "html", "-o", "o.html"]]),
        "ingest": (one(path), {
            "--format": one(st.one_of(st.sampled_from(["auto", "jsonl", "csv", "text"]),
                                      value)),
            "--source": one(value), "--tz": one(value), "--year": one(value),
            "--start": one(value), "--end": one(value), "-o": one(out),
            "--errors": one(st.sampled_from(["report", "raise", "x"])),
            "--rejected-csv": one(out), "--force": flag},
                   [[files["jsonl"]], [files["folder"], "-o", "e.parquet", "--force"],
                    [files["jsonl"], "--rejected-csv", "r.csv", "--tz", "Europe/Paris"]]),
        "timeline": (one(path), {
            "--year": one(value), "--tz": one(value), "--display-tz": one(value),
            "--freq": one(st.one_of(st.sampled_from(["30s", "1min", "0s", "1ns"]), value)),
            "--baseline": st.lists(value, min_size=2, max_size=2),
            "--latency-ms": one(value), "--json": flag},
                     [[files["jsonl"]], [files["folder"], "--json"],
                      [files["jsonl"], "--freq", "30s", "--display-tz", "Asia/Tokyo"]]),
        "export": (one(path), {"--to": one(st.sampled_from(["md", "html", "docx"])),
                               "-o": one(out), "--embed-images": flag, "--force": flag},
                   [[files["nb"], "--to", "md", "--force"],
                    [files["nb"], "--to", "html", "-o", "nb.html", "--force"]]),
        "new": (one(value), {"--dir": one(path), "--force": flag},
                [["incident", "--force"], ["x", "--dir", "sub"]]),
    }

    def groups(verb: str) -> st.SearchStrategy[list[list[str]]]:
        positional, table, _ = verbs[verb]
        option = st.one_of(*[strategy.map(lambda v, f=name: [f, *v])
                             for name, strategy in table.items()])
        return st.tuples(st.lists(positional, max_size=3), st.lists(option, max_size=4)).map(
            lambda parts: parts[0] + parts[1])

    def drawn(verb: str) -> st.SearchStrategy[list[str]]:
        return groups(verb).flatmap(st.permutations).map(
            lambda parts: [verb, *[arg for part in parts for arg in part]])

    def changed(verb: str) -> st.SearchStrategy[list[str]]:
        base = st.sampled_from(verbs[verb][2])

        def mutate(argv: list[str]) -> st.SearchStrategy[list[str]]:
            slots = st.lists(st.tuples(st.integers(0, len(argv) - 1), value), max_size=2)
            return st.tuples(slots, groups(verb)).map(lambda drawn_: [
                verb, *[dict(drawn_[0]).get(i, arg) for i, arg in enumerate(argv)],
                *[arg for part in drawn_[1][:2] for arg in part]])

        return base.flatmap(mutate)

    return st.sampled_from(sorted(verbs)).flatmap(lambda v: st.one_of(drawn(v), changed(v)))


def controls(text: str) -> list[str]:
    return [c for c in text if c not in "\n\t" and (ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f
                                                    or 0x202a <= ord(c) <= 0x202e
                                                    or 0x2066 <= ord(c) <= 0x2069
                                                    or 0xd800 <= ord(c) <= 0xdfff)]


def run_cli(argv: list[str]) -> tuple[object, str, str]:
    """``cli.main(argv)`` in a thread with a deadline: (outcome, stdout, stderr).

    The outcome is the exit code returned or raised as SystemExit, or the exception.
    """
    out, err = io.StringIO(), io.StringIO()
    result: list[object] = []

    def target() -> None:
        try:
            result.append(cli.main(argv))
        except SystemExit as exc:
            result.append(exc.code if exc.code is not None else 0)
        except BaseException as exc:  # the finding: report it, do not kill the thread
            result.append(exc)

    stdin = io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        saved, sys.stdin = sys.stdin, stdin
        try:
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            thread.join(EXAMPLE_SECONDS)
        finally:
            sys.stdin = saved
    if thread.is_alive():
        pytest.fail(f"postmortem {argv!r} still running after {EXAMPLE_SECONDS} s")
    return result[0], out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """The fuzz's current folder, three levels down so ``../`` outputs stay in tmp."""
    root = tmp_path_factory.mktemp("fuzz")
    work = root / "a" / "b" / "c"
    work.mkdir(parents=True)
    return work


@pytest.mark.timeout(600)
def test_hostile_command_lines_exit_0_1_or_2_with_clean_output(workdir):
    files = make_files(workdir / "files")
    seen: list[tuple[list[str], object, str]] = []

    @settings(max_examples=300, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(argv=argv_for(files))
    def check(argv: list[str]) -> None:
        outcome, out, err = run_cli(argv)
        seen.append((argv, outcome, err))
        assert outcome in (0, 1, 2), (argv, outcome, err)
        assert "Traceback" not in err, (argv, err)
        assert "internal error" not in err, (argv, err)
        assert controls(err) == [], (argv, err)
        assert controls(out) == [], (argv, out)
        # an output named /dev/null is written into, never renamed over
        assert stat.S_ISCHR(os.stat(os.devnull).st_mode), (argv, "replaced /dev/null")
        if outcome == 0 and "--json" in argv and "--help" not in argv:
            json.loads(out)

    previous = Path.cwd()
    os.chdir(workdir)
    try:
        check()
    finally:
        os.chdir(previous)
    # The draw reached past argparse: some commands read our files and succeeded.
    assert any(outcome == 0 and "--help" not in argv for argv, outcome, _ in seen)


def run_in(folder: Path, argv: list[str]) -> tuple[object, str, str]:
    make_files(folder)
    previous = Path.cwd()
    os.chdir(folder)
    try:
        return run_cli(argv)
    finally:
        os.chdir(previous)


@pytest.mark.parametrize(("argv", "code", "error"), [
    (["check", "\x00"], 2, "argument file: a path cannot contain a NUL byte"),
    (["ingest", "\udcff.log"], 2, "\\udcff.log: no such file or folder"),
    (["render", "/dev/null", "--to", "md"], 2,
     "/dev/null: is a character device, not a regular file"),
    (["timeline", "events.parquet"], 2, "events.parquet: not an events frame"),
    (["export", "pm.json", "--to", "md", "-o", "../out.md"], 2,
     "pm.json: not a Jupyter notebook"),
    (["new", "\u202eevil"], 2, "'\\u202eevil': expected a plain folder name"),
    (["timeline", "app.jsonl", "--latency-ms", "1e309"], 2,
     "argument --latency-ms: '1e309': expected a finite number >= 0"),
    (["ingest", "~0"], 2, "argument FILE: '~0': no such user's home folder"),
    (["export", "~0", "--to", "md", "--force"], 2, "~0: no such notebook"),
])
def test_specific_hostile_command_lines(argv, code, error, tmp_path):
    outcome, out, err = run_in(tmp_path / "a" / "b", argv)
    assert outcome == code, err
    assert err.splitlines()[-1].startswith(f"postmortem {argv[0]}: error: {error}"), err
    assert controls(err) == [] and controls(out) == []


@pytest.mark.parametrize("argv", [
    ["timeline", "app.jsonl", "--freq", "1D", "--baseline", "1970-01-01", "9999-12-31"],
    ["ingest", "app.jsonl", "--start", "1677-09-22", "--end", "2262-04-11"],
    ["ingest", "app.jsonl", "-o", "~0/events.parquet"],  # a folder named ~0: no expansion
])
def test_extreme_but_valid_values_still_run(argv, tmp_path):
    outcome, _, err = run_in(tmp_path, argv)
    assert outcome == 0, err


def test_timeline_of_evidence_within_one_bin():
    outcome, _, err = run_cli(["timeline", str(DATA / "zap.jsonl")])
    assert outcome in (0, 1, 2) and "internal error" not in err, err
