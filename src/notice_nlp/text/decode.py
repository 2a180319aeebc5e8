"""bytes → str for the encodings Chinese text arrives in.

Order of evidence: a byte-order mark; UTF-16 without a BOM recognised by its NUL pattern
(ASCII-heavy text, 8 bytes or more); strict UTF-8; UTF-16 without a BOM read as Chinese; then
the legacy Chinese encodings GB18030 (a superset of GBK/GB2312) and Big5, decoded *strictly*.
When both legacy decodings succeed, the one whose Han characters are more often among the
common characters of that encoding wins (a wrong decoding produces rare characters, or private-
use ones: Big5 read as GB18030). Nothing fits → :class:`DecodeError`; we never return silent
mojibake.

UTF-16 without a BOM and without NUL bytes (Chinese only: 你好 is ``60 4F 7D 59``), or too
short for the NUL pattern (3天 is ``33 00 29 59``), is read as UTF-16 when a byte order gives
text that reads as Chinese: Han characters, Chinese punctuation, ASCII and the symbols SMS
use, at least 60 % of the non-ASCII ones common (common Han characters of GB2312 or Big5,
Chinese punctuation). When that reading and another one (the other byte order, GB18030 or
Big5) are equally good, :class:`DecodeError` says so rather than guess. UTF-16 is tried only
when the bytes are not UTF-8, or are UTF-8 with NULs. Bytes that are valid UTF-8 without NUL
are always read as UTF-8, stray control characters and all: every such byte string is also
somebody's real UTF-8 text (1 in 6 four-letter English words reads as Chinese in UTF-16 by this
measure, and "fi\x7fnal" would come back as 楦湿污). So a Chinese UTF-16 text whose bytes happen to be valid
UTF-8 (你好 is the ASCII "`O}Y"; about 1 snippet of 2–10 characters in 100, almost never a
longer text) reads as that UTF-8 text; pass ``encoding="utf-16-le"`` for such input. Likewise
characters whose UTF-16 code unit ends in a 00 byte (一 U+4E00, 刀, 怀, the ideographic space)
are ASCII in the other byte order: when that reading (一一一面 → NNN抗) reads just as well, the
byte order whose NULs look like ASCII text's wins, as for any UTF-16 with ASCII in it.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["DecodeError", "decode"]

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_LEGACY = ("gb18030", "big5")


class DecodeError(ValueError):
    """The bytes are not text in any encoding we accept."""


def _is_common_gb(ch: str) -> bool:
    # GB2312 level-1 characters (the 3,755 most frequent Han characters) sit in rows 0xB0–0xD7.
    try:
        b = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(b) == 2 and 0xB0 <= b[0] <= 0xD7


def _is_common_big5(ch: str) -> bool:
    # Big5 "frequently used" characters: 0xA440–0xC67E.
    try:
        b = ch.encode("big5")
    except UnicodeEncodeError:
        return False
    return len(b) == 2 and 0xA440 <= (b[0] << 8 | b[1]) <= 0xC67E


_COMMON = {"gb18030": _is_common_gb, "big5": _is_common_big5}


_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def _plausibility(text: str, encoding: str, sample: int = 4000) -> float:
    if _PRIVATE_USE.search(text, 0, sample):
        return 0.0  # GB18030 maps byte pairs no text uses (Big5 text read as GB18030) there
    han = [c for c in text[:sample] if "\u4e00" <= c <= "\u9fff"]
    if not han:
        return 0.5
    is_common = _COMMON[encoding]
    return sum(1 for c in han if is_common(c)) / len(han)


# Characters a Chinese message is written with besides Han characters and ASCII: common ones
# (CJK and full-width punctuation, quotes, dashes, ellipsis, ￥) and allowed ones (Latin-1
# signs, number forms, circled digits, arrows, shapes, dingbats, emoji, zero-width and
# variation selectors, bopomofo, CJK extension A).
_COMMON_MARKS = ((0x3000, 0x303F), (0xFF01, 0xFF5E), (0x2010, 0x2027), (0xFFE0, 0xFFE5))
_OTHER_MARKS = (
    (0x00A0, 0x00FF), (0x2150, 0x218F), (0x2190, 0x21FF), (0x2460, 0x24FF), (0x25A0, 0x27BF),
    (0x200B, 0x200D), (0xFE0E, 0xFE0F), (0x3100, 0x312F), (0x3400, 0x4DBF), (0x1F000, 0x1FAFF),
)


def _in(cp: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


def _cjk_reading(text: str) -> float | None:
    """How much ``text`` reads like Chinese: the share of common characters (common Han
    characters of GB2312 or Big5, Chinese punctuation) among its non-ASCII characters. None when
    it holds a character Chinese text does not use (a Hangul syllable, a private-use or
    Arabic character …), or symbols without any Han character; text of ASCII and Chinese
    punctuation alone reads as 1.0."""
    common = other = han = 0
    for ch in text:
        if " " <= ch <= "~" or ch in "\t\n\r":
            continue
        if "\u4e00" <= ch <= "\u9fff":
            han += 1
            if _is_common_gb(ch) or _is_common_big5(ch):
                common += 1
            else:
                other += 1
            continue
        cp = ord(ch)
        if _in(cp, _COMMON_MARKS):
            common += 1
        elif _in(cp, _OTHER_MARKS):
            other += 1
        else:
            return None
    if not han:  # ASCII and Chinese punctuation alone still read as text
        return 1.0 if not other else None
    return common / (common + other)


_MIN_COMMON = 0.6  # share of common characters among the Han characters of a reading


def _utf16_chinese(data: bytes) -> tuple[float, str | None] | None:
    """UTF-16 without a BOM read as Chinese (see the module docstring): ``(share of common
    characters, text)``; the text is None when both byte orders read
    equally well (ambiguous). None when neither reads as Chinese."""
    if len(data) < 4 or len(data) % 2:
        return None
    readings: list[tuple[float, str]] = []
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        share = _cjk_reading(text)
        if share is not None and share >= _MIN_COMMON:
            readings.append((share, text))
    if not readings:
        return None
    readings.sort(key=lambda r: r[0], reverse=True)
    if len(readings) == 2 and readings[0][0] == readings[1][0]:
        return readings[0][0], None
    return readings[0]


def _ambiguous(n: int, what: str) -> DecodeError:
    return DecodeError(
        f"cannot decode {n} bytes: without a byte-order mark they read as Chinese in {what} alike; "
        "pass encoding= (for example 'utf-16-le')"
    )



def _looks_utf16(data: bytes) -> str | None:
    if len(data) < 8 or len(data) % 2 or b"\x00" not in data:
        return None
    even_nuls = data[0::2].count(0)
    odd_nuls = data[1::2].count(0)
    half = len(data) // 2
    # ASCII-heavy UTF-16 has NULs in one byte lane; CJK-heavy UTF-16 has none but still decodes.
    if odd_nuls > 0.5 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.5 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


def decode(data: bytes | bytearray | memoryview, encoding: str | None = None) -> str:
    """Decode ``data`` to ``str``.

    ``encoding`` forces one codec (errors still raise :class:`DecodeError`). Without it the
    encoding is detected as described in the module docstring.
    """
    if isinstance(data, str):
        raise TypeError("decode(data): expected bytes, got str (it is already text)")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"decode(data): expected bytes, got {type(data).__name__}")
    raw = bytes(data)
    if encoding is not None:
        try:
            return raw.decode(encoding)
        except LookupError as exc:
            raise DecodeError(f"unknown encoding {encoding!r}") from exc
        except UnicodeDecodeError as exc:
            raise DecodeError(
                f"not valid {encoding}: byte 0x{raw[exc.start]:02x} at offset {exc.start}"
            ) from exc
    if not raw:
        return ""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom):].decode(codec)
            except UnicodeDecodeError as exc:
                raise DecodeError(
                    f"starts with a {codec} byte-order mark but is not valid {codec} "
                    f"(offset {exc.start + len(bom)})"
                ) from exc
    # UTF-16 without a BOM first: ASCII-heavy UTF-16 is also valid UTF-8 (full of NULs)
    utf16 = _looks_utf16(raw)
    if utf16:
        # the NUL lane can mislead on Chinese: 一 is U+4E00, so 的一一一 has NULs where ASCII
        # in the other byte order would; the byte order that reads better as Chinese wins
        best: tuple[float, str] | None = None
        for codec in (utf16, "utf-16-be" if utf16 == "utf-16-le" else "utf-16-le"):
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                continue
            share = _cjk_reading(text)
            score = -1.0 if share is None else share
            if best is None or score > best[0]:
                best = score, text
        if best is not None:
            return best[1]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    else:
        if "\x00" not in text:
            # Valid UTF-8 without NUL stays UTF-8, control characters and all: lowercase ASCII
            # byte pairs also read as common Han characters in UTF-16 ("fi\x7fnal" → 楦湿污),
            # so a guess here would turn real text into mojibake.
            return text
        u16 = _utf16_chinese(raw)  # UTF-8 with NULs: maybe UTF-16
        if u16 is None:
            return text
        if u16[1] is None:
            raise _ambiguous(len(raw), "UTF-16 little- and big-endian")
        return u16[1]
    u16 = _utf16_chinese(raw)
    legacy: tuple[float, str] | None = None
    candidates: list[tuple[float, str, str]] = []
    for codec in _LEGACY:
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        candidates.append((_plausibility(text, codec), codec, text))
    if candidates:
        score, codec, text = max(candidates, key=lambda c: c[0])
        # Random binary can decode as GB18030; demand that most Han characters are common ones
        # and that there are few C0 control characters.
        controls = sum(1 for c in text[:4000] if c < " " and c not in "\t\r\n\f")
        if score >= _MIN_COMMON and controls <= 0.01 * max(1, min(len(text), 4000)):
            legacy = score, text
    # UTF-16 read as Chinese against GB18030/Big5: the reading with more common characters
    if u16 is not None and (legacy is None or u16[0] > legacy[0]):
        if u16[1] is None:
            raise _ambiguous(len(raw), "UTF-16 little- and big-endian")
        return u16[1]
    if legacy is not None and (u16 is None or legacy[0] > u16[0]):
        return legacy[1]
    if u16 is not None:
        raise _ambiguous(len(raw), "UTF-16 and GB18030/Big5")
    raise DecodeError(
        "cannot decode: not UTF-8 (invalid byte 0x%02x at offset %d), UTF-16, GB18030 or Big5"
        % (raw[utf8_error.start], utf8_error.start)
    )
