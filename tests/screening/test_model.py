from __future__ import annotations

import numpy as np
import pytest

from notice_nlp.screening.screen import get_model

TEXTS = [
    "您的账单已逾期\ue006，请登录App还款。",
    "再不还钱打断你的腿",
    "",
    "加微信\ue009办理，秒到账，无视征信",
    "【某银行】尊敬的客户，您尾号\ue008的信用卡已逾期0天",
]


@pytest.mark.parametrize("which", ["char", "word"])
def test_fast_tfidf_equals_sklearn_transform(which: str) -> None:
    model = get_model()
    vec = model.char_vec if which == "char" else model.word_vec
    an = model._char_an if which == "char" else model._word_an
    ours = model._tfidf(an, vec.vocabulary_, vec.idf_, TEXTS).toarray()
    theirs = vec.transform(TEXTS).toarray()
    assert ours.shape == theirs.shape
    assert np.allclose(ours, theirs, atol=1e-6)


def test_proba_equals_softmax_of_design_logits() -> None:
    """proba() sums the logits without scipy; it must agree with the matrix route used in training."""
    from notice_nlp.screening.features import analyse, masked_text, symbolic_features

    model = get_model()
    raw = ["【招商银行】您的信用卡已逾期3天，请致电95555。", "再不还钱打断你的腿", "", "安全账户转账，加微信abc123", "ok"]
    analyses = [analyse(t) for t in raw]
    masked = [masked_text(a) for a in analyses]
    sym = [symbolic_features(a) for a in analyses]
    z = model.logits(model.design(masked, sym)) / model.temperature
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    assert np.allclose(model.proba(masked, sym), expected, atol=1e-9)


@pytest.mark.parametrize("text", [*TEXTS, "  A  b\tC\n\n长  文本 ", "a", "ab", "", "ＡＢ  ｃ"])
def test_char_grams_equal_sklearn_analyzer(text: str) -> None:
    from notice_nlp.screening.model import _char_grams

    assert _char_grams(text) == get_model().char_vec.build_analyzer()(text)
