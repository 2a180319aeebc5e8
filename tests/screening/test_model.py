from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notice_nlp.screening.screen import get_model

TEXTS = [
    "您的账单已逾期\ue006，请登录App还款。",
    "再不还钱打断你的腿",
    "",
    "加微信\ue009办理，秒到账，无视征信",
    "【某银行】尊敬的客户，您尾号\ue008的信用卡已逾期0天",
]


def _dense(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    out = np.zeros(shape)
    np.add.at(out, (rows, cols), vals)
    return out


@pytest.mark.parametrize("which", ["char", "word"])
@pytest.mark.parametrize("batch", [1, 2, 4])  # 4 copies of TEXTS = 20 messages: the numpy route
def test_tfidf_entries_equal_sklearn_transform(which: str, batch: int) -> None:
    """The loaded model computes TF-IDF itself; scikit-learn's vectoriser, restored from the same
    vocabulary and IDF, must give the same matrix on both the per-message and the batch route."""
    from notice_nlp.screening.model import sklearn_vectorizer

    model = get_model()
    terms = model.char_vec if which == "char" else model.word_vec
    docs = TEXTS * batch
    entries = model._char_entries(docs) if which == "char" else model._word_entries(docs)
    ours = _dense(*entries, (len(docs), len(terms.idf_)))
    theirs = sklearn_vectorizer(terms, which).transform(docs).toarray()
    assert ours.shape == theirs.shape
    assert np.allclose(ours, theirs, atol=1e-6)


def test_screening_does_not_import_scikit_learn() -> None:
    """Screening runs on the stored arrays alone: no scikit-learn or SciPy in the process (they
    add ~75,000 objects to every full garbage-collector pass, and memory and start-up time)."""
    import subprocess
    import sys

    code = (
        "import sys, notice_nlp; v = notice_nlp.screen('您的账单已逾期，请登录App还款'); "
        "list(notice_nlp.screen_many(['再不还钱打断你的腿'] * 40)); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


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

    from notice_nlp.screening.model import sklearn_vectorizer

    assert _char_grams(text) == sklearn_vectorizer(get_model().char_vec, "char").build_analyzer()(text)


def _triples(rows: np.ndarray, cols: np.ndarray, counts: np.ndarray) -> list[tuple[int, int, int]]:
    return sorted(zip(rows.tolist(), cols.tolist(), counts.tolist()))


BATCHES = [
    TEXTS,
    ["", "", "a"],
    ["ＡＢ  ｃ", "  A  b\tC\n\n长  文本 ", "x"],
    ["逾期\U0001F600欠款😀😀", "\ud800孤立代理\udfff", "İstanbul 逾期"],  # astral, lone surrogates, lower() growing
    ["您" * 300, "已逾期已逾期已逾期", "已逾", "期已"],  # an n-gram must not span two messages
]


def _assert_gram_counts_match(docs: list[str]) -> None:
    """The batch route counts the same vocabulary n-grams as the analyzer, message by message."""
    model = get_model()
    ours = _triples(*model._gram_table.counts(docs))
    theirs = _triples(*model._counts(model._char_an, model.char_vec.vocabulary_, docs))
    assert ours == theirs


@pytest.mark.parametrize("docs", BATCHES)
def test_gram_table_counts_equal_analyzer_counts(docs: list[str]) -> None:
    _assert_gram_counts_match(docs)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("逾期欠款还钱您的账单已请 \t\nAaBb0١\U0001F600\ue006"), max_size=40), min_size=1, max_size=20))
def test_gram_table_counts_property(docs: list[str]) -> None:
    _assert_gram_counts_match(docs)


def test_batch_and_single_routes_give_the_same_probabilities() -> None:
    """screen_many counts n-grams in numpy from 16 messages on; one message goes through the
    analyzer. Both must give the probabilities of the sparse-matrix route."""
    from notice_nlp.screening.features import analyse, masked_text, symbolic_features
    from notice_nlp.screening.model import _NUMPY_BATCH

    model = get_model()
    raw = ["【招商银行】您的信用卡已逾期3天，请致电95555。", "再不还钱打断你的腿", "", "安全账户转账，加微信abc123", "ok"] * 4
    assert len(raw) >= _NUMPY_BATCH
    analyses = [analyse(t) for t in raw]
    masked = [masked_text(a) for a in analyses]
    sym = [symbolic_features(a) for a in analyses]
    batch = model.proba(masked, sym)
    single = np.vstack([model.proba([m], [s]) for m, s in zip(masked, sym)])
    z = model.logits(model.design(masked, sym)) / model.temperature
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    assert np.allclose(batch, expected, atol=1e-9)
    assert np.allclose(single, expected, atol=1e-9)


@pytest.mark.parametrize("docs", BATCHES)
def test_word_batch_route_equals_analyzer_route(docs: list[str]) -> None:
    from notice_nlp.screening.model import _NUMPY_BATCH

    model = get_model()
    batch = (docs * _NUMPY_BATCH)[: max(_NUMPY_BATCH, len(docs))]
    ours = model._word_entries(batch)
    theirs = model._tfidf_entries(model._word_an, model.word_vec.vocabulary_, model.word_vec.idf_, batch)
    a, b = _triples(*ours), _triples(*theirs)
    assert [(r, c) for r, c, _ in a] == [(r, c) for r, c, _ in b]
    assert np.allclose([v for *_, v in a], [v for *_, v in b], rtol=1e-6, atol=0)
