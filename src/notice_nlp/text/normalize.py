"""Normalisation with an offset map: ``normalize(text) -> Normalized``.

Steps, in order (each one recorded; see ``docs/normalization.md``):

1. ``control``   — drop zero-width characters, soft hyphens, lone surrogates, NUL and other C0/C1
                   controls (tab and newline kept; CR/CRLF become LF).
2. ``nfkc``      — Unicode NFKC, character by character: full-width letters/digits/ASCII
                   punctuation become half-width (，→, ！→! ：→: （）→()), circled and
                   mathematical digits become digits, CJK compatibility ideographs and Kangxi
                   radicals become ordinary Han characters. Ideographic punctuation that has no
                   compatibility form (。、【】「」《》) is kept as it is.
3. ``homoglyph`` — Cyrillic/Greek look-alikes and dingbat digits → Latin letters and digits.
4. ``pinyin``    — a pinyin reading in parentheses right after a Han character is removed
                   (關(guān) → 關).
5. ``emoji``     — emoji and pictographs standing inside a word or number are removed.
6. ``separator`` — separators inserted between Han characters (征 信, 逾-期, 法/院) are removed.
7. ``t2s``       — Traditional → Simplified with OpenCC (``tw2s``), skipped when the text holds
                   no Traditional-only character.
8. ``phrase``    — de-obfuscation of code words and look-alikes from ``rules/obfuscation.toml``
                   (加V/薇信 → 加微信/微信, 崔收 → 催收, 正信 → 征信 …), with context exclusions.
9. ``digits``    — Chinese digits written as a phone/account number (幺三八…) → ASCII digits.
10. ``url``      — broken links are joined (``t . cn / x``, ``点com``, ``h t t p s``).

Steps 1–7 make text comparable; steps 3, 5, 6 and 8–10 also undo deliberate evasion, and their
edits carry ``kind="evasion"`` so screening can treat the trick itself as a signal.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from notice_nlp.resources import load_toml
from notice_nlp.text.convert import _traditional, get_converter
from notice_nlp.text.offsets import StepMap, apply_edits

__all__ = ["Normalized", "NormEdit", "normalize"]

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RE = f"[{HAN}]"


@dataclass(frozen=True, slots=True)
class NormEdit:
    """One change made by a step, with its span in the ORIGINAL text."""

    step: str
    rule: str
    kind: str  # "evasion" | "variant" | "format"
    start: int
    end: int
    before: str
    after: str


@dataclass(frozen=True)
class Normalized:
    """Normalised text plus the way back to the original."""

    text: str
    original: str
    edits: tuple[NormEdit, ...] = ()
    converted: bool = False  # Traditional → Simplified was applied
    _maps: tuple[StepMap, ...] = field(default=(), repr=False)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the span ``[start, end)`` of :attr:`text` to a span of :attr:`original`."""
        if not (0 <= start <= end <= len(self.text)):
            raise ValueError(f"span ({start}, {end}) is outside the normalised text (0..{len(self.text)})")
        s, e = start, end
        for m in reversed(self._maps):
            s, e = m.span(s, e)
        return s, e

    def original_span(self, start: int, end: int) -> str:
        s, e = self.to_original(start, end)
        return self.original[s:e]

    @property
    def evasion_edits(self) -> tuple[NormEdit, ...]:
        return tuple(e for e in self.edits if e.kind == "evasion")


class _EditUnderConstruction:
    """A :class:`NormEdit` being filled in: the same slots, without the frozen ``__setattr__``.

    ``NormEdit(...)`` costs a call of ``object.__setattr__`` per field (the frozen dataclass's
    ``__init__``); a typical message gets a few edits (full-width punctuation), so that was a
    visible share of ``normalize``. :func:`_new_edit` stores the fields here with plain slot
    stores and then makes the object a ``NormEdit`` by assigning ``__class__``, which Python
    allows between classes with the same slots: ~1.7x faster, and the result is an ordinary
    ``NormEdit`` (equal, hashable, frozen).
    """

    __slots__ = NormEdit.__slots__
    step: str
    rule: str
    kind: str
    start: int
    end: int
    before: str
    after: str


if tuple(f.name for f in fields(NormEdit)) != _EditUnderConstruction.__slots__:
    raise RuntimeError("NormEdit fields changed: update _EditUnderConstruction and _new_edit")


