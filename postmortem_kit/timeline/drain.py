"""Group masked log texts by template: Drain, then splits and merges that generalise.

Input: distinct masked texts (:mod:`postmortem_kit.timeline.masking`), whose variables
are mostly typed placeholders already. A token holding a placeholder, a digit or an empty
value (``rhost=``) is a *variable*; its *class* is what is left of its constant words
(``<IP>``, ``[<IP>]`` and ``(<HOST>:<NUM>)`` are one class, ``LOGIN(uid=<NUM>)`` another).
Four steps:

1. *Drain* (He et al., ICWS 2017): texts are routed by their first token (``<*>`` when it
   is a variable) and the shapes of all their tokens (a variable's class, a structured
   constant such as ``user=root`` itself, any other word ``<*>``); a text joins the most
   similar group of its leaf, differing tokens becoming ``<*>``. Similarity is the share
   of positions that are equal or hold variables in both. The threshold is chosen from
   the data (:func:`chance_similarity`): above the similarity that texts of *different*
   events reach in this log, and at least Drain's 0.5; a log of few, short templates
   gets 0.5, one of hundreds sharing boilerplate more.
2. *Either/or split*: a position where a group holds only plain words, fewer than
   ``min_variety`` of them, is an alternative (``started`` / ``stopped``), not a
   variable, and the group is split on it.
3. *Variable merge*: groups whose templates differ only where both hold variables of one
   class (``lifetime <TIME>`` / ``lifetime <DURATION>``, ``<IP>`` / ``<IP>...``) are one.
4. *One-position merge*: groups equal but at one position are one when that position is
   a variable after all (:func:`_is_variable_position`): a bare variable is there (it
   generalises ``LOCAL(<NUM>)`` and words), or identifiers (``com.foo.Bar`` /
   ``org.x.Y``), or ``min_variety`` plain words or more (user names), or a key's words
   taking ``KEYED_VARIETY`` values. The first token names the event: a word there is
   never generalised, identifiers only from ``min_variety`` values. Repeated until
   nothing merges, so a template with two such variables merges too.

A wrong merge costs an investigator more than an extra signature, so steps 3 and 4 only
ever join groups that differ in variables.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

WILDCARD = "<*>"
_DIGIT_OR_PLACEHOLDER = re.compile(r"[0-9]|<[A-Z*]+>")
_TAIL = re.compile(r"[.,;:!?]+$")
_ATOM = re.compile(r"^[\w.<>*@+-]*$")
_VARIABLE_RUN = re.compile(r"[\w.<>*@+-]*(?:<|\d)[\w.<>*@+-]*")
# An empty value ("()", "key=") is a variable that happened to be empty.
_EMPTY = re.compile(r"(?<=[(\[{=])(?=[)\]},;&]|$)|(?<=')(?=')|(?<=\")(?=\")")
_NON_WORD_RUN = re.compile(r"(?:<\*>|[^A-Za-z<])+")
_QUOTED_WORD = re.compile(r"^(['\"])[A-Za-z]+\1$")
# A word: letters, maybe hyphenated ("Inode-cache"), maybe with a trailing "+" ("x+").
_WORD = re.compile(r"^[A-Za-z]+(?:-[A-Za-z]+)*\+*$")
_KEYED = re.compile(r"^([\w.-]+=)[A-Za-z][\w.-]*$")
# Similarity floor: Drain's default.
MIN_SIMILARITY = 0.5
# Distinct words a keyed position (user=root, user=guest...) needs to be a variable.
KEYED_VARIETY = 10
# How many texts of one length the chance similarity is estimated from.
_CHANCE_SAMPLE = 200


class _Tokens:
    """What the miner needs to know of a token, computed once per distinct token.

    Its *shape* is what it must share with another token for the two to be generalised
    into one ``<*>``: any single word, identifier or variable (``cyrus``, ``com.foo.Bar``,
    ``<IP>``, ``t12``) has the shape ``<*>``; a structured token keeps its constant parts
    (``user=root`` stays ``user=root``, ``LOGIN(uid=<NUM>)`` is ``LOGIN(uid=<*>)``).
    """

    def __init__(self) -> None:
        self._info: dict[str, tuple[bool, str, str]] = {}
        self._kind: dict[str, str] = {}

    def info(self, token: str) -> tuple[bool, str, str]:
        """Whether it is a variable, its shape, and its class (:meth:`norm`)."""
        try:
            return self._info[token]
        except KeyError:
            pass
        tail_match = _TAIL.search(token)
        tail = tail_match.group(0) if tail_match else ""
        core = token[: len(token) - len(tail)]
        if _ATOM.match(core):
            shape = WILDCARD + tail
        elif _QUOTED_WORD.match(core):
            shape = core[0] + WILDCARD + core[-1] + tail
        else:
            shape = _EMPTY.sub(WILDCARD, _VARIABLE_RUN.sub(WILDCARD, core)) + tail
        # A digit makes a variable (t12, bglio559), and so does an empty value ("()",
        # "rhost="): a variable that happened to be empty.
        var = bool(_DIGIT_OR_PLACEHOLDER.search(token)) or (
            WILDCARD in shape and not _ATOM.match(core) and not _QUOTED_WORD.match(core))
        # The class of a variable is its shape with every run of punctuation and <*>
        # written <*>: what is left are its constant words.
        norm = _NON_WORD_RUN.sub(WILDCARD, shape) if var else token
        v = self._info[token] = (var, shape, norm)
        return v

    def is_var(self, token: str) -> bool:
        return self.info(token)[0]

    def shape(self, token: str) -> str:
        return self.info(token)[1]

    def norm(self, token: str) -> str:
        """A variable's class, or a constant itself: ``<IP>``, ``[<IP>]`` and
        ``(<HOST>:<NUM>)`` are one class (``<*>``), as are ``port=<NUM>`` and
        ``port=<NUM>...``; ``LOGIN(uid=<NUM>)`` is not ``(uid=<NUM>)``."""
        return self.info(token)[2]

    def leaf_shape(self, token: str) -> str:
        """The shape for Drain's leaves: a variable's class, any other token's shape."""
        var, shape, norm = self.info(token)
        return norm if var else shape

    def kind(self, token: str) -> str:
        """``bare`` (a variable with no constant letters: ``<IP>``, ``<*>:<*>``),
        ``structured`` (a variable with some: ``LOGIN(uid=<*>)``), ``word`` (letters,
        hyphens), ``identifier`` (``com.foo.Bar``, ``ib_sm.c``), ``keyed`` (``user=root``)
        or ``constant`` (any other structured token: ``[preauth]``, ``"GET``)."""
        v = self._kind.get(token)
        if v is None:
            if self.is_var(token):
                v = "structured" if self.norm(token) != WILDCARD else "bare"
            elif _QUOTED_WORD.match(_TAIL.sub("", token)):
                v = "word"
            elif not self.shape(token).startswith(WILDCARD):
                v = "keyed" if _KEYED.match(token.rstrip(".,;:!?")) else "constant"
            elif _WORD.match(token.rstrip(".,;:!?")):
                v = "word"
            else:
                v = "identifier"
            self._kind[token] = v
        return v

    def is_plain(self, token: str) -> bool:
        return self.kind(token) == "word"


