"""An evidence set seeded with every kind of secret, and look-alikes that must stay.

``SECRETS`` holds, per kind, the exact strings that must not survive redaction (for a
``password=...`` only the value: the key stays, that is the point). ``LOOK_ALIKES`` hold
what looks similar and must come out untouched: version numbers, trace and span ids,
timestamps, epoch milliseconds, order numbers, and what the allow-list (``ALLOW``) keeps.
``document()`` strews both over every kind of field of a postmortem (overview, detection,
key events from logs, chat and deploys, signatures, root cause, action items, links), and
``evidence_lines()`` is the access log whose ``user`` column names the customers.
"""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

KEY = b"seeded-redaction-key-for-tests!!"  # 32 bytes: pseudonyms are stable across runs

JWT = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1MDAwMjc0IiwibmFtZSI6IkRhbmEifQ."
       "kX2m9Qe7Lr4Tz1Wv8Yb3Nc6Pd0Sf5Gh2Jk")
PEM = ("-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\\n"
       "-----END PRIVATE KEY-----")
GCP_API_KEY = "AIza" + "SyB9x2Qk7mZp4LrT8vW1yBc3Dd5Ee6Ff7Gg"  # AIza + 35 characters
GCP_KEY_ID = "5c1f0e3b9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"

SECRETS: dict[str, list[str]] = {
    "user": ["u000274", "cust-88412"],
    "email": ["dana.whitfield@gmail.com", "ops.lead+pager@customer-mail.co.uk"],
    "ipv4": ["203.0.113.77", "198.51.100.23"],
    "ipv6": ["2001:db8:85a3::8a2e:370:7334"],
    "phone": ["+1 415-555-0132", "+44 20 7946 0958"],
    "card": ["4111 1111 1111 1111", "5500-0000-0000-0004"],
    "jwt": [JWT],
    "bearer": ["9fK2xQ7mZp4LrT8vW1yB"],
    "url_credentials": ["deploy:Sup3rS3cret"],
    "aws_key": ["AKIAIOSFODNN7EXAMPLE"],
    "gcp_key": [GCP_API_KEY, GCP_KEY_ID],
    "private_key": ["MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"],
    "secret": ["hunter2hunter2", "correct-horse-battery"],
    "high_entropy": ["Zx8Qw3Er5Ty7Ui9Op1As"],
}

ALLOW = ("shop.example", "10.0.0.0/8", "*.internal", "deadbeefcafebabe0123456789abcdef01234567")

LOOK_ALIKES = [
    "version 2.14.0.1",                          # a dotted quad that is a version
    "v3.1.4.1",
    "trace_id=4bf92f3577b34da6a3ce929d0e0e4736",  # random hex, but not a credential's
    "span 00f067aa0ba902b7",
    "2026-03-12T14:07:00Z",
    "14:07:00.123",
    "1773324420000",                              # epoch milliseconds (13 digits)
    "order 7730012",
    "HTTP 502",
    "oncall@shop.example",                        # allowed: the team's own domain
    "checkout.internal",                          # allowed: internal host names
    "10.20.30.40",                                # allowed: the internal network
    "cache_key=deadbeefcafebabe0123456789abcdef01234567",  # allowed value in a key position
    "127.0.0.1",                                  # loopback identifies nobody
]