def _new_edit(step: str, rule: str, kind: str, start: int, end: int, before: str, after: str) -> NormEdit:
    """``NormEdit(step, rule, kind, start, end, before, after)``, faster (see above)."""
    e = _EditUnderConstruction()
    e.step = step
    e.rule = rule
    e.kind = kind
    e.start = start
    e.end = end
    e.before = before
    e.after = after
    e.__class__ = NormEdit  # type: ignore[assignment]
    return e  # type: ignore[return-value]


if tuple(f.name for f in fields(Normalized)) != ("text", "original", "edits", "converted", "_maps"):
    raise RuntimeError("Normalized fields changed: update _new_normalized")


def _new_normalized(
    text: str, original: str, edits: tuple[NormEdit, ...], converted: bool, maps: tuple[StepMap, ...]
) -> Normalized:
    """``Normalized(text, original, edits, converted, maps)``, ~2x faster: the instance
    dictionary is filled directly instead of through the five ``object.__setattr__`` calls of
    the frozen dataclass's ``__init__`` (in the same order, so even ``vars()`` is equal)."""
    n = object.__new__(Normalized)
    d = n.__dict__
    d["text"] = text
    d["original"] = original
    d["edits"] = edits
    d["converted"] = converted
    d["_maps"] = maps
    return n


# --------------------------------------------------------------------------- step helpers

Found = list[tuple[int, int, str, str, str]]  # start, end, replacement, rule id, kind
Trigger = Callable[[str], object]  # see _pipeline()


_NFKC_BLOCKS = (
    (0x00A0, 0x03FF), (0x1D00, 0x1DBF), (0x2000, 0x33FF), (0xA640, 0xA69F),
    (0xF900, 0xFAFF), (0xFB00, 0xFDFF), (0xFE00, 0xFFEF), (0x1D400, 0x1D7FF),
    (0x1F100, 0x1F2FF), (0x2F800, 0x2FA1F),
)


@functools.cache
def _nfkc_table() -> tuple[re.Pattern[str], dict[str, str]]:
    """Characters that NFKC changes, from the blocks where compatibility forms live, with their
    NFKC forms. The pattern finds candidates: the exact characters of the Basic Multilingual
    Plane and the whole astral blocks (a class with many astral pieces is tested piece by
    piece on every character, ~10x slower); the table says which candidates change. The class is
    a capturing group, for :meth:`re.Pattern.split` in :func:`_apply_nfkc`."""
    table = {
        chr(cp): unicodedata.normalize("NFKC", chr(cp))
        for lo, hi in _NFKC_BLOCKS
        for cp in range(lo, hi + 1)
        if unicodedata.normalize("NFKC", chr(cp)) != chr(cp)
    }
    bmp = char_class([ord(c) for c in table if ord(c) <= 0xFFFF])
    astral = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _NFKC_BLOCKS if lo > 0xFFFF)
    return re.compile("(" + bmp[:-1] + astral + "])"), table


def char_class(codepoints: list[int]) -> str:
    """A regex character class with consecutive code points folded into ranges (fast to match)."""
    parts: list[str] = []
    cps = sorted(set(codepoints))
    i = 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        lo, hi = re.escape(chr(cps[i])), re.escape(chr(cps[j]))
        parts.append(lo if i == j else f"{lo}-{hi}")
        i = j + 1
    return "[" + "".join(parts) + "]"


# CR (with the LF after it) or a character to drop. The pattern starts with one class so the
# regex engine can skip to candidates; it matches exactly what "\r\n?|[…]" matches.
_CONTROL = re.compile(
    "[\r\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff](?:(?<=\r)\n)?"
)


def _step_control(text: str) -> Found:
    out: Found = []
    for m in _CONTROL.finditer(text):
        g = m.group()
        out.append((m.start(), m.end(), "\n" if g[0] == "\r" else "", "control", "format"))
    return out


