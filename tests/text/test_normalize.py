from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notice_nlp.text.normalize import normalize

# (input, expected normalised text, substring of the output, the original text it must map to)
CASES = [
    ("征 信", "征信", "征信", "征 信"),
    ("逾-期 催.收 法/院 还~款", "逾期催收法院还款", "法院", "法/院"),
    ("您好 张先生", "您好张先生", "张", "张"),
    ("请加V：abc123", "请加微信:abc123", "加微信", "加V"),
    ("薇信号xyz", "微信号xyz", "微信", "薇信"),
    ("扣扣 12345678", "QQ 12345678", "QQ", "扣扣"),
    ("崔收部门", "催收部门", "催收", "崔收"),
    ("您的正信有问题", "您的征信有问题", "征信", "正信"),
    ("认证信息已更新", "认证信息已更新", "认证", "认证"),
    ("剩余期限三个月", "剩余期限三个月", "余期", "余期"),
    ("施工安全第一", "施工安全第一", "工安", "工安"),
    ("１３８①２３４５６７８", "13812345678", "138", "１３８"),
    ("幺三八零零一二三四五六", "13800123456", "13800123456", "幺三八零零一二三四五六"),
    ("一万二千元", "一万二千元", "一万二千", "一万二千"),
    ("征💰信", "征信", "征信", "征💰信"),
    ("征\u200b信\ufeff", "征信", "征信", "征\u200b信"),
    ("關(guān)係(xì)", "关系", "关系", "關(guān)係"),
    ("帳戶(A)餘額", "帐户(A)余额", "(A)", "(A)"),
    ("點擊 t . cn / aB12 處理", "点击 t.cn/aB12 处理", "t.cn/aB12", "t . cn / aB12"),
    ("访问 pay点com", "访问 pay.com", "pay.com", "pay点com"),
    ("h t t p s : / / x.example", "https://x.example", "https://", "h t t p s : / / "),
    ("隨著時間推移，這意味著", "随着时间推移,这意味着", "随着", "隨著"),
    ("這是什么意思，帳戶怎麼辦", "这是什么意思,帐户怎么办", "什么", "什么"),
    ("ｖх：ab１２", "微信:ab12", "微信", "ｖх"),
    ("a\r\nb\rc", "a\nb\nc", "b", "b"),
    ("NUL\x00here", "NULhere", "here", "here"),
]


@pytest.mark.parametrize(("raw", "expected", "probe", "orig_probe"), CASES)
def test_normalize_table(raw: str, expected: str, probe: str, orig_probe: str) -> None:
    n = normalize(raw)
    assert n.text == expected
    assert n.original == raw
    i = n.text.index(probe)
    assert n.original_span(i, i + len(probe)) == orig_probe


def test_converted_flag_and_no_conversion() -> None:
    assert normalize("徵信").converted
    assert not normalize("征信").converted
    assert normalize("徵信", convert=False).text == "徵信"


def test_evasion_edits_are_recorded_with_original_offsets() -> None:
    raw = "【某贷】加V 崔收 征 信"
    n = normalize(raw)
    ev = n.evasion_edits
    assert {e.rule for e in ev} >= {"im.jia_v", "word.cuishou"}
    for e in n.edits:
        assert raw[e.start : e.end] == e.before


def test_empty_and_type_errors() -> None:
    assert normalize("").text == ""
    with pytest.raises(TypeError, match="text"):
        normalize(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        normalize("abc").to_original(2, 9)


def test_lone_surrogates_are_dropped() -> None:
    n = normalize("a\ud800b")
    assert n.text == "ab"
    assert n.text.encode("utf-8")


def test_large_input_is_handled() -> None:
    chunk = "您的账户已逾期，请登录App还款。加V：ab12，征 信受损。"
    n = normalize(chunk * 20000)  # ~600k characters
    assert n.text.count("加微信") == 20000
    s, e = n.to_original(len(n.text) - 3, len(n.text))
    assert n.original[s:e] == n.text[-3:]


_ALPHABET = st.sampled_from(
    list("征信逾期催收法院还款贷加微信关系的了是您请 -./·~*\u200b\u3000()（）,，。１２３①abcVv")
    + ["(guān)", "加V", "薇信", "崔收", "👍", "💰", "t . cn", "點擊", "帳戶", "隨著", "\r\n", "\n"]
)
_TEXTS = st.lists(_ALPHABET, max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(_TEXTS, st.data())
def test_every_span_maps_inside_the_original(text: str, data: st.DataObject) -> None:
    n = normalize(text)
    start = data.draw(st.integers(0, len(n.text)))
    end = data.draw(st.integers(start, len(n.text)))
    s, e = n.to_original(start, end)
    assert 0 <= s <= e <= len(n.original)
    if end > start:
        assert e > s or n.text[start:end] == ""


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("我们您的账单请按时还款谢谢")), min_size=1, max_size=30), _TEXTS)
def test_untouched_regions_map_to_identical_text(plain: str, noisy: str) -> None:
    # plain text that no step changes keeps its characters and its position
    n = normalize(noisy + "。" + plain)
    i = n.text.rindex("。") + 1
    assert n.text[i:] == plain
    assert n.original_span(i, len(n.text)) == plain
    for k in range(i, len(n.text)):
        assert n.original_span(k, k + 1) == n.text[k]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_any_text_normalises(text: str) -> None:
    n = normalize(text)
    n.text.encode("utf-8")  # no lone surrogates survive
    s, e = n.to_original(0, len(n.text))
    assert 0 <= s <= e <= len(text)


