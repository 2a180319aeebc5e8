"""Theme matching: cue hits per sentence, weighted by the section the sentence sits in.

Pipeline (see :func:`notice_nlp.themes.analyze`): the page text is normalised, synonyms are
folded (:mod:`notice_nlp.themes.spin`), and the folded text is split into sentences. Each
sentence gets a *role* from its section heading (原因 / 对策 / 影响 sections, question headings
such as 为什么会逾期 / 逾期了怎么办, spun headings such as 起因剖析 / 应对举措), inherited by
unlabelled sub-headings. Every cue hit is weighted by how well the sentence's role fits the
theme's kind; outside labelled sections the sentence's own words decide (原因/导致/由于 vs
应/建议/需要/加强 …). A strategy cue with a negation in its clause (缺乏, 未能, 薄弱 …) moves to
the cause named by the strategy's ``flip_to``. A cause cue right after a denial (并没有, 并非因为
…) or after prevention wording (避免, 防止 …) does not count.

A theme's score is the noisy-OR of its sentence scores; the best sentence is its first evidence.
"""

from __future__ import annotations

import bisect
import functools
import operator
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from notice_nlp.text.extract import Page, Section
from notice_nlp.text.normalize import Normalized, normalize
from notice_nlp.text.segment import sentences
from notice_nlp.themes.rules import Cue, Theme, negation, section_cues, theme_by_id, themes
from notice_nlp.themes.spin import Folded, fold

__all__ = [
    "THRESHOLD",
    "SentenceCtx",
    "ThemeMatch",
    "MatchResult",
    "classify_heading",
    "section_roles",
    "match_themes",
    "baseline_themes",
]

#: A theme is reported when its score reaches this value (tuned on the dev split; see
#: docs/evaluation_themes.md).
THRESHOLD = 0.55
#: Evidence sentences kept per theme.
MAX_EVIDENCE = 3
#: Strength given to a (non-negated) strategy cue found inside a 原因 section, moved to its cause.
FLIP_IN_CAUSE_SECTION = 0.5
#: Weight of a context-only cue.
CONTEXT_CUE_WEIGHT = 0.8
#: Factor on heading lines when ranking evidence (body sentences are preferred).
HEADING_EVIDENCE_FACTOR = 0.85
#: Sentences with fewer Han characters than this rank like headings ("3. 市场竞争加剧。").
SHORT_SENTENCE = 12

_CLAUSE_END = re.compile(r"[,，、:：;；。！？!?\n]")


# --------------------------------------------------------------------------- sections


def _fold_norm(text: str) -> str:
    return fold(normalize(text).text).text


@dataclass(frozen=True, slots=True)
class _HeadingForms:
    """A heading normalised (``norm``) and then folded (``folded``), computed once."""

    norm: str
    folded: str


def _heading_forms(heading: str) -> _HeadingForms:
    norm = normalize(heading).text
    return _HeadingForms(norm, fold(norm).text)


def _role_of_folded(text: str) -> str | None:
    cues = section_cues()
    found = [role for role in ("cause", "strategy", "impact") if cues.roles[role].search(text)]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        return "mixed"
    if cues.roles["other"].search(text):
        return "other"
    return None


def classify_heading(heading: str) -> str | None:
    """Role of a heading: ``cause`` | ``strategy`` | ``impact`` | ``other`` | ``mixed`` | None.

    The heading is normalised and folded first (起因剖析 → 原因剖析, 应对举措 → 应对措施).
    """
    return _role_of_folded(_fold_norm(heading))


_STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("md", re.compile(r"^(#{1,6})\s*")),
    ("dotted3", re.compile(r"^\d+\.\d+\.\d+")),
    ("dotted2", re.compile(r"^\d+\.\d+")),
    ("paren_cn", re.compile(r"^[(（][一二三四五六七八九十]+[)）]")),
    ("paren_num", re.compile(r"^[(（]\d+[)）]")),
    ("cn_num", re.compile(r"^[一二三四五六七八九十]+[、.．]")),
    ("chapter", re.compile(r"^第[一二三四五六七八九十\d]+[章节部分]")),
    ("arabic", re.compile(r"^\d+[、.．)）]")),
)


def _heading_style(heading: str, level: int) -> str:
    return _style_of_norm(normalize(heading).text, level)


def _style_of_norm(norm: str, level: int) -> str:
    text = norm.strip()
    for name, pat in _STYLES:
        m = pat.match(text)
        if m:
            return f"md{len(m.group(1))}" if name == "md" else name
    return f"plain{level}"


