"""``analyze(source) -> ArticleReport``: causes, strategies and impacts of a delinquency article."""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notice_nlp.resources import read_text

__all__ = ["Evidence", "ThemeHit", "SectionInfo", "ArticleReport", "analyze", "detect_script"]

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
#: Share of Han characters that must be Traditional-only for a text to count as Traditional.
TRADITIONAL_SHARE = 0.03


@dataclass(frozen=True, slots=True)
class Evidence:
    """An evidence sentence: ``sentence == ArticleReport.text[start:end]`` (the page text)."""

    sentence: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"sentence": self.sentence, "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class ThemeHit:
    id: str
    label_zh: str
    score: float
    evidence: tuple[Evidence, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label_zh": self.label_zh,
            "score": self.score,
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class SectionInfo:
    heading: str | None
    level: int
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"heading": self.heading, "level": self.level, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class ArticleReport:
    """Themes of one article.

    Every offset (``sections[].start/end``, ``evidence[].start/end``) indexes the article text
    :attr:`text` (also the ``text`` field of :meth:`to_dict`, of ``articles.jsonl`` records and
    of the ``/v1/analyze`` response), which is :attr:`notice_nlp.text.extract.Page.text` of the loaded page: the
    article's own characters in their original script, with page chrome removed. Evidence
    sentences are slices of it (Traditional stays Traditional, pinyin readings stay); compare
    with gold snippets after :func:`notice_nlp.normalize`.

    ``script`` is the script the article was written in; theme lists are sorted by score, and
    each theme's best evidence sentence comes first. ``keywords`` are ``{term, weight}`` (TF-IDF,
    folded Simplified words); ``fingerprint`` is a MinHash hex string for
    :func:`notice_nlp.themes.similarity`; ``spin`` counts spun synonym variants (§6.1).
    """

    title: str | None
    script: str
    sections: tuple[SectionInfo, ...]
    causes: tuple[ThemeHit, ...]
    strategies: tuple[ThemeHit, ...]
    impacts: tuple[ThemeHit, ...]
    keywords: tuple[Any, ...]  # tuple[Keyword, ...]
    fingerprint: str
    spin: Any  # SpinStats
    text: str = field(default="", repr=False)

    @property
    def themes(self) -> tuple[ThemeHit, ...]:
        return self.causes + self.strategies + self.impacts

    @property
    def theme_ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def to_dict(self, *, include_text: bool = True) -> dict[str, Any]:
        """JSON-ready dict; ``text`` (the string all offsets index) is included unless
        ``include_text=False``."""
        out: dict[str, Any] = {
            "title": self.title,
            "script": self.script,
            "sections": [s.to_dict() for s in self.sections],
            "causes": [t.to_dict() for t in self.causes],
            "strategies": [t.to_dict() for t in self.strategies],
            "impacts": [t.to_dict() for t in self.impacts],
            "keywords": [k.to_dict() for k in self.keywords],
            "fingerprint": self.fingerprint,
            "spin": self.spin.to_dict(),
        }
        if include_text:
            out["text"] = self.text
        return out


@functools.cache
def _traditional_chars() -> frozenset[str]:
    lines = [ln for ln in read_text("traditional_chars.txt").splitlines() if ln and not ln.startswith("#")]
    # 么 is in the list (麼's variant) but is everyday Simplified: it must not make text Traditional
    return frozenset("".join(lines)) - {"么"}


def detect_script(text: str) -> str:
    """``"traditional"`` when at least 3 % of the Han characters are Traditional-only."""
    han = _HAN.findall(text)
    if not han:
        return "simplified"
    n = sum(map(_traditional_chars().__contains__, han))
    return "traditional" if n / len(han) >= TRADITIONAL_SHARE else "simplified"


def _load(source: str | bytes | os.PathLike[str], html: bool | None = None) -> Any:
    from notice_nlp.text.extract import load_page

    if isinstance(source, (str, bytes, bytearray, memoryview)) or isinstance(source, os.PathLike):
        return load_page(source if not isinstance(source, (bytearray, memoryview)) else bytes(source), html=html)
    raise TypeError(f"analyze(source): expected text, HTML, bytes or a pathlib.Path, got {type(source).__name__}")


def analyze(
    source: str | bytes | os.PathLike[str], *, html: bool | None = None, threshold: float | None = None
) -> ArticleReport:
    """Analyse an article: ``source`` is text or HTML (``str``), ``bytes``, or a ``pathlib.Path``.

    A ``str`` is always content, never a file name; pass ``Path(name)`` for a file. ``html=True``
    / ``False`` forces the HTML / plain-text path (passed to
    :func:`notice_nlp.text.extract.load_page`); by default HTML is detected from the content.
    ``threshold`` overrides the tuned theme threshold. A source without article text (e.g. a page
    of scripts only) gives an empty report with ``text == ""``.
    """
    from notice_nlp.text.normalize import normalize
    from notice_nlp.themes.fingerprint import fingerprint
    from notice_nlp.themes.keywords import keywords
    from notice_nlp.themes.match import MAX_EVIDENCE, THRESHOLD, match_themes
    from notice_nlp.themes.spin import spin_stats

    page = _load(Path(source) if isinstance(source, os.PathLike) else source, html)
    result = match_themes(page)
    limit = THRESHOLD if threshold is None else threshold
    by_kind: dict[str, list[ThemeHit]] = {"cause": [], "strategy": [], "impact": []}
    text = page.text
    for m in sorted(result.found(limit), key=lambda m: (-m.score, m.theme.id)):
        evidence = []
        for _, i in m.sentences[:MAX_EVIDENCE]:
            sent = result.sentences[i]
            evidence.append(Evidence(text[sent.orig_start : sent.orig_end], sent.orig_start, sent.orig_end))
        by_kind[m.theme.kind].append(ThemeHit(m.theme.id, m.theme.label_zh, m.score, tuple(evidence)))
    title = normalize(page.title, convert=False).text.strip() if page.title else None
    sections = tuple(SectionInfo(s.heading, s.level, s.start, s.end) for s in page.sections)
    folded_text = result.folded.text
    return ArticleReport(
        title=title,
        script=detect_script(text if text else (page.title or "")),
        sections=sections,
        causes=tuple(by_kind["cause"]),
        strategies=tuple(by_kind["strategy"]),
        impacts=tuple(by_kind["impact"]),
        keywords=tuple(keywords(folded_text)),
        fingerprint=fingerprint(folded_text),
        spin=spin_stats(result.folded),
        text=text,
    )
