from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notice_nlp.text.decode import DecodeError, decode

SIMPLIFIED = "您的借款已逾期三天，请于今日登录官方App还款，如有疑问请致电客服热线。"
TRADITIONAL = "您的帳款已逾期三天，請於今日登入官方App繳款，如有疑問請致電客服專線。"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (SIMPLIFIED.encode("utf-8"), SIMPLIFIED),
        (codecs.BOM_UTF8 + SIMPLIFIED.encode("utf-8"), SIMPLIFIED),
        (SIMPLIFIED.encode("gb18030"), SIMPLIFIED),
        (SIMPLIFIED.encode("gbk"), SIMPLIFIED),
        (TRADITIONAL.encode("big5"), TRADITIONAL),
        (codecs.BOM_UTF16_LE + SIMPLIFIED.encode("utf-16-le"), SIMPLIFIED),
        (codecs.BOM_UTF16_BE + SIMPLIFIED.encode("utf-16-be"), SIMPLIFIED),
        ("plain ascii text only".encode("utf-16-le"), "plain ascii text only"),
        (b"", ""),
    ],
)
def test_decodes_each_encoding(data: bytes, expected: str) -> None:
    assert decode(data) == expected


def test_forced_encoding_and_errors() -> None:
    assert decode(SIMPLIFIED.encode("gb18030"), "gb18030") == SIMPLIFIED
    with pytest.raises(DecodeError, match="offset"):
        decode(SIMPLIFIED.encode("gb18030"), "utf-8")
    with pytest.raises(DecodeError, match="unknown encoding"):
        decode(b"abc", "no-such-codec")


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 8,  # binary
        b"\x89PNG\r\n\x1a\n" + bytes(200),
        b"\xff\xfe\x00\xd8",  # UTF-16 BOM with a lone surrogate
    ],
)
def test_undecodable_raises_clear_error(data: bytes) -> None:
    with pytest.raises(DecodeError):
        decode(data)


def test_type_errors_name_the_argument() -> None:
    with pytest.raises(TypeError, match="data"):
        decode("already text")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="data"):
        decode(123)  # type: ignore[arg-type]


# Control characters are left out: UTF-16 without a BOM is recognised by its NUL bytes, so a
# "UTF-8" text made of NULs and letters is genuinely ambiguous.
@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=200))
def test_utf8_roundtrip(text: str) -> None:
    assert decode(text.encode("utf-8")) == text


# ------------------------------------------------------------ UTF-16 without a byte-order mark

SHORT_CHINESE = ["逾期", "请还款", "征信报告", "3天内还款", "尊敬的客户您好", "立即还款否则起诉", "账单", "中国银行", "今天", "微信", "OK吗", "催收电话"]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", SHORT_CHINESE)
def test_short_utf16_without_bom_decodes(text: str, codec: str) -> None:
    assert decode(text.encode(codec)) == text


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_longer_message(codec: str) -> None:
    assert decode(SIMPLIFIED.encode(codec)) == SIMPLIFIED
    assert decode(TRADITIONAL.encode(codec)) == TRADITIONAL


def test_ambiguous_short_input_is_an_error_not_a_guess() -> None:
    # 您好 in UTF-16-LE reads as common Chinese in GB18030/Big5 as well
    with pytest.raises(DecodeError, match="byte-order mark"):
        decode("您好".encode("utf-16-le"))
    assert decode("您好".encode("utf-16-le"), "utf-16-le") == "您好"


def test_utf16_bytes_that_are_valid_utf8_read_as_utf8() -> None:
    """The documented limit: 你好 in UTF-16-LE is the ASCII text "`O}Y", and ASCII stays ASCII."""
    data = "你好".encode("utf-16-le")
    assert data == b"`O}Y"
    assert decode(data) == "`O}Y"
    assert decode(data, "utf-16-le") == "你好"


@pytest.mark.parametrize("text", ["賬款，", "帳戶餘額", "請於今日繳款"])
def test_short_big5_is_not_read_as_gb18030(text: str) -> None:
    # GB18030 reads these bytes too, but partly as private-use characters
    assert decode(text.encode("big5")) == text


def _common_gb(ch: str) -> bool:
    b = ch.encode("gb2312")
    return len(b) == 2 and 0xB0 <= b[0] <= 0xD7


_COMMON_HAN = [c for c in "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研借款逾期还账户银行贷催收征信" if _common_gb(c)]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(_COMMON_HAN + list("，。：！？、【】")), min_size=2, max_size=10).map("".join),
    st.sampled_from(["utf-16-le", "utf-16-be"]),
)
def test_utf16_without_bom_is_never_mojibake(text: str, codec: str) -> None:
    """Short Chinese UTF-16 without a BOM decodes to itself or fails clearly; the other answers
    are the documented ones: the bytes are UTF-8 text of their own, or text with ASCII in the
    other byte order that reads just as well (一 is U+4E00: 一一一面 is NNN抗 the other way)."""
    data = text.encode(codec)
    try:
        out = decode(data)
    except DecodeError:
        return
    if out == text:
        return
    other = data.decode("utf-16-be" if codec == "utf-16-le" else "utf-16-le", "replace")
    if out == other:
        assert any(c.isascii() for c in other)
        return
    # bytes that are valid UTF-8 without NUL are read as UTF-8 (see the next test for why)
    assert out == data.decode("utf-8") and "\x00" not in out


@pytest.mark.parametrize("text", ["report note\x7f overdue contact", "fi\x7fnal", "esc\x1b[0m done", "逾期\x7f提醒"])
def test_valid_utf8_with_a_stray_control_stays_utf8(text: str) -> None:
    """Lowercase ASCII pairs also read as common Han characters in UTF-16 (fi → 楦); valid UTF-8
    without NUL must not be turned into such mojibake."""
    assert decode(text.encode("utf-8")) == text


_MIXED = st.sampled_from(list("您的借款已逾期三天请于今日登录官方还款上下，。！？：【】abcXYZ019 .,:/-") + ["\n", "\t", "\r\n"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_MIXED, max_size=30).map("".join))
def test_utf8_with_line_breaks_and_tabs_roundtrips(text: str) -> None:
    # line breaks and tabs are ordinary text: they never make UTF-8 look like UTF-16
    assert decode(text.encode("utf-8")) == text
