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
