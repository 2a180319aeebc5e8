"""Cue rules: data in ``rules/screening/cues/*.toml``, matched on normalised text.

A rule (see ``rules/screening/README.md`` for the schema) names a tag, the label it points to,
a weight, regular-expression patterns, optional conditions (``requires``: other patterns that
must also occur in the message; ``requires_entity``: entity types, with ``type:flag`` or
``type:-flag`` conditions), and whether a negation in the same clause cancels it (a lawful
safety hint such as "我们不会索要验证码" must not fire the credential-harvest rule). ``decisive``
rules decide the label through the precedence of domain.md §4.2; the others are evidence.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from operator import itemgetter, or_
from typing import Any

from notice_nlp.resources import load_toml, rules_path

__all__ = ["CueRule", "CueHit", "load_rules", "match_rules", "tag_info", "TagInfo"]

LABELS = ("legitimate", "threatening", "fraudulent")


@dataclass(frozen=True)
class TagInfo:
    id: str
    label: str
    zh: str
    en: str
    citation: str


@functools.cache
def tag_info() -> dict[str, TagInfo]:
    spec = load_toml("screening", "tags.toml")
    return {
        tid: TagInfo(tid, t["label"], t["zh"], t["en"], t["citation"])
        for tid, t in spec["tags"].items()
    }


@dataclass(frozen=True)
class CueRule:
    id: str
    tag: str  # a tag id from tags.toml, or a legitimacy element "legit.*"
    label: str
    weight: float
    decisive: bool
    negatable: bool
    requires: tuple[re.Pattern[str], ...]
    requires_entity: tuple[tuple[str, str | None, bool], ...]  # (type, flag, flag must be present)
    citation: str
    description_zh: str
    description_en: str
    examples: tuple[str, ...]
    counter_examples: tuple[str, ...]
    parts: tuple[tuple[re.Pattern[str], tuple[Clause, ...]], ...] = ()  # each pattern with its prefilter clauses

    @functools.cached_property
    def description(self) -> str:
        """The description a verdict's reason shows: Chinese / English."""
        return f"{self.description_zh} / {self.description_en}".strip(" /")

    @functools.cached_property
    def feature_names(self) -> tuple[str, ...]:
        """The model's symbolic features this rule's hit sets (built once: the model looks them
        up for every message)."""
        names = (f"rule={self.id}", f"tag={self.tag}")
        return (*names, f"decisive={self.label}") if self.decisive else names


Clause = frozenset[str]  # every match contains at least one of these strings

_CAP = 32  # most strings a run of adjacent items may spell (products grow fast)
_UNION_CAP = 256  # most strings an alternation may list
_SMALL_SET = 8  # most characters of a [...] class spelled out


def _cost(clause: Clause) -> float:
    """How likely a message holds one of the clause's strings (lower is more selective)."""
    return sum(0.08 ** len(s) for s in clause)


def _product(a: set[str], b: set[str]) -> set[str] | None:
    out = {x + y for x in a for y in b}
    return out if len(out) <= _CAP else None


def _finite_item(op: Any, av: Any, fold: bool) -> set[str] | None:
    """Every string one parsed regex item can match, when that is a small finite set."""
    from re import _constants as c  # type: ignore[attr-defined]

    if op is c.LITERAL:
        ch = _fold_char(chr(av)) if fold else chr(av)
        return None if ch is None else {ch}
    if op is c.IN:
        chars: set[str] = set()
        for iop, iav in av:
            if iop is c.LITERAL:
                chars.add(chr(iav))
            elif iop is c.RANGE and iav[1] - iav[0] < _SMALL_SET:
                chars.update(chr(x) for x in range(iav[0], iav[1] + 1))
            else:
                return None
        if fold:
            folded = {_fold_char(ch) for ch in chars}
            if None in folded:
                return None
            chars = folded  # type: ignore[assignment]
        if not chars or len(chars) > _SMALL_SET:
            return None
        return chars
    if op is c.SUBPATTERN:
        _, add_flags, _, sub = av
        return _finite(sub, fold)
    if op is c.BRANCH:
        out: set[str] = set()
        for alt in av[1]:
            strings = _finite(alt, fold)
            if strings is None:
                return None
            out |= strings
        return out if len(out) <= _UNION_CAP else None
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        lo, hi, sub = av
        if hi == 1:
            strings = _finite(sub, fold)
            return None if strings is None else strings | ({""} if lo == 0 else set())
        return None
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
        return {""}  # zero-width: the strings on either side stay adjacent
    return None