# ----------------------------------------------------------------------------- skipping steps
# normalize() skips a step when its trigger (a quick search) says the step would find nothing;
# a trigger that is wrongly false would silently change the output.

from notice_nlp.text import normalize as _norm  # noqa: E402
from notice_nlp.text.convert import get_converter  # noqa: E402

_TRIGGER_ALPHABET = st.sampled_from(
    list("征信逾期催收法院还款贷加微信关系一二三四五六七八九零幺两〇○O0123456789 -./·~*\\|'`_\t\n\r")
    + list("\u200b\u00ad\ufeff\x00\x85\ud800()（）,，。:：/abcdefghinorstuvwxyzCDKOTVX")
    + list("аеосхуАВЕКМ❶➀⓪ΟΑ🤑💰👍☎✅↑■\ufe0f\u200d\u3000＿点點·ſıİK")
    + ["(guān)", "(xì)", "(A)", "加V", "薇信", "崔收", "正信", "认证", "dot", "DOT", "(dot)", "[dot]", "（点）"]
    + ["com", "CN", "Top", "site", "ſite", "ınfo", "io", "h t t p s", "://", "t . cn / x"]
    + ["關係", "帳戶", "隨著", "什麼", "網際網路", "徵", "擡", "𠮷", "\U0002a6a5"]
)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.lists(_TRIGGER_ALPHABET, max_size=30).map("".join), st.text(max_size=40)))
def test_a_step_is_skipped_only_when_it_would_find_nothing(text: str) -> None:
    for name, trigger, step, _apply in _norm._pipeline():
        if trigger is not None and step is not None and not trigger(text):
            assert step(text) == [], name
        if name == "t2s" and trigger is not None and not trigger(text):
            assert get_converter().convert_with_edits(text) == (text, [])
    domain = _norm._url_patterns()[0]
    if domain.search(text) is not None:
        assert _norm._url_trigger().search(text) is not None


_TRIGGER_EXAMPLES = {
    "control": ["a\u200bb", "a\r\nb"],
    "homoglyph": ["раураl", "❶➀"],
    "emoji": ["征💰信", "a👍b"],
    "separator": ["征 信", "逾-期"],
    "phrase": ["加V", "崔收"],
    "digits": ["幺三八零零一二三四五六", "138零零123456"],
    "url": ["h t t p s : / / x", "HTTP：//"],
}
_URL_EXAMPLES = ["pay点com", "pay dot COM", "x 。ſite", "x.İo/a", "ab(dot)net", "t . cn / x", "K.Cn", "a · top"]


def test_each_trigger_fires_on_examples_of_its_step() -> None:
    steps = {name: (trigger, step) for name, trigger, step, _ in _norm._pipeline() if step is not None and trigger is not None}
    assert set(steps) == set(_TRIGGER_EXAMPLES)
    for name, examples in _TRIGGER_EXAMPLES.items():
        trigger, step = steps[name]
        for raw in examples:
            assert step(raw), (name, raw)
            assert trigger(raw), (name, raw)
    for raw in _URL_EXAMPLES:
        assert _norm._url_patterns()[0].search(raw), raw
        assert _norm._url_trigger().search(raw), raw
        assert steps["url"][0](raw), raw
    t2s = {name: trigger for name, trigger, _f, _a in _norm._pipeline()}["t2s"]
    assert t2s is not None
    for raw in ["關係", "網際網路", "徵信"]:
        assert get_converter().convert_with_edits(raw) != (raw, [])
        assert t2s(raw), raw
    assert "t2s" not in [name for name, *_ in _norm._pipeline(False)]


def test_fast_edit_constructor_builds_the_same_edit() -> None:
    args = ("nfkc", "nfkc", "format", 3, 4, "，", ",")
    fast, slow = _norm._new_edit(*args), _norm.NormEdit(*args)
    assert type(fast) is type(slow) and fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    with pytest.raises(AttributeError):
        fast.start = 0  # type: ignore[misc]


def test_ignorecase_closure_covers_what_re_ignorecase_matches() -> None:
    assert _norm._ignorecase_closure({"t", "."}) == {"t", "T", "."}
    assert {"s", "S", "ſ"} <= _norm._ignorecase_closure({"s"})
    assert {"k", "K", "\u212a"} <= _norm._ignorecase_closure({"k"})


def test_fast_normalized_constructor_builds_the_same_object() -> None:
    import pickle

    from notice_nlp.text.normalize import Normalized

    n = normalize("關(guān)係，加V 征 信")
    slow = Normalized(n.text, n.original, n.edits, n.converted, n._maps)
    assert type(n) is Normalized and n == slow and hash(n) == hash(slow) and repr(n) == repr(slow)
    assert list(vars(n).items()) == list(vars(slow).items())
    assert pickle.loads(pickle.dumps(n)) == slow
    with pytest.raises(AttributeError):
        n.text = "x"  # type: ignore[misc]


def test_nfkc_after_a_dropped_character_and_with_longer_forms_maps_back() -> None:
    raw = "\u200b㈱，…x"
    n = normalize(raw)
    assert n.text == "(株),...x"
    assert [(e.step, e.start, e.end, e.before, e.after) for e in n.edits] == [
        ("control", 0, 1, "\u200b", ""),
        ("nfkc", 1, 2, "㈱", "(株)"),
        ("nfkc", 2, 3, "，", ","),
        ("nfkc", 3, 4, "…", "..."),
    ]
    assert n.original_span(1, 2) == "㈱"
    assert n.original_span(n.text.index("x"), len(n.text)) == "x"
