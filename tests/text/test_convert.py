from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notice_nlp.text.convert import get_converter
from notice_nlp.text.offsets import apply_edits, rewrite


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("隨著普惠金融的快速發展", "随着普惠金融的快速发展"),  # tw2s folds Taiwan 著 (t2s keeps it)
        ("您的帳款已逾期，請於期限內繳款", "您的帐款已逾期，请于期限内缴款"),  # Taiwan wording stays
        ("請回覆簡訊並點擊連結", "请回复简讯并点击连结"),
        ("什麼時候還款", "什么时候还款"),  # not 什幺 (the old pure-Python tables' mistake)
        ("擡頭", "抬头"),
        ("核心系統建立", "核心系统建立"),  # no tw2sp phrase rewrites (核心→内核, 建立→创建)
        ("已经是简体", "已经是简体"),
    ],
)
def test_tw2s(traditional: str, simplified: str) -> None:
    assert get_converter().convert(traditional) == simplified


def test_backend_is_the_opencc_library() -> None:
    assert get_converter().backend == "OpenCC"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("隨著帳戶請繳款網際網路什麼麼擡頭核心，。 \n的a1")), max_size=40))
def test_convert_with_edits_maps_back(text: str) -> None:
    """The converted text and its edits rebuild the whole conversion, and the base keeps every
    position of the input."""
    conv = get_converter()
    base, edits = conv.convert_with_edits(text)
    assert len(base) == len(text)
    new, _ = apply_edits(base, edits)
    assert new == conv.convert(text)


_EDIT_TEXT = "征信逾期催收法院还款"


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_rewrite_maps_like_apply_edits(data: st.DataObject) -> None:
    """rewrite() leaves one-for-one replacements out of its map; every span still maps as with
    the full map of apply_edits()."""
    text = data.draw(st.text(alphabet=_EDIT_TEXT, min_size=1, max_size=20))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=8)))
    edits = []
    for a, b in zip(cuts[::2], cuts[1::2]):
        if edits and a < edits[-1][1]:
            continue
        edits.append((a, b, data.draw(st.text(alphabet="xyz", max_size=3))))
    new1, map1 = apply_edits(text, edits)
    new2, map2 = rewrite(text, edits)
    assert new1 == new2
    for s in range(len(new1) + 1):
        for e in range(s, len(new1) + 1):
            want = map1.span(s, e) if map1 else (s, e)
            got = map2.span(s, e) if map2 else (s, e)
            assert got == want
