"""The fast paths of ``analyze()`` give exactly what the straightforward code gave.

- the clause finder (bisect over clause ends) against the character-by-character walk it
  replaced;
- the MinHash shingles (built in C) against the per-shingle loop they replaced, and the
  signature against the plain ``(a * x + b) % prime`` formula and hex formatting.
"""

from __future__ import annotations

import random
import re
import zlib
from pathlib import Path

import pytest

from notice_nlp.text.extract import load_page
from notice_nlp.text.normalize import normalize
from notice_nlp.themes import fingerprint as fp
from notice_nlp.themes.match import _CLAUSE_END, _clause, _clause_ends
from notice_nlp.themes.spin import fold

CORPUS = Path(__file__).resolve().parents[2] / "corpora" / "articles"


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    out: list[str] = []
    for path in sorted(CORPUS.iterdir()):
        if path.suffix in (".txt", ".html"):
            page = load_page(path)
            out.append(page.text)
            out.append(fold(normalize(page.text).text).text)
    return out


def _random_texts(alphabet: str, n: int, seed: int, max_len: int = 60) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, max_len))) for _ in range(n)]


def _clause_walk(text: str, start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    """The character-by-character clause walk that :func:`_clause` replaced."""
    cs = start
    while cs > lo and not _CLAUSE_END.match(text[cs - 1]):
        cs -= 1
    ce = end
    while ce < hi and not _CLAUSE_END.match(text[ce]):
        ce += 1
    return cs, ce


def test_clause_equals_the_walk() -> None:
    rnd = random.Random(3)
    for text in _random_texts("贷后管理缺乏,，、:：;；。！？!?\n", 400, seed=5, max_len=40):
        ends = _clause_ends(text)
        n = len(text)
        for _ in range(20):
            lo = rnd.randint(0, n)
            hi = rnd.randint(lo, n)
            start = rnd.randint(lo, hi)
            end = rnd.randint(start, hi)
            assert _clause(text, start, end, lo, hi, ends) == _clause_walk(text, start, end, lo, hi)
            assert _clause(text, start, end, lo, hi) == _clause_walk(text, start, end, lo, hi)


def _shingles_loop(text: str) -> set[int]:
    s = "".join(re.findall(r"[\u3400-\u4dbf\u4e00-\u9fffA-Za-z0-9]+", text))
    if not s:
        return set()
    if len(s) < fp.SHINGLE:
        return {zlib.crc32(s.encode("utf-8"))}
    return {zlib.crc32(s[i : i + fp.SHINGLE].encode("utf-8")) for i in range(len(s) - fp.SHINGLE + 1)}


@pytest.mark.parametrize("text", ["", "a", "ab", "abc", "借款人", "借款人借款人", "逾期 的 原因：多头借贷!", "𠀀𠀁𠀂 abc"])
def test_shingles_equal_the_loop(text: str) -> None:
    assert set(fp._shingles(text)) == _shingles_loop(text)


def test_shingles_equal_the_loop_on_the_corpus(corpus_texts: list[str]) -> None:
    for text in corpus_texts:
        assert set(fp._shingles(text)) == _shingles_loop(text)


def _fingerprint_formula(text: str) -> str:
    import numpy as np

    hashes = sorted(_shingles_loop(text))
    if not hashes:
        return "f" * 8 * fp.NUM_PERM
    a, b = fp._perms()
    x = np.asarray(hashes, dtype=np.uint64)
    mins = ((a[:, None] * x[None, :] + b[:, None]) % np.uint64(fp._PRIME)).min(axis=1)
    return "".join(f"{int(v) & 0xFFFFFFFF:08x}" for v in mins)


def test_fingerprint_equals_the_formula(corpus_texts: list[str]) -> None:
    for text in [*corpus_texts[:12], "", "ab", "逾期"]:
        assert fp.fingerprint(text) == _fingerprint_formula(text)


def test_pair_similarities_equal_the_per_pair_function() -> None:
    from notice_nlp.themes.aggregate import _similarities

    rnd = random.Random(9)
    base = [rnd.getrandbits(32) for _ in range(fp.NUM_PERM)]
    fps = []
    for _ in range(40):  # near-duplicates of one signature and unrelated ones
        vals = [v if rnd.random() < rnd.choice((0.2, 0.6, 0.95)) else rnd.getrandbits(32) for v in base]
        fps.append("".join(f"{v:08x}" for v in vals))
    pairs = [(i, j) for i in range(len(fps)) for j in range(i + 1, len(fps))]
    assert _similarities(fps, pairs) == [fp.similarity(fps[i], fps[j]) for i, j in pairs]
    assert _similarities([*fps, "abc"], [(0, 40)]) is None  # odd fingerprint: per-pair fallback
    assert _similarities(fps, []) == []
