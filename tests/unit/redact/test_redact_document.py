"""Redacting a postmortem: every secret of the seeded evidence gone from every field and
chart label, every look-alike untouched, one pseudonym per value across the report."""

from __future__ import annotations

import re

import pytest

from postmortem_kit import Postmortem, read_events
from postmortem_kit.document.display import local_charts
from postmortem_kit.exporters.document import chart_residual, render_document
from postmortem_kit.redact import RedactionSettings, Redactor, identities_from_events
from postmortem_kit.redact.charts import svg_texts
from postmortem_kit.redact.document import redact_document, residual
from tests.unit.redact.seed import (
    ALLOW,
    KEY,
    LOOK_ALIKES,
    chart_svg_and_png,
    document_data,
    every_secret,
    evidence_lines,
)

PSEUDONYM = re.compile(r"\b(?:user|email|ip|phone|card|jwt|token|credentials|aws-key|gcp-key"
                       r"|private-key|secret)-[0-9a-f]{4,}\b")


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / "access.jsonl").write_text(evidence_lines())
    chart_svg_and_png(tmp_path)
    return tmp_path


@pytest.fixture
def events(folder):
    return read_events(folder / "evidence")


def redactor(events, key: bytes = KEY) -> Redactor:
    return Redactor(RedactionSettings(allow=ALLOW), key=key,
                    identities=identities_from_events(events))


def test_read_events_marks_the_user_column_as_identities(events):
    assert events.attrs["identities"] == ["user"]
    assert identities_from_events(events) == ["cust-88412", "u000274", "u000275"]


def test_every_secret_is_gone_from_every_field(events):
    pm = Postmortem.model_validate(document_data())
    text = pm.redacted(events=events, allow=ALLOW, key=KEY).model_dump_json()
    for secret in every_secret():
        assert secret not in text, secret
        # and not as JSON escapes it either (the PEM's backslashes, the quotes)
        assert secret.replace("\\", "\\\\") not in text, secret


def test_no_look_alike_is_touched(events):
    pm = Postmortem.model_validate(document_data())
    redacted = pm.redacted(events=events, allow=ALLOW, key=KEY)
    text = redacted.model_dump_json()
    for look_alike in LOOK_ALIKES:
        if look_alike != "127.0.0.1":
            assert look_alike in text, look_alike
    # Nor anything that is not free text: times, severity, the time zone.
    assert (redacted.overview, redacted.detection.time) == (pm.overview.model_copy(
        update={"impact": redacted.overview.impact}), pm.detection.time)


def test_loopback_addresses_are_kept():
    r = Redactor(key=KEY)
    assert r.redact("health check from 127.0.0.1 and ::1", "f") == (
        "health check from 127.0.0.1 and ::1")


def test_the_same_value_gets_the_same_pseudonym_in_every_field(events):
    redacted = Postmortem.model_validate(document_data()).redacted(
        events=events, allow=ALLOW, key=KEY)
    # u000274 appears in the title, the impact, a chat key event, the resolution, the
    # users affected and went-wrong: one pseudonym for all of them.
    places = [redacted.title, redacted.overview.impact, redacted.key_events[1].event,
              redacted.resolution.description, redacted.impact.users_affected,
              redacted.went_wrong[0]]
    first_users = {re.search(r"user-[0-9a-f]{4,}", p).group() for p in places}
    assert len(first_users) == 1
    # Two different customers are two different pseudonyms.
    both = re.findall(r"user-[0-9a-f]{4,}", redacted.impact.users_affected)
    assert len(set(both)) == 2
    # The card number in a key event and in an action item, the address in the impact
    # and in a link's title: same value, same pseudonym.
    card = re.search(r"card-[0-9a-f]{4,}", redacted.key_events[0].event).group()
    assert card in redacted.action_items.immediate[0].description
    email = re.search(r"email-[0-9a-f]{4,}", redacted.overview.impact).group()
    assert email in redacted.supporting_documentation[0].title
    assert email in redacted.impact.business_impact


def test_pseudonyms_depend_on_the_documents_key(events):
    pm = Postmortem.model_validate(document_data())
    once = pm.redacted(events=events, allow=ALLOW, key=KEY).overview.impact
    again = pm.redacted(events=events, allow=ALLOW, key=KEY).overview.impact
    other = pm.redacted(events=events, allow=ALLOW, key=b"another-key-of-32-bytes-length!!"
                        ).overview.impact
    assert once == again
    assert PSEUDONYM.findall(once) != PSEUDONYM.findall(other)