def _finite(items: Any, fold: bool) -> set[str] | None:
    out = {""}
    for op, av in items:
        strings = _finite_item(op, av, fold)
        if strings is None:
            return None
        product = _product(out, strings)
        if product is None:
            return None
        out = product
    return out


def _clauses(items: Any, fold: bool) -> list[Clause]:
    """Conditions every match of a parsed regex sequence satisfies: for each clause, the match
    contains at least one of its strings. Runs of adjacent items with few possible spellings
    give strings (``(弄|整)死(你|他)`` → 弄死你, 弄死他, 整死你, 整死他); other constructs give
    the clauses of what they must contain; unknown constructs add nothing (conservative)."""
    from re import _constants as c  # type: ignore[attr-defined]

    out: list[Clause] = []
    run: set[str] = {""}

    def flush() -> None:
        if "" not in run:
            out.append(frozenset(run))

    for op, av in items:
        strings = _finite_item(op, av, fold)
        if strings is not None:
            product = _product(run, strings)
            if product is None:
                flush()
                run = strings
            else:
                run = product
            continue
        flush()
        run = {""}
        if op is c.SUBPATTERN:
            out.extend(_clauses(av[3], fold))
        elif op is c.BRANCH:
            alts = [_clauses(alt, fold) for alt in av[1]]
            if alts and all(alts):
                best = frozenset().union(*(min(a, key=_cost) for a in alts))
                if len(best) <= _UNION_CAP:
                    out.append(best)
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            lo, _, sub = av
            if lo >= 1:
                out.extend(_clauses(sub, fold))
        elif op is c.ATOMIC_GROUP:
            out.extend(_clauses(av, fold))
    flush()
    return out


# Case-insensitive patterns are judged on case-folded text: ASCII letters lowercased, and the
# few other characters that Python's re matches to an ASCII letter under IGNORECASE mapped to
# it (a test checks every code point against re itself).
FOLD = str.maketrans(
    {**{chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)}, "ſ": "s", "\u212a": "k", "ı": "i", "İ": "i"}
)


# the characters that fold to a letter: a text without them has nothing for a folded string
# that contains a letter, and folding leaves every other string where it was
_LETTER = re.compile("[" + "".join(map(chr, FOLD)) + "a-z]")


def _fold_char(ch: str) -> str | None:
    """``ch`` as it appears in folded text, or None when case-insensitive matching could
    let other characters stand for it that folding does not map (cased non-ASCII letters)."""
    if ch.isascii():
        return ch.lower()
    return None if ch.lower() != ch.upper() else ch


def _ignores_case(items: Any) -> bool:
    """Whether any group of a parsed regex sequence turns IGNORECASE on (``(?i:…)``, ``(?si:…)``)."""
    from re import _constants as c  # type: ignore[attr-defined]

    for op, av in items:
        if op is c.SUBPATTERN:
            if av[1] & re.IGNORECASE or _ignores_case(av[3]):
                return True
        elif op is c.BRANCH:
            if any(_ignores_case(alt) for alt in av[1]):
                return True
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            if _ignores_case(av[2]):
                return True
        elif op in (c.ASSERT, c.ASSERT_NOT):
            if _ignores_case(av[1]):
                return True
        elif op is c.ATOMIC_GROUP:
            if _ignores_case(av):
                return True
        elif op is c.GROUPREF_EXISTS:
            if _ignores_case(av[1]) or (av[2] is not None and _ignores_case(av[2])):
                return True
    return False


@functools.lru_cache(maxsize=4096)
def is_folded(pattern: re.Pattern[str]) -> bool:
    """Whether any part of ``pattern`` ignores case (its prefilter strings are then folded)."""
    from re import _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(pattern.pattern, pattern.flags & ~re.UNICODE)
    return bool((pattern.flags | parsed.state.flags) & re.IGNORECASE) or _ignores_case(list(parsed))


_MAX_CLAUSES = 2  # a pattern runs when its two most selective clauses hold (a third saved fewer runs than it cost)


def _prefilter_clauses(pattern: re.Pattern[str]) -> tuple[Clause, ...]:
    """Conditions every match of ``pattern`` satisfies, the most selective first (at most
    :data:`_MAX_CLAUSES`): for each, the match contains one of its strings (folded strings for
    a case-insensitive pattern, to look for in folded text). Empty when none can be derived
    (the pattern is always tried)."""
    from re import _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(pattern.pattern, pattern.flags & ~re.UNICODE)
    clauses = sorted(set(_clauses(list(parsed), is_folded(pattern))), key=lambda c: (_cost(c), sorted(c)))
    return tuple(clauses[:_MAX_CLAUSES])


