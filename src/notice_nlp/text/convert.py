"""Traditional → Simplified conversion behind one adapter.

Backend: the ``opencc`` wheel (OpenCC's C++ library, pinned; ~8 M chars/s). Until 2026-11-23 we
used the pure-Python ``opencc-python-reimplemented`` 0.1.7, whose 2017 tables were ~30x slower
and wrong on a few characters (麼→幺 in 什麼, 擡 kept); the adapter still accepts it if that is
the ``opencc`` module installed (both install the module ``opencc``: install one, never both;
the configs differ in name only, ``tw2s`` vs ``tw2s.json``).

Config choice — ``tw2s``: Taiwan-variant Traditional → Simplified, characters only. Compared
with ``t2s`` it folds Taiwan variant forms first, so 隨著/意味著 become 随着/意味着 (``t2s`` keeps
著). We do *not* use ``tw2sp``: its phrase table rewrites Taiwan IT vocabulary and corrupts
ordinary text (核心→内核, 建立→创建, seen on a seed article). Taiwan wording therefore stays
Taiwan wording in Simplified characters (簡訊→简讯, 連結→连结), and the cue lexicons in
``rules/`` list those variants next to the mainland words.
Phrase conversion may change a length (網際網路→互联网); such a phrase is recorded as one
edit, so offsets still map back.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Any

from notice_nlp.resources import read_text

__all__ = ["Converter", "get_converter", "CONFIG"]

CONFIG = "tw2s"

Edit = tuple[int, int, str]


def _class(chars: frozenset[str]) -> re.Pattern[str]:
    """A class that holds ``chars``: exact in the Basic Multilingual Plane, plus one range over
    the astral planes (a class with many astral characters is tested character by character,
    ~100x slower), so a match is a candidate that must be looked up in ``chars``."""
    bmp = "".join(re.escape(c) for c in sorted(chars) if c <= "\uffff")
    astral = "\U00010000-\U0010ffff" if any(c > "\uffff" for c in chars) else ""
    return re.compile(f"[{bmp}{astral}]")


def _holds(chars: frozenset[str], candidates: re.Pattern[str], text: str) -> bool:
    """``not chars.isdisjoint(text)``, quicker (see :func:`_class`)."""
    m = candidates.search(text)
    if m is None:
        return False
    return m.group() in chars or not chars.isdisjoint(text[m.end() :])


@functools.cache
def _keep_chars() -> tuple[frozenset[str], re.Pattern[str]]:
    lines = [ln for ln in read_text("opencc_keep.txt").splitlines() if ln and not ln.startswith("#")]
    chars = frozenset("".join(lines))
    return chars, _class(chars)


def _restore_kept(original: str, converted: str) -> str:
    """Undo tw2s on standard Simplified characters it rewrites (什么 must not become 什幺)."""
    keep, candidates = _keep_chars()
    if not _holds(keep, candidates, original):
        return converted
    return "".join(o if o in keep else c for o, c in zip(original, converted))


@functools.cache
def _traditional() -> tuple[frozenset[str], re.Pattern[str]]:
    lines = [ln for ln in read_text("traditional_chars.txt").splitlines() if ln and not ln.startswith("#")]
    chars = frozenset("".join(lines))
    return chars, _class(chars)


class Converter:
    """Thread-safe wrapper around whichever ``opencc`` module is installed."""

    def __init__(self, config: str = CONFIG) -> None:
        import opencc  # deferred: tables load here, not at import of notice_nlp

        self.config = config
        self._lock = threading.Lock()
        self._impl: Any
        try:
            self._impl = opencc.OpenCC(f"{config}.json")  # the C++ wheel wants the config's file name
            self.backend = "OpenCC"
        except Exception:
            self._impl = opencc.OpenCC(config)
            self.backend = "opencc-python-reimplemented"
        if not hasattr(self._impl, "convert"):
            raise RuntimeError("the installed 'opencc' module has no OpenCC.convert")

    @staticmethod
    def has_traditional(text: str) -> bool:
        return _holds(*_traditional(), text)

    def convert(self, text: str) -> str:
        # OpenCC's converter is not documented as thread-safe; one lock costs little here.
        with self._lock:
            return str(self._impl.convert(text))

    def convert_with_edits(self, text: str) -> tuple[str, list[Edit]]:
        """Convert ``text`` line by line, keeping positions.

        Returns ``(base, edits)``: in ``base`` every line whose conversion kept its length is
        already converted (positions unchanged, so no offset map is needed); a line whose length
        changed is converted character by character and its phrase changes are given as ``edits``,
        which the caller applies with :func:`notice_nlp.text.offsets.apply_edits`.
        """
        if not self.has_traditional(text):
            return text, []
        whole = self.convert(text)
        if len(whole) == len(text):  # the common case: one call, positions unchanged
            return _restore_kept(text, whole), []
        out_lines: list[str] = []
        edits: list[Edit] = []
        offset = 0
        for line in text.split("\n"):
            new = self.convert(line) if self.has_traditional(line) else line
            if len(new) == len(line):
                new = _restore_kept(line, new)
            else:
                new = self._align_line(line, offset, edits)
            out_lines.append(new)
            offset += len(line) + 1
        return "\n".join(out_lines), edits

    def _align_line(self, line: str, offset: int, edits: list[Edit]) -> str:
        """A line whose conversion changed length: convert clause by clause; inside a clause
        that changed length, convert character by character for the base text and record only
        the phrase-level differences as edits (so offsets stay precise)."""
        base: list[str] = []
        pos = offset
        for m in _CHUNK.finditer(line):
            chunk = m.group()
            new = self.convert(chunk)
            if len(new) == len(chunk):
                base.append(new)
            else:
                per_char = _restore_kept(chunk, "".join(self.convert(c) for c in chunk))
                if len(per_char) != len(chunk):
                    per_char = chunk
                base.append(per_char)
                # one edit from the first to the last differing character: a phrase such as
                # 網際網路→互联网 maps back as a whole
                p = 0
                while p < min(len(per_char), len(new)) and per_char[p] == new[p]:
                    p += 1
                q = 0
                while q < min(len(per_char), len(new)) - p and per_char[-1 - q] == new[-1 - q]:
                    q += 1
                edits.append((pos + p, pos + len(per_char) - q, new[p : len(new) - q]))
            pos += len(chunk)
        return "".join(base)


_CHUNK = re.compile(r"[^\s,.!?;:，。！？；：、()（）]+|.", re.S)

_lock = threading.Lock()
_converters: dict[str, Converter] = {}


def get_converter(config: str = CONFIG) -> Converter:
    conv = _converters.get(config)
    if conv is None:
        with _lock:
            conv = _converters.get(config)
            if conv is None:
                conv = _converters[config] = Converter(config)
    return conv
