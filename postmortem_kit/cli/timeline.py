"""``postmortem timeline FILE... [--json]``: phases with their evidence, metrics, impact and
the top key events, derived from evidence files (or a Parquet frame from ``ingest -o``)."""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path
from typing import Any

from postmortem_kit.cli import engine, values
from postmortem_kit.cli.terminal import echo

TOP_EVENTS = 12


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "timeline", help="derive phases, metrics, impact and key events from evidence",
        description="Derive the incident's timeline from evidence files (any format "
                    "`postmortem ingest` reads, or its Parquet output).")
    p.add_argument("files", nargs="+", metavar="FILE", type=values.input_name,
                   help="evidence files, folders or globs")
    p.add_argument("--year", type=values.year, help="year of syslog lines that carry none")
    p.add_argument("--tz", default="UTC", type=values.time_zone,
                   help="zone of timestamps without an offset (UTC)")
    p.add_argument("--display-tz", default="UTC", type=values.time_zone,
                   help="zone to print times in (UTC)")
    p.add_argument("--freq", default="1min", type=values.frequency,
                   help="error-ratio bin width, 1s to 1D (1min)")
    p.add_argument("--baseline", nargs=2, metavar=("START", "END"), type=values.timestamp,
                   help="normal operation to compare against (default: automatic)")
    p.add_argument("--latency-ms", type=values.non_negative,
                   help="latency objective: a request slower than this many ms is bad "
                        "(default: learnt from the baseline)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    engine.add_arguments(p)
    return p


def load(files: list[str], *, year: int | None, tz: str, on_dask: bool = False):
    from postmortem_kit.errors import IngestWarning
    from postmortem_kit.ingest import read_events

    if len(files) == 1 and files[0].endswith(".parquet"):
        return read_frame(files[0])
    if on_dask:
        return read_events(files, year=year, tz=tz, engine="dask")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        return read_events(files, year=year, tz=tz)


def read_frame(path: str):
    """The events frame ``postmortem ingest -o`` wrote; InputError for any other file."""
    import pandas as pd

    from postmortem_kit.document.io import check_readable
    from postmortem_kit.errors import InputError
    from postmortem_kit.ingest.schema import CORE_COLUMNS

    check_readable(Path(path), "file", "a Parquet file written by `postmortem ingest -o`")
    try:
        events = pd.read_parquet(path)
    except Exception as exc:  # pyarrow says "not Parquet" with several exception types
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise InputError(f"{path}: not a readable Parquet file: {first}") from None
    missing = [c for c in CORE_COLUMNS if c not in events.columns]
    timestamps = events["timestamp"] if "timestamp" in events.columns else None
    if missing or not isinstance(getattr(timestamps, "dtype", None), pd.DatetimeTZDtype):
        what = (f"no {', '.join(missing)} column" if missing
                else "its timestamp column holds no time-zone-aware times")
        raise InputError(f"{path}: not an events frame from `postmortem ingest -o` ({what})")
    return events


def run(args: argparse.Namespace) -> int:
    from postmortem_kit.timeline import derive_timeline

    if args.baseline:
        start, end = args.baseline
        values.check_window(start, end, "--baseline", empty_ok=False)
    import pandas as pd

    slo = None if args.latency_ms is None else pd.Timedelta(milliseconds=args.latency_ms)
    with engine.cluster(args):
        events = load(args.files, year=args.year, tz=args.tz, on_dask=args.engine == "dask")
        tl = derive_timeline(events, freq=args.freq,
                             baseline=tuple(args.baseline) if args.baseline else None,
                             slo_latency=slo)
        if isinstance(events, pd.DataFrame):
            rejected = events.attrs.get("rejected")
        else:  # (loaded with the timeline's own read of the files: no second read)
            from postmortem_kit.ingest.dask import rejected as rejects_of

            rejected = rejects_of(events).compute()
    if args.json:
        echo(json.dumps(to_json(tl, rejected=0 if rejected is None else len(rejected)),
                        indent=2, ensure_ascii=False))
    else:
        echo(to_text(tl, args.display_tz))
        if rejected is not None and len(rejected):
            echo(f"\nnote: {len(rejected):,} evidence line(s) were rejected "
                  "(`postmortem ingest` lists them)")
    return 0


def _iso(value: Any) -> str | None:
    import pandas as pd

    return None if value is None or pd.isna(value) else pd.Timestamp(value).isoformat()


def _plain(value: Any) -> Any:
    import pandas as pd

    if isinstance(value, pd.Series):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or (not isinstance(value, str | list | dict) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def to_json(tl, *, rejected: int = 0) -> dict[str, Any]:
    """The timeline as plain JSON-able data (times ISO 8601 UTC, durations in seconds)."""
    import pandas as pd

    phases = {
        name: {"time": _iso(row["time"]), "source": _plain(row["source"]),
               "line": _plain(row["line"]), "rule": _plain(row["rule"]),
               "note": _plain(row["note"])}
        for name, row in tl.phases.iterrows()}
    metrics = {
        name: {"seconds": None if pd.isna(row["value"]) else row["value"].total_seconds(),
               "definition": row["definition"]}
        for name, row in tl.metrics.iterrows()}
    events = [{"time": _iso(r["time"]), "event": r["event"], "action_taken": r["action_taken"],
               "source": _plain(r["source"]), "kind": r["kind"], "why": r["why"]}
              for _, r in tl.key_events.head(TOP_EVENTS).iterrows()]
    return {"phases": phases, "metrics": metrics,
            "impact": {k: _plain(v) for k, v in tl.impact.items()},
            "key_events": events,
            "episodes": [{"start": _iso(r["start"]), "end": _iso(r["end"]),
                          "peak_ratio": _plain(r["peak_ratio"])}
                         for _, r in tl.episodes.iterrows()],
            "sli": [{"name": m.sli.name, "label": m.sli.label, "unit": m.sli.unit,
                     "threshold": m.sli.threshold, "how": m.sli.how,
                     "shows_impact": m.found} for m in tl.measurements],
            "clock_offsets": {k: str(v) for k, v in tl.clock_offsets.items()},
            "rejected_lines": rejected}


def _fmt_time(value, tz: str) -> str:
    import pandas as pd

    if value is None or pd.isna(value):
        return "—"
    return pd.Timestamp(value).tz_convert(tz).strftime("%Y-%m-%d %H:%M:%S %Z")


def _fmt_delta(value) -> str:
    import pandas as pd

    from postmortem_kit.document.times import format_duration

    return "—" if pd.isna(value) else format_duration(pd.Timedelta(value).to_pytimedelta())


def to_text(tl, tz: str = "UTC") -> str:
    """The timeline as the human-readable text ``postmortem timeline`` prints."""
    import pandas as pd

    lines = ["Phases"]
    for name, row in tl.phases.iterrows():
        where = ""
        if not pd.isna(row["source"]):
            where = f"  [{row['source']}" + (f":{int(row['line'])}" if not pd.isna(row["line"])
                                             else "") + "]"
        lines.append(f"  {name:<13} {_fmt_time(row['time'], tz):<24} {row['note']}{where}")
        lines.append(f"  {'':<13} rule: {row['rule']}")
    lines += ["", "SLIs"]
    for m in tl.measurements:
        found = "impact" if m.found else "no impact"
        lines.append(f"  {m.sli.label:<36} threshold {m.sli.describe(m.sli.threshold):<9} "
                     f"{found}")
    lines += ["", "Metrics"]
    for name, row in tl.metrics.iterrows():
        lines.append(f"  {name.upper():<9} {_fmt_delta(row['value']):>10}   {row['definition']}")
    impact = tl.impact
    lines += ["", "Impact"]
    for key in ("users_affected", "users_active", "failed_requests", "total_requests"):
        value = impact.get(key)
        lines.append(f"  {key.replace('_', ' '):<22} "
                     f"{'—' if value is None or pd.isna(value) else f'{int(value):,}'}")
    peak = impact.get("peak_error_ratio")
    if peak is not None and not pd.isna(peak):
        lines.append(f"  {'peak error ratio':<22} {peak:.1%}")
    budget = impact.get("error_budget_consumed")
    if budget is not None and not pd.isna(budget):
        lines.append(f"  {'error budget consumed':<22} {budget:.1%} of {impact['slo']:.3%} "
                     "over 30 days")
    for source, offset in tl.clock_offsets.items():
        lines.append(f"  clock of {source!r} corrected by {offset}")
    lines += ["", f"Key events (top {TOP_EVENTS})"]
    top = tl.key_events.head(TOP_EVENTS).sort_values("time", kind="stable")
    for _, row in top.iterrows():
        lines.append(f"  {_fmt_time(row['time'], tz)[11:19]}  {row['event'][:70]}")
    return "\n".join(lines)
