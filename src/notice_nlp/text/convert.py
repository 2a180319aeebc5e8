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

Speed: the pure-Python backend converts ~0.3 M chars/s; :class:`_Tables` applies the same
dictionaries with the same matching rule ~10× faster (see its docstring for why the output is
identical; a probe checks it against the backend when the tables are built).
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


class _Tables:
    """The dictionaries of ``opencc-python-reimplemented`` applied without its parse trees.

    What the backend does: split the text at its separators (white space and punctuation,
    ``split_chars_re``) and, in each segment, apply the dictionary groups of the config in
    turn. Within a group the dictionaries are tried in order on the text no earlier dictionary
    of the group matched: each one takes the longest key found anywhere in that text (the
    leftmost one when several are equally long) and repeats on what lies left and right of it.

    Taking the best occurrence and repeating on both sides is the same as going through all
    key occurrences once, longest first and then leftmost, and keeping each one that does not
    overlap an occurrence already kept: both keep exactly the occurrences that are the best
    one inside the gap left around them. No key holds a separator character (checked when the
    tables are built), so no occurrence crosses a segment boundary and the whole text can be
    done in one go. A dictionary of single characters is a ``str.translate`` table. Multi-valued
    entries (``"藉 借"``) take their first value, as the backend does.
    """

    def __init__(self, chain: list[list[tuple[int, int, dict[str, str]]]], separators: re.Pattern[str]) -> None:
        self.groups: list[list[tuple[str, Any]]] = []
        for group in chain:
            steps: list[tuple[str, Any]] = []
            for _max_len, _min_len, table in group:
                first = {k: v.split(" ")[0] for k, v in table.items()}
                if separators.search("".join(first)):  # every separator is one character
                    raise ValueError("a dictionary key holds a separator")
                if all(len(k) == 1 for k in first):
                    steps.append(("chars", str.maketrans(first)))
                    continue
                lengths: dict[str, set[int]] = {}
                for k in first:
                    lengths.setdefault(k[0], set()).add(len(k))
                by_first = {c: tuple(sorted(ls, reverse=True)) for c, ls in lengths.items()}
                starts = re.compile("[" + "".join(re.escape(c) for c in sorted(by_first)) + "]")
                steps.append(("phrases", (first, by_first, starts)))
            self.groups.append(steps)

    @staticmethod
    def _occurrences(s: str, table: dict[str, str], by_first: dict[str, tuple[int, ...]], starts: re.Pattern[str]) -> list[tuple[int, int]]:
        """Kept key occurrences in ``s`` as sorted ``(start, end)`` spans."""
        n = len(s)
        found: list[tuple[int, int]] = []  # (-length, start)
        for m in starts.finditer(s):
            i = m.start()
            for length in by_first[s[i]]:
                if i + length <= n and s[i : i + length] in table:
                    found.append((-length, i))
        if len(found) <= 1:
            return [(i, i - neg) for neg, i in found]
        found.sort()
        taken = bytearray(n)
        kept: list[tuple[int, int]] = []
        for neg, i in found:
            e = i - neg
            if taken.find(1, i, e) < 0:
                taken[i:e] = b"\x01" * (e - i)
                kept.append((i, e))
        kept.sort()
        return kept

    def _group(self, s: str, steps: list[tuple[str, Any]]) -> str:
        pieces: list[tuple[str, bool]] | None = None  # (text, already matched in this group)
        for kind, data in steps:
            if kind == "chars":
                if pieces is None:
                    return s.translate(data)
                return "".join(p if done else p.translate(data) for p, done in pieces)
            table, by_first, starts = data
            new: list[tuple[str, bool]] = []
            for p, done in pieces if pieces is not None else [(s, False)]:
                spans = [] if done else self._occurrences(p, table, by_first, starts)
                if not spans:
                    new.append((p, done))
                    continue
                pos = 0
                for a, b in spans:
                    if pos < a:
                        new.append((p[pos:a], False))
                    new.append((table[p[a:b]], True))
                    pos = b
                if pos < len(p):
                    new.append((p[pos:], False))
            pieces = new
        return s if pieces is None else "".join(p for p, _ in pieces)

    def convert(self, text: str) -> str:
        for steps in self.groups:
            text = self._group(text, steps)
        return text


def _fast_tables(impl: Any) -> _Tables | None:
    """Tables for the pure-Python backend, or None when its internals are not as expected or
    the tables disagree with it on a probe text (then the backend itself is used)."""
    try:
        tables = _Tables(impl._dict_chain_data, impl.split_chars_re)
        keys = [k for group in impl._dict_chain_data for _, _, table in group for k in table if len(k) > 1]
        probe = "，".join(keys) + "。隨著普惠金融的快速發展，逾期問題也逐漸顯現。什么 著 藉藉甚"
        if tables.convert(probe) != str(impl.convert(probe)):
            return None
    except Exception:  # a backend version with other internals: use it as it is
        return None
    return tables


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
        self._tables = _fast_tables(self._impl) if self.backend == "opencc-python-reimplemented" else None

    @staticmethod
    def has_traditional(text: str) -> bool:
        return _holds(*_traditional(), text)

    def convert(self, text: str) -> str:
        if self._tables is not None:
            return self._tables.convert(text)
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
