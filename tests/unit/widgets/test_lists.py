"""List editors: add, remove and reorder; links are checked like the document checks them."""

from __future__ import annotations

from postmortem_kit.document import Postmortem


def texts(editor) -> list[str]:
    return [row.cells["text"].value for row in editor.rows]


def test_items_are_added_removed_and_reordered(make_form, pm_path):
    form = make_form()
    went_well = form.editor("went_well")
    for text in ("alert fired", "rollback was quick", "clear command"):
        went_well._w_add.click()
        went_well.rows[-1].cells["text"].value = text
    assert Postmortem.load(pm_path).went_well == ["alert fired", "rollback was quick",
                                                  "clear command"]
    went_well.rows[2]._w_up.click()
    assert Postmortem.load(pm_path).went_well == ["alert fired", "clear command",
                                                  "rollback was quick"]
    went_well.rows[0]._w_down.click()
    assert Postmortem.load(pm_path).went_well == ["clear command", "alert fired",
                                                  "rollback was quick"]
    went_well.rows[1]._w_remove.click()
    assert Postmortem.load(pm_path).went_well == ["clear command", "rollback was quick"]
    assert texts(went_well) == ["clear command", "rollback was quick"]


def test_moving_past_either_end_changes_nothing(make_form):
    form = make_form()
    lessons = form.editor("lessons_learned")
    lessons.add(text="a")
    lessons.add(text="b")
    lessons.rows[0]._w_up.click()
    lessons.rows[1]._w_down.click()
    assert form.document.lessons_learned == ["a", "b"]


def test_a_blank_row_is_not_an_item_yet(make_form, pm_path):
    form = make_form()
    went_wrong = form.editor("went_wrong")
    went_wrong.add(text="no canary")
    went_wrong._w_add.click()
    assert Postmortem.load(pm_path).went_wrong == ["no canary"]
    assert went_wrong.rows[1].error is None


def test_every_list_of_the_template_has_an_editor(make_form, pm_path):
    form = make_form()
    for path in ("went_well", "went_wrong", "lessons_learned", "follow_up.stakeholders"):
        form.editor(path).add(text=f"item of {path}")
    pm = Postmortem.load(pm_path)
    assert pm.lessons_learned == ["item of lessons_learned"]
    assert pm.follow_up.stakeholders == ["item of follow_up.stakeholders"]


def test_links_have_a_title_and_a_url_and_a_bad_url_is_not_saved(make_form, pm_path):
    form = make_form()
    links = form.editor("supporting_documentation")
    row = links.add(title="error ratio chart", url="charts/errors.png")
    assert Postmortem.load(pm_path).supporting_documentation[0].url == "charts/errors.png"
    row.cells["url"].value = "charts/error ratio.png"
    assert "whitespace" in row.error
    assert Postmortem.load(pm_path).supporting_documentation[0].url == "charts/errors.png"
    untitled = links.add(url="https://grafana.example/d/checkout")
    assert untitled.error == "Title: required"
    assert len(Postmortem.load(pm_path).supporting_documentation) == 1
