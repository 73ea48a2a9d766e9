"""Three-way merge of the form's edits and the file's: no change from either side is lost.

The property tests draw a document, then two random edit scripts (set a field, insert an
item, delete an item, change one field of an item), one for each side. Every value an edit
writes is unique, so each change can be found again in the merge.
"""

from __future__ import annotations

import copy
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from postmortem_kit.document import Postmortem
from postmortem_kit.document.merge import changed_paths, three_way
from tests.unit.document.strategies import documents

SCALARS = ("title", "overview.impact", "overview.severity", "root_cause.trigger",
           "detection.method")
LISTS = ("went_well", "key_events")
KEY_EVENT_FIELDS = ("event", "action_taken", "source")


def get(doc: dict, path: str):
    for part in path.split("."):
        doc = doc[part]
    return doc


def put(doc: dict, path: str, value) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        doc = doc[part]
    doc[leaf] = value


base_docs = st.builds(
    lambda title, impact, trigger, well, events: {
        "title": title, "overview": {"impact": impact, "severity": None},
        "root_cause": {"trigger": trigger}, "detection": {"method": ""},
        "went_well": [f"well {i} {w}" for i, w in enumerate(well)],
        "key_events": [{"time": f"2026-03-14T13:{i:02d}:00Z", "event": f"event {i} {e}",
                        "action_taken": "", "source": "chat"} for i, e in enumerate(events)]},
    st.text(max_size=5), st.text(max_size=5), st.text(max_size=5),
    st.lists(st.text(max_size=3), max_size=5), st.lists(st.text(max_size=3), max_size=5))

# One edit: (operation, target, position, field); positions are taken modulo the length.
edits = st.lists(st.tuples(st.sampled_from(["set", "insert", "delete", "modify"]),
                           st.sampled_from([*SCALARS, *LISTS]), st.integers(0, 6),
                           st.sampled_from(KEY_EVENT_FIELDS)), max_size=6)


class Script:
    """Applies edits to a copy of the base and remembers each change it made.

    Each base item takes at most one change (deleted or one field modified), and items this
    side inserted are not edited again, so every change can be told apart in the result.
    """

    def __init__(self, side: str, base: dict, ops) -> None:
        self.side = side
        self.base = base
        self.doc = copy.deepcopy(base)
        self.origin = {name: list(range(len(base[name]))) for name in LISTS}  # base index
        self.scalars: dict[str, str] = {}  # path -> value written
        self.inserted: dict[str, list] = {name: [] for name in LISTS}
        self.deleted: dict[str, set[int]] = {name: set() for name in LISTS}
        self.modified: dict[int, tuple[str, str]] = {}  # key_events base index -> change
        for n, (op, target, pos, fld) in enumerate(ops):
            self.apply(op, target, pos, fld, f"{side}-{n}")

    def touched(self, target: str, index: int) -> bool:
        return index in self.deleted[target] or (target == "key_events"
                                                 and index in self.modified)

    def apply(self, op, target, pos, fld, value) -> None:
        if target in SCALARS:
            if op == "set":
                put(self.doc, target, value)
                self.scalars[target] = value
            return
        items, origin = self.doc[target], self.origin[target]
        if op == "insert":
            item = value if target == "went_well" else {
                "time": "2026-03-14T15:00:00Z", "event": value, "action_taken": "",
                "source": ""}
            at = pos % (len(items) + 1)
            items.insert(at, item)
            origin.insert(at, None)
            self.inserted[target].append(item)
            return
        if not items:
            return
        at = pos % len(items)
        index = origin[at]
        if index is None or self.touched(target, index):
            return
        if op == "delete":
            del items[at], origin[at]
            self.deleted[target].add(index)
        elif op == "modify" and target == "key_events":
            items[at] = {**items[at], fld: value}
            self.modified[index] = (fld, value)


def in_conflict(conflicts, target: str, *values) -> bool:
    """Whether any of ``values`` (items or field values) is part of a conflict in ``target``."""
    for c in conflicts:
        if c.field != target:
            continue
        sides = (c.base, c.mine, c.theirs)
        if any(v in side if c.region else v == side for v in values for side in sides):
            return True
    return False


def assert_keeps(result, script: Script, other: Script, conflicts, *, all_of_it: bool) -> None:
    """Every change of ``script`` is in ``result`` (``all_of_it``: even the contested ones)."""
    contested = {c.id for c in conflicts}
    for path, value in script.scalars.items():
        if all_of_it or path not in contested:
            assert get(result, path) == value, (script.side, path)
    for target in LISTS:
        for item in script.inserted[target]:
            if all_of_it or not in_conflict(conflicts, target, item):
                assert item in result[target], (script.side, "insert", item)
        for index in script.deleted[target]:
            item = script.base[target][index]
            if other.touched(target, index):
                continue  # the other side changed it too: either outcome is a conflict
            if all_of_it or not in_conflict(conflicts, target, item):
                assert item not in result[target], (script.side, "delete", item)
    for index, (fld, value) in script.modified.items():
        if other.touched("key_events", index) and not all_of_it:
            continue
        item = {**script.base["key_events"][index], fld: value}
        if all_of_it or not in_conflict(conflicts, "key_events", item, value):
            assert any(e[fld] == value for e in result["key_events"]), \
                (script.side, "modify", fld, value)


