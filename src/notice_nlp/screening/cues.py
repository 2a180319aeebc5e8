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
    parts: tuple[tuple[re.Pattern[str], frozenset[str] | None], ...] = ()  # each pattern with its prefilter


Clause = frozenset[str]  # at least one of these characters must occur


def _clauses(items: Any, fold: bool) -> list[Clause]:
    """Conditions every match of a parsed regex sequence satisfies: for each clause, the text
    contains at least one of its characters. Conservative: unknown constructs add nothing."""
    from re import _constants as c  # type: ignore[attr-defined]

    out: list[Clause] = []
    for op, av in items:
        if op is c.LITERAL:
            ch = chr(av)
            if not (fold and ch.isascii() and ch.isalpha()):
                out.append(frozenset(ch))
        elif op is c.IN:
            chars: set[str] = set()
            for iop, iav in av:
                if iop is c.LITERAL:
                    chars.add(chr(iav))
                elif iop is c.RANGE and iav[1] - iav[0] < 32:
                    chars.update(chr(x) for x in range(iav[0], iav[1] + 1))
                else:
                    chars = set()
                    break
            if chars and not (fold and any(ch.isascii() and ch.isalpha() for ch in chars)):
                out.append(frozenset(chars))
        elif op is c.SUBPATTERN:
            _, add_flags, _, sub = av
            if not add_flags & re.IGNORECASE:
                out.extend(_clauses(sub, fold))
        elif op is c.BRANCH:
            alts = [_clauses(alt, fold) for alt in av[1]]
            if alts and all(alts):
                out.append(frozenset().union(*(min(a, key=len) for a in alts)))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            lo, _, sub = av
            if lo >= 1:
                out.extend(_clauses(sub, fold))
        elif op is c.ATOMIC_GROUP:
            out.extend(_clauses(av, fold))
    return out


def _prefilter(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Characters of which every match contains at least one (the most selective clause of
    each top-level alternative, united); None when some alternative has no such clause."""
    from re import _constants as c  # type: ignore[attr-defined]
    from re import _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(pattern.pattern, pattern.flags & ~re.UNICODE)
    fold = bool(pattern.flags & re.IGNORECASE)
    items = list(parsed)
    branches = [list(alt) for alt in items[0][1][1]] if len(items) == 1 and items[0][0] is c.BRANCH else [items]
    anchor: set[str] = set()
    for alt in branches:
        clauses = _clauses(alt, fold)
        if not clauses:
            return None
        anchor |= min(clauses, key=len)
    return frozenset(anchor)


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
        parts=tuple((p, _prefilter(p)) for p in (_compile_patterns([x], where) for x in spec["patterns"])),
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


def _first_match(rule: CueRule, text: str, chars: frozenset[str]) -> tuple[int, int] | None:
    """The leftmost un-negated match of any of the rule's patterns (ties: the earlier pattern).

    Each pattern is tried only when the text holds one of the characters its matches need (the
    prefilter is derived from the pattern itself, so it never changes a result)."""
    best: tuple[int, int] | None = None
    for pat, anchor in rule.parts:
        if anchor is not None and anchor.isdisjoint(chars):
            continue
        for m in pat.finditer(text):
            if best is not None and m.start() >= best[0]:
                break
            if m.end() == m.start():
                continue
            if rule.negatable and _negated(text, m.start()):
                continue
            best = (m.start(), m.end())
            break
    return best


def match_rules(text: str, entities: Sequence[Any] = (), rules: Sequence[CueRule] | None = None) -> list[CueHit]:
    """Every rule hit on the normalised ``text`` (one hit per rule: its first un-negated match)."""
    hits: list[CueHit] = []
    chars = frozenset(text)
    for rule in load_rules() if rules is None else rules:
        found = _first_match(rule, text, chars)
        if found is None:
            continue
        if rule.requires_entity and not all(_entity_ok(c, entities) for c in rule.requires_entity):
            continue
        if rule.requires and not all(p.search(text) for p in rule.requires):
            continue
        hits.append(CueHit(rule, found[0], found[1]))
    return hits
