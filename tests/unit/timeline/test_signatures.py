"""Error signatures: masking, grouping, ids, and the baseline/impact comparison."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postmortem_kit.timeline import masking
from postmortem_kit.timeline.masking import mask_message
from postmortem_kit.timeline.signatures import compare_signatures, mine_signatures

LEVELS = pd.CategoricalDtype(["debug", "info", "notice", "warning", "error", "critical"],
                             ordered=True)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("connection from 10.1.2.3 refused", "connection from <IP> refused"),
        ("connect to 10.1.2.3:5432 failed", "connect to <IP>:<NUM> failed"),
        ("request from /10.1.2.3:45307", "request from /<IP>:<NUM>"),  # not a path
        ("listening on fe80::1ff:fe23:4567:890a", "listening on <IP>"),
        ("bridge at 0000:00:1e.0", "bridge at <NUM>:<NUM>:<NUM>e.<NUM>"),  # not IPv6
        ("request 550e8400-e29b-41d4-a716-446655440000 done", "request <UUID> done"),
        ("session 0x14ed93111f20027 closed", "session <HEX> closed"),
        ("commit 9f86d081884c7d65 pushed", "commit <HEX> pushed"),
        ("cannot open /var/log/app/x.log", "cannot open <PATH>"),
        ("GET https://api.example.com/v1/orders?id=7 failed", "GET <URL> failed"),
        ("mail to ops@example.com bounced", "mail to <EMAIL> bounced"),
        ("link 00:1a:2b:3c:4d:5e down", "link <MAC> down"),
        ("upstream timeout after 3000ms", "upstream timeout after <DURATION>"),
        ("query took 160 ms", "query took <DURATION>"),
        ("stored 5.2 KB, free 10MB", "stored <SIZE>, free <SIZE>"),
        ("started at 2024-05-01T10:00:00.123Z ok", "started at <TIME> ok"),
        ("at 2015-07-29 17:41:44,747 done", "at <TIME> done"),
        ("connection at Sun Jul 10 07:24:24 2005", "connection at <TIME>"),
        ("retry 3 of 5", "retry <NUM> of <NUM>"),
        ("task 'attempt_2017_0024_m_4' saved", "task <STR> saved"),
        ("rhost=host-82-68-222-194.dsl.zen.co.uk", "rhost=<HOST>"),
        ("worker mesos-slave-07 lost", "worker mesos-slave-<NUM> lost"),
        ("task 'x-7' ok", "task <STR> ok"),
        # A hostname with a port, and sizes and durations in their other spellings.
        ("t12.baidu.com:80 open through proxy", "<HOST>:<NUM> open through proxy"),
        ("s.360.cn:80 closed", "<HOST>:<NUM> closed"),
        ("cp-1.slowvm1.tcloud-pg0.utah.cloudlab.us up", "<HOST> up"),
        ("1190 bytes (1.16 KB) sent", "<SIZE> sent"),
        ("lifetime <1 sec", "lifetime <DURATION>"),
        ("lifetime 00:01", "lifetime <DURATION>"),
        ("took 1h2m3s then 1.2s", "took <DURATION> then <DURATION>"),
        ("moved by -5 to +3.5", "moved by <NUM> to <NUM>"),
        ("running v1.2.3 and 2.0.1-rc1", "running <VERSION> and <VERSION>"),
        ("from 10.11.21.131,10.11.10.1 ok", "from <IP>... ok"),
        ("GET /openstack/2013-10-17/meta_data.json", "GET <PATH>"),
        ("Error loading ./runtime_malloc: no image", "Error loading <PATH>: no image"),
    ],
)
def test_mask_message_replaces_each_kind_of_variable(message: str, expected: str) -> None:
    assert mask_message(message) == expected


@pytest.mark.parametrize(
    "message",
    [
        "log4j configuration loaded",  # digits glued to letters name a thing
        "org.apache.spark.SparkContext started",  # a Java class is not a host name
        "mapred.tip.id is deprecated",  # nor is a dotted config key
        "Checking 'hlt' instruction",  # a quoted word: the miner decides from its values
    ],
)
def test_mask_message_keeps_constant_text(message: str) -> None:
    assert mask_message(message) == message


def test_masking_many_messages_at_once_matches_one_at_a_time() -> None:
    messages = ["took 160 ms on 10.0.0.1", "at Sun Jul 10 07:24:24 2005 from 10.0.0.2",
                "stored 5 KB", "took 9 ms on 10.0.0.1", "took 160 ms on 10.0.0.1"]
    expected = ["took <DURATION> on <IP>", "at <TIME> from <IP>", "stored <SIZE>",
                "took <DURATION> on <IP>", "took <DURATION> on <IP>"]
    assert masking.mask_messages(messages) == expected
    assert [mask_message(m) for m in messages] == expected


def test_result_is_aligned_with_the_input_index() -> None:
    messages = pd.Series(["disk full on /dev/sda1", None, "disk full on /dev/sdb2", "boot"],
                         index=["z", "a", "q", "b"])
    sig = mine_signatures(messages)
    assert list(sig.index) == ["z", "a", "q", "b"]
    assert list(sig.columns) == ["signature_id", "template"]
    assert sig.loc["z", "template"] == "disk full on <PATH>"
    assert sig.loc["b", "template"] == "boot"
    assert sig["signature_id"].isna().tolist() == [False, True, False, False]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["GET /a 200 5ms", "GET /b 500 9ms", "boot ok", "", "  ",
                                 "user ann 10.0.0.1", "user bob 10.0.0.2", "x=1 y=2"])
                | st.text(), max_size=30),
       st.lists(st.text(), max_size=10))
def test_any_messages_get_one_aligned_signature_each(common: list[str], extra: list[str]) -> None:
    messages = common + extra + common
    sig = mine_signatures(pd.Series(messages, index=range(100, 100 + len(messages))))
    assert list(sig.index) == list(range(100, 100 + len(messages)))
    assert sig["signature_id"].notna().all()
    by_text: dict[str, str] = {}
    for text, sid in zip(messages, sig["signature_id"], strict=True):
        assert by_text.setdefault(text, sid) == sid  # identical text, identical id


def test_a_plain_list_gets_a_range_index() -> None:
    sig = mine_signatures(["a", "b", "a"])
    assert list(sig.index) == [0, 1, 2]


def test_identical_and_same_event_messages_share_an_id() -> None:
    sig = mine_signatures([
        "payment declined for order 17",
        "cache warmed",
        "payment declined for order 17",
        "payment declined for order 99",
    ])
    ids = sig["signature_id"].tolist()
    assert ids[0] == ids[2] == ids[3]
    assert ids[1] != ids[0]


def test_ids_are_short_and_depend_only_on_the_template() -> None:
    first = mine_signatures(["retry 1 of 5", "pool exhausted"])
    second = mine_signatures(["shutting down now", "retry 4 of 5", "retry 2 of 5"])
    assert first.loc[0, "template"] == second.loc[1, "template"] == "retry <NUM> of <NUM>"
    assert first.loc[0, "signature_id"] == second.loc[1, "signature_id"]
    assert re.fullmatch(r"[0-9a-f]{8}", first.loc[0, "signature_id"])


def test_mining_is_deterministic() -> None:
    messages = [f"user {u} logged in from 10.0.0.{i}" for i, u in
                enumerate(["ann", "bob", "cy", "dee"])] + ["cache started", "cache stopped"]
    pd.testing.assert_frame_equal(mine_signatures(messages), mine_signatures(messages))


def test_words_that_vary_widely_become_a_wildcard() -> None:
    sig = mine_signatures([f"session closed for user {u}" for u in
                           ("alice", "bob", "carol", "dave")])
    assert set(sig["template"]) == {"session closed for user <*>"}


def test_either_or_words_stay_separate_signatures() -> None:
    sig = mine_signatures(["cache started", "cache stopped", "cache started"])
    assert sig["template"].tolist() == ["cache started", "cache stopped", "cache started"]
    merged = mine_signatures(["cache started", "cache stopped"], min_variety=2)
    assert set(merged["template"]) == {"cache <*>"}


def test_a_constant_key_value_is_not_generalised() -> None:
    sig = mine_signatures([
        "auth failure; rhost=10.0.0.1 user=root",
        "auth failure; rhost=10.0.0.2 user=guest",
        "auth failure; rhost=10.0.0.3 user=admin",
        "auth failure; rhost=10.0.0.4 user=root",
    ])
    assert sig["template"].tolist() == [
        "auth failure; rhost=<IP> user=root",
        "auth failure; rhost=<IP> user=guest",
        "auth failure; rhost=<IP> user=admin",
        "auth failure; rhost=<IP> user=root",
    ]


def test_values_of_the_same_key_are_generalised_across_kinds() -> None:
    sig = mine_signatures(["login from rhost=10.0.0.1", "login from rhost=db-3.example.com"])
    assert sig["signature_id"].nunique() == 1


def _events(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame({
        "timestamp": pd.to_datetime([r[0] for r in rows], utc=True).as_unit("us"),
        "message": pd.Series([r[2] for r in rows], dtype="str"),
        "level": pd.Categorical([r[1] for r in rows], dtype=LEVELS),
        "service": "api",
        "source": "app",
    })


# Baseline 10:00-10:30 (30 min), impact 10:30-10:40 (10 min).
BASELINE = ("2024-05-01T10:00:00Z", "2024-05-01T10:30:00Z")
IMPACT = ("2024-05-01T10:30:00Z", "2024-05-01T10:40:00Z")


def test_compare_signatures_finds_the_new_and_the_surging() -> None:
    events = _events([
        ("2024-05-01T09:00:00Z", "error", "pool exhausted after 10 waiters"),  # before both
        ("2024-05-01T10:05:00Z", "error", "db timeout after 30 ms"),
        ("2024-05-01T10:12:00Z", "info", "request done in 5 ms"),
        ("2024-05-01T10:20:00Z", "error", "cache node 3 evicted"),
        ("2024-05-01T10:31:00Z", "error", "db timeout after 50 ms"),
        ("2024-05-01T10:32:00Z", "critical", "disk /dev/sda1 full"),
        ("2024-05-01T10:33:00Z", "error", "db timeout after 70 ms"),
        ("2024-05-01T10:34:00Z", "error", "disk /dev/sdb1 full"),
        ("2024-05-01T10:35:00Z", "error", "db timeout after 90 ms"),
        ("2024-05-01T10:50:00Z", "error", "pool exhausted after 12 waiters"),  # after both
    ])
    sig = compare_signatures(events, baseline=BASELINE, impact=IMPACT)
    assert list(sig.columns) == ["signature_id", "template", "count_before", "count_during",
                                 "first_seen", "example", "new", "surge"]
    assert sig["template"].tolist() == [
        "disk <PATH> full", "db timeout after <DURATION>", "cache node <NUM> evicted"]
    disk, db, cache = (sig.iloc[i] for i in range(3))
    assert (disk["new"], disk["count_before"], disk["count_during"]) == (True, 0, 2)
    assert math.isinf(disk["surge"])
    assert disk["first_seen"] == pd.Timestamp("2024-05-01T10:32:00Z")
    assert disk["example"] == "disk /dev/sda1 full"
    # 3 in 10 minutes against 1 in 30 minutes: nine times the rate.
    assert (db["new"], db["count_before"], db["count_during"]) == (False, 1, 3)
    assert db["surge"] == pytest.approx(9.0)
    assert db["first_seen"] == pd.Timestamp("2024-05-01T10:05:00Z")
    assert db["example"] == "db timeout after 50 ms"  # the first one during the impact
    assert (cache["new"], cache["count_during"], cache["surge"]) == (False, 0, 0.0)
    assert cache["example"] == "cache node 3 evicted"
    assert sig.attrs["levels"] == ("error", "critical")


def test_compare_signatures_falls_back_to_all_levels_without_errors() -> None:
    events = _events([
        ("2024-05-01T10:10:00Z", "info", "request done in 5 ms"),
        ("2024-05-01T10:31:00Z", "warning", "slow request: 900 ms"),
        ("2024-05-01T10:32:00Z", "warning", "slow request: 1200 ms"),
    ])
    sig = compare_signatures(events, baseline=BASELINE, impact=IMPACT)
    assert sig.attrs["levels"] == "all"
    assert sig["template"].tolist() == ["slow request: <DURATION>", "request done in <DURATION>"]
    assert sig["count_during"].tolist() == [2, 0]


def test_compare_signatures_with_nothing_in_the_windows_is_empty() -> None:
    events = _events([("2024-05-01T12:00:00Z", "error", "late failure")])
    sig = compare_signatures(events, baseline=BASELINE, impact=IMPACT)
    assert sig.empty
    assert str(sig["first_seen"].dtype) == "datetime64[us, UTC]"


def test_compare_signatures_rejects_a_window_that_ends_before_it_starts() -> None:
    events = _events([("2024-05-01T10:31:00Z", "error", "boom")])
    with pytest.raises(ValueError, match="impact window ends"):
        compare_signatures(events, baseline=BASELINE, impact=(IMPACT[1], IMPACT[0]))


def test_a_stack_trace_is_grouped_by_its_headline() -> None:
    sig = mine_signatures([
        "NullPointerException in handler 7\n\tat a.B.c(B.java:10)\n\tat a.D.e(D.java:20)",
        "NullPointerException in handler 9\n\tat x.Y.z(Y.java:3)",
        "Traceback (most recent call last):\n  File \"app.py\", line 3\nKeyError: 'user_id'",
    ])
    assert sig["template"].tolist() == ["NullPointerException in handler <NUM>",
                                        "NullPointerException in handler <NUM>",
                                        "KeyError: <STR>"]  # 'user_id'

    whole = mine_signatures(["boom 1\n\tat a.B.c(B.java:10)", "boom 2\n\tat x.Y.z(Y.java:3)"],
                            headline_only=False)
    assert whole["signature_id"].nunique() == 2


def test_a_keyed_word_with_many_values_is_a_variable() -> None:
    users = ["ann", "bob", "cyd", "dan", "eve", "fay", "gus", "hal", "ivy", "jon", "kim"]
    sig = mine_signatures([f"auth failure; rhost=10.0.0.1 user={u}" for u in users])
    assert set(sig["template"]) == {"auth failure; rhost=<IP> user=<*>"}


def test_a_keyed_word_beside_masked_values_is_a_variable() -> None:
    # "fceeafac" is a hex id without a digit: not masked, but span_id holds ids elsewhere.
    sig = mine_signatures(["span_id=f8c49c39 status=ERROR", "span_id=0a1b2c3d status=ERROR",
                           "span_id=fceeafac status=ERROR"])
    assert sig["signature_id"].nunique() == 1
    # Also when the other masked values of the groups differ in kind (<HEX> / <NUM>).
    sig = mine_signatures(["trace=9f86d081884c7d65 span=f8c49c39 failed",
                           "trace=1234567890 span=0a1b2c3d failed",
                           "trace=3be36d56341c1283 span=eefcebbe failed"])
    assert sig["signature_id"].nunique() == 1


# Issue 18: templates that hold on logs the miner has never seen.

PROXY_CLOSES = [
    "proxy.cse.cuhk.edu.hk:5070 close, 0 bytes sent, 0 bytes received, lifetime 00:01",
    "proxy.cse.cuhk.edu.hk:5070 close, 403 bytes sent, 426 bytes received, lifetime <1 sec",
    "t12.baidu.com:80 close, 451 bytes sent, 18846 bytes (18.4 KB) received, lifetime <1 sec",
    "www.google.com.hk:443 close, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 KB) received, "
    "lifetime 00:02",
    "s.360.cn:80 close, 1165 bytes (1.13 KB) sent, 815 bytes received, lifetime 14:59",
    "dl-debug.dropbox.com:443 close, 163539 bytes (159 KB) sent, 4712 bytes (4.60 KB) "
    "received, lifetime 01:02",
]
PROXY_OPENS = [f"{host} open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS" for host in (
    "www.3367.com:80", "s.360.cn:80", "ss0.baidu.com:443", "qbwup.imtt.qq.com:80",
    "api.github.com:443", "www.google-analytics.com:443", "cp-1.slowvm1.utah.cloudlab.us:22")]


def test_one_event_with_sizes_restated_and_durations_in_two_spellings_is_one_signature() -> None:
    sig = mine_signatures(PROXY_CLOSES + PROXY_OPENS)
    assert sig["signature_id"].nunique() == 2
    assert set(sig["template"]) == {
        "<HOST>:<NUM> close, <SIZE> sent, <SIZE> received, lifetime <DURATION>",
        "<HOST>:<NUM> open through proxy <HOST>:<NUM> HTTPS",
    }


def test_templates_that_differ_only_in_variables_are_one() -> None:
    sig = mine_signatures([
        "synchronized to 10.100.20.250, stratum 3", "synchronized to LOCAL(0), stratum 10",
        "synchronized to #3#, stratum 1",  # a variable of another shape, bare or not
        "connect to db.example.com:5432 failed", "connect to db.example.com failed",  # port
        "sent to 10.0.0.1,10.0.0.2 ok", "sent to 10.0.0.3 ok",  # a list of any length
    ])
    ids = sig["signature_id"].tolist()
    assert ids[0] == ids[1] == ids[2]
    assert ids[3] == ids[4]
    assert ids[5] == ids[6]
    assert len(set(ids)) == 3


def test_a_variable_the_masks_leave_as_a_word_is_found_from_how_it_varies() -> None:
    # Identifiers: two values are enough. Plain words: two are an either/or, three or
    # more a variable. The first word names the event and is never generalised.
    sig = mine_signatures([
        "loaded class com.example.OrderService", "loaded class org.acme.CartStore",
        "job started now", "job stopped now",
        "user alice logged in", "user bob logged in", "user carol logged in",
        "cupsd startup succeeded", "sshd startup succeeded", "crond startup succeeded",
    ])
    t = sig["template"].tolist()
    assert t[0] == t[1] == "loaded class <*>"
    assert t[2] != t[3]
    assert t[4] == t[5] == t[6] == "user <*> logged in"
    assert len(set(t[7:])) == 3


def test_keyed_words_are_alternatives_until_many_but_identifiers_vary_at_once() -> None:
    few = mine_signatures([f"auth failure; user={u}" for u in ("root", "guest", "test")])
    assert few["signature_id"].nunique() == 3
    classes = mine_signatures(["handler class=com.a.Foo", "handler class=org.b.Bar"])
    assert classes["signature_id"].nunique() == 1


def test_the_similarity_threshold_follows_the_log() -> None:
    from postmortem_kit.timeline.drain import chance_similarity, template_texts

    # Different events of this log share four tokens in five: by chance, 0.8.
    boilerplate = [f"{verb} ARPT: <NUM>: all good" for verb in ("wake", "sleep", "scan")]
    assert chance_similarity([t.split() for t in boilerplate]) == 0.8
    unrelated = ["wake up now please", "disk full on host", "retry in a while"]
    assert chance_similarity([t.split() for t in unrelated]) < 0.5
    # So in that log, texts of one first word sharing three tokens in five are different
    # events; Drain's fixed 0.5 joins them (three words a position: not an either/or).
    parks = ["park ARPT: <NUM>: failed hard", "park ARPT: <NUM>: retried twice",
             "park ARPT: <NUM>: gave up"]
    chosen = template_texts(boilerplate + parks)
    fixed = template_texts(boilerplate + parks, similarity=0.5)
    assert len(set(chosen[3:])) == 3
    assert len(set(fixed[3:])) == 1


def test_quoted_words_and_identifiers_first_vary_only_when_many() -> None:
    states = mine_signatures([f"icon now in state '{s}'" for s in ("Active", "Inactive")])
    assert states["signature_id"].nunique() == 2  # an either/or
    jobs = [f"com.apple.{name}: told me to run this job" for name in (
        "suggestions.harvest", "icloud.fmfd.heartbeat", "CacheDelete.daily")]
    assert mine_signatures(jobs)["signature_id"].nunique() == 1
    assert mine_signatures(jobs[:2])["signature_id"].nunique() == 2
