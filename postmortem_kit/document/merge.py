"""Field-level three-way merge of two edits of one postmortem (the form's and the file's).

``base`` is the version both sides started from (what the form last loaded or saved),
``mine`` the form's document and ``theirs`` the file as someone else left it. All three are
the documents' JSON values (``json.loads(pm.to_json())``). The rule, field by field:

- changed on one side only: that side's value is taken;
- changed the same way on both sides: taken once;
- changed differently on both: a :class:`Conflict`, shown with both values for the author to
  choose; until then the merged value holds ``mine``.

Lists (key events, action items, lessons, links) are merged item by item with a three-way
sequence merge (:mod:`merge3`, as version control merges lines): an item one side added,
removed or changed merges with the other side's edits elsewhere in the list; both sides
adding items at the same place keeps both (mine first); the same item changed on both sides
(each side kept at least half of its fields) is merged field by field; overlapping edits
that cannot be told apart (one side removes an item the other changed) are a conflict over
that stretch of the list.

Examples
--------
>>> base = {"impact": "", "severity": None}
>>> result = three_way(base, {**base, "impact": "a third failed"}, {**base, "severity": "P1"})
>>> result.value, result.conflicts
({'impact': 'a third failed', 'severity': 'P1'}, ())
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import merge3

Side = Literal["mine", "theirs", "both"]
_MISSING: Any = object()


@dataclass(frozen=True)
class Conflict:
    """One place both sides changed differently.

    ``id`` names it in :func:`three_way`'s ``choices``: a field path
    (``overview.severity``, ``key_events[2].event``) or a stretch of a list by its base
    positions (``went_well[1:3]``). ``field`` is the editor that shows it (the path before
    any ``[``). For a stretch of a list ``base``, ``mine`` and ``theirs`` are the items of
    that stretch, and ``"both"`` is a third choice (mine, then theirs' items I lack).
    """

    id: str
    base: Any
    mine: Any
    theirs: Any
    region: bool = False

    @property
    def field(self) -> str:
        """The document path of the field or list holding the conflict."""
        return self.id.split("[", 1)[0]


@dataclass(frozen=True)
class Merge:
    """What :func:`three_way` found.

    ``value`` is the merged JSON (unresolved conflicts hold ``mine``), ``conflicts`` those
    not settled by ``choices``, and ``taken`` the paths where the file's changes came in.
    """

    value: Any
    conflicts: tuple[Conflict, ...] = ()
    taken: tuple[str, ...] = ()


@dataclass
class _Context:
    choices: Mapping[str, Side]
    conflicts: list[Conflict] = field(default_factory=list)
    taken: list[str] = field(default_factory=list)

    def resolve(self, conflict: Conflict) -> Any:
        side = self.choices.get(conflict.id)
        if side is None:
            self.conflicts.append(conflict)
            side = "mine"
        if side == "theirs":
            return conflict.theirs
        if side == "both" and conflict.region:
            return [*conflict.mine, *(t for t in conflict.theirs if t not in conflict.mine)]
        return conflict.mine


def three_way(base: Any, mine: Any, theirs: Any,
              choices: Mapping[str, Side] | None = None) -> Merge:
    """Merge ``mine`` and ``theirs``, two edits of ``base`` (JSON values).

    Parameters
    ----------
    base, mine, theirs
        JSON values: dicts, lists, strings, numbers, booleans, None.
    choices
        How to settle conflicts found on an earlier call, by :attr:`Conflict.id`
        (``"mine"``, ``"theirs"``, or for a stretch of a list ``"both"``).

    Returns
    -------
    Merge
        The merged value, the conflicts left unsettled, the paths taken from ``theirs``.
    """
    ctx = _Context(choices or {})
    value = _merge(base, mine, theirs, "", ctx)
    return Merge(value, tuple(ctx.conflicts), tuple(dict.fromkeys(ctx.taken)))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _merge(base: Any, mine: Any, theirs: Any, path: str, ctx: _Context) -> Any:
    if mine == theirs:
        return mine
    if mine == base:
        ctx.taken.append(path or "(document)")
        return theirs
    if theirs == base:
        return mine
    if isinstance(base, dict) and isinstance(mine, dict) and isinstance(theirs, dict):
        out = {}
        for key in [*mine, *(k for k in theirs if k not in mine)]:
            value = _merge(base.get(key, _MISSING), mine.get(key, _MISSING),
                           theirs.get(key, _MISSING), _join(path, key), ctx)
            if value is not _MISSING:
                out[key] = value
        return out
    if isinstance(base, list) and isinstance(mine, list) and isinstance(theirs, list):
        return _merge_list(base, mine, theirs, path, ctx)
    return ctx.resolve(Conflict(path, _public(base), _public(mine), _public(theirs)))


def _public(value: Any) -> Any:
    return None if value is _MISSING else value


def _key(item: Any) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=False)


def _merge_list(base: list, mine: list, theirs: list, path: str, ctx: _Context) -> list:
    m3 = merge3.Merge3([_key(x) for x in base], [_key(x) for x in mine],
                       [_key(x) for x in theirs])
    out: list[Any] = []
    for region in m3.merge_regions():
        kind = region[0]
        if kind == "unchanged":
            out += base[region[1]:region[2]]
        elif kind in ("same", "a"):
            out += mine[region[1]:region[2]]
        elif kind == "b":
            ctx.taken.append(path)
            out += theirs[region[1]:region[2]]
        else:
            zs, ze, a_s, a_e, b_s, b_e = cast("tuple[int, int, int, int, int, int]",
                                              region[1:])
            out += _merge_stretch(base[zs:ze], mine[a_s:a_e], theirs[b_s:b_e],
                                  f"{path}[{zs}:{ze}]", path, zs, ctx)
    return out


def _merge_stretch(base: list, mine: list, theirs: list, region_id: str, path: str,
                   start: int, ctx: _Context) -> list:
    """A stretch of a list both sides changed (merge3's "conflict" region)."""
    if not base:
        # Both added items at the same place: keep both, mine first.
        ctx.taken.append(path)
        return [*mine, *(t for t in theirs if t not in mine)]
    if len(base) == len(mine) == len(theirs) and all(
            _edit_of(b, m) and _edit_of(b, t) for b, m, t in zip(base, mine, theirs,
                                                                  strict=True)):
        # The same items edited on both sides: merge them field by field.
        return [_merge(b, m, t, f"{path}[{start + i}]", ctx)
                for i, (b, m, t) in enumerate(zip(base, mine, theirs, strict=True))]
    return list(ctx.resolve(Conflict(region_id, base, mine, theirs, region=True)))


def _edit_of(base: Any, item: Any) -> bool:
    """Whether ``item`` reads as ``base`` edited rather than replaced by another item:
    a row that keeps at least half of its fields (a string is always an edit of a string)."""
    if isinstance(base, dict) and isinstance(item, dict):
        same = sum(base.get(k, _MISSING) == v for k, v in item.items())
        return 2 * same >= max(len(base), len(item))
    return not isinstance(base, dict | list) and not isinstance(item, dict | list)


def changed_paths(old: Any, new: Any, path: str = "") -> list[str]:
    """The field paths whose value differs between two JSON values (lists as one field).

    >>> changed_paths({"a": 1, "b": {"c": 2, "d": 3}}, {"a": 1, "b": {"c": 5, "d": 3}})
    ['b.c']
    """
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        keys = [*old, *(k for k in new if k not in old)]
        return [p for k in keys
                for p in changed_paths(old.get(k), new.get(k), _join(path, k))]
    return [path or "(document)"]