def _similarity(template: list[str], tvar: list[bool], tokens: list[str],
                var: list[bool]) -> float:
    same = 0
    for a, av, b, bv in zip(template, tvar, tokens, var, strict=True):
        if a == b or (av and bv):
            same += 1
    return same / len(tokens) if tokens else 1.0


def chance_similarity(token_lists: list[list[str]], facts: _Tokens | None = None) -> float:
    """The similarity texts of different events reach by chance in this log.

    Texts of one length that start with different plain words are taken to be different
    events; the 95th percentile of their similarity (as Drain computes it, variables
    matching variables) is returned, 0.0 when the log has no such pair.
    """
    facts = facts or _Tokens()
    by_length: dict[int, dict[str, list[str]]] = defaultdict(dict)
    for tokens in token_lists:
        if len(tokens) >= 2 and facts.is_plain(tokens[0]):
            by_length[len(tokens)].setdefault(tokens[0], tokens)  # one text per word
    sims: list[float] = []
    for firsts in by_length.values():
        sample = list(firsts.values())[:_CHANCE_SAMPLE]
        flags = [[facts.is_var(t) for t in tokens] for tokens in sample]
        for i in range(1, len(sample)):
            # Each text against a few others: enough pairs, linear cost.
            for j in range(max(0, i - 3), i):
                sims.append(_similarity(sample[j], flags[j], sample[i], flags[i]))
    if not sims:
        return 0.0
    sims.sort()
    return sims[int(0.95 * (len(sims) - 1))]


