"""What the tools and people said during the sample incident: alerts, page, chat, changes.

These files are small and hand-shaped like the real thing: Alertmanager webhook payloads
(grouped by service, so an alert repeats in later notifications of its group), PagerDuty
``log_entries`` of the one incident, a Slack channel export, and the deploy list.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from postmortem_kit.sample.scenario import (
    BAD_VERSION,
    GOOD_VERSION,
    HOSTILE,
    RESPONDERS,
    Scenario,
    iso,
)

GROUP_WAIT = 30_000
GROUP_INTERVAL = 300_000
EVAL_MS = 412  # Prometheus evaluates on a 15 s tick that lands at .412 on this server

# name, service, severity, start (h, m, s), end (h, m, s), summary, description, fingerprint
Clock = tuple[int, int, int]
Alert = tuple[str, str, str, Clock, Clock, str, str, str]
ALERTS: list[Alert] = [
    ("InventoryCacheRefreshSlow", "inventory", "warning", (13, 22, 2), (13, 31, 2),
     "Inventory stock cache refresh is slow", "Refresh took over 2s for 5 minutes.",
     "3b1f8c2d9e4a7f60"),
    ("HighErrorRate", "checkout", "critical", (14, 9, 17), (14, 44, 17),
     "5xx ratio on /api/checkout above 5%", "More than 5% of POST /api/checkout requests "
     "returned 5xx over the last 5 minutes.", "c5b7a1f2e3d4a6b8"),
    ("CheckoutLatencyHigh", "checkout", "warning", (14, 11, 32), (14, 42, 32),
     "p99 latency of /api/checkout above 2s", "p99 latency has been above 2s for 2 minutes.",
     "8e2d4f6a1c3b5d7e"),
    ("PaymentsDBPoolExhausted", "payments", "critical", (14, 12, 47), (14, 41, 2),
     "payments DB connection pool exhausted", "HikariPool-1 has had waiting threads for 3 "
     "minutes.", "f01a2b3c4d5e6f70"),
]


def _alert(scen: Scenario, a: Alert, *, resolved: bool) -> dict[str, Any]:
    name, service, severity, start, end, summary, description, fp = a
    starts = scen.at(*start, ms=EVAL_MS)
    return {
        "status": "resolved" if resolved else "firing",
        "labels": {"alertname": name, "service": service, "severity": severity,
                   "job": service, "env": "production", "team": "shop"},
        "annotations": {"summary": summary, "description": description,
                        "runbook_url": f"https://runbooks.example.com/{name}"},
        "startsAt": iso(starts, millis=True),
        "endsAt": iso(scen.at(*end, ms=EVAL_MS), millis=True) if resolved
        else "0001-01-01T00:00:00Z",
        "generatorURL": f"http://prometheus-0:9090/graph?g0.expr=ALERTS%7Balertname%3D%22{name}"
                        "%22%7D&g0.tab=1",
        "fingerprint": fp,
    }


def alert_notifications(scen: Scenario) -> list[tuple[int, dict[str, Any]]]:
    """Webhook payloads as Alertmanager sends them: ``(sent at, payload)`` in time order.

    A group notifies ``GROUP_WAIT`` after its first alert, then on each ``GROUP_INTERVAL``
    tick at which its alerts changed, repeating the alerts that did not change.
    """
    out = []
    for service in ("inventory", "checkout", "payments"):
        group = [a for a in ALERTS if a[1] == service]
        first = min(scen.at(*a[3], ms=EVAL_MS) for a in group)
        tick, seen = first + GROUP_WAIT, None
        while True:
            live = [(a, scen.at(*a[4], ms=EVAL_MS) <= tick) for a in group
                    if scen.at(*a[3], ms=EVAL_MS) <= tick]
            if live != seen:
                alerts = [_alert(scen, a, resolved=r) for a, r in live]
                status = "resolved" if all(r for _, r in live) else "firing"
                common = {"service": service, "env": "production", "team": "shop", "job": service}
                out.append((tick, {
                    "receiver": "shop-oncall", "status": status, "alerts": alerts,
                    "groupLabels": {"service": service}, "commonLabels": common,
                    "commonAnnotations": {}, "externalURL": "http://alertmanager-0:9093",
                    "version": "4", "groupKey": f'{{}}:{{service="{service}"}}',
                    "truncatedAlerts": 0,
                }))
                seen = live
                if status == "resolved":
                    break
            tick += GROUP_INTERVAL
    return sorted(out, key=lambda x: x[0])


def first_alert_firing(scen: Scenario) -> tuple[str, int]:
    """The first alert that starts at or after the impact start: ``(name, startsAt)``."""
    starts = [(scen.at(*a[3], ms=EVAL_MS), a[0]) for a in ALERTS]
    t, name = min(x for x in starts if x[0] >= scen.impact_start)
    return name, t


def last_alert_resolved(scen: Scenario) -> int:
    return max(scen.at(*a[4], ms=EVAL_MS) for a in ALERTS)


def _ref(kind: str, id_: str, summary: str) -> dict[str, str]:
    return {"id": id_, "type": kind, "summary": summary,
            "self": f"https://api.pagerduty.com/{kind.split('_')[0]}s/{id_}",
            "html_url": f"https://shop.pagerduty.com/{kind.split('_')[0]}s/{id_}"}


def page_times(scen: Scenario) -> dict[str, int]:
    """When the checkout page was triggered, first acknowledged and resolved (epoch ms)."""
    checkout = [t for t, p in alert_notifications(scen)
                if p["groupLabels"]["service"] == "checkout"]
    # PagerDuty stamps whole seconds; the Events API call lands a second after the webhook.
    trig = (checkout[0] // 1000 + 1) * 1000
    return {"triggered": trig, "acknowledged": scen.at(14, 13, 41),
            "resolved": (checkout[-1] // 1000 + 1) * 1000}


def pagerduty_log_entries(scen: Scenario) -> dict[str, Any]:
    """``GET /incidents/{id}/log_entries`` of the checkout incident (newest first, as served)."""
    pt = page_times(scen)
    dana, sam = RESPONDERS["dana"], RESPONDERS["sam"]
    user = {k: _ref("user_reference", v[3], v[1]) for k, v in RESPONDERS.items()}
    integ = _ref("events_api_v2_inbound_integration_reference", "PINT7AM", "Alertmanager")
    title = "[FIRING:1] HighErrorRate checkout (critical)"
    inc = _ref("incident_reference", "Q2X7KD9M1ABCD", f"[#4211] {title}")
    svc = _ref("service_reference", "PSVCCHK", "Checkout API")
    rows = [
        (pt["triggered"], "trigger", "Triggered through the API.", integ,
         {"type": "api", "summary": title, "details": {"firing": "HighErrorRate"}}, None),
        (pt["triggered"], "assign", f"Assigned to {dana[1]}.", svc, {"type": "auto"}, None),
        (pt["triggered"] + 2000, "notify", f"Notified {dana[1]} via Push Notification.", None,
         {"type": "auto"}, "dana"),
        (pt["triggered"] + 122_000, "notify", f"Notified {dana[1]} via Phone.", None,
         {"type": "auto"}, "dana"),
        (pt["acknowledged"], "acknowledge", f"Acknowledged by {dana[1]}.", user["dana"],
         {"type": "mobile"}, None),
        (scen.at(14, 19, 30), "escalate", f"Escalated to level 2 by {dana[1]}.", user["dana"],
         {"type": "website"}, None),
        (scen.at(14, 19, 30), "assign", f"Assigned to {sam[1]}.", user["dana"],
         {"type": "website"}, None),
        (scen.at(14, 19, 32), "notify", f"Notified {sam[1]} via SMS.", None, {"type": "auto"},
         "sam"),
        (scen.at(14, 21, 2), "acknowledge", f"Acknowledged by {sam[1]}.", user["sam"],
         {"type": "sms"}, None),
        (scen.at(14, 33, 20), "annotate", "Note added", user["dana"],
         {"type": "note", "summary": f"Rolling back checkout to {GOOD_VERSION}: {BAD_VERSION} "
          "drops currency on multi-currency carts"}, None),
        (pt["resolved"], "resolve", "Resolved through the API.", integ,
         {"type": "api", "summary": title.replace("FIRING", "RESOLVED")}, None),
    ]
    entries = []
    for i, (t, kind, summary, agent, channel, notified) in enumerate(rows):
        e = {"id": f"R{4100 + i:04d}LOGE7Q{i:02d}", "type": f"{kind}_log_entry",
             "summary": summary, "self": f"https://api.pagerduty.com/log_entries/R{4100 + i:04d}",
             "html_url": None, "created_at": iso(t, millis=False), "channel": channel,
             "service": svc, "incident": inc, "teams": [], "contexts": [],
             "event_details": {"description": title}}
        if agent is not None:
            e["agent"] = agent
        if notified:
            e["user"] = user[notified]
        if kind == "assign":
            e["assignees"] = [user["sam" if "Sam" in summary else "dana"]]
        entries.append(e)
    entries.reverse()
    return {"log_entries": entries, "limit": 100, "offset": 0, "more": False, "total": None}


# (h, m, s, who, text, thread?) ; who "bot" posts as the Alertmanager Slack app;
# thread True: a reply in the thread of the SEV-2 declaration.
CHAT = [
    (13, 19, 31, "priya", "cart v5.2.1 rolled out, nothing exciting :shipit:", False),
    (14, 2, 5, "marco", f"shipping checkout {BAD_VERSION} (multi-currency totals, #4471)", False),
    (14, 10, 20, "marco", "hmm, anyone else seeing checkout errors? my test order just 500'd",
     False),
    (14, 13, 52, "dana", "ack'd the page, looking", False),
    (14, 15, 5, "dana", ":rotating_light: Declaring a SEV-2 incident: checkout failing for a big "
     f"share of users since ~14:03. I'm IC, <@{RESPONDERS['marco'][0]}> on checkout, paging "
     "payments. Updates in thread.", False),
    (14, 16, 40, "marco", "app logs are full of `KeyError: 'currency'` since 14:03, right after "
     f"{BAD_VERSION} went out", True),
    (14, 19, 45, "sam", "investigating payments: DB pool pinned at 20/20, HikariPool timeouts "
     "and an NPE on null currency. checkout is retrying hard", True),
    (14, 22, 30, "sam", "bumped payments pool max to 40 (config change), watching", True),
    (14, 26, 10, "sam", "no change, pool saturates again. it's the retries", True),
    (14, 29, 0, "priya", "customer ticket quotes this order note: " + " ".join(HOSTILE), False),
    (14, 31, 0, "dana", f"decision: rolling back checkout to {GOOD_VERSION} now", True),
    (14, 38, 30, "marco", f"rollback deployed, {GOOD_VERSION} pods coming up", True),
    (14, 41, 30, "marco", "error rate back to normal on /api/checkout", True),
    (14, 46, 0, "dana", "mitigated. holding 15 min before calling it resolved", True),
    (15, 2, 0, "dana", "resolved. thanks all: postmortem doc to follow. payments pool stays at "
     "40 until Monday", False),
]


def slack_ts(ms: int, micro: int) -> str:
    """Slack's message id: epoch seconds with six decimals, as a string."""
    return f"{ms // 1000}.{(ms % 1000) * 1000 + micro:06d}"


