from __future__ import annotations

import threading

import pytest

from notice_nlp.text.segment import cut, get_nlp, sentences


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("普惠金融逾期问题日益突出", "普惠金融"),
        ("部分机构缺乏贷后管理", "贷后管理"),
        ("多头借贷导致负债过高", "多头借贷"),
        ("逾期会产生罚息和滞纳金", "滞纳金"),
        ("小额贷款公司加强风控", "小额贷款公司"),
    ],
)
def test_domain_dictionary_words(text: str, word: str) -> None:
    assert word in cut(text)
    assert word in [t.text for t in get_nlp()(text)]


def test_doc_preserves_text_and_offsets() -> None:
    text = "您的借款已逾期 3 天，请登录 App 还款。\n如有疑问请致电 95555！"
    doc = get_nlp()(text)
    assert doc.text == text
    for tok in doc:
        assert text[tok.idx : tok.idx + len(tok.text)] == tok.text
    assert [s.text.strip() for s in doc.sents] == ["您的借款已逾期 3 天，请登录 App 还款。", "如有疑问请致电 95555！"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("第一句。第二句！第三句？", ["第一句。", "第二句！", "第三句？"]),
        ("他说：“好的。”然后走了；再见", ["他说：“好的。”", "然后走了；", "再见"]),
        ("标题\n\n正文一句。", ["标题", "正文一句。"]),
        ("", []),
        ("  \n ", []),
        ("等等……好吧", ["等等……", "好吧"]),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    spans = sentences(text)
    assert [text[s:e] for s, e in spans] == expected


def test_thread_safe_segmentation() -> None:
    nlp = get_nlp()
    texts = ["逾期后请与贷款机构协商还款。" * 5, "加强贷后管理和风险预警。" * 5]
    expected = [[t.text for t in nlp(x)] for x in texts]
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for _ in range(50):
                assert [t.text for t in nlp(texts[i % 2])] == expected[i % 2]
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_cut_type_error() -> None:
    with pytest.raises(TypeError, match="text"):
        cut(None)  # type: ignore[arg-type]


def test_lone_surrogates_and_types() -> None:
    doc = get_nlp()("\ud800逾期abc")
    assert len(doc.text) == 6
    with pytest.raises(TypeError, match="text"):
        sentences(None)  # type: ignore[arg-type]


# ------------------------------------------------ jieba-rs gives Python jieba's words

import json  # noqa: E402
from pathlib import Path  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from notice_nlp.text.segment import get_fast, get_jieba  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
needs_fast = pytest.mark.skipif(get_fast() is None, reason="rjieba not installed: Python jieba is used anyway")


def _corpus_texts() -> list[str]:
    from notice_nlp.text.extract import load_page
    from notice_nlp.text.normalize import normalize

    out = []
    for path in sorted((REPO / "corpora" / "sms").glob("**/*.jsonl")):
        out += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for path in sorted((REPO / "corpora" / "articles").iterdir()):
        if path.suffix in (".txt", ".html"):
            page = load_page(path)
            out += [page.text, normalize(page.text).text]
    return out


@needs_fast
@pytest.mark.parametrize("hmm", [True, False])
def test_fast_cut_equals_jieba_on_corpus(hmm: bool) -> None:
    texts = _corpus_texts()
    assert len(texts) > 2000
    slow = get_jieba()
    for text in texts:
        assert cut(text, hmm) == slow.lcut(text, HMM=hmm), text[:40]


_ALPHABET = st.sampled_from(
    list("我们的催收员明天上门逾期会征信还款借贷多头普惠金融小额贷款公司风控法院起诉你家人")
    + list("abcXYZ0123456789.%+-#&_")
    + list("，。！？、；：“”（）【】 \t\n\r\u3000😀\ufeff\u200b")
)


@needs_fast
@pytest.mark.parametrize("hmm", [True, False])
def test_fast_cut_equals_jieba_on_spliced_text(hmm: bool) -> None:
    """Random splices of corpus messages (new neighbours for every word): the same words."""
    import random

    texts = [t for t in _corpus_texts() if len(t) < 400]
    rnd = random.Random(7)
    slow = get_jieba()
    for _ in range(3000):
        a, b = rnd.choice(texts), rnd.choice(texts)
        i, j = rnd.randrange(len(a)), rnd.randrange(len(b))
        text = a[i : i + rnd.randint(1, 30)] + b[j : j + rnd.randint(1, 30)]
        assert cut(text, hmm) == slow.lcut(text, HMM=hmm), text


@needs_fast
def test_fast_cut_breaks_exact_ties_its_own_way() -> None:
    """Known and accepted: between two equally probable segmentations of repeated characters
    jieba-rs and Python jieba may pick different ones (same words, other order)."""
    assert sorted(cut("小小小贷", False)) == sorted(get_jieba().lcut("小小小贷", HMM=False))


@settings(max_examples=500, deadline=None)
@given(st.lists(_ALPHABET, max_size=60).map("".join), st.booleans())
def test_cut_loses_nothing(text: str, hmm: bool) -> None:
    words = cut(text, hmm)
    assert "".join(words) == text
    assert all(words)


@pytest.mark.parametrize(
    ("text", "hmm"),
    [
        ("a\ud800b你好", True),  # a lone surrogate: jieba-rs cannot take it, the words still come
        ("逾期\udfff还款", False),
        ("学习C#编程", True),  # dictionary words with ASCII punctuation stay whole
        ("用C++开发", True),
        ("AT&T", True),
        ("学习c#编程", True),
        ("400-xxx-1188", True),  # unknown ASCII runs split as jieba's HMM cutter splits them
    ],
)
def test_cut_edge_cases_equal_jieba(text: str, hmm: bool) -> None:
    assert cut(text, hmm) == get_jieba().lcut(text, HMM=hmm)
