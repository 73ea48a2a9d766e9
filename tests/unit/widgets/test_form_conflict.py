"""The file changed on disk since the form loaded it: warn, then reload or keep mine."""

from __future__ import annotations

from postmortem_kit.document import Postmortem


def edit_elsewhere(path, **overview) -> None:
    other = Postmortem.load(path)
    for key, value in overview.items():
        setattr(other.overview, key, value)
    other.save(path)


def test_an_external_edit_is_never_overwritten_and_the_form_warns(make_form, pm_path):
    form = make_form()
    form.field("overview.impact").value = "mine"
    edit_elsewhere(pm_path, impact="theirs")
    form.field("overview.severity").value = "P2"
    assert form.state == "conflict"
    assert Postmortem.load(pm_path).overview.impact == "theirs"
    assert form._w_conflict.layout.display == ""
    assert "changed on disk" in form._w_conflict_text.value
    assert form.document.overview.severity == "P2"  # the form keeps the author's edit


def test_keep_mine_writes_the_form_and_keeps_theirs_as_bak(make_form, pm_path):
    form = make_form()
    form.field("overview.impact").value = "mine"
    edit_elsewhere(pm_path, impact="theirs")
    form.field("overview.severity").value = "P2"
    form._w_keep.click()
    assert form.state == "saved" and form._w_conflict.layout.display == "none"
    assert Postmortem.load(pm_path).overview.impact == "mine"
    assert Postmortem.load(pm_path).overview.severity == "P2"
    assert Postmortem.load(pm_path.with_name("postmortem.json.bak")).overview.impact == "theirs"


def test_reload_takes_the_file_and_shows_it_in_every_widget(make_form, pm_path):
    form = make_form()
    form.field("overview.impact").value = "mine"
    form.editor("went_well").add(text="a thing we liked")
    edit_elsewhere(pm_path, impact="theirs", severity="P0")
    form.field("overview.severity").value = "P2"
    form._w_reload.click()
    assert form.state == "saved" and form._w_conflict.layout.display == "none"
    assert form.document == Postmortem.load(pm_path)
    assert form.field("overview.impact").value == "theirs"
    assert form.field("overview.severity").value == "P0"
    assert [r.cells["text"].value for r in form.editor("went_well").rows] == \
        ["a thing we liked"]
    # editing after the reload saves normally again
    form.field("overview.impact").value = "theirs, amended"
    assert Postmortem.load(pm_path).overview.impact == "theirs, amended"


def test_reloading_a_broken_file_says_why_and_keeps_the_form(make_form, pm_path):
    form = make_form()
    form.field("overview.impact").value = "mine"
    pm_path.write_text("{ not json")
    form.field("overview.severity").value = "P3"
    form._w_reload.click()
    assert form.state == "conflict"
    assert "Cannot reload" in form._w_conflict_text.value
    assert form.document.overview.impact == "mine"
    assert pm_path.read_text() == "{ not json"