def section_roles(page: Page) -> list[str | None]:
    """The effective role of each of ``page.sections`` (own heading, else inherited).

    Headings are read like an outline: a heading with the numbering style of an open heading
    closes it and everything under it (a sibling); a new style opens a child. An unlabelled
    child inherits its parent's role; "mixed" headings and unlabelled siblings set no role.
    """
    stack: list[tuple[str, str | None]] = []  # (style, effective role)
    roles: list[str | None] = []
    seen: set[str] = set()
    forms: dict[str, _HeadingForms] = {}  # each distinct heading is normalised once
    if page.title:
        seen.add(_fold_norm(page.title).strip())
    for sec in page.sections:
        if sec.heading is None:
            roles.append(None)
            continue
        hf = forms.get(sec.heading)
        if hf is None:
            hf = forms[sec.heading] = _heading_forms(sec.heading)
        key = hf.folded.strip()
        if key in seen:
            # the page title or an earlier heading repeated (scraping artefact): no new context
            roles.append(roles[-1] if roles else None)
            continue
        seen.add(key)
        style = _style_of_norm(hf.norm, sec.level)
        own = _role_of_folded(hf.folded)
        styles = [s for s, _ in stack]
        if style in styles:
            del stack[styles.index(style):]
        parent = stack[-1][1] if stack else None
        if own is None:
            role = parent if parent not in ("mixed",) else None
        else:
            role = own
        stack.append((style, role))
        roles.append(role)
    return roles


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True, slots=True)
class SentenceCtx:
    """A sentence of the folded text with its context."""

    start: int  # folded-text offsets
    end: int
    role: str | None
    markers: frozenset[str]
    is_heading: bool
    orig_start: int  # Page.text offsets
    orig_end: int


@dataclass
class ThemeMatch:
    theme: Theme
    score: float
    sentences: list[tuple[float, int]] = field(default_factory=list)  # (sentence score, index)


@dataclass
class MatchResult:
    page: Page
    norm: Normalized
    folded: Folded
    sentences: list[SentenceCtx]
    section_roles: list[str | None]
    matches: dict[str, ThemeMatch]

    def found(self, threshold: float = THRESHOLD) -> list[ThemeMatch]:
        return [m for m in self.matches.values() if m.score >= threshold]


def _to_page(norm: Normalized, folded: Folded, start: int, end: int) -> tuple[int, int]:
    s, e = folded.to_source(start, end)
    return norm.to_original(s, e)


def _markers(text: str) -> frozenset[str]:
    cues = section_cues()
    return frozenset([k for k, pat in cues.markers.items() if pat.search(text)])


def _sentence_contexts(page: Page, norm: Normalized, folded: Folded, roles: Sequence[str | None]) -> list[SentenceCtx]:
    text = folded.text
    sec_starts = [s.start for s in page.sections]
    out: list[SentenceCtx] = []
    para_markers: frozenset[str] = frozenset()
    prev_end = 0
    for s, e in sentences(text):
        os_, oe = _to_page(norm, folded, s, e)
        new_para = text.find("\n", prev_end, s) >= 0 or not out
        prev_end = e
        role: str | None = None
        is_heading = False
        i = bisect.bisect_right(sec_starts, os_) - 1
        if 0 <= i < len(page.sections):
            sec: Section = page.sections[i]
            role = roles[i]
            is_heading = sec.heading is not None and os_ < sec.heading_end and oe > sec.heading_start
        own = _markers(text[s:e])
        if new_para:
            para_markers = frozenset()
        para_markers = para_markers | own  # markers carry over to the rest of the paragraph
        markers = para_markers
        out.append(SentenceCtx(s, e, role, markers, is_heading, os_, oe))
    return out


def _context_weight(sent: SentenceCtx, kind: str) -> float:
    cues = section_cues()
    if sent.role in cues.weight:
        return cues.weight[sent.role][kind]
    if kind in sent.markers:
        w = cues.marked
    elif sent.markers:
        w = cues.contrary
    else:
        w = cues.neutral
    if sent.role == "other":
        w *= cues.other_factor
    return w


def _clause_ends(text: str) -> list[int]:
    """Positions of the clause-ending characters of ``text``, ascending."""
    return [m.start() for m in _CLAUSE_END.finditer(text)]


