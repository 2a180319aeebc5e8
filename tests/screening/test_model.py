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