def _apply_nfkc(text: str, original: str, maps: list[StepMap], edits: list[NormEdit]) -> str:
    """The nfkc step, applied directly rather than through :func:`_apply_found`: it changes
    almost every message (full-width ，：（）), so it is worth its own loop. Splitting on the
    candidate characters yields the untouched runs and the candidates as strings, without a
    match object or an intermediate edit tuple per candidate, and the same list, with the
    candidates replaced, is the new text (~1.4x faster than finding and then rewriting)."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    pat, table = _nfkc_table()
    get = table.get
    parts = pat.split(text)  # [run, candidate, run, candidate, …, run]; a candidate is one character
    moved: list[tuple[int, int, int, int]] = []
    pos = 0  # position of parts[i] in text
    shift = 0  # output position - input position after the edits so far
    for i in range(1, len(parts), 2):
        pos += len(parts[i - 1])
        repl = get(parts[i])
        if repl is not None:
            parts[i] = repl
            s, e = pos, pos + 1
            n = len(repl)
            if n != 1:  # as in _apply_found: only an edit that moves positions enters the map
                moved.append((s, e, s + shift, s + shift + n))
                shift += n - 1
            if maps:
                for mp in reversed(maps):
                    s, e = mp.span(s, e)
            edits.append(_new_edit("nfkc", "nfkc", "format", s, e, original[s:e], repl))
        pos += 1
    if moved:
        maps.append(_step_map(moved))
    return "".join(parts)


@functools.cache
def _rules() -> dict[str, Any]:
    return load_toml("obfuscation.toml")


@functools.cache
def _homoglyph() -> tuple[re.Pattern[str], dict[str, str], str, str]:
    spec = _rules()["char"]
    table: dict[str, str] = dict(spec["map"])
    pat = re.compile("[" + "".join(re.escape(c) for c in table) + "]")
    return pat, table, spec["id"], spec["kind"]


def _step_homoglyph(text: str) -> Found:
    pat, table, rid, kind = _homoglyph()
    return [(m.start(), m.end(), table[m.group()], rid, kind) for m in pat.finditer(text)]


_TONED = "āáǎàōóǒòēéěèīíǐìūúǔùǖǘǚǜńňǹḿ"
_PINYIN_GLOSS = re.compile(rf"\((?<={_HAN_RE}\()([a-zü{_TONED}]{{1,7}})\)")
_SYLLABLE = re.compile(
    r"^(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    rf"[aeiouüv{_TONED}]{{1,3}}(?:ng|n|r)?$"
)
_PLAIN_TO_TONED = str.maketrans({c: "aaaaooooeeeeiiiiuuuuüüüünnnm"[i] for i, c in enumerate(_TONED)})


def _is_pinyin(s: str) -> bool:
    return bool(_SYLLABLE.match(s.translate(_PLAIN_TO_TONED))) or s in {"n", "ng", "m", "hm", "hng"}


def _step_pinyin(text: str) -> Found:
    if "(" not in text:
        return []
    return [
        (m.start(), m.end(), "", "pinyin.gloss", "format")
        for m in _PINYIN_GLOSS.finditer(text)
        if _is_pinyin(m.group(1))
    ]


_EMOJI = (
    "\U0001f000-\U0001faff\u2190-\u21ff\u2300-\u23ff\u25a0-\u27bf\u2900-\u297f"
    "\u2b00-\u2bff\u3030\u303d\u3297\u3299\ufe0e\ufe0f\u200d"
)
# "(?<=\w)[E]+(?=\w)", written to start with the class (the engine then skips to candidates)
_EMOJI_INSIDE = re.compile(rf"[{_EMOJI}](?<=\w[{_EMOJI}])[{_EMOJI}]*(?=\w)")
_EMOJI_ANY = re.compile(f"[{_EMOJI}]")  # the trigger of the emoji step


def _step_emoji(text: str) -> Found:
    return [(m.start(), m.end(), "", "emoji.inside_word", "evasion") for m in _EMOJI_INSIDE.finditer(text)]


@functools.cache
def _separator() -> tuple[re.Pattern[str], str, str, frozenset[str]]:
    spec = _rules()["separators"]
    chars = "".join(re.escape(c) for c in spec["chars"])
    # "(?<=HAN)[sep]{1,n}(?=HAN)", written to start with the class
    pat = re.compile(rf"[{chars}](?<={_HAN_RE}[{chars}])[{chars}]{{0,{int(spec['max_run']) - 1}}}(?={_HAN_RE})")
    return pat, spec["id"], spec["kind"], frozenset(spec.get("weak_chars", ""))


def _step_separator(text: str) -> Found:
    pat, rid, kind, weak = _separator()
    out: Found = []
    for m in pat.finditer(text):
        g = m.group()
        out.append((m.start(), m.end(), "", rid, "variant" if set(g) <= weak else kind))
    return out


@dataclass(frozen=True)
class _Phrase:
    id: str
    kind: str
    to: str
    not_after: frozenset[str]
    not_before: frozenset[str]
    only_after: frozenset[str]
    only_before: frozenset[str]
    latin_boundary: bool

    def allowed(self, text: str, start: int, end: int) -> bool:
        prev = text[start - 1] if start else ""
        nxt = text[end] if end < len(text) else ""
        if prev and any(text.endswith(w, 0, start) for w in self.not_after):
            return False
        if nxt and any(text.startswith(w, end) for w in self.not_before):
            return False
        if self.only_after and not any(text.endswith(w, 0, start) for w in self.only_after):
            return False
        if self.only_before and not any(text.startswith(w, end) for w in self.only_before):
            return False
        if self.latin_boundary and (
            (prev != "" and prev.isascii() and (prev.isalnum() or prev in "./:@_-"))
            or (nxt != "" and nxt.isascii() and (nxt.isalnum() or nxt in "._/-@"))
        ):
            return False
        return True


@functools.cache
def _phrases() -> tuple[re.Pattern[str], dict[str, list[_Phrase]]]:
    by_form: dict[str, list[_Phrase]] = {}
    for spec in _rules()["phrase"]:
        ph = _Phrase(
            id=spec["id"],
            kind=spec["kind"],
            to=spec["to"],
            not_after=frozenset(spec.get("not_after", ())),
            not_before=frozenset(spec.get("not_before", ())),
            only_after=frozenset(spec.get("only_after", ())),
            only_before=frozenset(spec.get("only_before", ())),
            latin_boundary=bool(spec.get("latin_boundary", False)),
        )
        for form in spec["from"]:
            by_form.setdefault(form, []).append(ph)
    forms = sorted(by_form, key=len, reverse=True)
    # The longest form wins at a position ("f1|f2|…", longest first). Written as one group per
    # first character, the forms of each in the same order ("加(?:薇信|V|…)|薇(?:信)|…"), it
    # matches the same form: at a position only the group of that character can match. The
    # engine then tests ~50 first characters at a candidate instead of ~150 forms.
    by_first: dict[str, list[str]] = {}
    for f in forms:
        by_first.setdefault(f[0], []).append(f[1:])
    alternatives = (re.escape(c) + "(?:" + "|".join(map(re.escape, rests)) + ")" for c, rests in by_first.items())
    return re.compile("|".join(alternatives)), by_form


def _step_phrase(text: str) -> Found:
    pat, by_form = _phrases()
    out: Found = []
    for m in pat.finditer(text):
        for ph in by_form[m.group()]:
            if ph.allowed(text, m.start(), m.end()):
                if ph.to != m.group():
                    out.append((m.start(), m.end(), ph.to, ph.id, ph.kind))
                break
    return out


@functools.cache
def _digit_run() -> tuple[re.Pattern[str], dict[str, str], str, str]:
    spec = _rules()["digits"]
    table: dict[str, str] = dict(spec["map"])
    cls = "".join(re.escape(c) for c in table)
    pat = re.compile(rf"[0-9{cls}]{{{int(spec['min_run'])},}}")
    return pat, table, spec["id"], spec["kind"]


@functools.cache
def _digits_trigger() -> re.Pattern[str]:
    """The non-ASCII digit characters: a run made of ASCII characters only is left alone, so a
    text without any of these has nothing for the digits step (most messages: numbers there
    are written in ASCII)."""
    table = _digit_run()[1]
    return re.compile("[" + "".join(re.escape(c) for c in table if not c.isascii()) + "]")


def _step_digits(text: str) -> Found:
    pat, table, rid, kind = _digit_run()
    out: Found = []
    for m in pat.finditer(text):
        g = m.group()
        if g.isascii():
            continue
        out.append((m.start(), m.end(), "".join(table.get(c, c) for c in g), rid, kind))
    return out


@functools.cache
def _url_patterns() -> tuple[re.Pattern[str], re.Pattern[str], str, str]:
    spec = _rules()["url"]
    dots = "|".join(re.escape(d) for d in sorted(spec["dot_words"], key=len, reverse=True))
    tlds = "|".join(sorted(spec["tlds"], key=len, reverse=True))
    # the label starts at a letter or digit with none of [A-Za-z0-9.-] before it (the look-behind
    # comes after the first character so the engine can skip to candidates)
    domain = re.compile(
        rf"([A-Za-z0-9](?<![A-Za-z0-9.-][A-Za-z0-9])[A-Za-z0-9-]{{0,62}})(\s*(?:\.|{dots})\s*)({tlds})(?![A-Za-z0-9])"
        r"((?:\s*/\s*[A-Za-z0-9_\-?=&%#]+)*)",
        re.IGNORECASE,
    )
    scheme = re.compile(r"(?i)h\s*t\s*t\s*p\s*(s?)\s*[:：]\s*/\s*/\s*")
    return domain, scheme, spec["id"], spec["kind"]


@functools.cache
def _url_trigger() -> re.Pattern[str]:
    """A necessary condition for a ``domain`` match, found ~5x faster than the match itself:
    every match holds the last character of a dot (``.`` or a dot word), optional spaces, a TLD
    and no letter or digit after it. ``domain`` ignores case and so starts at every character;
    this pattern starts with a case-sensitive class of those last characters (with every
    character that ignoring case lets match them), so the engine skips to candidates."""
    spec = _rules()["url"]
    tlds = "|".join(sorted(spec["tlds"], key=len, reverse=True))
    last = _ignorecase_closure({"."} | {d[-1] for d in spec["dot_words"]})
    first = "".join(sorted({re.escape(t[0]) for t in spec["tlds"]}))  # a quick test before the TLDs
    return re.compile(rf"{char_class([ord(c) for c in last])}\s*(?i:(?=[{first}])(?:{tlds})(?![A-Za-z0-9]))")


@functools.cache
def _url_may_change() -> Trigger:
    """The trigger of the url step: the scheme's condition or the domain's trigger."""
    domain_trigger = _url_trigger().search

    def may_change(text: str) -> bool:
        return ("/" in text and (":" in text or "：" in text)) or domain_trigger(text) is not None

    return may_change


def _ignorecase_closure(chars: set[str]) -> set[str]:
    """Every character that matches one of ``chars`` under ``re.IGNORECASE``. Python's re folds
    more than ``str.lower`` does (ſ matches s, K matches k, ı and İ match i), so let re itself
    scan all code points (one pass over ~1.1M characters, ~0.1 s, done once)."""
    cased = re.compile("(?i)" + char_class([ord(c) for c in chars]))
    cps = array("I", range(0xD800))
    cps.extend(range(0xE000, 0x110000))
    if sys.byteorder == "little":
        every = cps.tobytes().decode("utf-32-le")
    else:
        every = cps.tobytes().decode("utf-32-be")
    return set(cased.findall(every)) | set(chars)


def _step_url(text: str) -> Found:
    domain, scheme, rid, kind = _url_patterns()
    out: Found = []
    if "/" in text and (":" in text or "：" in text):  # the scheme pattern needs both
        for m in scheme.finditer(text):
            canon = f"http{m.group(1).lower()}://"
            if m.group() != canon:
                out.append((m.start(), m.end(), canon, rid, kind))
    if _url_trigger().search(text) is None:
        return out
    for m in domain.finditer(text):
        path = re.sub(r"\s+", "", m.group(4) or "")
        canon = f"{m.group(1)}.{m.group(3)}{path}"
        if m.group() != canon:
            out.append((m.start(), m.end(), canon, rid, kind))
    return _disjoint(out)  # the two patterns' matches may interleave or overlap


Find = Callable[[str], Found]  # a step that returns its edits sorted and disjoint
Apply = Callable[[str, str, list[StepMap], list[NormEdit]], str]  # see _apply_nfkc
# (name, trigger, find, apply): a step has either find or apply; t2s (neither) is in normalize()
Pipeline = tuple[tuple[str, Trigger | None, Find | None, Apply | None], ...]


@functools.cache
def _pipeline(convert: bool = True) -> Pipeline:
    """The steps in order (without t2s when ``convert`` is false), each with its trigger: a
    quick test (a regex search, ~2-5x cheaper than the step) that is false when the step would
    find nothing in the text, so the step is skipped. Most steps find nothing in most messages.
    A trigger must never be false when its step would change the text (tests/text/
    test_normalize.py checks each one); steps without a trigger test their condition
    themselves."""
    steps: Pipeline = (
        ("control", _CONTROL.search, _step_control, None),
        ("nfkc", None, None, _apply_nfkc),  # tests unicodedata.is_normalized first
        ("homoglyph", _homoglyph()[0].search, _step_homoglyph, None),
        ("pinyin", None, _step_pinyin, None),  # tests for "(" first
        ("emoji", _EMOJI_ANY.search, _step_emoji, None),
        ("separator", _separator()[0].search, _step_separator, None),
        # the converter's own quick test (convert._traditional; Converter.has_traditional
        # starts with it): a class holding every Traditional-only character and all astral
        # ones; when it finds none, convert_with_edits returns the text unchanged
        ("t2s", _traditional()[1].search, None, None),
        ("phrase", _phrases()[0].search, _step_phrase, None),
        ("digits", _digits_trigger().search, _step_digits, None),
        ("url", _url_may_change(), _step_url, None),
    )
    return steps if convert else tuple(s for s in steps if s[0] != "t2s")


def _disjoint(found: Found) -> Found:
    """Sorted by span; an edit overlapping an earlier one is dropped."""
    found.sort(key=lambda f: (f[0], f[1]))
    kept: Found = []
    cursor = -1
    for f in found:
        if f[0] >= cursor:
            kept.append(f)
            cursor = f[1] if f[1] > f[0] else f[0]
    return kept


def _apply_found(name: str, found: Found, text: str, original: str, maps: list[StepMap], edits: list[NormEdit]) -> str:
    """Apply a step's sorted, disjoint edits to ``text`` as :func:`offsets.rewrite` does (a
    one-character-for-one-character replacement needs no map entry), in the same pass record
    each one with its span mapped back to the original through the earlier steps' maps, and add
    this step's map to ``maps`` if it moved any position. Returns the new text."""
    pieces: list[str] = []
    moved: list[tuple[int, int, int, int]] = []  # input and output span of each other edit
    cursor = 0
    shift = 0  # output position - input position after the edits so far
    for s, e, repl, rule, kind in found:
        pieces.append(text[cursor:s])
        pieces.append(repl)
        cursor = e
        n = len(repl)
        if n != 1 or e - s != 1:
            moved.append((s, e, s + shift, s + shift + n))
            shift += n - (e - s)
        if maps:
            for mp in reversed(maps):
                s, e = mp.span(s, e)
        edits.append(_new_edit(name, rule, kind, s, e, original[s:e], repl))
    pieces.append(text[cursor:])
    if moved:
        maps.append(_step_map(moved))
    return "".join(pieces)


