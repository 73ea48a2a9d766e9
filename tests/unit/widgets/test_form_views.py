"""What the form shows besides fields: preview, check list, pane markers, save status."""

from __future__ import annotations

from postmortem_kit.document import Postmortem
from postmortem_kit.document.check import check


def test_the_preview_is_the_rendered_markdown_and_follows_edits(make_form, schedule):
    form = make_form(autosave_delay=1.0, schedule=schedule)
    form.field("root_cause.trigger").value = "the 13:04 deploy"
    assert "the 13:04 deploy" not in form.preview_markdown  # debounced
    schedule.run_due()
    assert "- **Trigger**: the 13:04 deploy" in form.preview_markdown
    assert form.preview_markdown == form.document.to_markdown()
    data = form._w_preview.outputs[0]["data"]
    assert data["text/markdown"] == form.preview_markdown


def test_the_check_list_escapes_document_text(make_form):
    form = make_form()
    form.editor("went_wrong").add(text="<script>alert(1)</script> no canary")
    form.flush()
    assert "<script>" not in form._w_check.value
    assert "&lt;script&gt;" in form._w_check.value


def test_a_pane_is_marked_complete_once_its_fields_are_filled(make_form):
    form = make_form()
    impact = [p.heading for p in form.panes].index("Impact")
    assert form._w_accordion.titles[impact] == "✗ Impact — 1 to fix"
    form.field("impact.users_affected").value = "1,843"
    assert form._w_accordion.titles[impact] == "○ Impact — 2 to review"
    form.field("impact.service_degradation").value = "31% of checkouts failed"
    form.field("impact.business_impact").value = "EUR 86k delayed"
    assert form._w_accordion.titles[impact] == "✓ Impact"


def test_the_check_list_shows_every_problem_of_check(make_form, pm_path, example_json):
    pm = Postmortem.load(example_json)
    pm.action_items.immediate[0].owner = ""
    pm.save(pm_path)
    form = make_form()
    problems = check(pm)
    assert problems  # the owner removed above, at least
    errors = sum(p.level == "error" for p in problems)
    assert f"{errors} error" in form._w_check.value
    for problem in problems:
        assert f"<code>{problem.where}</code>" in form._w_check.value


def test_a_finished_document_marks_every_pane_complete(make_form, pm_path, example_json):
    Postmortem.load(example_json).save(pm_path)
    form = make_form()
    assert all(title.startswith("✓ ") for title in form._w_accordion.titles)
    assert "✓ complete, nothing to fix" in form._w_check.value


def test_warnings_fold_away_so_the_check_list_stays_short(make_form):
    form = make_form()
    html = form._w_check.value
    shown, folded = html.split("<details>", 1)
    assert shown.count("<li>") == 8  # SHOWN_ERRORS; the rest of the 13 errors fold away
    assert "more errors</summary>" in folded and "warnings to review</summary>" in folded
