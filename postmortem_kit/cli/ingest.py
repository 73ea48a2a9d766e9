"""``postmortem ingest FILE... [--format F] [-o OUT.parquet] [--explain] [--prometheus URL
--query NAME=PROMQL ...]``: load evidence (files, and query results of a Prometheus),
summarise it, or (``--explain``) say what layout was inferred per file.

Prints one block per source (rows, time range, levels, rejected lines with the first few
reasons) and can write the events frame to Parquet. Exit 1 when nothing could be loaded;
2 for an input that cannot be used or an output that would overwrite one (or an existing
file, without ``--force``).
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from postmortem_kit.cli import engine, values
from postmortem_kit.cli.terminal import echo

SHOWN_REASONS = 3


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "ingest", help="load evidence files and summarise them per source",
        description="Load evidence files (any supported format, plain or gzip/bz2) into one "
                    "events frame; print rows, time range, levels and rejected lines per source.",
    )
    p.add_argument("files", nargs="*", metavar="FILE", type=values.input_name,
                   help="files, folders or globs")
    p.add_argument("--prometheus", metavar="URL",
                   help="also run --query queries on this Prometheus over --start..--end")
    p.add_argument("--query", action="append", default=[], metavar="NAME=PROMQL",
                   help="a PromQL query for --prometheus, named after the SLI it measures "
                        "(error_ratio, latency_p99); repeat for more")
    p.add_argument("--format", default="auto", type=values.ingest_format,
                   help="format name (default: auto-detect)")
    p.add_argument("--source", help="source name for every row (default: the file name)")
    p.add_argument("--tz", default="UTC", type=values.time_zone,
                   help="zone of timestamps without an offset (UTC)")
    p.add_argument("--year", type=values.year, help="year of syslog lines that carry none")
    p.add_argument("--start", type=values.timestamp, help="keep events at or after this time")
    p.add_argument("--end", type=values.timestamp, help="keep events at or before this time")
    p.add_argument("--errors", choices=("report", "raise"), default="report",
                   help="report rejected lines (default) or stop at the first")
    p.add_argument("-o", "--output", type=values.path, metavar="OUT.parquet",
                   help="write the events frame to this Parquet file")
    p.add_argument("--rejected-csv", type=values.path, metavar="PATH",
                   help="write the rejected lines (file, line, reason, text) to this CSV")
    p.add_argument("--force", action="store_true",
                   help="overwrite OUT.parquet and the CSV if they exist (never an input)")
    p.add_argument("--explain", action="store_true",
                   help="print, per file, the format and the layout inferred (pattern, zone "
                        "and year assumed, three sample parses) instead of the summary")
    engine.add_arguments(p)
    return p


def run(args: argparse.Namespace) -> int:
    from postmortem_kit.cli.outputs import Inputs, atomic_output, guard_outputs
    from postmortem_kit.errors import IngestError, IngestWarning
    from postmortem_kit.ingest import read_events
    from postmortem_kit.ingest.schema import concat_events

    values.check_window(args.start, args.end, "--start/--end", args.tz)
    if args.explain:
        return explain(args)
    queries = _queries(args)
    guard_outputs([args.output, args.rejected_csv], Inputs.of_evidence(args.files),
                  force=args.force)
    with warnings.catch_warnings(), engine.cluster(args):
        warnings.simplefilter("ignore", IngestWarning)  # the summary below says it all
        frames = [read_events(
            args.files, args.format, source=args.source, tz=args.tz, start=args.start,
            end=args.end, year=args.year, errors=args.errors,
        )] if args.files and args.engine != "dask" else []
        if args.files and args.engine == "dask":
            from postmortem_kit.ingest.dask import collect

            # read by the workers, the frame brought back here for the summary and -o
            frames.append(collect(read_events(
                args.files, args.format, source=args.source, tz=args.tz, start=args.start,
                end=args.end, year=args.year, errors=args.errors, engine="dask"),
                warn=False))
        if args.prometheus:
            from postmortem_kit.ingest.prometheus import read_prometheus

            frames.append(read_prometheus(args.prometheus, queries, args.start, args.end,
                                          tz=args.tz))
    events = frames[0] if len(frames) == 1 else concat_events(frames)
    rejected = events.attrs.get("rejected")
    echo(summarize(events))
    if args.rejected_csv is not None and rejected is not None:
        with atomic_output(args.rejected_csv) as tmp:
            rejected.to_csv(tmp, index=False)
        echo(f"rejected lines written to {args.rejected_csv}")
    if len(events) == 0:
        raise IngestError("nothing could be loaded from " + ", ".join(
            [*args.files, *([args.prometheus] if args.prometheus else [])]))
    if args.output is not None:
        write_parquet(events, args.output)
        echo(f"{len(events):,} events written to {args.output}")
    return 0


def explain(args: argparse.Namespace) -> int:
    """``--explain``: what was inferred for each file; a file no layout fits gets the
    error's reason (the closest candidates), and the exit code of the worst such error."""
    from postmortem_kit.errors import IngestError, IngestWarning, UsageError
    from postmortem_kit.ingest import read_events
    from postmortem_kit.ingest.lines.explain import render

    if not args.files:
        raise UsageError("--explain needs evidence FILEs")
    status = 0
    for name in args.files:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", IngestWarning)
                events = read_events(name, args.format, tz=args.tz, year=args.year)
        except IngestError as exc:
            echo(f"{name}\n  no layout fits: {exc.reason}")
            status = max(status, exc.exit_code)
            continue
        for file, report in events.attrs.get("layouts", {}).items():
            echo(render(file, report))
        rejected = events.attrs.get("rejected")
        if rejected is not None and len(rejected):
            echo(f"  rejected  {len(rejected):,} line(s), first at line "
                 f"{rejected['line'].iloc[0]}: {rejected['reason'].iloc[0]}")
    return status