def _step_map(moved: list[tuple[int, int, int, int]]) -> StepMap:
    in_s, in_e, out_s, out_e = zip(*moved)
    return StepMap(in_s, in_e, out_s, out_e)


def normalize(text: str, *, convert: bool = True) -> Normalized:
    """Normalise ``text`` for matching and return it with the map back to the original.

    ``convert=False`` skips Traditional → Simplified conversion.
    """
    if not isinstance(text, str):
        raise TypeError(f"normalize(text): expected str, got {type(text).__name__}")
    original = text
    if not text:
        return Normalized("", "")
    # Only steps that move positions leave a map (as in offsets.rewrite); with no map yet, a
    # position in the text is a position in the original.
    maps: list[StepMap] = []
    edits: list[NormEdit] = []
    converted = False
    for name, trigger, find, apply in _pipeline(convert):
        if trigger is not None and not trigger(text):
            continue
        if find is not None:
            found = find(text)
            if found:
                text = _apply_found(name, found, text, original, maps, edits)
        elif apply is not None:
            text = apply(text, original, maps, edits)
        else:  # t2s
            base, t_edits = get_converter().convert_with_edits(text)
            if base is not text and base != text:
                converted = True
            if t_edits:
                converted = True
                base, mp = apply_edits(base, t_edits)
                if mp is not None:
                    maps.append(mp)
            text = base
    return _new_normalized(text, original, tuple(edits), converted, tuple(maps))
