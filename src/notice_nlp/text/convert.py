"""Traditional → Simplified conversion behind one adapter.

Backends: the pure-Python ``opencc-python-reimplemented`` (our dependency) or the C++
``OpenCC`` wheel; both install the module ``opencc`` (install one, never both). The configs
differ in name only (``tw2sp`` vs ``tw2sp.json``).

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


@functools.cache
def _keep_chars() -> frozenset[str]:
    lines = [ln for ln in read_text("opencc_keep.txt").splitlines() if ln and not ln.startswith("#")]
    return frozenset("".join(lines))


def _restore_kept(original: str, converted: str) -> str:
    """Undo tw2s on standard Simplified characters it rewrites (什么 must not become 什幺)."""
    keep = _keep_chars()
    if keep.isdisjoint(original):
        return converted
    return "".join(o if o in keep else c for o, c in zip(original, converted))


@functools.cache
def _traditional_chars() -> frozenset[str]:
    lines = [ln for ln in read_text("traditional_chars.txt").splitlines() if ln and not ln.startswith("#")]
    return frozenset("".join(lines))


class Converter:
    """Thread-safe wrapper around whichever ``opencc`` module is installed."""

    def __init__(self, config: str = CONFIG) -> None:
        import opencc  # deferred: tables load here, not at import of notice_nlp

        self.config = config
        self._lock = threading.Lock()
        self._impl: Any
        try:
            self._impl = opencc.OpenCC(config)
            self.backend = "opencc-python-reimplemented"
        except Exception:  # the C++ wheel wants the file name of the config
            self._impl = opencc.OpenCC(f"{config}.json")
            self.backend = "OpenCC"
        if not hasattr(self._impl, "convert"):
            raise RuntimeError("the installed 'opencc' module has no OpenCC.convert")

    @staticmethod
    def has_traditional(text: str) -> bool:
        return not _traditional_chars().isdisjoint(text)

    def convert(self, text: str) -> str:
        # The C++ backend is not documented as thread-safe; one lock costs little here.
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
        trad = _traditional_chars()
        out_lines: list[str] = []
        edits: list[Edit] = []
        offset = 0
        for line in text.split("\n"):
            new = line if trad.isdisjoint(line) else self.convert(line)
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