def _clause(
    text: str, start: int, end: int, lo: int, hi: int, clause_ends: list[int] | None = None
) -> tuple[int, int]:
    """The clause around ``[start, end)`` within ``[lo, hi)``: from just after the last clause
    end before ``start`` to the first clause end at or after ``end``."""
    ends = _clause_ends(text) if clause_ends is None else clause_ends
    cs = start
    if start > lo:
        j = bisect.bisect_left(ends, start) - 1  # the last clause end before start
        cs = ends[j] + 1 if j >= 0 and ends[j] >= lo else lo
    ce = end
    if end < hi:
        k = bisect.bisect_left(ends, end)  # the first clause end at or after end
        ce = ends[k] if k < len(ends) and ends[k] < hi else hi
    return cs, ce


def _negated(text: str, start: int, end: int, cs: int, ce: int) -> bool:
    neg = negation()
    before = text[max(cs, start - neg.window_before) : start]
    if neg.before.search(before):
        return True
    after = text[end : min(ce, end + neg.window_after)]
    for m in neg.after.finditer(after):
        word = m.group()
        if word in neg.needs_neg:
            if any(w in after[: m.start()] or w in before for w in neg.neg_words):
                return True
            continue
        return True
    return False


def _countered(text: str, start: int, cs: int) -> bool:
    neg = negation()
    return bool(neg.counter.search(text[max(cs, start - neg.counter_window) : start]))


def _denied(text: str, start: int, cs: int, cue: Cue) -> bool:
    """A cause cue right after a denial in its clause ("并没有多头借贷", "并非因为多头借贷")."""
    neg = negation()
    if cue.context_only or cue.label in neg.denial_exempt:
        return False
    return bool(neg.denial.search(text[max(cs, start - neg.denial_window) : start]))


@dataclass(slots=True)
class _Hit:
    theme: str
    sent: int
    start: int
    end: int
    weight: float
    label: str


@functools.cache
def _cue_table() -> tuple[tuple[Theme, Cue, frozenset[str]], ...]:
    """Every (theme, cue) of the taxonomy in rule order, with the character pairs a phrase cue
    needs (empty for regex cues, which are always tried)."""
    return tuple((theme, cue, _needed_grams(cue.literal)) for theme in themes() for cue in theme.cues)


@functools.cache
def _cue_index() -> tuple[tuple[int, ...], dict[str, tuple[int, ...]]]:
    """Positions in :func:`_cue_table` of the regex cues, and of the phrase cues by one key
    character pair each (the pair fewest cues share, e.g. 多头 rather than 借贷): an article
    can hold a phrase cue only if it holds the cue's key pair."""
    table = _cue_table()
    shared = Counter(g for _, _, needed in table for g in needed)
    always: list[int] = []
    by_key: dict[str, list[int]] = {}
    for i, (_, _, needed) in enumerate(table):
        if not needed:
            always.append(i)
        else:
            key = min(sorted(needed), key=shared.__getitem__)
            by_key.setdefault(key, []).append(i)
    return tuple(always), {k: tuple(v) for k, v in by_key.items()}


def _needed_grams(literal: str | None) -> frozenset[str]:
    if not literal:
        return frozenset()
    if len(literal) == 1:
        return frozenset(literal)
    return frozenset(map(operator.add, literal, literal[1:]))


def _bigrams(text: str) -> set[str]:
    """Every character and every pair of adjacent characters of ``text`` (a cheap test that a
    phrase cannot occur: one of its character pairs is not in the set)."""
    grams = set(map(operator.add, text, text[1:]))
    grams.update(text)
    return grams


def _collect_hits(text: str, sents: list[SentenceCtx]) -> list[_Hit]:
    starts = [s.start for s in sents]
    clause_ends = _clause_ends(text)
    grams = _bigrams(text)
    table = _cue_table()
    always, by_key = _cue_index()
    candidates = list(always)
    for key in grams.intersection(by_key):
        candidates.extend(by_key[key])
    candidates.sort()  # rule order, as without the index
    hits: list[_Hit] = []
    for idx in candidates:
        theme, cue, needed = table[idx]
        if needed and not grams.issuperset(needed):
            continue  # most cues of the taxonomy are absent from a given article
        for m in cue.pattern.finditer(text):
            s, e = m.span()
            if e <= s:
                continue
            i = bisect.bisect_right(starts, s) - 1
            if i < 0 or e > sents[i].end:
                continue
            hit = _judge(theme, cue, text, sents[i], i, s, e, clause_ends)
            if hit is not None:
                hits.append(hit)
    return hits


