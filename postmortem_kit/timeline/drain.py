"""Group masked log texts by template: a compact Drain with two refinements.

A Drain-style pass (He et al., ICWS 2017) routes each masked text by its first token and
the shape of each of its tokens, then joins the most similar group in that leaf (the
share of equal tokens at least ``similarity``), turning the differing tokens into ``<*>``.
Two refinements over plain Drain, both aimed at not hiding a different event inside a
familiar one (a wrong merge costs an investigator more than an extra signature):

- *shape*: tokens can only be generalised into one ``<*>`` when they have the same
  shape: two bare words or ids (``cyrus`` / ``news``, ``rdd_2`` / ``broadcast_0``), or
  structured tokens that differ only in their masked values (``rhost=<IP>`` /
  ``rhost=<HOST>``). A structured token with no variable in it (``user=root``,
  ``LOGIN(uid=<NUM>)`` against ``(uid=<NUM>)``) is a constant, as is its key.
- *variety*: a position where only plain words were seen, and fewer than
  ``min_variety`` of them, is an either/or (``started`` / ``stopped``, ``bytes`` /
  ``values``), not a variable, and the group is split on it. Conversely a keyed word
  (``user=root``) that takes ``KEYED_VARIETY`` values or more is a variable after all
  (``user=<*>``), so a thousand user names do not make a thousand signatures.

This is written here rather than used from drain3: both refinements change how the tree
is keyed and how groups are formed, which drain3's API does not let a caller change, and
drain3's online tree, persistence and profiling are of no use on a frame held in memory.
``benchmarks/signatures.py`` compares the two, in speed and in grouping accuracy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

WILDCARD = "<*>"
# Distinct values a keyed word (``user=root``) needs before it counts as a variable.
KEYED_VARIETY = 10
_KEYED_WORD = re.compile(r"(?<==)[A-Za-z][\w.-]*")
_TAIL = re.compile(r"[.,;:!?]+$")
_ATOM = re.compile(r"^[\w.<>*@+-]*$")
_VARIABLE_RUN = re.compile(r"[\w.<>*@+-]*(?:<|\d)[\w.<>*@+-]*")
_EMPTY = re.compile(r"(?<=[(\[{=])(?=[)\]},;&]|$)|(?<=')(?=')|(?<=\")(?=\")")


@lru_cache(maxsize=1 << 16)
def _shape(token: str) -> str:
    """What a token must share with another to be generalised with it into ``<*>``."""
    tail_match = _TAIL.search(token)
    tail = tail_match.group(0) if tail_match else ""
    core = token[: len(token) - len(tail)]
    if _ATOM.match(core):
        return WILDCARD + tail
    # Structured: each run holding a variable becomes <*>, the rest is constant; an empty
    # value ("()", "key=") is a variable that happened to be empty.
    return _EMPTY.sub(WILDCARD, _VARIABLE_RUN.sub(WILDCARD, core)) + tail


def _is_plain_word(token: str) -> bool:
    return token.rstrip(".,;:!?").isalpha()


def _route(token: str) -> str:
    return WILDCARD if "<" in token or any(c.isdigit() for c in token) else token


@dataclass
class _Group:
    template: list[str]
    members: list[int] = field(default_factory=list)


def _similarity(template: list[str], tokens: list[str]) -> float:
    """Share of equal tokens (Drain's simSeq; a ``<*>`` in the template is not equal)."""
    equal = sum(1 for a, b in zip(template, tokens, strict=True) if a == b)
    return equal / len(tokens) if tokens else 1.0


def _drain(texts: list[str], similarity: float) -> list[_Group]:
    # Tokens may only be generalised into <*> when their shapes are equal, and equal tokens
    # have equal shapes: so two texts can share a group only when their whole shape
    # sequences are equal. Keying the leaves by it (with Drain's first-token routing) makes
    # the shape rule free, and keeps a leaf small even when a structured constant such as
    # "user=alice" takes thousands of values.
    leaves: dict[tuple[str, tuple[str, ...]], list[_Group]] = {}
    groups: list[_Group] = []
    for i, text in enumerate(texts):
        tokens = text.split()
        key = (_route(tokens[0]) if tokens else "", tuple(map(_shape, tokens)))
        leaf = leaves.setdefault(key, [])
        best, best_sim = None, similarity
        for g in leaf:
            sim = _similarity(g.template, tokens)
            if sim > best_sim or (best is None and sim == best_sim):
                best, best_sim = g, sim
        if best is None:
            best = _Group(template=list(tokens))
            leaf.append(best)
            groups.append(best)
        else:
            best.template = [g if g == t else WILDCARD for g, t in zip(best.template, tokens,
                                                                        strict=True)]
        best.members.append(i)
    return groups


def _split_either_or(members: list[list[str]], min_variety: int) -> list[list[int]]:
    """Split a group (token lists) on positions holding only a few plain words."""
    n = len(members[0]) if members else 0
    best_pos, best_values = -1, None
    for p in range(n):
        values = {m[p] for m in members}
        if 1 < len(values) < min_variety and all(map(_is_plain_word, values)) and (
            best_values is None or len(values) < len(best_values)
        ):
            best_pos, best_values = p, values
    if best_values is None:
        return [list(range(len(members)))]
    parts: dict[str, list[int]] = {}
    for i, m in enumerate(members):
        parts.setdefault(m[best_pos], []).append(i)
    out = []
    for idx in parts.values():
        for sub in _split_either_or([members[i] for i in idx], min_variety):
            out.append([idx[j] for j in sub])
    return out


def _relaxed(token: str) -> str:
    """A token's shape with a keyed word (``user=root``) counted as a variable."""
    return _KEYED_WORD.sub(WILDCARD, _shape(token))


def _merge_many_valued_keys(groups: list[list[int]], tokens: list[list[str]]
                            ) -> list[list[int]]:
    """Join groups that differ only in keyed words taking many values (``user=<name>``).

    The shape rule keeps ``user=root`` and ``user=guest`` apart, which is right for the
    handful of values of an enumeration; a key with ``KEYED_VARIETY`` or more values
    (thousands of user names), or one that also holds masked values (``span_id=<HEX>``
    beside ``span_id=fceeafac``, a hex id without a digit), is a variable after all.
    """
    buckets: dict[tuple[str, ...], list[list[int]]] = {}
    for members in groups:
        first = tokens[members[0]]
        # Same shapes once keyed words are relaxed; only keyed positions may differ below.
        buckets.setdefault(tuple(map(_relaxed, first)), []).append(members)
    out: list[list[int]] = []
    for relaxed, bucket in buckets.items():
        if len(bucket) == 1:
            out.extend(bucket)
            continue
        # Positions where some group holds a keyed word (user=root).
        keyed = {p for members in bucket for p, r in enumerate(relaxed)
                 if r != _shape(tokens[members[0]][p])}
        # A key is a variable when it takes many words, or when it also holds masked
        # values elsewhere (span_id=<HEX> beside span_id=fceeafac).
        free = {p for p in keyed
                if any(_shape(tokens[members[0]][p]) == relaxed[p] for members in bucket)
                or len({tokens[i][p] for members in bucket for i in members}) >= KEYED_VARIETY}
        if not free:
            out.extend(bucket)
            continue
        merged: dict[tuple[str, ...], list[int]] = {}
        for members in bucket:
            # Besides the free keys, masked values compare by shape: one group may have
            # seen only <HEX> trace ids where another saw <HEX> and <NUM> ones (<*>).
            key = tuple(
                relaxed[p] if p in free or ("<" in t and _shape(t) == relaxed[p]) else t
                for p, t in enumerate(_template_tokens([tokens[i] for i in members]))
            )
            merged.setdefault(key, []).extend(members)
        out.extend(merged.values())
    return out


def _template_tokens(token_lists: list[list[str]]) -> list[str]:
    """Tokens equal in every member; elsewhere their common shape (``rhost=<*>``) or <*>."""
    out = []
    for p, t in enumerate(token_lists[0]):
        if all(m[p] == t for m in token_lists):
            out.append(t)
        else:
            shapes = {_relaxed(m[p]) for m in token_lists}
            out.append(shapes.pop() if len(shapes) == 1 else WILDCARD)
    return out


def _template(token_lists: list[list[str]]) -> str:
    return " ".join(_template_tokens(token_lists))


def template_texts(texts: list[str], *, similarity: float = 0.5, min_variety: int = 3
                   ) -> list[str]:
    """The template of each of ``texts``: masked, distinct, whitespace-separated texts.

    Parameters
    ----------
    texts
        Masked texts (:func:`postmortem_kit.timeline.masking.mask_message`), each once.
    similarity
        Share of equal tokens a text needs with a group's template to join it (Drain's
        ``st``).
    min_variety
        Distinct plain words a position needs before it is taken for a variable.

    Returns
    -------
    list of str
        Aligned with ``texts``: the template of the group each text was put in, its
        tokens separated by single spaces, ``<*>`` where the group's texts differ.
    """
    tokens = [text.split() for text in texts]
    groups = _merge_many_valued_keys([g.members for g in _drain(texts, similarity)], tokens)
    out = [""] * len(texts)
    for members in groups:
        token_lists = [tokens[i] for i in members]
        for part in _split_either_or(token_lists, min_variety):
            text = _template([token_lists[i] for i in part])
            for i in part:
                out[members[i]] = text
    return out
