from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notice_nlp.text.convert import get_converter
from notice_nlp.text.offsets import apply_edits, rewrite


def _backend_and_tables():  # type: ignore[no-untyped-def]
    conv = get_converter()
    if conv._tables is None:
        pytest.skip("the fast tables apply to opencc-python-reimplemented only")
    return conv._impl, conv._tables


def _keys() -> list[str]:
    impl, _ = _backend_and_tables()
    return sorted({k for group in impl._dict_chain_data for _, _, table in group for k in table})


@pytest.fixture(scope="module")
def keys() -> list[str]:
    return _keys()


def test_tables_convert_like_the_backend_on_text() -> None:
    impl, tables = _backend_and_tables()
    for text in [
        "隨著普惠金融的快速發展，逾期問題也逐漸顯現。",
        "您的帳款已逾期，請於期限內繳款，以免影響聯徵紀錄。",
        "藉藉無名 憑藉著 什麼 著 網際網路 釤藉藉甚",
        "",
    ]:
        assert tables.convert(text) == impl.convert(text)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_tables_convert_like_the_backend_on_dictionary_keys(keys: list[str], data: st.DataObject) -> None:
    """Strings made of dictionary keys, pieces of keys and separators: overlapping phrases
    are where a matching rule that differs from the backend's would show."""
    piece = st.one_of(
        st.sampled_from(keys),
        st.sampled_from(keys).flatmap(lambda k: st.integers(0, len(k) - 1).map(lambda i: k[i:])),
        st.sampled_from(list("，。 \n-的a1")),
    )
    text = "".join(data.draw(st.lists(piece, max_size=12)))
    impl, tables = _backend_and_tables()
    assert tables.convert(text) == impl.convert(text)


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