@dataclass
class _Group:
    template: list[str]
    tvar: list[bool]
    members: list[int] = field(default_factory=list)


def _drain(token_lists: list[list[str]], similarity: float, facts: _Tokens) -> list[list[int]]:
    leaves: dict[tuple[str, tuple[str, ...]], list[_Group]] = {}
    groups: list[_Group] = []
    info = facts.info
    for i, tokens in enumerate(token_lists):
        infos = [info(t) for t in tokens]
        var = [x[0] for x in infos]
        # Tokens are only generalised together when their shapes are equal, so two texts
        # can share a group only when their shape sequences are: keying leaves by it
        # makes the rule free and keeps a leaf small.
        # Drain's route: the first token, or <*> when it holds a variable.
        key = (WILDCARD if var and var[0] else tokens[0] if tokens else "",
               tuple(norm if v else shape for v, shape, norm in infos))
        leaf = leaves.setdefault(key, [])
        best, best_sim = None, similarity
        for g in leaf:
            sim = _similarity(g.template, g.tvar, tokens, var)
            if sim > best_sim or (best is None and sim >= best_sim):
                best, best_sim = g, sim
        if best is None:
            best = _Group(template=list(tokens), tvar=var)
            leaf.append(best)
            groups.append(best)
        else:
            for p, (a, b) in enumerate(zip(best.template, tokens, strict=True)):
                if a != b:
                    best.template[p] = WILDCARD
                    best.tvar[p] = True
        best.members.append(i)
    return [g.members for g in groups]


def _split_either_or(members: list[int], token_lists: list[list[str]], min_variety: int,
                     facts: _Tokens) -> list[list[int]]:
    """Split a group on the position holding the fewest plain words, if fewer than
    ``min_variety``; recursively, so every such position is honoured."""
    first = token_lists[members[0]]
    best_pos, best_values = -1, None
    for p in range(len(first)):
        values = {token_lists[i][p] for i in members}
        if 1 < len(values) < min_variety and all(map(facts.is_plain, values)) and (
                best_values is None or len(values) < len(best_values)):
            best_pos, best_values = p, values
    if best_values is None:
        return [members]
    parts: dict[str, list[int]] = defaultdict(list)
    for i in members:
        parts[token_lists[i][best_pos]].append(i)
    out: list[list[int]] = []
    for part in parts.values():
        out.extend(_split_either_or(part, token_lists, min_variety, facts))
    return out


def _template_tokens(members: list[int], token_lists: list[list[str]], facts: _Tokens
                     ) -> list[str]:
    """Tokens equal in every member; else their common shape (``rhost=<*>``), or ``<*>``."""
    first = token_lists[members[0]]
    if len(members) == 1:
        return list(first)
    out = []
    for p, t in enumerate(first):
        values = {token_lists[i][p] for i in members}
        if len(values) == 1:
            out.append(t)
            continue
        shapes = {_relaxed(v) if facts.kind(v) == "keyed" else facts.shape(v)
                  for v in values}
        out.append(shapes.pop() if len(shapes) == 1 else WILDCARD)
    return out


def _merge_variables(groups: list[list[int]], token_lists: list[list[str]],
                     facts: _Tokens) -> list[list[int]]:
    """Join groups whose templates differ only where both hold variables of one shape
    (``<TIME>`` / ``<DURATION>``, ``<IP>`` / ``<IP>...``)."""
    merged: dict[tuple[str, ...], list[int]] = {}
    for members in groups:
        key = tuple(map(facts.norm, _template_tokens(members, token_lists, facts)))
        merged.setdefault(key, []).extend(members)
    return list(merged.values())


def _relaxed(keyed: str) -> str:
    """``user=root`` as the shape of a variable value: ``user=<*>``."""
    tail = _TAIL.search(keyed)
    return keyed[: keyed.index("=") + 1] + WILDCARD + (tail.group(0) if tail else "")