@settings(max_examples=300, deadline=None)
@given(base_docs, edits, edits)
def test_no_change_from_either_side_is_ever_lost(base, mine_ops, theirs_ops):
    mine, theirs = Script("mine", base, mine_ops), Script("theirs", base, theirs_ops)
    merged = three_way(base, mine.doc, theirs.doc)
    # conflicts only where both sides changed the same place differently
    for conflict in merged.conflicts:
        assert conflict.mine != conflict.theirs
        assert conflict.mine != conflict.base and conflict.theirs != conflict.base
        if not conflict.region and "[" in conflict.id:
            # an item both sides changed (edited, or removed and replaced by another)
            index = int(conflict.id.split("[")[1].split("]")[0])
            assert mine.touched(conflict.field, index) and theirs.touched(conflict.field,
                                                                          index)
        elif not conflict.region:
            assert conflict.id in mine.scalars and conflict.id in theirs.scalars
    scalar_conflicts = {c.id for c in merged.conflicts if c.id in SCALARS}
    assert scalar_conflicts == {p for p in mine.scalars.keys() & theirs.scalars.keys()
                                if mine.scalars[p] != theirs.scalars[p]}
    # settling every conflict for one side keeps all of its changes and every change of
    # the other side that was not in conflict
    for keep, lose in ((mine, theirs), (theirs, mine)):
        settled = three_way(base, mine.doc, theirs.doc,
                            {c.id: keep.side for c in merged.conflicts})
        assert settled.conflicts == ()
        assert_keeps(settled.value, keep, lose, merged.conflicts, all_of_it=True)
        assert_keeps(settled.value, lose, keep, merged.conflicts, all_of_it=False)


@settings(max_examples=100, deadline=None)
@given(base_docs, edits)
def test_one_sided_edits_merge_to_that_side_with_no_conflict(base, ops):
    mine = Script("mine", base, ops).doc
    assert three_way(base, mine, base).value == mine
    assert three_way(base, base, mine).value == mine
    assert three_way(base, mine, mine) .conflicts == ()


@settings(max_examples=50, deadline=None)
@given(documents())
def test_a_real_document_merges_with_itself_unchanged(pm):
    data = json.loads(pm.to_json())
    merged = three_way(data, data, data)
    assert Postmortem.model_validate(merged.value) == pm and merged.conflicts == ()


def test_different_fields_merge_and_say_what_came_from_the_file():
    base = {"overview": {"impact": "", "severity": None}, "went_well": ["a"]}
    mine = {"overview": {"impact": "a third failed", "severity": None}, "went_well": ["a"]}
    theirs = {"overview": {"impact": "", "severity": "P1"}, "went_well": ["a", "b"]}
    merged = three_way(base, mine, theirs)
    assert merged.value == {"overview": {"impact": "a third failed", "severity": "P1"},
                            "went_well": ["a", "b"]}
    assert merged.conflicts == () and merged.taken == ("overview.severity", "went_well")


def test_the_same_field_changed_differently_is_a_conflict_until_chosen():
    base, mine, theirs = {"severity": None}, {"severity": "P2"}, {"severity": "P0"}
    merged = three_way(base, mine, theirs)
    [conflict] = merged.conflicts
    assert (conflict.id, conflict.base, conflict.mine, conflict.theirs) == \
        ("severity", None, "P2", "P0")
    assert merged.value == mine
    assert three_way(base, mine, theirs, {"severity": "theirs"}).value == theirs


def test_edits_to_different_fields_of_one_key_event_both_survive():
    event = {"time": "2026-03-14T13:00:00Z", "event": "deploy", "action_taken": ""}
    mine = [{**event, "action_taken": "rolled back"}]
    theirs = [{**event, "event": "deploy of 2.14"}]
    merged = three_way([event], mine, theirs)
    assert merged.value == [{**event, "event": "deploy of 2.14", "action_taken": "rolled back"}]


def test_both_adding_events_keeps_both_and_a_delete_against_an_edit_is_a_conflict():
    a, b = {"event": "a"}, {"event": "b"}
    assert three_way([a], [a, {"event": "mine"}], [a, {"event": "theirs"}]).value == \
        [a, {"event": "mine"}, {"event": "theirs"}]
    merged = three_way([a, b], [b], [{"event": "a, edited"}, {"event": "c"}, b])
    [conflict] = merged.conflicts
    assert conflict.region and conflict.field == "" and conflict.base == [a]
    both = three_way([a, b], [b], [{"event": "a, edited"}, {"event": "c"}, b],
                     {conflict.id: "both"})
    assert both.value == [{"event": "a, edited"}, {"event": "c"}, b]


def test_changed_paths_names_each_changed_field():
    old = json.loads(Postmortem().to_json())
    new = copy.deepcopy(old)
    new["overview"]["impact"] = "x"
    new["went_well"] = ["y"]
    assert changed_paths(old, new) == ["overview.impact", "went_well"]
