"""Grouping accuracy of signature mining on labelled logs in a folder, and on unlabelled ones.

Labelled logs (the LogHub benchmark's layout): every ``*_structured.csv`` (or
``*_structured_corrected.csv``) under ``FOLDER`` with ``Content`` and ``EventId`` columns,
and every ``*.tsv`` whose lines are ``count<TAB>EventId<TAB>Content`` (an excerpt of such a
file with repeated lines counted). For each, the LogHub grouping accuracy of
``mine_signatures`` and of drain3 with default settings, then the mean and the minimum.
No file gets settings of its own.

Unlabelled logs (``--unlabelled DIR``, e.g. ``../shared/samples/lnav``): every file there
is loaded with ``read_events(format="auto")``; the number of messages, distinct messages
and signatures per file is printed, and with ``--show`` every template with its count, to
be read by eye for splits (one event under several templates) and merges.

    .venv/bin/python benchmarks/signature_accuracy.py ../shared/samples/loghub [more folders]
    .venv/bin/python benchmarks/signature_accuracy.py --unlabelled ../shared/samples/lnav --show
"""

from __future__ import annotations

import argparse
import csv
import logging
import statistics
import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from signatures import drain3_defaults, grouping_accuracy  # benchmarks/signatures.py

from postmortem_kit.timeline.signatures import mine_signatures


def read_labelled(path: Path) -> tuple[list[str], list[str]]:
    """Messages and their true event ids from a LogHub CSV or a counted TSV excerpt."""
    if path.suffix == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        return frame["Content"].tolist(), frame["EventId"].tolist()
    messages, events = [], []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            count, event, content = int(row[0]), row[1], "\t".join(row[2:])
            messages += [content] * count
            events += [event] * count
    return messages, events


def labelled_files(folders: Sequence[Path]) -> list[Path]:
    found = []
    for folder in folders:
        found += sorted(folder.rglob("*_structured.csv")) + sorted(
            folder.rglob("*_structured_corrected.csv")) + sorted(folder.rglob("*.tsv"))
    return found


def misgrouped(truth: list[str], predicted: list[str], limit: int = 5) -> list[str]:
    """A few true events whose messages were split or merged, for reading."""
    frame = pd.DataFrame({"truth": truth, "pred": predicted})
    split = frame.groupby("truth")["pred"].nunique()
    merged = frame.groupby("pred")["truth"].nunique()
    out = [f"split {t} into {n}" for t, n in split[split > 1].head(limit).items()]
    out += [f"merged {n} events in one" for n in merged[merged > 1].head(limit)]
    return out


def report_labelled(folders: Sequence[Path], *, drain3: bool, verbose: bool) -> None:
    rows = []
    for path in labelled_files(folders):
        messages, truth = read_labelled(path)
        ours = mine_signatures(messages)["signature_id"].tolist()
        ga = grouping_accuracy(truth, ours)
        base = grouping_accuracy(truth, drain3_defaults(messages)) if drain3 else float("nan")
        rows.append((path.name, len(messages), ga, base))
        line = f"{path.name:<44}{len(messages):>7}{ga:>9.3f}{base:>10.3f}"
        print(line)
        if verbose and ga < 1:
            for what in misgrouped(truth, ours):
                print(f"    {what}")
    if rows:
        ours = [r[2] for r in rows]
        print(f"{'mean':<51}{statistics.mean(ours):>9.3f}"
              + (f"{statistics.mean(r[3] for r in rows):>10.3f}" if drain3 else ""))
        print(f"{'minimum':<51}{min(ours):>9.3f}"
              + (f"{min(r[3] for r in rows):>10.3f}" if drain3 else ""))


def report_unlabelled(folder: Path, *, show: bool) -> None:
    from postmortem_kit.ingest import read_events

    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        if path.name in ("LICENSE", "README.md"):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                events = read_events(path, format="auto")
        except Exception as exc:  # an unreadable sample is reported, not fatal
            print(f"{path.name:<44} not loaded: {str(exc).splitlines()[0][:60]}")
            continue
        messages = events["message"].dropna()
        sig = mine_signatures(messages)
        print(f"{path.name:<44}{len(messages):>7} messages {messages.nunique():>6} distinct "
              f"{sig['signature_id'].nunique():>5} signatures")
        if show:
            counts = sig["template"].value_counts()
            for template, n in counts.items():
                print(f"    {n:>5}  {template[:150]}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, help="folders of labelled logs")
    parser.add_argument("--unlabelled", type=Path, help="a folder of unlabelled log files")
    parser.add_argument("--show", action="store_true", help="print the unlabelled templates")
    parser.add_argument("--no-drain3", action="store_true", help="skip the drain3 column")
    parser.add_argument("-v", "--verbose", action="store_true", help="name split/merged events")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # drain3 warns that it has no drain3.ini
    if args.folders:
        print(f"{'file':<44}{'lines':>7}{'ours':>9}{'drain3':>10}")
        report_labelled(args.folders, drain3=not args.no_drain3, verbose=args.verbose)
    if args.unlabelled:
        report_unlabelled(args.unlabelled, show=args.show)


if __name__ == "__main__":
    main()