def _judge(
    theme: Theme, cue: Cue, text: str, sent: SentenceCtx, i: int, s: int, e: int, clause_ends: list[int] | None = None
) -> _Hit | None:
    """Decide where one cue hit counts (its theme, a flipped cause, or nowhere)."""
    cs, ce = _clause(text, s, e, sent.start, sent.end, clause_ends)
    weight = CONTEXT_CUE_WEIGHT * cue.weight if cue.context_only else cue.weight
    if theme.kind == "strategy":
        if _negated(text, s, e, cs, ce):
            if theme.flip_to:
                return _Hit(theme.flip_to, i, s, e, weight, cue.label)
            return None
        if sent.role == "cause" and theme.flip_to:
            return _Hit(theme.flip_to, i, s, e, weight * FLIP_IN_CAUSE_SECTION, cue.label)
        if cue.context_only and sent.role != "strategy" and not (
            sent.role in (None, "other", "mixed") and "strategy" in sent.markers
        ):
            return None
        return _Hit(theme.id, i, s, e, weight, cue.label)
    if theme.kind == "cause":
        if _countered(text, s, cs) or _denied(text, s, cs, cue):
            return None
        if cue.context_only and sent.role != "cause" and not _negated(text, s, e, cs, ce):
            return None
        return _Hit(theme.id, i, s, e, weight, cue.label)
    # impact
    if cue.context_only and sent.role != "impact" and not (
        sent.role in (None, "other", "mixed") and "impact" in sent.markers
    ):
        return None
    return _Hit(theme.id, i, s, e, weight, cue.label)


def _sentence_strengths(hits: list[_Hit]) -> dict[tuple[str, int], float]:
    """Σ weights of distinct, non-overlapping cues per (theme, sentence)."""
    grouped: dict[tuple[str, int], list[_Hit]] = {}
    for h in hits:
        grouped.setdefault((h.theme, h.sent), []).append(h)
    out: dict[tuple[str, int], float] = {}
    for key, hs in grouped.items():
        hs.sort(key=lambda h: (-(h.end - h.start), -h.weight, h.start))
        kept: list[_Hit] = []
        labels: set[str] = set()
        for h in hs:
            if h.label in labels or any(h.start < k.end and k.start < h.end for k in kept):
                continue
            kept.append(h)
            labels.add(h.label)
        out[key] = sum(h.weight for h in kept)
    return out


_HAN = re.compile(r"[\u4e00-\u9fff]")


def _heading_like(sent: SentenceCtx, text: str) -> bool:
    """A heading, or a line so short that it reads like one ("3. 市场竞争加剧。")."""
    return sent.is_heading or len(_HAN.findall(text, sent.start, sent.end)) < SHORT_SENTENCE


def _evidence_rank(score: float, sent: SentenceCtx, text: str, heading_like: bool | None = None) -> float:
    """Evidence preference: body sentences over headings and heading-like short lines."""
    if _heading_like(sent, text) if heading_like is None else heading_like:
        return score * HEADING_EVIDENCE_FACTOR
    return score


def match_themes(page: Page) -> MatchResult:
    """Score every theme of the taxonomy on ``page``."""
    norm = normalize(page.text)
    folded = fold(norm.text)
    roles = section_roles(page)
    sents = _sentence_contexts(page, norm, folded, roles)
    hits = _collect_hits(folded.text, sents)
    strengths = _sentence_strengths(hits)
    by_id = theme_by_id()
    matches: dict[str, ThemeMatch] = {t.id: ThemeMatch(t, 0.0) for t in themes()}
    for (tid, i), strength in strengths.items():
        theme = by_id[tid]
        s = _context_weight(sents[i], theme.kind) * (1.0 - 0.4**strength)
        if s > 0:
            matches[tid].sentences.append((s, i))
    text = folded.text
    heading_like: dict[int, bool] = {}  # sentence index → _heading_like, computed once
    for m in matches.values():
        p = 1.0
        for s, _ in m.sentences:
            p *= 1.0 - min(s, 0.99)
        m.score = round(1.0 - p, 4)
        for _, i in m.sentences:
            if i not in heading_like:
                heading_like[i] = _heading_like(sents[i], text)
        m.sentences.sort(key=lambda si: (-_evidence_rank(si[0], sents[si[1]], text, heading_like[si[1]]), si[1]))
    return MatchResult(page, norm, folded, sents, roles, matches)


def baseline_themes(page: Page) -> set[str]:
    """The naive baseline: a theme is present when any of its cues occurs anywhere in the text."""
    text = fold(normalize(page.text).text).text
    return {t.id for t in themes() if any(c.pattern.search(text) for c in t.cues)}