def document_data() -> dict:
    """The seeded postmortem as JSON data (``Postmortem.model_validate`` reads it)."""
    return {
        "schema_version": 1,
        "title": "Checkout outage: card payments failed for u000274 and others",
        "timezone": "UTC",
        "overview": {
            "date": "2026-03-12", "start": "2026-03-12T14:07:00Z",
            "end": "2026-03-12T14:47:00Z", "severity": "P1",
            "impact": "u000274 and cust-88412 could not pay; dana.whitfield@gmail.com wrote "
                      "in from 203.0.113.77. Deployed version 2.14.0.1 (v3.1.4.1 of the "
                      "client).",
        },
        "detection": {
            "time": "2026-03-12T14:12:00Z",
            "method": "Alert CheckoutHighErrorRate on checkout.internal (10.20.30.40)",
            "initial_symptoms": "POST /api/checkout HTTP 502 for 198.51.100.23 and "
                                "2001:db8:85a3::8a2e:370:7334; trace_id=4bf92f3577b34da6a3ce"
                                "929d0e0e4736 span 00f067aa0ba902b7 at 2026-03-12T14:07:00Z",
        },
        "key_events": [
            {"time": "2026-03-12T14:07:00Z",
             "event": "New error signature: card 4111 1111 1111 1111 declined, "
                      "`Authorization: Bearer 9fK2xQ7mZp4LrT8vW1yB` rejected at 14:07:00.123",
             "action_taken": "None yet", "source": "app.log"},
            {"time": "2026-03-12T14:15:00Z",
             "event": "Chat: customer ops.lead+pager@customer-mail.co.uk called from "
                      "+44 20 7946 0958 about u000274 (order 7730012)",
             "action_taken": "Support paged oncall@shop.example", "source": "slack"},
            {"time": "2026-03-12T14:20:00Z",
             "event": "Rollback by deploy-bot from https://deploy:Sup3rS3cret@git.example.net"
                      "/shop.git",
             "action_taken": "Card 5500-0000-0000-0004 retried by cust-88412 at 1773324420000",
             "source": "deploys"},
            {"time": "2026-03-12T14:30:00Z",
             "event": "Config pasted in chat: AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE "
                      "password=hunter2hunter2 "
                      "cache_key=deadbeefcafebabe0123456789abcdef01234567",
             "action_taken": "Keys rotated", "source": "slack"},
        ],
        "resolution": {"time": "2026-03-12T14:47:00Z",
                       "description": f"Session token {JWT} revoked; u000274 refunded."},
        "root_cause": {
            "technical_cause": f'The client sent "api_key": "{GCP_API_KEY}" and '
                               f'"private_key_id": "{GCP_KEY_ID}" in a log line.',
            "contributing_factors": f'service account file with "private_key": "{PEM}"',
            "trigger": "secret: correct-horse-battery in the deploy log; "
                       "session_id=Zx8Qw3Er5Ty7Ui9Op1As",
        },
        "impact": {"users_affected": "2 (u000274, cust-88412)",
                   "service_degradation": "HTTP 502 on POST /api/checkout",
                   "business_impact": "Refund to +1 415-555-0132 (dana.whitfield@gmail.com)"},
        "went_wrong": ["u000274 saw the error three times"],
        "action_items": {
            "immediate": [{"description": "Stop logging card numbers such as "
                                          "4111 1111 1111 1111", "owner": "Dana Whitfield",
                           "status": "open"}],
            "long_term": [{"description": "Mask IPs like 203.0.113.77 at ingest",
                           "owner": "Marco Rossi", "priority": "high"}],
        },
        "lessons_learned": ["Never paste password=hunter2hunter2 in chat"],
        "supporting_documentation": [
            {"title": "Errors for dana.whitfield@gmail.com (PNG)", "url": "charts/errors.png"},
            {"title": "Runbook", "url": "https://runbooks.shop.example/checkout"},
        ],
        "follow_up": {"review_date": "2026-03-26", "stakeholders": ["Dana Whitfield"]},
    }


def chart_svg_and_png(folder) -> None:
    """``charts/errors.png`` and its SVG twin, their labels quoting evidence."""
    import matplotlib.pyplot as plt

    from postmortem_kit.plots import save_figure

    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot([0, 1, 2], [0.01, 0.3, 0.02])
    ax.set_title("5xx for dana.whitfield@gmail.com from 203.0.113.77")
    ax.annotate("u000274 retried (version 2.14.0.1)", (1, 0.3))
    ax.set_xlabel("trace_id=4bf92f3577b34da6a3ce929d0e0e4736")
    save_figure(fig, folder / "charts" / "errors", relative_to=folder)
    plt.close(fig)


def evidence_lines() -> str:
    """An access log as JSON lines: customers in ``user``, one responder in chat."""
    rows = [
        {"timestamp": "2026-03-12T14:07:01Z", "kind": "request", "user": "u000274",
         "status": 502, "path": "/api/checkout", "message": "POST /api/checkout 502"},
        {"timestamp": "2026-03-12T14:08:01Z", "kind": "request", "user": "cust-88412",
         "status": 502, "path": "/api/checkout", "message": "POST /api/checkout 502"},
        {"timestamp": "2026-03-12T14:09:01Z", "kind": "request", "user": "u000275",
         "status": 200, "path": "/api/checkout", "message": "POST /api/checkout 200"},
    ]
    return "".join(json.dumps(row) + "\n" for row in rows)


def every_secret() -> list[str]:
    """Every string that must be gone."""
    return [value for values in SECRETS.values() for value in values]
