"""Synonym folding for spun SEO text (domain.md §6.1) and the spin statistics it yields.

:func:`fold` rewrites spun variants to their canonical word (起因 → 原因, 至关关键 → 重要,
举措 → 措施 …) using ``rules/themes/synonyms.toml`` and keeps an offset map back to its input,
so a span of the folded text can be mapped to the normalised text and from there, with
:meth:`notice_nlp.text.normalize.Normalized.to_original`, to the article text.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from notice_nlp.resources import load_toml
from notice_nlp.text.offsets import StepMap, apply_edits

__all__ = ["Folded", "SpinPair", "SpinStats", "fold", "fold_phrase", "spin_stats"]


@dataclass(frozen=True, slots=True)
class _Variant:
    form: str
    canonical: str
    spin: float
    not_before: tuple[str, ...]
    not_after: tuple[str, ...]
    is_fix: bool = False


@dataclass(frozen=True)
class _Table:
    pattern: re.Pattern[str]
    variants: dict[str, _Variant]
    canonicals: frozenset[str]  # canonical words of groups with spin > 0
    canonical_pattern: re.Pattern[str] | None


@functools.cache
def _table() -> _Table:
    spec = load_toml("themes", "synonyms.toml")
    variants: dict[str, _Variant] = {}
    canonicals: set[str] = set()
    for group in spec.get("group", []):
        canon = str(group["canonical"])
        for v in group["variants"]:
            var = _Variant(
                form=str(v["form"]),
                canonical=canon,
                spin=float(v.get("spin", 0.0)),
                not_before=tuple(v.get("not_before", ())),
                not_after=tuple(v.get("not_after", ())),
            )
            variants[var.form] = var
            if var.spin > 0:
                canonicals.add(canon)
    for fix in spec.get("fix", []):
        for form, to in fix["forms"].items():
            variants[form] = _Variant(form, str(to), 0.0, (), (), True)
    forms = sorted(variants, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(f) for f in forms))
    canon_sorted = sorted(canonicals, key=len, reverse=True)
    canonical_pattern = re.compile("|".join(re.escape(c) for c in canon_sorted)) if canon_sorted else None
    return _Table(pattern, variants, frozenset(canonicals), canonical_pattern)


@dataclass(frozen=True)
class Folded:
    """Folded text, its input, and the variants replaced (``(variant, canonical)`` → count)."""

    text: str
    source: str
    replaced: dict[tuple[str, str], int] = field(default_factory=dict)
    _map: StepMap | None = field(default=None, repr=False)

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        """Map ``[start, end)`` of the folded text to the input of :func:`fold`."""
        if self._map is None:
            return start, end
        return self._map.span(start, end)


def _allowed(text: str, start: int, end: int, var: _Variant) -> bool:
    if any(text.endswith(w, 0, start) for w in var.not_after):
        return False
    if any(text.startswith(w, end) for w in var.not_before):
        return False
    return True


def fold(text: str) -> Folded:
    """Fold spun synonyms in ``text`` (already normalised) to their canonical words."""
    table = _table()
    edits: list[tuple[int, int, str]] = []
    replaced: Counter[tuple[str, str]] = Counter()
    for m in table.pattern.finditer(text):
        var = table.variants[m.group()]
        if not _allowed(text, m.start(), m.end(), var):
            continue
        edits.append((m.start(), m.end(), var.canonical))
        if not var.is_fix:
            replaced[(var.form, var.canonical)] += 1
    if not edits:
        return Folded(text, text, {})
    new, mp = apply_edits(text, edits)
    return Folded(new, text, dict(replaced), mp)


@functools.lru_cache(maxsize=4096)
def fold_phrase(phrase: str) -> str:
    """A cue phrase folded with the same table (context rules ignored)."""
    table = _table()
    return table.pattern.sub(lambda m: table.variants[m.group()].canonical, phrase)


@dataclass(frozen=True, slots=True)
class SpinPair:
    variant: str
    canonical: str
    count: int


@dataclass(frozen=True)
class SpinStats:
    """How much of the synonym vocabulary is in spun form.

    ``score`` = Σ spin-weight × count over variants found / (that sum + count of the canonical
    words of the same groups in the text), in [0, 1]. 0 = no spun variant; around 0.5 or more =
    spun wording dominates.
    """

    score: float
    pairs: tuple[SpinPair, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "pairs": [{"variant": p.variant, "canonical": p.canonical, "count": p.count} for p in self.pairs],
        }


def spin_stats(folded: Folded) -> SpinStats:
    """Spin statistics of a folded text (canonical words are counted in the *input* text)."""
    table = _table()
    weighted = 0.0
    for (variant, _canon), n in folded.replaced.items():
        weighted += table.variants[variant].spin * n
    canon_count = 0
    if table.canonical_pattern is not None:
        canon_count = sum(1 for _ in table.canonical_pattern.finditer(folded.source))
    score = weighted / (weighted + canon_count) if weighted > 0 else 0.0
    pairs = tuple(
        SpinPair(v, c, n)
        for (v, c), n in sorted(folded.replaced.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    return SpinStats(round(score, 4), pairs)
