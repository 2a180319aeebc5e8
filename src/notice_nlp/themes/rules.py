"""The theme rule files in ``rules/themes/``, parsed once per process (lazily)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from notice_nlp.resources import load_toml
from notice_nlp.themes.spin import fold_phrase

__all__ = ["Theme", "Cue", "Negation", "SectionCues", "themes", "theme_by_id", "negation", "section_cues", "KINDS"]

KINDS: tuple[str, ...] = ("cause", "strategy", "impact")


@dataclass(frozen=True, slots=True)
class Cue:
    """One cue of a theme: a compiled regex over the folded text and its weight."""

    label: str  # the phrase or pattern as written in the rule file
    pattern: re.Pattern[str]
    weight: float
    context_only: bool  # counts only in a section of the theme's kind (or negated, for causes)
    literal: str | None = None  # the folded phrase of a phrase cue (``pattern`` matches exactly it)


@dataclass(frozen=True)
class Theme:
    id: str
    label_zh: str
    group: str
    kind: str
    cues: tuple[Cue, ...]
    flip_to: str | None

    @property
    def pattern(self) -> re.Pattern[str]:
        return _theme_pattern(self.id)


def _phrase_cue(phrase: str, weight: float, context_only: bool) -> Cue:
    folded = fold_phrase(phrase)
    return Cue(phrase, re.compile(re.escape(folded)), weight, context_only, folded)


@functools.cache
def themes() -> tuple[Theme, ...]:
    spec = load_toml("themes", "taxonomy.toml")
    out: list[Theme] = []
    seen: set[str] = set()
    for t in spec["theme"]:
        tid = str(t["id"])
        if tid in seen:
            raise ValueError(f"taxonomy.toml: duplicate theme id {tid!r}")
        seen.add(tid)
        kind = str(t["kind"])
        if kind not in KINDS:
            raise ValueError(f"taxonomy.toml: {tid}: unknown kind {kind!r}")
        cues: list[Cue] = []
        cues += [_phrase_cue(p, 1.0, False) for p in t.get("phrases", ())]
        cues += [_phrase_cue(p, 0.5, False) for p in t.get("weak", ())]
        cues += [_phrase_cue(p, 1.0, True) for p in t.get("context_phrases", ())]
        cues += [Cue(p, re.compile(p), 1.0, False) for p in t.get("patterns", ())]
        out.append(Theme(tid, str(t["label_zh"]), str(t.get("group", "")), kind, tuple(cues), t.get("flip_to")))
    ids = {t.id for t in out}
    for t in out:
        if t.flip_to and t.flip_to not in ids:
            raise ValueError(f"taxonomy.toml: {t.id}: flip_to {t.flip_to!r} is not a theme")
    return tuple(out)


@functools.cache
def theme_by_id() -> dict[str, Theme]:
    return {t.id: t for t in themes()}


@functools.cache
def _theme_pattern(tid: str) -> re.Pattern[str]:
    theme = theme_by_id()[tid]
    return re.compile("|".join(f"(?:{c.pattern.pattern})" for c in theme.cues))


@dataclass(frozen=True)
class Negation:
    window_before: int
    window_after: int
    before: re.Pattern[str]
    after: re.Pattern[str]
    needs_neg: frozenset[str]
    neg_words: tuple[str, ...]
    counter_window: int
    counter: re.Pattern[str]
    denial_window: int
    denial: re.Pattern[str]  # a denial word (+ optional filler) at the END of the text before a cause cue
    denial_exempt: frozenset[str]  # cause cue labels that a preceding 没有 affirms instead


def _alt(words: list[str]) -> re.Pattern[str]:
    """One alternation of (folded) words; an entry starting with ``re:`` is a regex."""
    parts = [w[3:] if w.startswith("re:") else re.escape(fold_phrase(w)) for w in sorted(words, key=len, reverse=True)]
    return re.compile("|".join(f"(?:{p})" for p in parts))


@functools.cache
def negation() -> Negation:
    spec = load_toml("themes", "negation.toml")
    return Negation(
        window_before=int(spec["window_before"]),
        window_after=int(spec["window_after"]),
        before=_alt(spec["before"]),
        after=_alt(spec["after"]),
        needs_neg=frozenset(spec.get("needs_neg", ())),
        neg_words=tuple(spec.get("neg_words", ())),
        counter_window=int(spec["counter_window"]),
        counter=_alt(spec["counter"]),
        denial_window=int(spec["denial_window"]),
        denial=re.compile(f"(?:{_alt(spec['denial']).pattern})(?:{_alt(spec['denial_fill']).pattern})?$"),
        denial_exempt=frozenset(spec.get("denial_exempt", ())),
    )


@dataclass(frozen=True)
class SectionCues:
    roles: dict[str, re.Pattern[str]]  # cause / strategy / impact / other
    weight: dict[str, dict[str, float]]  # section role → theme kind → weight
    marked: float
    neutral: float
    contrary: float
    other_factor: float
    markers: dict[str, re.Pattern[str]]  # theme kind → sentence marker words


@functools.cache
def section_cues() -> SectionCues:
    spec: dict[str, Any] = load_toml("themes", "section_cues.toml")
    roles = {role: _alt(v["phrases"]) for role, v in spec["role"].items()}
    weight = {role: {k: float(w) for k, w in v.items()} for role, v in spec["weight"].items()}
    sent = spec["sentence"]
    markers = {k: _alt(v) for k, v in sent["markers"].items()}
    return SectionCues(
        roles=roles,
        weight=weight,
        marked=float(sent["marked"]),
        neutral=float(sent["neutral"]),
        contrary=float(sent["contrary"]),
        other_factor=float(sent["other_factor"]),
        markers=markers,
    )
