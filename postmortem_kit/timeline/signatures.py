"""Error signatures: group log messages by the event that printed them.

:func:`mine_signatures` gives every message a ``signature_id`` and a ``template``
(``"connection from <IP> (<*>) at <TIME>"``); :func:`compare_signatures` counts each
signature before and during the impact, so that the new and surging ones, the
"initial symptoms" of a postmortem, come first.

Each distinct message is masked once (:mod:`postmortem_kit.timeline.masking`: ids,
addresses, paths, sizes, durations, numbers... become typed placeholders, for all
messages at once in polars), and each distinct masked text is grouped once
(:mod:`postmortem_kit.timeline.drain`): real logs repeat a few hundred templates millions
of times, so the Python part of mining sees thousands of texts, not millions of messages.

``signature_id`` is 8 hex digits of a hash of the template, not a running number, so the
same template has the same id in every call, notebook and report.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa

from postmortem_kit.timeline.drain import template_texts
from postmortem_kit.timeline.masking import mask_series


def signature_id(template: str) -> str:
    """The id of a template: 8 hex digits of its BLAKE2b hash, stable across runs."""
    return hashlib.blake2b(template.encode("utf-8"), digest_size=4).hexdigest()


def headline(message: str) -> str:
    """The line of a multi-line message that names the event.

    The first non-blank line (a log call's own text, or a Java exception before its
    ``at ...`` frames), except for a bare Python traceback, whose last line
    (``ValueError: ...``) is the one that says what went wrong.
    """
    if "\n" not in message:
        return message
    lines = [line for line in message.splitlines() if line.strip()]
    if not lines:
        return ""
    return lines[-1] if lines[0].startswith("Traceback (most recent call last)") else lines[0]


def _headlines(messages: pl.Series) -> pl.Series:
    multi = messages.filter(messages.str.contains("\n", literal=True)).unique().to_list()
    if not multi:
        return messages
    return messages.replace(multi, [headline(m) for m in multi])


def _template_codes(messages: pl.Series, *, similarity: float | None, min_variety: int,
                    headline_only: bool) -> tuple[pl.Series, list[str]]:
    """The templates of ``messages``: one code per message (null where it is null) and
    the template each code stands for. Codes, not strings, per message keep the memory
    of millions of messages small."""
    distinct = messages.drop_nulls().unique()
    masked = mask_series(_headlines(distinct) if headline_only else distinct)
    texts = masked.unique().to_list()
    per_text = template_texts(texts, similarity=similarity, min_variety=min_variety)
    templates = list(dict.fromkeys(per_text))
    code = {t: i for i, t in enumerate(templates)}
    masked_codes = masked.replace_strict(texts, [code[t] for t in per_text],
                                         return_dtype=pl.UInt32)
    del masked
    codes = messages.replace_strict(distinct, masked_codes, default=None,
                                    return_dtype=pl.UInt32)
    return codes, templates


def mine_templates(
    messages: Sequence[str], *, similarity: float | None = None, min_variety: int = 3,
    headline_only: bool = True,
) -> list[str]:
    """The template of each of ``messages`` (distinct or not); see :func:`mine_signatures`."""
    series = pl.Series("message", list(messages), dtype=pl.String)
    codes, templates = _template_codes(series, similarity=similarity,
                                       min_variety=min_variety, headline_only=headline_only)
    return [templates[c] for c in codes.to_list()]


def mine_signatures(
    messages: pd.Series | Sequence[str], *, similarity: float | None = None,
    min_variety: int = 3, headline_only: bool = True,
) -> pd.DataFrame:
    """Group messages by the event that printed them.

    Parameters
    ----------
    messages
        Log messages; a Series keeps its index, any other sequence gets 0..n-1. Missing
        values (NA) get NA signatures.
    similarity
        Share of equal tokens (variables count as equal) a message needs with a group's
        template to join it; Drain's ``st``. ``None`` (the default) chooses it from the
        messages: above the similarity different events of this log reach by chance,
        and at least 0.5 (:func:`postmortem_kit.timeline.drain.chance_similarity`).
    min_variety
        Distinct plain words a position needs before it is taken for a variable; with
        fewer, the words are alternatives (``started`` / ``stopped``) and are kept apart.
    headline_only
        Mine multi-line messages (stack traces) on their :func:`headline` only, so that
        one exception thrown from different call paths is one signature. ``False`` mines
        the whole text.

    Returns
    -------
    pandas.DataFrame
        Aligned with ``messages`` (same index): ``signature_id``, 8 hex digits derived
        from the template, so one template has one id in every run and every notebook;
        ``template``, the masked text with ``<*>`` where the grouped messages differ.

    Examples
    --------
    >>> sig = mine_signatures(["disk /dev/sda1 full", "disk /dev/sdb2 full", "boot ok"])
    >>> sig["template"].tolist()
    ['disk <PATH> full', 'disk <PATH> full', 'boot ok']
    """
    # Mine each distinct text once (the same message repeated is common in an incident),
    # in polars: no Python object per message, so millions of messages stay cheap.
    if isinstance(messages, pd.Series):
        index = messages.index
        text = pl.Series("message", pa.array(messages.astype("str").array), dtype=pl.String)
    else:
        text = pl.Series("message", list(messages), dtype=pl.String)
        index = pd.RangeIndex(len(text))
    codes, templates = _template_codes(text, similarity=similarity, min_variety=min_variety,
                                       headline_only=headline_only)
    del text

    def column(values: list[str]) -> pd.api.extensions.ExtensionArray:
        return pd.array(pl.Series(values, dtype=pl.String).gather(codes).to_arrow(),
                        dtype="str")

    return pd.DataFrame(
        {"signature_id": column([signature_id(t) for t in templates]),
         "template": column(templates)},
        index=index,
    )


SIGNATURE_COMPARISON_COLUMNS = ("signature_id", "template", "count_before", "count_during",
                                "first_seen", "example", "new", "surge")
Window = tuple[pd.Timestamp | str | None, pd.Timestamp | str | None]


def _utc(value: pd.Timestamp | str | None, default: pd.Timestamp) -> pd.Timestamp:
    if value is None or value is pd.NaT:
        return default
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _bounds(window: Window, name: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = _utc(window[0], pd.Timestamp.min.tz_localize("UTC"))
    end = _utc(window[1], pd.Timestamp.max.tz_localize("UTC"))
    if end < start:
        raise ValueError(f"{name} window ends ({end}) before it starts ({start})")
    return start, end


def compare_signatures(
    events: pd.DataFrame,
    *,
    baseline: Window,
    impact: Window,
    levels: Sequence[str] = ("error", "critical"),
    similarity: float | None = None,
    min_variety: int = 3,
    headline_only: bool = True,
) -> pd.DataFrame:
    """Error signatures counted before and during the impact, new and surging ones first.

    Parameters
    ----------
    events
        An events frame (DESIGN.md §1): ``timestamp`` (UTC), ``message``, ``level``.
    baseline, impact
        ``(start, end)`` of each window, half-open ``[start, end)``; naive times are UTC,
        ``None`` leaves that side open.
    levels
        The levels whose messages are mined. When no message in either window has one of
        them, every message in the windows is mined instead, and
        ``result.attrs["levels"]`` says ``"all"``.
    similarity, min_variety, headline_only
        Passed to :func:`mine_signatures`.

    Returns
    -------
    pandas.DataFrame
        One row per signature seen in either window: ``signature_id``, ``template``,
        ``count_before`` and ``count_during`` (messages in each window), ``first_seen``
        (its earliest message in the windows), ``example`` (its first message during the
        impact, or before it when it has none there), ``new`` (absent from the baseline,
        present during the impact) and ``surge`` (its rate during the impact over its
        rate in the baseline, per unit of time; ``inf`` when new; counts instead of rates
        when a window is open-ended). Ranked: new signatures first, then by ``surge``,
        then by ``count_during``.

    Examples
    --------
    >>> sig = compare_signatures(events, baseline=("10:00", "10:30"),  # doctest: +SKIP
    ...                          impact=("10:30", "11:00"))
    >>> sig.loc[sig["new"], ["template", "count_during", "first_seen"]]  # doctest: +SKIP
    """
    table = signature_messages(events, baseline=baseline, impact=impact, levels=levels)
    used_levels: tuple[str, ...] | str = tuple(levels)
    if not len(table):
        table, used_levels = signature_messages(events, baseline=baseline, impact=impact,
                                                levels=None), "all"
    return compare_messages(table, baseline=baseline, impact=impact, levels=used_levels,
                            similarity=similarity, min_variety=min_variety,
                            headline_only=headline_only)


# What compare_signatures reads of each distinct message, and the key of its example row.
MESSAGE_COLUMNS = ("message", "count_before", "count_during", "first_seen", "after_impact",
                   "example_time")


_POSITION = "example_row"  # the example row's position in the events, without ``order``


def _tie_breakers(order: Sequence[str]) -> list[str]:
    return list(order) or [_POSITION]


def signature_messages(events: pd.DataFrame, *, baseline: Window, impact: Window,
                       levels: Sequence[str] | None = ("error", "critical"),
                       order: Sequence[str] = ()) -> pd.DataFrame:
    """Each distinct message of ``levels`` (None: any) in the two windows, once: its count
    in each, its first time, and the key of the row :func:`compare_signatures` takes for
    its example (its first during the impact, else before it: ``after_impact``,
    ``example_time``, then the ``order`` columns of ``events`` that break ties of time;
    without them, the row order). Tables of parts of the events add up
    (:func:`add_signature_messages`); :func:`compare_messages` ends the comparison."""
    b_start, b_end = _bounds(baseline, "baseline")
    i_start, i_end = _bounds(impact, "impact")
    ts = events["timestamp"]
    before = ((ts >= b_start) & (ts < b_end)).fillna(False).to_numpy(dtype=bool)
    during = ((ts >= i_start) & (ts < i_end)).fillna(False).to_numpy(dtype=bool)
    wanted = (before | during) & events["message"].notna().to_numpy(dtype=bool)
    if levels is not None:
        wanted &= events["level"].isin(list(levels)).to_numpy(dtype=bool)
    rows = events.loc[wanted, ["timestamp", "message", *order]].reset_index(drop=True)
    order = _tie_breakers(order)
    if order == [_POSITION]:
        rows[_POSITION] = np.flatnonzero(wanted)
    rows["before"] = before[wanted]
    rows["during"] = during[wanted]
    rows["after_impact"] = ~rows["during"]  # (False first: the impact's rows come first)
    # the example row of each message: its first during the impact, else before it
    first = rows.sort_values(["after_impact", "timestamp", *order], kind="stable"
                             ).drop_duplicates("message", keep="first")
    grouped = rows.groupby("message", sort=False)
    counts = pd.DataFrame({"count_before": grouped["before"].sum().astype("int64"),
                           "count_during": grouped["during"].sum().astype("int64"),
                           "first_seen": grouped["timestamp"].min()})
    examples = first.set_index("message")[["after_impact", "timestamp", *order]].rename(
        columns={"timestamp": "example_time"})
    return counts.join(examples).rename_axis("message").reset_index()[
        [*MESSAGE_COLUMNS, *order]]


def add_signature_messages(tables: Sequence[pd.DataFrame], order: Sequence[str] = (),
                           ) -> pd.DataFrame:
    """The :func:`signature_messages` table of the events that ``tables`` count part by
    part (their rows in the events' order)."""
    order = _tie_breakers(order)
    both = pd.concat(list(tables), ignore_index=True)
    first = both.sort_values(["after_impact", "example_time", *order], kind="stable"
                             ).drop_duplicates("message", keep="first").set_index("message")
    grouped = both.groupby("message", sort=False)
    counts = pd.DataFrame({"count_before": grouped["count_before"].sum().astype("int64"),
                           "count_during": grouped["count_during"].sum().astype("int64"),
                           "first_seen": grouped["first_seen"].min()})
    return counts.join(first[["after_impact", "example_time", *order]]).rename_axis(
        "message").reset_index()[[*MESSAGE_COLUMNS, *order]]


def compare_messages(table: pd.DataFrame, *, baseline: Window, impact: Window,
                     levels: tuple[str, ...] | str, order: Sequence[str] = (),
                     similarity: float | None = None, min_variety: int = 3,
                     headline_only: bool = True) -> pd.DataFrame:
    """:func:`compare_signatures` from the :func:`signature_messages` table of the events
    (``levels``: what it says in ``attrs["levels"]``)."""
    order = _tie_breakers(order)
    b_start, b_end = _bounds(baseline, "baseline")
    i_start, i_end = _bounds(impact, "impact")
    if not len(table):
        out = _empty_comparison()
        out.attrs["levels"] = levels
        return out
    sig = mine_signatures(table["message"], similarity=similarity, min_variety=min_variety,
                          headline_only=headline_only)
    rows = table.assign(signature_id=sig["signature_id"], template=sig["template"])
    # The example is the first message during the impact: sorting puts those first.
    ordered = rows.sort_values(["after_impact", "example_time", *order], kind="stable")
    grouped = rows.groupby("signature_id", sort=False)
    out = pd.DataFrame({
        "template": grouped["template"].first(),
        "count_before": grouped["count_before"].sum().astype("int64"),
        "count_during": grouped["count_during"].sum().astype("int64"),
        "first_seen": grouped["first_seen"].min(),
        "example": ordered.groupby("signature_id", sort=False)["message"].first(),
    })
    out["new"] = (out["count_before"] == 0) & (out["count_during"] > 0)
    out["surge"] = _surge(out["count_before"], out["count_during"], (b_start, b_end),
                          (i_start, i_end))
    out = out.rename_axis("signature_id").reset_index()
    out = out.sort_values(["new", "surge", "count_during", "first_seen", "signature_id"],
                          ascending=[False, False, False, True, True], kind="stable")
    out = out.reset_index(drop=True)[list(SIGNATURE_COMPARISON_COLUMNS)]
    out.attrs["levels"] = levels
    return out


def _surge(before: pd.Series, during: pd.Series, b: tuple[pd.Timestamp, pd.Timestamp],
           i: tuple[pd.Timestamp, pd.Timestamp]) -> pd.Series:
    """Rate during over rate before; windows of different lengths compare fairly."""
    b_len, i_len = b[1] - b[0], i[1] - i[0]
    bounded = pd.Timestamp.min.tz_localize("UTC") not in (b[0], i[0]) and \
        pd.Timestamp.max.tz_localize("UTC") not in (b[1], i[1])
    scale = b_len / i_len if bounded and b_len > pd.Timedelta(0) and i_len > pd.Timedelta(0) \
        else 1.0
    before_f = before.astype("float64")
    during_f = during.astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = during_f * scale / before_f
    ratio[before_f == 0] = np.where(during_f[before_f == 0] > 0, np.inf, 0.0)
    return ratio


def _empty_comparison() -> pd.DataFrame:
    return pd.DataFrame({
        "signature_id": pd.Series(dtype="str"), "template": pd.Series(dtype="str"),
        "count_before": pd.Series(dtype="int64"), "count_during": pd.Series(dtype="int64"),
        "first_seen": pd.Series(dtype="datetime64[us, UTC]"), "example": pd.Series(dtype="str"),
        "new": pd.Series(dtype="bool"), "surge": pd.Series(dtype="float64"),
    })
