"""The file changed on disk since the form loaded it: merge, and show conflicts in place."""

from __future__ import annotations

from postmortem_kit.document import Postmortem, history


def edit_elsewhere(path, **overview) -> None:
    other = Postmortem.load(path)
    for key, value in overview.items():
        setattr(other.overview, key, value)
    other.save(path)


def test_a_change_to_another_field_is_merged_into_the_form_and_the_file(make_form, pm_path):
    Postmortem().save(pm_path)
    form = make_form()
    edit_elsewhere(pm_path, severity="P1")
    form.field("overview.impact").value = "mine"
    saved = Postmortem.load(pm_path)
    assert (saved.overview.impact, saved.overview.severity) == ("mine", "P1")
    assert form.field("overview.severity").value == "P1"
    assert form.state == "saved"
    assert "merged changes from the file: overview.severity" in form._w_status.value


def test_a_field_both_changed_shows_both_values_beside_it_until_chosen(make_form, pm_path):
    Postmortem().save(pm_path)
    form = make_form()
    form.field("overview.impact").value = "saved before the teammate's edit"
    edit_elsewhere(pm_path, severity="P0")
    form.field("overview.severity").value = "P2"
    assert form.state == "conflict"
    box = form.field("overview.severity").conflict
    assert box.widget.layout.display == ""
    text = box.widget.children[0].value
    assert "file: <b>P0</b>" in text and "yours: <b>P2</b>" in text
    assert form._w_accordion.titles[0].startswith("⚠ Incident Overview")
    assert "Conflict: 1 field" in form._w_status.value
    assert Postmortem.load(pm_path).overview.severity == "P0"  # the file keeps theirs
    # other edits go on being saved while the choice waits
    form.field("overview.impact").value = "typed during the conflict"
    assert Postmortem.load(pm_path).overview.impact == "typed during the conflict"
    box.buttons[("overview.severity", "mine")].click()
    assert form.state == "saved" and Postmortem.load(pm_path).overview.severity == "P2"
    assert box.widget.layout.display == "none"
    assert not form._w_accordion.titles[0].startswith("⚠")


def test_taking_the_files_value_shows_it_in_the_field(make_form, pm_path):
    Postmortem().save(pm_path)
    form = make_form()
    edit_elsewhere(pm_path, severity="P0")
    form.field("overview.severity").value = "P2"
    form.field("overview.severity").conflict.buttons[("overview.severity", "theirs")].click()
    assert form.field("overview.severity").value == "P0"
    assert form.state == "saved" and Postmortem.load(pm_path).overview.severity == "P0"


def test_the_teammates_version_stays_in_the_history_after_keeping_mine(make_form, pm_path):
    Postmortem().save(pm_path)
    form = make_form()
    edit_elsewhere(pm_path, impact="theirs")
    form.field("overview.impact").value = "mine"
    form.choose("overview.impact", "mine")
    for text in ("mine, edited", "mine, edited again"):  # autosaves after the choice
        form.field("overview.impact").value = text
    impacts = [Postmortem.from_json(v.read().decode()).overview.impact
               for v in history.versions(pm_path)]
    assert "theirs" in impacts and impacts[-1] == "mine, edited again"


def test_conflicting_key_event_edits_show_above_the_table(make_form, pm_path):
    pm = Postmortem(key_events=[{"time": "2026-03-14T13:00:00Z", "event": "deploy"}])
    pm.save(pm_path)
    form = make_form()
    other = Postmortem.load(pm_path)
    other.key_events[0].event = "deploy of 2.14 (theirs)"
    other.save(pm_path)
    form.editor("key_events").rows[0].cells["event"].value = "deploy (mine)"
    box = form.editor("key_events").conflict
    assert box.widget.layout.display == ""
    assert "(key_events[0].event)" in box.widget.children[0].value
    form.choose_all("theirs")
    assert form.editor("key_events").rows[0].cells["event"].value == "deploy of 2.14 (theirs)"


def test_reload_takes_the_file_and_shows_it_in_every_widget(make_form, pm_path):
    form = make_form()
    form.field("overview.impact").value = "mine"
    form.editor("went_well").add(text="a thing we liked")
    edit_elsewhere(pm_path, impact="theirs", severity="P0")
    assert form.reload()
    assert form.document == Postmortem.load(pm_path)
    assert form.field("overview.impact").value == "theirs"
    assert form.field("overview.severity").value == "P0"
    assert [r.cells["text"].value for r in form.editor("went_well").rows] == \
        ["a thing we liked"]
    form.field("overview.impact").value = "theirs, amended"
    assert Postmortem.load(pm_path).overview.impact == "theirs, amended"


def test_a_file_broken_by_hand_is_not_overwritten_until_the_author_says_so(make_form,
                                                                             pm_path):
    form = make_form()
    form.field("overview.impact").value = "mine"
    pm_path.write_text("{ not json")
    form.field("overview.severity").value = "P3"
    assert form.state == "conflict" and "cannot be read" in form._w_status.value
    assert pm_path.read_text() == "{ not json"
    assert form._w_overwrite.layout.display == ""
    form._w_overwrite.click()
    assert Postmortem.load(pm_path).overview.severity == "P3"
    assert history.versions(pm_path)[-2].read() == b"{ not json"
