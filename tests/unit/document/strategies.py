"""Hypothesis strategies for valid postmortem documents, heavy on Markdown-hostile text."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from postmortem_kit.document import Postmortem

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe",
         "Pacific/Chatham"]

# Everything Markdown or a table could trip on, plus non-ASCII and line breaks.
_HOSTILE = [*"|*#<>`_[]()\\&~!-+=.,:;'\"\n\t ", "\r\n", "\r", "\x00", "\x0b", "\x1c",
            "\x85", "\u2028", "\u00a0", "—", "–", "ü", "日本", "🔥", "שלום", "<br>", "</sub>",
            "<sub>", "&amp;", "&#8212;", "1. ", "- ", "# ", "| --- |", "[x](y)", "**", "HH:MM",
            "<script>alert(1)</script>"]
_chars = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
_word = st.text(_chars, min_size=1, max_size=6)

# Inline Markdown as people write it in a field, and the pieces that interact with the
# layout's own syntax: code holding "<", "|" or "<br>", links, autolinks, raw HTML, escapes
# before "<" and line breaks, fences holding headings, nested list items.
_INLINE = st.one_of(
    st.builds("`{}`".format, _word), st.builds("``{}``".format, _word),
    st.builds("*{}*".format, _word), st.builds("**{}**".format, _word),
    st.builds("_{}_".format, _word), st.builds("~~{}~~".format, _word),
    st.builds("[{}]({})".format, _word, st.sampled_from(
        ["https://example.com/a_b", "javascript:alert(1)", "data:text/html,x", "runbook.md",
         "mailto:oncall@example.com", "<with space>", "x(y)"])),
    st.sampled_from([
        "<https://grafana.example.com/d/1>", "<oncall@example.com>", "<javascript:alert(1)>",
        "`a|b`", "`<br>`", "`x<y`", "`<sub>source: x</sub>`", "\\<b>", "\\\\<b>",
        "\\`", "\\|", "\\,", "\\\n", "a\\", "\n```\n# not a heading\n## What Went Well\n```\n",
        "\n~~~sh\n$ echo <x> | wc\n~~~\n", "\n- sub item\n  - deeper\n", "\n1. one\n2. two\n",
        "\n> quoted\n", "\n\n", "<!-- hidden -->", "<br/>", "<details>", "&amp;", "&#96;",
        "[x][ref]", "![img](https://example.com/p.png)", "max_connections", "503s on `/api/pay`",
        "#", " #", "\\-", "\\—", "&#8212;", "[Positive aspect]", "\\[Key lesson]",
    ]),
)
_fragment = st.one_of(st.sampled_from(_HOSTILE), _word, _INLINE)
text = st.lists(_fragment, max_size=8).map("".join)
item = text.filter(lambda s: s.strip() != "")

times = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 1, 1),
                     timezones=st.just(dt.UTC))
dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 1, 1))
urls = st.from_regex(r"\A[A-Za-z0-9:/._~%()\\?=&#-]{1,30}\Z")

key_events = st.builds(dict, time=times, event=item, action_taken=text, source=text,
                       provenance=text)
immediate = st.builds(dict, description=item, owner=text, due=st.none() | dates,
                      status=st.sampled_from(["open", "in progress", "done", "won't do"]))
long_term = st.builds(dict, description=item, owner=text, due=st.none() | dates,
                      priority=st.sampled_from([None, "high", "medium", "low"]))
links = st.builds(dict, title=item, url=st.just("") | urls)
notes = st.builds(dict, heading=item, text=item)


@st.composite
def documents(draw) -> Postmortem:
    def sec(**fields):
        return st.fixed_dictionaries({}, optional=fields)

    data = draw(st.fixed_dictionaries(
        {"timezone": st.sampled_from(ZONES)},
        optional={
            "title": item,
            "overview": sec(date=dates, start=times, end=times, impact=text,
                            severity=st.sampled_from(["P0", "P1", "P2", "P3"]), category=text),
            "detection": sec(time=times, method=text, initial_symptoms=text),
            "key_events": st.lists(key_events, max_size=4),
            "resolution": sec(time=times, description=text),
            "root_cause": sec(technical_cause=text, contributing_factors=text, trigger=text),
            "impact": sec(users_affected=text, service_degradation=text, business_impact=text),
            "assessment": sec(detection_method_effectiveness=text, response_time_analysis=text,
                              tool_effectiveness=text),
            "went_well": st.lists(item, max_size=4),
            "went_wrong": st.lists(item, max_size=4),
            "action_items": sec(immediate=st.lists(immediate, max_size=3),
                                long_term=st.lists(long_term, max_size=3)),
            "lessons_learned": st.lists(item, max_size=4),
            "prevention": sec(monitoring_improvements=text, process_improvements=text,
                              system_improvements=text),
            "supporting_documentation": st.lists(links, max_size=3),
            "follow_up": sec(review_date=dates, stakeholders=st.lists(item, max_size=4)),
            "notes": st.lists(notes, max_size=3),
        },
    ))
    return Postmortem.model_validate(data)
