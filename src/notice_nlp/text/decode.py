"""bytes → str for the encodings Chinese text arrives in.

Order of evidence: a byte-order mark; strict UTF-8; UTF-16 without a BOM (recognised by its
NUL pattern); then the legacy Chinese encodings GB18030 (a superset of GBK/GB2312) and Big5,
decoded *strictly*. When both legacy decodings succeed, the one whose Han characters are more
often among the common characters of that encoding wins (a wrong decoding produces rare
characters). Nothing fits → :class:`DecodeError`; we never return silent mojibake.
"""

from __future__ import annotations

import codecs

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


def _plausibility(text: str, encoding: str, sample: int = 4000) -> float:
    han = [c for c in text[:sample] if "\u4e00" <= c <= "\u9fff"]
    if not han:
        return 0.5
    is_common = _COMMON[encoding]
    return sum(1 for c in han if is_common(c)) / len(han)


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
        try:
            return raw.decode(utf16)
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
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
        if score >= 0.6 and controls <= 0.01 * max(1, min(len(text), 4000)):
            return text
    raise DecodeError(
        "cannot decode: not UTF-8 (invalid byte 0x%02x at offset %d), UTF-16, GB18030 or Big5"
        % (raw[utf8_error.start], utf8_error.start)
    )