def test_the_original_document_is_not_changed(events):
    pm = Postmortem.model_validate(document_data())
    before = pm.model_dump_json()
    pm.redacted(events=events, allow=ALLOW, key=KEY)
    assert pm.model_dump_json() == before
    assert pm.redaction is None


def test_the_audit_counts_kinds_and_fields_and_holds_no_value(events):
    redacted = Postmortem.model_validate(document_data()).redacted(
        events=events, allow=ALLOW, key=KEY)
    audit = redacted.redaction
    # Occurrences seeded in document_data(), counted by hand.
    assert audit.counts == {
        "user": 9, "email": 4, "ipv4": 3, "ipv6": 1, "phone": 2, "card": 3, "jwt": 1,
        "bearer": 1, "url_credentials": 1, "aws_key": 1, "gcp_key": 2, "private_key": 1,
        "secret": 3, "high_entropy": 1}
    assert audit.fields["key_events[3].event"] == {"aws_key": 1, "secret": 1}
    assert audit.fields["overview.impact"] == {"user": 2, "email": 1, "ipv4": 1}
    assert audit.allowed == {"email": 1, "ipv4": 1, "high_entropy": 1}
    dumped = audit.model_dump_json() + "\n".join(audit.lines())
    for secret in every_secret():
        assert secret not in dumped
    assert audit.summary().startswith(
        "Redacted for sharing: 9 user ids, 4 email addresses")


def test_a_redacted_document_keeps_its_audit_through_json(events, tmp_path):
    redacted = Postmortem.model_validate(document_data()).redacted(
        events=events, allow=ALLOW, key=KEY)
    redacted.save(tmp_path / "shared.json")
    assert Postmortem.load(tmp_path / "shared.json").redaction == redacted.redaction


def test_chart_labels_are_redacted_and_stay_readable(events, folder):
    r = redactor(events)
    pm = redact_document(Postmortem.model_validate(document_data()), r)
    from postmortem_kit.exporters.document import redact_charts

    charts = redact_charts(local_charts(pm, folder), r)
    svg = charts["charts/errors.png"].data.decode()
    assert charts["charts/errors.png"].mime == "image/svg+xml"  # the twin, not the PNG
    for secret in every_secret():
        assert secret not in svg
    labels = " ".join(svg_texts(svg))
    assert "version 2.14.0.1" in labels and "trace_id=4bf92f3577b34da6a3ce929d0e0e4736" in labels
    # the chart's user is the document's user
    user = re.search(r"user-[0-9a-f]{4,}", pm.title).group()
    assert f"{user} retried" in labels
    assert "<text" in svg  # the label drawn again as text where its outlines were
    assert r.audit.fields["charts/errors.png"] == {"user": 1, "email": 1, "ipv4": 1}
    assert chart_residual(charts, r) == []


def test_a_png_without_svg_twin_is_withheld(events, folder):
    (folder / "charts" / "errors.svg").unlink()
    r = redactor(events)
    html, shown = render_document(Postmortem.model_validate(document_data()), "html",
                                  base_dir=folder, redactor=r)
    assert shown.redaction.withheld == ["charts/errors.png"]
    assert b"image/png" not in html
    assert b"1 chart withheld" in html


def test_redacted_html_and_markdown_hold_no_secret(events, folder):
    for to in ("html", "md"):
        data, shown = render_document(Postmortem.model_validate(document_data()), to,
                                      base_dir=folder, redactor=redactor(events))
        text = data.decode()
        for secret in every_secret():
            assert secret not in text, (to, secret)
        assert shown.redaction.summary() in text.replace("&#39;", "'")
    assert '<meta name="postmortem-kit-redaction" content="{&#34;counts&#34;' in (
        render_document(Postmortem.model_validate(document_data()), "html", base_dir=folder,
                        redactor=redactor(events))[0].decode())


def test_residual_is_empty_after_redaction_and_names_fields_when_not(events):
    r = redactor(events)
    pm = redact_document(Postmortem.model_validate(document_data()), r)
    assert residual(pm, r) == []
    # A password split by Markdown code spans: the text a reader sees says password=...
    pm.lessons_learned.append("`password`=swordfish42")
    assert residual(pm, r) == [("lessons_learned[1]", "secret")]