def _prefilter(pattern: re.Pattern[str]) -> Clause | None:
    """The most selective clause of :func:`_prefilter_clauses`, or None."""
    clauses = _prefilter_clauses(pattern)
    return clauses[0] if clauses else None


_GUARD_MAX = 24  # most distinct first characters a guard lists


def _first_chars(items: Any) -> set[str] | None:
    """The characters a match of a parsed sequence can start with (after its zero-width
    assertions), when that is a small known set; None when unknown or when it may match empty."""
    from re import _constants as c  # type: ignore[attr-defined]

    for op, av in items:
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue  # zero-width: the first character comes after it
        if op is c.LITERAL:
            return {chr(av)}
        if op is c.IN:
            return _finite_item(op, av, False)
        if op is c.SUBPATTERN:
            return _first_chars(av[3])
        if op is c.BRANCH:
            out: set[str] = set()
            for alt in av[1]:
                chars = _first_chars(alt)
                if chars is None:
                    return None
                out |= chars
            return out if len(out) <= _GUARD_MAX else None
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[0] >= 1:
            return _first_chars(av[2])
        return None
    return None


def _starts_with_lookaround(items: Any) -> bool:
    from re import _constants as c  # type: ignore[attr-defined]

    if not items:
        return False
    op, av = items[0]
    if op in (c.ASSERT, c.ASSERT_NOT):
        return True
    return op is c.BRANCH and any(_starts_with_lookaround(alt) for alt in av[1])


