"""Article keywords: jieba TF-IDF with an IDF fitted on our article corpus.

Words come from :func:`notice_nlp.text.segment.cut` (jieba with the domain dictionary) on the
normalised, synonym-folded text. Stopwords are in ``rules/themes/stopwords.txt``; candidates are
words of two or more characters containing a Han character. IDF values live in
``rules/themes/idf.json`` (fitted by :func:`fit_idf` on ``corpora/articles``; rebuild with
``python -m notice_nlp.themes.keywords corpora/articles rules/themes/idf.json``). A word the
corpus never saw gets the largest IDF of the table.
"""

from __future__ import annotations

import functools
import json
import math
import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from notice_nlp.resources import load_json, read_text

__all__ = ["Keyword", "keywords", "candidate_words", "fit_idf", "stopwords", "TOP_K"]

TOP_K = 10
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True, slots=True)
class Keyword:
    term: str
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return {"term": self.term, "weight": self.weight}


@functools.cache
def stopwords() -> frozenset[str]:
    words = set()
    for line in read_text("themes", "stopwords.txt").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.add(line)
    return frozenset(words)


@functools.cache
def _idf() -> tuple[dict[str, float], float]:
    spec = load_json("themes", "idf.json")
    table = {str(k): float(v) for k, v in spec["idf"].items()}
    default = float(spec.get("default_idf", max(table.values(), default=1.0)))
    return table, default


def _is_candidate(word: str, stop: frozenset[str]) -> bool:
    # isascii() first: a cheap way to drop Latin words and numbers before the regex
    return len(word) >= 2 and not word.isascii() and _HAN.search(word) is not None and word not in stop


def candidate_words(folded_text: str) -> list[str]:
    """Keyword candidates of a normalised, folded text, in order (with repeats)."""
    from notice_nlp.text.segment import cut

    stop = stopwords()
    return [w for w in cut(folded_text) if _is_candidate(w, stop)]


def _candidate_counts(folded_text: str) -> dict[str, int]:
    """Occurrences of each keyword candidate, in order of first occurrence (each distinct word
    is tested once, not each token)."""
    from notice_nlp.text.segment import cut

    stop = stopwords()
    return {w: n for w, n in Counter(cut(folded_text)).items() if _is_candidate(w, stop)}


def keywords(folded_text: str, k: int = TOP_K) -> list[Keyword]:
    """Top ``k`` TF-IDF terms of a normalised, folded text (ties: the earlier word first)."""
    tf = _candidate_counts(folded_text)
    if not tf:
        return []
    total = sum(tf.values())
    idf, default = _idf()
    scored = [(w, (n / total) * idf.get(w, default), first) for first, (w, n) in enumerate(tf.items())]
    scored.sort(key=lambda wsf: (-wsf[1], wsf[2]))
    return [Keyword(w, round(s, 5)) for w, s, _ in scored[:k]]


def fit_idf(texts: Iterable[str]) -> dict[str, Any]:
    """Smoothed IDF, ``log((1 + N) / (1 + df)) + 1``, of the candidate words of ``texts``."""
    df: Counter[str] = Counter()
    n = 0
    for text in texts:
        n += 1
        df.update(set(candidate_words(text)))
    idf = {w: round(math.log((1 + n) / (1 + c)) + 1.0, 5) for w, c in sorted(df.items())}
    return {
        "method": "smoothed idf: log((1+N)/(1+df))+1 over jieba words (domain dictionary), normalised + folded text",
        "n_docs": n,
        "default_idf": round(math.log((1 + n) / 1) + 1.0, 5),
        "idf": idf,
    }


def _corpus_texts(corpus_dir: Path) -> list[str]:
    from notice_nlp.text.extract import load_page
    from notice_nlp.text.normalize import normalize
    from notice_nlp.themes.spin import fold

    out = []
    for path in sorted(corpus_dir.iterdir()):
        if path.suffix.lower() in (".txt", ".html", ".htm") and not path.name.endswith(".gold.json"):
            page = load_page(path)
            out.append(fold(normalize(page.text).text).text)
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m notice_nlp.themes.keywords CORPUS_DIR OUT_JSON", file=sys.stderr)
        return 2
    spec = fit_idf(_corpus_texts(Path(args[0])))
    Path(args[1]).write_text(json.dumps(spec, ensure_ascii=False, indent=0, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {args[1]}: {len(spec['idf'])} terms from {spec['n_docs']} documents")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
