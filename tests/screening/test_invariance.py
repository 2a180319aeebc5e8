"""Surface variants of corpus messages keep their label (target ≥ 98 % per kind of variant)."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from notice_nlp.screening.corpus import load_corpus
from notice_nlp.screening.screen import screen_many

REPO = Path(__file__).resolve().parents[2]
HAN = re.compile(r"[\u4e00-\u9fff]")


def _sample(n: int = 150) -> list[str]:
    msgs = [m for m in load_corpus(REPO / "corpora" / "sms") if m.script == "simplified"]
    rnd = random.Random(2026)
    return [m.text for m in rnd.sample(msgs, n)]


def _han_positions(text: str) -> list[int]:
    return [i for i, c in enumerate(text) if HAN.match(c) and i + 1 < len(text) and HAN.match(text[i + 1])]


def _insert_between(text: str, token: str, every: int) -> str:
    pos = set(_han_positions(text)[::every])
    return "".join(c + (token if i in pos else "") for i, c in enumerate(text))


def traditional(text: str) -> str:
    import opencc

    return str(opencc.OpenCC("s2t").convert(text))


def spaced(text: str) -> str:
    return _insert_between(text, " ", 3)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def emoji_inside(text: str) -> str:
    return _insert_between(text, "💰", 7)


def zero_width(text: str) -> str:
    return _insert_between(text, "\u200b", 2)


def pinyin_gloss(text: str) -> str:
    return _insert_between(text, "(dé)", 5)


VARIANTS: dict[str, Callable[[str], str]] = {
    "traditional": traditional,
    "spaced": spaced,
    "full_width": full_width,
    "emoji_inside": emoji_inside,
    "zero_width": zero_width,
    "pinyin_gloss": pinyin_gloss,
}


@pytest.fixture(scope="module")
def base() -> tuple[list[str], list[str]]:
    texts = _sample()
    return texts, [v.label for v in screen_many(texts)]


@pytest.mark.parametrize("kind", sorted(VARIANTS))
def test_variants_keep_their_label(kind: str, base: tuple[list[str], list[str]]) -> None:
    texts, labels = base
    variant = [VARIANTS[kind](t) for t in texts]
    assert variant != texts
    got = [v.label for v in screen_many(variant)]
    kept = sum(a == b for a, b in zip(labels, got)) / len(texts)
    changed = [(t, a, b) for t, a, b in zip(variant, labels, got) if a != b]
    assert kept >= 0.98, f"{kind}: {kept:.1%} kept; first changes: {changed[:3]}"