def _is_variable_position(values: set[str], position: int, min_variety: int,
                          facts: _Tokens) -> bool:
    """Whether the values groups hold at one position, all else equal, are a variable."""
    kinds = {facts.kind(v) for v in values}
    if kinds == {"structured", "keyed"}:
        # span_id=fceeafac (a hex id without a digit) beside span_id=<HEX>: the key holds
        # masked values, so its word values are values too.
        return len({facts.shape(v) if facts.kind(v) == "structured" else _relaxed(v)
                    for v in values}) == 1
    if "bare" in kinds:
        # A bare variable there (<IP>, <HOST>:<NUM>) generalises words, identifiers and
        # structured variables: "synchronized to <IP>," / "synchronized to LOCAL(<NUM>),".
        return kinds <= {"bare", "structured", "word", "identifier"}
    if kinds == {"keyed"}:
        matches = [_KEYED.match(v.rstrip(".,;:!?")) for v in values]
        if len({m.group(1) for m in matches if m}) != 1:
            return False
        # Identifier values (class=com.foo.Bar) vary like identifiers; word values
        # (user=root) name an alternative until they are many.
        words = sum(bool(_WORD.match(m.string[m.end(1):])) for m in matches if m)
        return words == 0 or len(values) >= KEYED_VARIETY
    if not kinds <= {"word", "identifier"}:
        return False
    # The first word of a message names the event far more often than it varies: it is
    # only generalised when a variable is there (above), or when it is an identifier
    # taking many values (com.apple.<name>: ... told me to run this job).
    if position == 0:
        return kinds == {"identifier"} and len(values) >= min_variety
    return kinds == {"identifier"} or len(values) >= min_variety


def _merge_one_position(groups: list[list[int]], token_lists: list[list[str]],
                        min_variety: int, facts: _Tokens) -> list[list[int]]:
    """Join groups equal but at one position whose values are a variable after all;
    repeated until nothing merges."""
    templates = [_template_tokens(g, token_lists, facts) for g in groups]
    while True:
        # Templates equal but at position p (variables compared by class) share the key
        # (p, template with p blanked).
        buckets: dict[tuple[int, tuple[str, ...]], list[int]] = defaultdict(list)
        for k, template in enumerate(templates):
            norms = tuple(map(facts.norm, template))
            for p in range(len(norms)):
                buckets[(p, (*norms[:p], "", *norms[p + 1:]))].append(k)
        absorbed: dict[int, int] = {}
        for (p, _), ks in buckets.items():
            ks = [k for k in ks if k not in absorbed]
            if len(ks) < 2:
                continue
            if _is_variable_position({templates[k][p] for k in ks}, p, min_variety, facts):
                for k in ks[1:]:
                    absorbed[k] = ks[0]
        if not absorbed:
            return groups
        out: dict[int, list[int]] = {}
        for k, members in enumerate(groups):
            root = k
            while root in absorbed:
                root = absorbed[root]
            out.setdefault(root, []).extend(members)
        grown = set(absorbed.values())
        templates = [templates[k] if k not in grown else
                     _template_tokens(members, token_lists, facts)
                     for k, members in out.items()]
        groups = list(out.values())


def template_texts(texts: list[str], *, similarity: float | None = None,
                   min_variety: int = 3) -> list[str]:
    """The template of each of ``texts``: masked, distinct, whitespace-separated texts.

    Parameters
    ----------
    texts
        Masked texts (:func:`postmortem_kit.timeline.masking.mask_messages`), each once.
    similarity
        Share of equal tokens a text needs with a group's template to join it (Drain's
        ``st``); ``None`` chooses it from the texts (:func:`chance_similarity`).
    min_variety
        Distinct plain words a position needs before it is taken for a variable.

    Returns
    -------
    list of str
        Aligned with ``texts``: the template of the group each text was put in, its
        tokens separated by single spaces, ``<*>`` where the group's texts differ.
    """
    facts = _Tokens()
    token_lists = [text.split() for text in texts]
    if similarity is None:
        # Strictly above chance: a pair of different events at that level does not join.
        similarity = max(MIN_SIMILARITY, chance_similarity(token_lists, facts) + 1e-9)
    groups = []
    for members in _drain(token_lists, similarity, facts):
        groups.extend(_split_either_or(members, token_lists, min_variety, facts))
    groups = _merge_variables(groups, token_lists, facts)
    groups = _merge_one_position(groups, token_lists, min_variety, facts)
    out = [""] * len(texts)
    for members in groups:
        text = " ".join(_template_tokens(members, token_lists, facts))
        for i in members:
            out[i] = text
    return out