_MENTION = re.compile(r"(<@U[A-Z0-9]+>)")


def _escape(text: str) -> str:
    # Slack stores &, < and > escaped in message text.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_messages(scen: Scenario) -> list[dict[str, Any]]:
    """The channel's messages in time order, as one day file of a Slack export holds them."""
    msgs: list[tuple[int, dict[str, Any]]] = []

    def profile(who: str) -> dict[str, Any]:
        uid, real, name, _ = RESPONDERS[who]
        return {"avatar_hash": f"g{uid[-4:].lower()}", "first_name": real.split()[0],
                "real_name": real, "display_name": name.split(".")[0], "team": "T04SHOP01",
                "name": name, "is_restricted": False, "is_ultra_restricted": False}

    parent_ts: str | None = None
    for i, (h, m, s_, who, text, threaded) in enumerate(CHAT):
        t = scen.at(h, m, s_)
        ts = slack_ts(t, 1000 * 0 + (137 * (i + 3)) % 1000)
        uid = RESPONDERS[who][0]
        # Mentions are Slack markup (<@U...>), the only text not escaped.
        stored = "".join(part if _MENTION.fullmatch(part) else _escape(part)
                         for part in _MENTION.split(text))
        msg: dict[str, Any] = {
               "client_msg_id": f"5f0c{i:04d}-8a1e-4c2b-9d3f-{uid[-8:].lower()}0000",
               "type": "message", "text": stored, "user": uid, "ts": ts,
               "team": "T04SHOP01", "user_team": "T04SHOP01", "source_team": "T04SHOP01",
               "user_profile": profile(who)}
        if "Declaring" in text:
            parent_ts = ts
            msg["thread_ts"] = ts
        elif threaded:
            msg["thread_ts"] = parent_ts
            msg["parent_user_id"] = RESPONDERS["dana"][0]
        msgs.append((t, msg))
    joined = scen.at(14, 18, 3)
    msgs.append((joined, {"type": "message", "subtype": "channel_join",
                          "ts": slack_ts(joined, 511), "user": RESPONDERS["sam"][0],
                          "text": f"<@{RESPONDERS['sam'][0]}> has joined the channel"}))
    for t_note, payload in alert_notifications(scen):
        if payload["groupLabels"]["service"] == "inventory":
            continue  # routed to a different channel
        n = sum(a["status"] == "firing" for a in payload["alerts"])
        head = f"[FIRING:{n}]" if n else "[RESOLVED]"
        names = ", ".join(a["labels"]["alertname"] for a in payload["alerts"])
        t_post = t_note + 800
        msgs.append((t_post, {
            "type": "message", "subtype": "bot_message", "text": "", "ts": slack_ts(t_post, 42),
            "bot_id": "B04ALRTMGR", "username": "Alertmanager",
            "attachments": [{"id": 1, "color": "danger" if n else "good",
                             "fallback": f"{head} {names} ({payload['groupLabels']['service']})",
                             "title": f"{head} {names}",
                             "text": "\n".join(a["annotations"]["summary"]
                                               for a in payload["alerts"])}]}))
    msgs.sort(key=lambda x: x[0])
    out: list[dict[str, Any]] = [m for _, m in msgs]
    replies = [r for r in out if r.get("thread_ts") and r["thread_ts"] != r["ts"]]
    for message in out:
        if message.get("thread_ts") == message["ts"]:
            message["reply_count"] = len(replies)
            message["reply_users_count"] = len({r["user"] for r in replies})
            message["latest_reply"] = replies[-1]["ts"]
            message["reply_users"] = sorted({r["user"] for r in replies})
            message["replies"] = [{"user": r["user"], "ts": r["ts"]} for r in replies]
    return out


def deploys_csv(scen: Scenario) -> str:
    """The change list as a deploy tool exports it (one header, ISO times, quoted text)."""
    rows = [
        (scen.cart_deploy, "cart", "v5.2.1", "v5.2.0", "deploy", "priya.nair",
         "Cart: faster session cleanup"),
        (scen.bad_deploy, "checkout", BAD_VERSION, GOOD_VERSION, "deploy", "marco.rossi",
         "Checkout: multi-currency cart totals (#4471)"),
        (scen.pool_change, "payments", "", "", "config", "sam.okafor",
         "payments db.pool.max_size 20 -> 40"),
        (scen.rollback, "checkout", GOOD_VERSION, BAD_VERSION, "rollback", "dana.whitfield",
         f"Roll back {BAD_VERSION}: KeyError 'currency' on checkout"),
        (scen.at(15, 20), "checkout", "", "", "flag", "marco.rossi",
         "multi_currency_totals = false"),
    ]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["deployed_at", "service", "environment", "version", "previous_version", "type",
                "author", "description", "status"])
    for t, *rest in rows:
        w.writerow([iso(t), rest[0], "production", *rest[1:], "succeeded"])
    return buf.getvalue()