def _guarded(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` with a lookahead for its possible first characters in front, when it starts
    with a lookaround such as ``(?![^。]{0,30}(?:逮捕|拘留…))``. The regex engine cannot skip
    ahead to a literal then, and runs the costly lookaround at every position; the guard
    ``(?=[保可将…])`` fails at once where no match can start. The matches are the same: a match
    starts with one of those characters in any case (tested on every rule's examples)."""
    from re import _parser  # type: ignore[attr-defined]

    if is_folded(pattern):
        return pattern  # its first characters could be matched by other cases
    items = list(_parser.parse(pattern.pattern, pattern.flags & ~re.UNICODE))
    if not _starts_with_lookaround(items):
        return pattern
    chars = _first_chars(items)
    if not chars:
        return pattern
    guard = "".join(re.escape(ch) for ch in sorted(chars))
    return re.compile(f"(?=[{guard}])(?:{pattern.pattern})", pattern.flags)


@dataclass(frozen=True, slots=True)
class CueHit:
    rule: CueRule
    start: int  # offsets into the NORMALISED text
    end: int


def _compile_patterns(patterns: Sequence[str], where: str) -> re.Pattern[str]:
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns))
    except re.error as exc:
        raise ValueError(f"{where}: invalid pattern: {exc}") from exc


def _parse_entity_condition(cond: str) -> tuple[str, str | None, bool]:
    if ":" not in cond:
        return cond, None, True
    etype, flag = cond.split(":", 1)
    if flag.startswith("-"):
        return etype, flag[1:], False
    return etype, flag, True


def _rule(spec: dict[str, Any], source: str) -> CueRule:
    rid = spec["id"]
    where = f"{source}: rule {rid}"
    label = spec["label"]
    if label not in LABELS:
        raise ValueError(f"{where}: label must be one of {LABELS}")
    tag = spec["tag"]
    tags = tag_info()
    if not tag.startswith("legit.") and tag not in tags:
        raise ValueError(f"{where}: unknown tag {tag!r}")
    citation = spec.get("citation") or (tags[tag].citation if tag in tags else "")
    return CueRule(
        id=rid,
        tag=tag,
        label=label,
        weight=float(spec.get("weight", 0.5)),
        decisive=bool(spec.get("decisive", False)),
        negatable=bool(spec.get("negatable", label == "fraudulent")),
        requires=tuple(_compile_patterns([p], where) for p in spec.get("requires", ())),
        requires_entity=tuple(_parse_entity_condition(c) for c in spec.get("requires_entity", ())),
        citation=citation,
        description_zh=spec.get("description_zh", ""),
        description_en=spec.get("description_en", ""),
        examples=tuple(spec.get("examples", ())),
        counter_examples=tuple(spec.get("counter_examples", ())),
        parts=tuple((_guarded(p), _prefilter_clauses(p)) for p in (_compile_patterns([x], where) for x in spec["patterns"])),
    )


@functools.cache
def load_rules() -> tuple[CueRule, ...]:
    """All cue rules, in file order; ids are unique."""
    rules: list[CueRule] = []
    folder = rules_path("screening", "cues")
    for node in sorted(folder.iterdir(), key=lambda n: n.name):
        if not node.name.endswith(".toml"):
            continue
        spec = load_toml("screening", "cues", node.name)
        for item in spec.get("rule", []):
            rules.append(_rule(item, node.name))
    seen: set[str] = set()
    for r in rules:
        if r.id in seen:
            raise ValueError(f"duplicate cue rule id {r.id!r}")
        seen.add(r.id)
    return tuple(rules)


@functools.cache
def _negation() -> tuple[re.Pattern[str], re.Pattern[str]]:
    spec = load_toml("screening", "negation.toml")
    cues = re.compile("|".join(f"(?:{p})" for p in spec["cues"]))
    clause_end = re.compile(spec["clause_boundary"])
    return cues, clause_end


def _negated(text: str, start: int) -> bool:
    """A negation cue between the start of the match's clause and the match."""
    cues, boundary = _negation()
    lo = max(0, start - 30)
    window = text[lo:start]
    cut = None
    for m in boundary.finditer(window):
        cut = m.end()
    if cut is not None:
        window = window[cut:]
    return cues.search(window) is not None


def _entity_ok(cond: tuple[str, str | None, bool], entities: Sequence[Any]) -> bool:
    etype, flag, present = cond
    for e in entities:
        if e.type != etype:
            continue
        if flag is None or ((flag in e.flags) == present):
            return True
    return False


def _first_match(rule: CueRule, text: str, parts: Sequence[int]) -> tuple[int, int] | None:
    """The leftmost un-negated match of the rule's patterns ``parts`` (ties: the earlier pattern)."""
    best: tuple[int, int] | None = None
    for k in parts:
        pat = rule.parts[k][0]
        m = pat.search(text)
        if m is None or (best is not None and m.start() >= best[0]):
            continue
        if m.end() > m.start() and not (rule.negatable and _negated(text, m.start())):
            best = (m.start(), m.end())  # the usual case: the first match counts
            continue
        for m in pat.finditer(text):  # an empty or negated first match: the later ones
            if best is not None and m.start() >= best[0]:
                break
            if m.end() == m.start():
                continue
            if rule.negatable and _negated(text, m.start()):
                continue
            best = (m.start(), m.end())
            break
    return best


_VALUE = itemgetter(1)  # the value of an automaton's (end, value) pairs


def _automaton(entries: dict[str, Any]) -> Any:
    """An Aho-Corasick automaton (pyahocorasick) of ``entries``' strings, each carrying its
    value: one pass over a text reports every occurrence of every string."""
    import ahocorasick

    if not entries:
        return None
    automaton = ahocorasick.Automaton()
    for string, value in entries.items():
        automaton.add_word(string, value)
    automaton.make_automaton()
    return automaton


def _minimal(clause: Clause) -> list[str]:
    """The clause's strings without those that contain another of its strings: the clause
    holds exactly when one of these occurs (弄死你 is redundant next to 弄死), and the automaton
    reports fewer matches."""
    return [s for s in clause if not any(o != s and o in s for o in clause)]


class _Prefilter:
    """Which patterns can match a text, from one Aho-Corasick pass over it.

    Each pattern has up to two prefilter clauses (sets of strings; every match contains one
    string of each), derived from the pattern itself. All clause strings go into an automaton;
    a pass over the text tells which strings occur, and a pattern runs only when each of its
    clauses has a string that occurs (case-insensitive patterns: their folded strings, looked
    up in the folded text). Patterns without a clause always run. The prefilter never changes
    a result (a test compares it with running every pattern).

    The bookkeeping is two integer bit masks over the patterns per string: the patterns whose
    first clause it belongs to, and those whose second clause it belongs to. OR-ing the masks
    of the strings found and AND-ing the two results gives the patterns to run, in C, without a
    Python step per clause or per pattern."""

    def __init__(self, rules: Sequence[CueRule]) -> None:
        self.rules = tuple(rules)
        # patterns are numbered in (rule, pattern) order, so that ascending numbers keep that order
        self.parts: list[tuple[int, int]] = []
        always = 0  # patterns without a clause
        one_clause = 0  # patterns whose second clause is missing, so counts as holding
        # string → [first-clause mask, second-clause mask], per automaton (exact, folded)
        tables: tuple[dict[str, list[int]], dict[str, list[int]]] = ({}, {})
        for ri, rule in enumerate(self.rules):
            for pi, (pattern, clauses) in enumerate(rule.parts):
                gid = len(self.parts)
                self.parts.append((ri, pi))
                bit = 1 << gid
                if not clauses:
                    always |= bit
                    continue
                if len(clauses) > 2:
                    raise ValueError(f"rule {rule.id}: more than two prefilter clauses")
                if len(clauses) == 1:
                    one_clause |= bit
                fold = is_folded(pattern)
                for j, clause in enumerate(clauses):
                    for string in _minimal(clause):
                        # a folded string without a letter occurs in the folded text exactly
                        # where it occurs in the text itself (folding changes letters only)
                        table = tables[fold and _LETTER.search(string) is not None]
                        table.setdefault(string, [0, 0])[j] |= bit
        self.always = always
        self.one_clause = one_clause
        # each string's automaton value is its number in these two lists; numbers make repeated
        # occurrences cheap to drop
        self.first_masks: list[int] = []
        self.second_masks: list[int] = []
        automata = []
        for table in tables:
            numbered: dict[str, int] = {}
            for string, (m1, m2) in table.items():
                numbered[string] = len(self.first_masks)
                self.first_masks.append(m1)
                self.second_masks.append(m2)
            automata.append(_automaton(numbered))
        self.exact, self.folded = automata

    def mask(self, text: str) -> int:
        """Bit mask of the patterns worth running on ``text``."""
        seen: set[int] = set()  # the strings that occur (each once, however often it occurs)
        if self.exact is not None:
            seen.update(map(_VALUE, self.exact.iter(text)))
        if self.folded is not None and _LETTER.search(text) is not None:  # else nothing to find
            seen.update(map(_VALUE, self.folded.iter(text.translate(FOLD))))
        first = reduce(or_, map(self.first_masks.__getitem__, seen), 0)
        second = reduce(or_, map(self.second_masks.__getitem__, seen), self.one_clause)
        return (first & second) | self.always

    def numbers(self, text: str) -> list[int]:
        """Numbers of the patterns worth running on ``text``, ascending."""
        return _bits(self.mask(text))

    def candidates(self, text: str) -> dict[int, list[int]]:
        """rule index → indices of its patterns worth running on ``text``, both ascending."""
        by_rule: dict[int, list[int]] = {}
        parts = self.parts
        for gid in _bits(self.mask(text)):
            ri, pi = parts[gid]
            by_rule.setdefault(ri, []).append(pi)
        return by_rule


def _bits(mask: int) -> list[int]:
    """Positions of the set bits of ``mask``, ascending."""
    out: list[int] = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


@functools.cache
def _default_prefilter() -> _Prefilter:
    return _Prefilter(load_rules())


def match_rules(text: str, entities: Sequence[Any] = (), rules: Sequence[CueRule] | None = None) -> list[CueHit]:
    """Every rule hit on the normalised ``text`` (one hit per rule: its first un-negated match)."""
    prefilter = _default_prefilter() if rules is None else _Prefilter(rules)
    hits: list[CueHit] = []
    required: dict[int, bool] = {}  # rules share conditions (80 share one): each runs once
    for ri, parts in prefilter.candidates(text).items():
        rule = prefilter.rules[ri]
        if rule.requires_entity and not all(_entity_ok(c, entities) for c in rule.requires_entity):
            continue  # cheap, so before the patterns
        found = _first_match(rule, text, parts)
        if found is None:
            continue
        if rule.requires and not all(_holds(p, text, required) for p in rule.requires):
            continue
        hits.append(CueHit(rule, found[0], found[1]))
    return hits


def _holds(pattern: re.Pattern[str], text: str, memo: dict[int, bool]) -> bool:
    """Whether ``pattern`` occurs in ``text``, remembered in ``memo`` for the other rules (keyed
    by identity: a pattern's own hash reads its whole source each time)."""
    key = id(pattern)
    held = memo.get(key)
    if held is None:
        held = memo[key] = pattern.search(text) is not None
    return held