def _queries(args: argparse.Namespace) -> dict[str, str]:
    """``--query NAME=PROMQL`` as a dict; UsageError for a flag that cannot be used."""
    from postmortem_kit.errors import UsageError

    if args.query and not args.prometheus:
        raise UsageError("--query needs --prometheus URL")
    if not args.files and not args.prometheus:
        raise UsageError("give evidence FILEs, or --prometheus URL with --query")
    if not args.prometheus:
        return {}
    if not args.query:
        raise UsageError("--prometheus needs at least one --query NAME=PROMQL")
    queries = {}
    for item in args.query:
        name, sep, query = item.partition("=")
        if not sep or not name.strip() or not query.strip():
            raise UsageError(f"--query {item!r}: expected NAME=PROMQL, e.g. "
                             "error_ratio='sum(rate(errors[1m])) / sum(rate(requests[1m]))'")
        queries[name.strip()] = query
    if args.start is None or args.end is None:
        raise UsageError("--prometheus needs --start and --end (the range to query)")
    return queries


def write_parquet(events, path: Path) -> None:
    """Write the frame without its attrs: pandas stores attrs as JSON, and the rejected
    lines there are a DataFrame (write them with ``--rejected-csv``). Written atomically."""
    from postmortem_kit.cli.outputs import atomic_output

    out = events.copy(deep=False)
    out.attrs = {}
    for col in out.columns:
        if out[col].dtype == object:
            # Sources disagree on a field's type (pid 977 here, "router" there): Parquet
            # needs one type per column, so such a column is written as text.
            out[col] = out[col].map(_as_text)
    with atomic_output(path) as tmp:
        out.to_parquet(tmp, index=False)


def _as_text(value):
    import pandas as pd

    if value is None or value is pd.NA or isinstance(value, str):
        return value
    if isinstance(value, float) and value != value:  # NaN: missing, not the text "nan"
        return None
    return str(value)


def summarize(events) -> str:
    """The per-source summary the command prints (plain text, one block per source)."""
    import pandas as pd

    from postmortem_kit.ingest.paths import source_name

    rejected = events.attrs.get("rejected")
    if rejected is None:
        rejected = pd.DataFrame(columns=["file", "line", "reason", "text"])
    reject_source = rejected["file"].map(lambda f: source_name(Path(f)))
    sources = list(dict.fromkeys([*events["source"].unique(), *reject_source.unique()]))
    out: list[str] = []
    for src in sources:
        rows = events.loc[events["source"] == src]
        bad = rejected.loc[reject_source == src]
        out.append(f"{src}: {len(rows):,} events")
        if len(rows):
            ts = rows["timestamp"]
            out.append(f"  time    {_fmt(ts.min())} .. {_fmt(ts.max())}")
            counts = rows["level"].value_counts(sort=False)
            levels = ", ".join(f"{lvl} {n:,}" for lvl, n in counts.items() if n)
            unknown = int(rows["level"].isna().sum())
            if unknown:
                levels += (", " if levels else "") + f"no level {unknown:,}"
            out.append(f"  levels  {levels}")
        if len(bad):
            out.append(f"  rejected {len(bad):,} line(s):")
            for _, r in bad.head(SHOWN_REASONS).iterrows():
                where = f"{r['file']}:{r['line']}" if pd.notna(r["line"]) else r["file"]
                out.append(f"    {where}: {r['reason']}")
            if len(bad) > SHOWN_REASONS:
                out.append(f"    ... and {len(bad) - SHOWN_REASONS:,} more")
    for note in events.attrs.get("notes", []):
        out.append(f"note: {note}")
    total = len(rejected)
    out.append(f"total: {len(events):,} events from {events['source'].nunique()} source(s), "
               f"{total:,} rejected line(s)")
    return "\n".join(out)


def _fmt(ts) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z"
