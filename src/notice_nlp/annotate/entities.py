"""Entity recognisers for SMS screening (domain.md §5).

``find_entities(norm)`` runs one regex-based recogniser per kind on ``norm.text`` (normalised,
Simplified, half-width), resolves overlapping spans and maps every span back to the original
text. Nothing is fetched: links are only parsed.

Entity types and their ``value``:

==================  ==========================================================================
``phone_mobile``    digits, mask characters kept (``"138****8000"``); flags ``masked``, ``cn_prefix``
``phone_intl``      ``"+85212345678"``; flag ``international``
``phone_landline``  ``"0755-12345678"`` (``"…转123"`` with an extension; flag ``extension``)
``phone_400_800``   ``"4008123456"``; flag ``masked``
``short_code``      the code (``"95588"``); flags ``official`` + a kind (``bank``, ``court`` …)
``url``             ``{"url", "domain"}``; flags ``official``, ``shortener``, ``ip``, ``risky_token``,
                    ``userinfo`` (``http://bank.com@other.host/``)
``amount``          ``str(Decimal)`` in yuan (``"12000"``); flags ``masked``, ``approx`` and, for
                    other currencies, ``usd``/``hkd``/``eur``/``jpy``/``dollar`` (value in that currency)
``date_deadline``   ``{"date": "2024-11-10"}``, ``{"month_day": "11-10"}``, ``{"year_month"}``,
                    ``{"relative": "0d"|"1d"|"24h"|"3wd"|"week:5" …}`` (+ ``"time": "HH:MM"``),
                    ``{"overdue_days"|"overdue_months"|"overdue_periods": n}``; flags ``deadline``
                    (…前), ``within`` (…内), ``after``, ``overdue``
``bank_account``    digits (``"6222…"``), ``"6222****1234"`` or a tail ``"1234"``; flags
                    ``luhn_ok``, ``masked``, ``tail``, ``unionpay``
``payment_handle``  the handle (account, payee name) or the keyword; flags ``alipay``, ``qr``,
                    ``payee``, ``private_account``, ``corporate_account``, ``safe_account`` …
``contact_im``      the ID; flags ``wechat``, ``qq``, ``line``, ``whatsapp``, ``telegram``
``org_claimed``     ``{"name", "kind", "canonical"}``; flags ``dissolved_regulator``,
                    ``invented_body``, ``known``
``sender_tag``      the name inside 【】; flags ``start`` / ``end``
``case_number``     the number; flags ``court_format`` / ``nonstandard``
``person_id``       the REDACTED number (``"1101**********1234"``); flags ``checksum_ok``, ``masked``
==================  ==========================================================================

Overlaps: entities are grouped in layers (numbers and links; handles; organisation names;
sender tags). Within a layer, the higher-priority type wins (url > case_number > person_id >
bank_account > phones > amount > short_code > date), then the longer span. Across layers spans
may nest: 【招商银行】 is a ``sender_tag`` holding an ``org_claimed``; ``微信:13800138000`` is both a
``contact_im`` and a ``phone_mobile``.

Lists (official short codes and domains, shorteners, lender brands, regulators, invented
bodies, generic organisation suffixes), context words (payment and IM keywords, phone, money,
date and ID context, case-number keywords, payee-name ends, police context) and the date and
money vocabulary (relative days, weekdays, times of day, durations, overdue periods, currency
signs and units) live in ``rules/screening/entities.toml``, read once on first use. The code
keeps only the grammar: numerals, clock times, punctuation and the linking words 为/是.

Speed (SMS screening runs this on every message): most patterns find nothing in most texts,
so a recogniser or one of its patterns is skipped when a cheap fact about the text shows it
cannot match — facts gathered once per text in ``_Ctx`` (digit runs, where the first payment,
IM or relative-date word starts, a mask character beside a digit …) or ``in`` tests for the
words a pattern needs (the engine tests a character class at every character; ``in`` is far
cheaper). Each such precheck is a necessary condition of its pattern, noted where it is made;
tests/annotate/test_entities.py checks that opening all of them changes no result.
"""

from __future__ import annotations

import bisect
import functools
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from notice_nlp.resources import load_toml
from notice_nlp.text.normalize import Normalized

__all__ = ["Entity", "ENTITY_TYPES", "find_entities", "parse_number", "luhn_ok", "id_checksum_ok", "redact_id"]

ENTITY_TYPES: tuple[str, ...] = (
    "url", "case_number", "person_id", "bank_account", "phone_intl", "phone_mobile",
    "phone_400_800", "phone_landline", "amount", "short_code", "date_deadline",
    "contact_im", "payment_handle", "org_claimed", "sender_tag",
)
_PRIORITY = {t: i for i, t in enumerate(ENTITY_TYPES)}
_LAYER = {t: "token" for t in ENTITY_TYPES[:11]} | {
    "contact_im": "handle", "payment_handle": "handle", "org_claimed": "org", "sender_tag": "frame",
}


@dataclass(frozen=True, slots=True)
class Entity:
    """One recognised entity; ``start``/``end`` index the ORIGINAL text."""

    type: str
    text: str
    start: int
    end: int
    value: Any
    flags: tuple[str, ...] = ()
    norm_start: int = 0
    norm_end: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (offsets into the original text)."""
        return {
            "type": self.type,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "value": self.value,
            "flags": list(self.flags),
        }


class _Cand(NamedTuple):
    """A candidate span in the normalised text (a tuple: made by the thousand, cheaply)."""

    type: str
    start: int
    end: int
    value: Any
    flags: tuple[str, ...] = ()


_tuple_new = tuple.__new__


def _cand(type_: str, start: int, end: int, value: Any, flags: tuple[str, ...] = ()) -> _Cand:
    """``_Cand(type_, start, end, value, flags)``: the NamedTuple's own constructor goes through
    a Python-level ``__new__`` and costs twice as much."""
    return _tuple_new(_Cand, (type_, start, end, value, flags))


# --------------------------------------------------------------------------- character classes

_MASK = "xX*×●"
_MD = f"[0-9{_MASK}]"  # a digit or a mask character
_HAN = "\u4e00-\u9fff"
_CN_DIGIT = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖兩貳"
_CN_UNIT = "十百千万亿拾佰仟萬億"
# Every pattern starts with a literal or a character class, so that the regex engine can skip
# ahead to candidate positions; the "nothing alphanumeric before" check therefore comes right
# after the first character: ``[0-9]{_F}`` = a digit that does not continue a number or word.
_F = r"(?<![0-9A-Za-z][\s\S])"
_FD = r"(?<![0-9A-Za-z.][\s\S])"  # … nor a decimal part
_AREA_REST = r"(?:[12][0-9]|[3-9][0-9]{2})"  # area code after its 0: 010, 02x, 0xxx
_URL_CHARS = r"[A-Za-z0-9\-._~:/?#\[\]@!$&*+;=%]"


def _strip_seps(s: str) -> str:
    return s.replace(" ", "").replace("-", "")


_MASK_CHAR = re.compile(f"[{_MASK}]")
_ASCII_DIGIT = re.compile("[0-9]")


def _has_mask(s: str) -> bool:
    return _MASK_CHAR.search(s) is not None


def _n_digits(s: str) -> int:
    return len(_ASCII_DIGIT.findall(s))


def _finditer(pattern: re.Pattern[str], text: str, pos: int = 0) -> Sequence[re.Match[str]]:
    """The matches of ``pattern.finditer(text, pos)``, found with one search after another,
    each from where the last match ended: what the iterator does after a match that is not
    empty, without building it. On most texts most patterns find nothing: one search."""
    m = pattern.search(text, pos)
    if m is None:
        return ()
    found: list[re.Match[str]] = []
    while m is not None:
        start, end = m.span()
        if end == start:  # an empty match: the iterator's own rule decides what may follow
            return found + list(pattern.finditer(text, end))
        found.append(m)
        m = pattern.search(text, end)
    return found


def _before(text: str, pos: int, n: int) -> str:
    return text[max(0, pos - n) : pos]


# --------------------------------------------------------------------------- checksums & numbers

def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check used by bank card numbers."""
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = ord(c) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_checksum_ok(id18: str) -> bool:
    """GB 11643 check digit of an 18-character resident ID number."""
    if len(id18) != 18 or not id18[:17].isdigit():
        return False
    total = sum(int(c) * w for c, w in zip(id18[:17], _ID_WEIGHTS))
    return "10X98765432"[total % 11] == id18[17].upper()


def _valid_birth(id18: str) -> bool:
    try:
        date(int(id18[6:10]), int(id18[10:12]), int(id18[12:14]))
    except ValueError:
        return False
    return True


def _looks_like_id(digits: str) -> bool:
    return len(digits) == 18 and id_checksum_ok(digits) and _valid_birth(digits)


def redact_id(s: str) -> str:
    """Keep the first and last four characters of an ID number."""
    return s[:4] + "*" * max(len(s) - 8, 0) + s[-4:]


_CN_DIGIT_VALUE = {c: i for i, c in enumerate("零一二三四五六七八九")} | {
    "〇": 0, "两": 2, "兩": 2, "壹": 1, "贰": 2, "貳": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6,
    "柒": 7, "捌": 8, "玖": 9,
}
_CN_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_NUM_TOKEN = re.compile(r"[0-9]+(?:\.[0-9]+)?|.", re.S)
_PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def parse_number(s: str) -> Decimal | None:
    """Arabic, Chinese or mixed numerals → Decimal (一万二千, 壹万贰仟, 1.2万, 三千五, 1,200.50).

    A single digit right after a unit abbreviates the next lower unit (三千五 = 3500,
    一万二 = 12000). Returns None when ``s`` is not a number.
    """
    plain = s.replace(",", "")
    if plain.isascii() and (plain.isdigit() or _PLAIN_NUMBER.fullmatch(plain)):
        return Decimal(plain)
    total = section = Decimal(0)
    num: Decimal | None = None
    last_unit, after_unit, zero, seen = 0, False, False, False
    for tok in _NUM_TOKEN.findall(plain):
        seen = True
        if "0" <= tok[0] <= "9" or tok in _CN_DIGIT_VALUE:
            d = Decimal(tok) if "0" <= tok[0] <= "9" else Decimal(_CN_DIGIT_VALUE[tok])
            if tok in ("零", "〇"):
                zero, after_unit = True, False
                continue
            if num is not None:
                return None
            num = d
        elif tok in _CN_SMALL:
            section += (num if num is not None else Decimal(1)) * _CN_SMALL[tok]
            num, last_unit, after_unit, zero = None, _CN_SMALL[tok], True, False
            continue
        elif tok in _CN_BIG:
            unit = _CN_BIG[tok]
            section += num if num is not None else 0
            total = (total + section) * unit if unit == 10**8 else total + section * unit
            section, num, last_unit, after_unit, zero = Decimal(0), None, unit, True, False
            continue
        else:
            return None
    if not seen:
        return None
    if num is not None:
        single = num == num.to_integral_value() and 0 < num < 10
        if after_unit and not zero and single and last_unit >= 100:
            num = num * last_unit / 10
        section += num
    return total + section


def _small_int(s: str) -> int | None:
    """``int(s)`` when ``s`` is a short run of ASCII digits, else None. For such a string it
    equals ``int(parse_number(s))``, and ``str()`` of it equals ``_fmt_decimal(parse_number(s))``
    (up to 28 digits, the Decimal precision): the common case, without Decimal arithmetic."""
    return int(s) if len(s) <= 18 and s.isascii() and s.isdigit() else None


def _fmt_decimal(d: Decimal) -> str:
    out = format(d.normalize(), "f")
    return "0" if out in ("-0", "") else out


# --------------------------------------------------------------------------- rule data

@dataclass(frozen=True)
class _OrgName:
    canonical: str
    kind: str
    flags: tuple[str, ...]
    not_after: tuple[str, ...] = ()
    not_before: tuple[str, ...] = ()
    only_after: tuple[str, ...] = ()


@dataclass(frozen=True)
class _OrgSuffix:
    lead: str
    pattern: re.Pattern[str]
    kind: str
    min_prefix: int
    max_prefix: int
    exclude: tuple[str, ...]  # a tuple: ``prefix.endswith(exclude)`` tests them all at once
    exclude_exact: frozenset[str]
    flags: tuple[str, ...]


@dataclass(frozen=True)
class _Lists:
    short_codes: dict[str, str]  # code -> kind
    prefix_kinds: tuple[tuple[str, str], ...]
    official: frozenset[str]  # suffixes
    official_hosts: frozenset[str]  # exact hosts
    unofficial: frozenset[str]  # hosts never official (nor their subdomains)
    shorteners: frozenset[str]
    risky: re.Pattern[str]
    tld_pattern: str
    org_names: dict[str, _OrgName]
    org_known: re.Pattern[str]
    org_suffix_any: re.Pattern[str]
    suffixes: tuple[_OrgSuffix, ...]
    stop_chars: frozenset[str]
    invented: tuple[tuple[str, str], ...]  # (name, kind)
    invented_any: re.Pattern[str]  # finds a name holding any of them
    invented_min_len: int  # a shorter name cannot hold one of them
    suffixes_by_first: dict[str, tuple[_OrgSuffix, ...]]  # by the first character of the lead, in order


def _org_names(data: dict[str, Any]) -> dict[str, _OrgName]:
    names: dict[str, _OrgName] = {}

    def add(form: str, canonical: str, kind: str, flags: tuple[str, ...], spec: dict[str, Any]) -> None:
        names[form] = _OrgName(
            canonical, kind, flags,
            tuple(spec.get("not_after", ())), tuple(spec.get("not_before", ())), tuple(spec.get("only_after", ())),
        )

    for b in data["banks"]:
        for form in (b["name"], *b.get("aliases", ())):
            add(form, b["name"], "lender", ("known",), b)
    for c in data["consumer_finance"]:
        add(c["name"], c["name"], "lender", ("known",), c)
    for p in data["platforms"]:
        add(p["name"], p["name"], "platform", ("known",), p)
    for r in data["regulators"]:
        flags = ("known", "dissolved_regulator") if r["status"] == "dissolved" else ("known",)
        for form in (r["name"], *r.get("aliases", ())):
            add(form, r["name"], r.get("kind", "regulator"), flags, r)
    for n in data["named_bodies"]:
        add(n["name"], n["name"], n["kind"], ("known",), n)
    for n in data["invented_bodies"]:
        add(n["name"], n["name"], n["kind"], ("invented_body",), n)
    return names


def _org_suffixes(data: dict[str, Any]) -> tuple[_OrgSuffix, ...]:
    out = []
    for s in data["org_suffixes"]:
        for lead in s["leads"]:
            out.append(_OrgSuffix(
                lead, re.compile(re.escape(lead) + s.get("suffix", "")), s["kind"],
                int(s.get("min_prefix", 0)), int(s.get("max_prefix", 8)),
                tuple(s.get("exclude_prefixes", ())), frozenset(s.get("exclude_exact", ())), tuple(s.get("flags", ())),
            ))
    return tuple(out)


def _alternation(forms: Sequence[str]) -> str:
    return "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))


def _trie(forms: Sequence[str]) -> str:
    """The same matches as :func:`_alternation` (the longest form at each position), written as
    a prefix tree so that the regex engine tries each shared prefix once (中国银行|中国工商银行|…
    → 中国(?:工商银行|银行)). Along the text only one path of the tree can match, and a form's
    continuation is tried before ending at the form, as longest-first does."""
    tree: dict[str, dict] = {}
    for form in forms:
        node = tree
        for ch in form:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        kids = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not kids:
            return ""
        body = kids[0] if len(kids) == 1 else "(?:" + "|".join(kids) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(tree)


@functools.cache
def _lists() -> _Lists:
    data = load_toml("screening", "entities.toml")
    names = _org_names(data)
    suffixes = _org_suffixes(data)
    risky = "|".join(
        rf"(?<![a-z0-9]){re.escape(t['token'])}(?![a-z0-9])" if t.get("boundary") else re.escape(t["token"])
        for t in data["risky_url_tokens"]
    )
    return _Lists(
        short_codes={c["code"]: c["kind"] for c in data["short_codes"]},
        prefix_kinds=tuple(sorted(((p["prefix"], p["kind"]) for p in data["short_code_prefix_kinds"]), key=lambda p: -len(p[0]))),
        official=frozenset(d["suffix"].lower() for d in data["official_domains"]),
        official_hosts=frozenset(d["host"].lower() for d in data.get("official_hosts", ())),
        unofficial=frozenset(d["host"].lower() for d in data.get("unofficial_hosts", ())),
        shorteners=frozenset(d["domain"].lower() for d in data["shorteners"]),
        risky=re.compile(risky),
        tld_pattern=_alternation(data["url_tlds"]),
        org_names=names,
        org_known=re.compile(_trie(list(names))),
        # no groups around the alternatives: they would stop the engine skipping ahead to
        # the leads' first characters (25 times slower)
        org_suffix_any=re.compile("|".join(s.pattern.pattern for s in suffixes)),
        suffixes=suffixes,
        stop_chars=frozenset(data["org_stop_chars"]),
        invented=tuple((n["name"], n["kind"]) for n in data["invented_bodies"]),
        invented_any=re.compile(_alternation([n["name"] for n in data["invented_bodies"]]) or "(?!)"),
        invented_min_len=min((len(n["name"]) for n in data["invented_bodies"]), default=1 << 30),
        suffixes_by_first=_by_first_char(suffixes),
    )


def _by_first_char(suffixes: tuple[_OrgSuffix, ...]) -> dict[str, tuple[_OrgSuffix, ...]]:
    """Suffix patterns grouped by the first character of their lead (a literal), order kept."""
    groups: dict[str, list[_OrgSuffix]] = {}
    for suf in suffixes:
        first = suf.lead[0]
        groups.setdefault(first, []).append(suf)
    return {c: tuple(g) for c, g in groups.items()}


@dataclass(frozen=True)
class _Lexicon:
    """Context words from ``entities.toml`` (``[payment_keywords]``, ``[im_keywords]``,
    ``[context]``, ``[currencies]``), compiled once."""

    payment: dict[str, str]  # keyword -> kind
    im: dict[str, str]  # keyword -> platform
    amount_after: re.Pattern[str]
    money_before: re.Pattern[str]
    phone_context: re.Pattern[str]
    counter_after: re.Pattern[str]
    money_context: re.Pattern[str]
    date_after: tuple[str, ...]
    date_before: tuple[str, ...]
    phone_tail_before: re.Pattern[str]
    id_context: re.Pattern[str]
    case_keywords: str  # regex alternation
    case_court_names: str  # regex alternation
    payee_name_end: str  # regex alternation
    im_id_labels: str  # regex alternation
    police_before: str  # regex alternation
    tail_keywords: re.Pattern[str]
    tail_words: tuple[str, ...]
    currency_flags: dict[str, str]
    currency_gate: tuple[str, ...]  # signs, one of which the text must hold (``_holds_any``)
    currency_signs: str  # regex alternation
    cn_numeral_signs: tuple[str, ...]
    yuan_units: str  # regex alternation
    units: str  # regex alternation, yuan units first
    unit_starts: str  # the first characters of all units (a class body)
    # an amount in Arabic digits without a currency sign needs a unit or a Chinese unit
    # character (万, 千 …): one of these words (none holding another) is then in the text
    unit_gate: re.Pattern[str]
    rel_days: dict[str, str]
    this_week: tuple[str, ...]
    next_week: tuple[str, ...]
    bare_week: str
    bare_week_before: str  # regex alternation
    weekdays: dict[str, int]
    times_of_day: str  # regex alternation
    evening: frozenset[str]
    noon: frozenset[str]
    rel_end: str  # regex alternation
    rel_within: frozenset[str]
    durations: dict[str, str]  # unit word -> unit code
    duration_end: str  # regex alternation
    duration_within: frozenset[str]
    duration_gate: tuple[str, ...]  # characters, one of which every duration ending holds
    overdue_words: str  # regex alternation
    overdue_gate: tuple[str, ...]  # the overdue words
    overdue_linkers: str  # regex alternation
    overdue_units: dict[str, str]  # unit word -> value key


def _words(words: Sequence[str]) -> str:
    """A regex alternation of literal words, in the given order."""
    return "|".join(re.escape(w) for w in words)


def _shortest_words(words: Sequence[str]) -> tuple[str, ...]:
    """The words that hold none of the others (a text holds one of ``words`` exactly when it
    holds one of these), in the given order."""
    return tuple(dict.fromkeys(w for w in words if not any(o != w and o in w for o in words)))


def _by_kind(table: dict[str, list[str]]) -> dict[str, str]:
    return {word: kind for kind, words in table.items() for word in words}


@functools.cache
def _lex() -> _Lexicon:
    data = load_toml("screening", "entities.toml")
    ctx, cur, dates = data["context"], data["currencies"], data["dates"]
    units = [*cur["yuan_units"], *cur["other_units"]]
    rel_end = [*dates["relative_deadline"], *dates["relative_within"], *dates["relative_end"]]
    dur_end = [*dates["duration_within"], *dates["duration_after"]]
    return _Lexicon(
        payment=_by_kind(data["payment_keywords"]),
        im=_by_kind(data["im_keywords"]),
        amount_after=re.compile(rf"[ ]?(?:{_words(ctx['short_code_not_before'])})"),
        money_before=re.compile(rf"(?:{_words(ctx['short_code_not_after'])})[ :]*$"),
        phone_context=re.compile(_words(ctx["phone_context"])),
        counter_after=re.compile(rf"[ ]?(?:多|余)?(?:{_words(ctx['counter_after'])})"),
        money_context=re.compile(_words(ctx["money_context"])),
        date_after=tuple(ctx["date_after"]),
        date_before=tuple(ctx["date_before"]),
        phone_tail_before=re.compile(rf"(?:{_words(ctx['phone_tail_before'])})$"),
        id_context=re.compile(_words(ctx["id_context"])),
        case_keywords=_words(ctx["case_keywords"]),
        case_court_names=_words(ctx["case_court_names"]),
        payee_name_end=_words(ctx["payee_name_end"]),
        im_id_labels=_words(ctx["im_id_labels"]),
        police_before=_words(ctx["police_before"]),
        tail_keywords=re.compile(_words(ctx["tail_keywords"])),
        tail_words=tuple(ctx["tail_keywords"]),
        currency_flags=dict(cur["flags"]),
        currency_gate=tuple(cur["gate"]),
        currency_signs=_words(cur["signs"]),
        cn_numeral_signs=tuple(cur["cn_numeral_signs"]),
        yuan_units=_words(cur["yuan_units"]),
        units=_words(units),
        unit_starts="".join(re.escape(c) for c in sorted({u[0] for u in units})),
        unit_gate=re.compile(_words(_shortest_words([*units, *_CN_UNIT]))),
        rel_days=dict(dates["relative_days"]),
        this_week=tuple(dates["this_week"]),
        next_week=tuple(dates["next_week"]),
        bare_week=dates["bare_week"],
        bare_week_before=_words(dates["bare_week_before"]),
        weekdays={c: int(n) for c, n in dates["weekdays"].items()},
        times_of_day=_words(dates["times_of_day"]),
        evening=frozenset(dates["evening"]),
        noon=frozenset(dates["noon"]),
        rel_end=_words(rel_end),
        rel_within=frozenset(dates["relative_within"]),
        durations=dict(dates["duration_units"]),
        duration_end=_words(dur_end),
        duration_within=frozenset(dates["duration_within"]),
        duration_gate=tuple(dict.fromkeys(w[-1] for w in dur_end)),
        overdue_words=_words(dates["overdue_words"]),
        overdue_gate=tuple(dates["overdue_words"]),
        overdue_linkers=_words(dates["overdue_linkers"]),
        overdue_units=dict(dates["overdue_units"]),
    )


# --------------------------------------------------------------------------- compiled patterns

def _payee_name(ends: str) -> str:
    """A payee: a company name, a masked name (王*) or a 2–4 character name before ``ends``."""
    return (
        rf"[{_HAN}()]{{2,24}}?(?:有限公司|公司)"
        rf"|[{_HAN}][{_MASK}]{{1,3}}"
        rf"|[{_HAN}·]{{2,4}}?(?=$|[^{_HAN}·]|{ends})"
    )


_HANDLE = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}|1[3-9][0-9](?:[ \-]?[0-9xX*]{4}){2}|[A-Za-z0-9_.\-]{4,40}"
_HOUR = r"(?P<h>[0-9]{1,2}|[一二两三四五六七八九十]{1,3})(?:[点时](?P<mi>[0-5]?[0-9]分?|半)?|:(?P<mi2>[0-5][0-9]))"


def _amount_tail(units: str) -> str:
    return (
        rf"(?P<mag>(?:[{_CN_UNIT}]+(?:[0-9](?![0-9.]))?)*)(?P<approx>多|余)?"
        rf"(?:[ ]?(?P<unit>{units}))?"
    )

_ARABIC_REST = rf"(?:[0-9{_MASK}]{{0,2}}(?:,[0-9{_MASK}]{{3}})+(?:\.[0-9{_MASK}]{{1,4}})?|[0-9{_MASK}]*(?:\.[0-9{_MASK}]{{1,4}})?)"

@dataclass(frozen=True)
class _Patterns:
    mobile: re.Pattern[str]
    intl: re.Pattern[str]
    landline: re.Pattern[str]
    hotline: re.Pattern[str]
    short_code: re.Pattern[str]
    police: re.Pattern[str]
    url_scheme: re.Pattern[str]
    url_bare: re.Pattern[str]
    url_tld: re.Pattern[str]  # a dot and a top-level domain, as every bare link ends
    url_ipish: re.Pattern[str]  # three dots between digits, as every dotted quad holds
    url_ip: re.Pattern[str]
    amount_cur: re.Pattern[str]
    amount_arabic: re.Pattern[str]
    amount_cn: re.Pattern[str]
    amount_cn_gate: re.Pattern[str]
    date_ymd: re.Pattern[str]
    date_iso: re.Pattern[str]
    date_md: re.Pattern[str]
    date_slash: re.Pattern[str]
    date_relative: re.Pattern[str]
    date_duration: re.Pattern[str]
    date_overdue: re.Pattern[str]
    card: re.Pattern[str]
    card_masked: re.Pattern[str]
    card_tail: re.Pattern[str]
    person_id: re.Pattern[str]
    person_id_masked: re.Pattern[str]
    pay_keyword: re.Pattern[str]
    keyword_gate: re.Pattern[str]  # every word a payment, IM or relative-date match starts with
    pay_alipay_tail: re.Pattern[str]
    pay_payee_tail: re.Pattern[str]
    im_keyword: re.Pattern[str]
    im_tail: re.Pattern[str]
    sender_start: re.Pattern[str]
    sender_end: re.Pattern[str]
    case_court: re.Pattern[str]
    case_keyword: re.Pattern[str]
    case_id: re.Pattern[str]


@functools.cache
def _patterns() -> _Patterns:
    tlds = _lists().tld_pattern
    lex = _lex()
    amount_tail = _amount_tail(lex.units)
    weekday = "".join(re.escape(c) for c in lex.weekdays)
    # one alternative per week word: alternatives that all start with a literal let the regex
    # engine skip ahead to their first characters
    week = "|".join(f"{re.escape(w)}[{weekday}]" for w in [*lex.this_week, *lex.next_week])
    label = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
    return _Patterns(
        mobile=re.compile(
            rf"[+01]{_F}(?:(?<=\+) ?86[ \-]?1|(?<=0)0 ?86[ \-]?1|(?<=1))[3-9]{_MD}(?:[ \-]?{_MD}{{4}}){{2}}(?![0-9A-Za-z*×●])"
        ),
        intl=re.compile(rf"[+0]{_F}(?:(?<=\+)|(?<=0)0)(?!86)(?P<num>[1-9][0-9]{{0,3}}(?:[ \-]?[0-9xX*]){{6,13}})(?![0-9A-Za-z*])"),
        landline=re.compile(
            rf"[(0]{_F}(?:(?<=\()0|(?<=0))(?P<area>{_AREA_REST})\)?[ \-]?(?P<num>[2-9][0-9]{{6,7}})"
            r"(?:[ ]?(?:转|分机|ext\.?|-)[ ]?(?P<ext>[0-9]{1,5}))?(?![0-9A-Za-z])"
        ),
        hotline=re.compile(rf"[48]{_F}(?P<rest>00(?:[ \-]?[0-9xX*]){{7}})(?:[ ]?(?:转|-)(?P<ext>[0-9]{{1,5}}))?(?![0-9A-Za-z*])"),
        short_code=re.compile(
            rf"[019]{_FD}(?:(?<=0){_AREA_REST}[ \-]?(?P<c96>96[0-9]{{3}})|(?<=1)(?P<c1>06[0-9]{{5,17}}|[02][0-9]{{3}})"
            r"|(?<=9)(?P<c9>[56][0-9]{3}))(?![0-9A-Za-z]|\.[0-9])"
        ),
        police=re.compile(rf"(?:{lex.police_before})[ :]*(?P<code>110)(?![0-9])"),
        url_scheme=re.compile(rf"[hH](?<![A-Za-z][\s\S])(?i:ttps?)://{_URL_CHARS}+"),
        url_bare=re.compile(
            rf"[A-Za-z0-9](?<![A-Za-z0-9@.\-_/][\s\S])(?:[A-Za-z0-9\-]{{0,61}}[A-Za-z0-9])?\.(?:{label}\.)*(?i:{tlds})"
            rf"(?![A-Za-z0-9\-])(?P<rest>(?::[0-9]{{2,5}})?(?:[/?#]{_URL_CHARS}*)?)"
        ),
        # both gates start with the dot, a literal the engine finds fast
        url_tld=re.compile(rf"\.(?i:{tlds})(?![A-Za-z0-9\-])"),
        url_ipish=re.compile(r"\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]"),
        url_ip=re.compile(
            r"(?<![0-9A-Za-z.])(?P<host>(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]{1,2})\.){3}(?:25[0-5]|2[0-4][0-9]|1?[0-9]{1,2}))"
            rf"(?P<rest>(?::[0-9]{{2,5}})?(?:/{_URL_CHARS}*)?)(?![0-9])"
        ),
        amount_cur=re.compile(
            rf"(?P<cur>{lex.currency_signs})[ ]?(?P<num>[0-9{_MASK}]{_ARABIC_REST}){amount_tail}"
        ),
        amount_arabic=re.compile(
            rf"[0-9{_MASK}]{_FD}(?<![0-9],[\s\S])(?<![¥$币][\s\S])(?P<rest>{_ARABIC_REST})"
            rf"(?=[ ]?[{_CN_UNIT}{lex.unit_starts}多余]){amount_tail}"
        ),
        amount_cn=re.compile(
            rf"[{_CN_DIGIT}十拾][{_CN_DIGIT}{_CN_UNIT}]*(?P<approx>多|余)?(?P<unit>{lex.yuan_units})?"
        ),
        amount_cn_gate=re.compile(r"[元块圆千百万亿仟佰萬億]"),
        date_ymd=re.compile(
            rf"[12](?<![0-9][\s\S])[0-9]{{3}}[ ]?年[ ]?(?P<m>[0-9]{{1,2}})[ ]?月(?:[ ]?(?P<d>[0-9]{{1,2}})[日号])?(?:[ ]?{_HOUR})?"
        ),
        date_iso=re.compile(
            rf"[12]{_FD}[0-9]{{3}}(?P<sep>[\-/.])(?P<m>[0-9]{{1,2}})(?P=sep)(?P<d>[0-9]{{1,2}})(?![0-9]|\.[0-9])(?:[ ]?{_HOUR})?"
        ),
        date_md=re.compile(rf"[0-9](?<![0-9年][\s\S])(?P<m2>[0-9]?)[ ]?月[ ]?(?P<d>[0-9]{{1,2}})[日号](?:[ ]?{_HOUR})?"),
        date_slash=re.compile(
            r"[0-9](?<![0-9A-Za-z./\-][\s\S])(?P<m2>[0-9]?)(?P<sep>[/\-])(?P<d>[0-9]{1,2})(?![0-9/.%\-])"
        ),
        date_relative=re.compile(
            rf"(?P<w>{_words(list(lex.rel_days))}|{week}"
            rf"|{re.escape(lex.bare_week)}[{weekday}](?={lex.bare_week_before}))"
            rf"(?:[ ]?(?P<tod>{lex.times_of_day})?[ ]?{_HOUR})?(?P<b>{lex.rel_end})?"
        ),
        date_duration=re.compile(
            r"[0-9一二两三四五六七八九十半][0-9一二两三四五六七八九十]{0,2}[ ]?"
            rf"(?P<u>{_words(list(lex.durations))})(?P<w>{lex.duration_end})"
        ),
        date_overdue=re.compile(
            rf"(?:{lex.overdue_words})(?:{lex.overdue_linkers})?[ ]?(?P<n>[0-9]{{1,4}}|[零一二两三四五六七八九十百]{{1,5}})[ ]?"
            rf"(?P<u>{_words(list(lex.overdue_units))})"
        ),
        card=re.compile(rf"[3-69]{_F}[0-9]{{3}}(?:[ \-]?[0-9]{{4}}){{3}}(?:[0-9]{{1,3}}|[ \-][0-9]{{3}})?(?![0-9A-Za-z])"),
        card_masked=re.compile(rf"[3-69]{_F}[0-9]{{3,5}}(?:[ \-]?[{_MASK}]{{2,}}){{1,4}}[ \-]?[0-9]{{4}}(?![0-9A-Za-z*])"),
        card_tail=re.compile(rf"(?:{lex.tail_keywords.pattern})(?:为|是)?[:：]?[ ]?(?P<tail>[0-9xX*]{{4}})(?![0-9A-Za-z])"),
        person_id=re.compile(
            rf"[1-9]{_F}[0-9]{{5}}(?:19|20)[0-9]{{2}}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{{3}}[0-9Xx](?![0-9A-Za-z])"
        ),
        person_id_masked=re.compile(rf"[1-9]{_F}[0-9]{{1,5}}[{_MASK}]{{6,14}}[0-9]{{0,4}}[0-9Xx*](?![0-9A-Za-z*])"),
        pay_keyword=re.compile(_trie(list(lex.payment))),
        keyword_gate=re.compile(_trie([
            *lex.payment, *lex.im, *lex.rel_days,
            *(w + d for w in [*lex.this_week, *lex.next_week, lex.bare_week] for d in lex.weekdays),
        ])),
        pay_alipay_tail=re.compile(rf"[ ]?(?:[:：]|是|为)[ ]?(?P<h>{_HANDLE})"),
        pay_payee_tail=re.compile(rf"[ ]?(?:[:：]|是|为)?[ ]?(?P<name>{_payee_name(lex.payee_name_end)})"),
        im_keyword=re.compile(_trie(list(lex.im))),
        im_tail=re.compile(
            rf"(?:{lex.im_id_labels})?[ ]?(?:[:：=]|是|为)?[ ]?(?P<id>@?[A-Za-z0-9+][A-Za-z0-9_.\-]{{3,29}})(?![A-Za-z0-9_])"
        ),
        sender_start=re.compile(r"\A[ \n]*(?P<tag>【(?P<name>[^【】\n]{2,20})】)"),
        sender_end=re.compile(r"(?P<tag>【(?P<name>[^【】\n]{2,20})】)[ \n]*\Z"),
        case_court=re.compile(
            rf"[(〔\[](?:19|20)[0-9]{{2}}[)〕\]][ ]?(?:{lex.case_court_names}|[{_HAN}]{{1,2}}[0-9]{{2,6}})[{_HAN}]{{1,3}}[0-9]{{1,6}}号"
        ),
        case_keyword=re.compile(
            rf"(?:{lex.case_keywords})[ ]?(?:为|是)?[ ]?[:：#]?[ ]?"
        ),
        case_id=re.compile(
            rf"[(〔\[]?(?:19|20)[0-9]{{2}}[)〕\]]?[^\s,.;:!?。，；、]{{1,20}}?号|[A-Za-z0-9][A-Za-z0-9\-_/#]{{3,31}}"
        ),
    )


class _Ctx:
    """The normalised text plus cheap facts that let recognisers skip work."""

    __slots__ = ("text", "pats", "lex", "lists", "longest_run", "n_digits", "masked", "mobile_pair", "keywords_at")

    def __init__(
        self, text: str, longest_run: int, n_digits: int, masked: bool, keywords_at: int = 0,
        mobile_pair: bool = True,
    ) -> None:
        # (the defaults of the last two claim that anything may be there)
        self.text = text
        self.pats, self.lex, self.lists = _patterns(), _lex(), _lists()  # one call each per text
        self.longest_run = longest_run  # longest run of ASCII digits
        self.n_digits = n_digits
        self.masked = masked  # holds a mask character next to a digit
        self.mobile_pair = mobile_pair  # holds 1 and a digit 3-9 side by side (a mobile's 13x … 19x)
        # where the first payment, IM or relative-date word starts (-1: none): one search for
        # the three patterns, which mostly find nothing, and each starts there
        self.keywords_at = keywords_at

    @classmethod
    def of(cls, text: str) -> _Ctx:
        ctx = object.__new__(cls)  # the slots set here, without a call to __init__
        ctx.text = text
        pats = ctx.pats = _patterns()
        ctx.lex = _lex()
        ctx.lists = _lists()
        m = pats.keyword_gate.search(text)
        ctx.keywords_at = -1 if m is None else m.start()
        runs = _DIGIT_RUN.findall(text)
        if runs:
            longest = ctx.longest_run = len(max(runs, key=len))
            n_digits = ctx.n_digits = len("".join(runs))  # cheaper than summing the lengths
            ctx.masked = _holds_any(text, _MASK) and _MASKED.search(text) is not None
            # only asked by _find_phone_mobile, after the same two tests; the runs are joined
            # with a space, which no pair spans
            ctx.mobile_pair = (
                longest >= 3 and n_digits >= 6 and _MOBILE_PAIR.search(" ".join(runs)) is not None
            )
        else:
            ctx.longest_run = ctx.n_digits = 0
            ctx.masked = ctx.mobile_pair = False
        return ctx


def _holds_any(text: str, needles: Iterable[str]) -> bool:
    """Whether ``text`` holds one of ``needles``: a few ``in`` tests cost much less than one
    regex search for a character class (the engine tests the class at every character)."""
    for needle in needles:
        if needle in text:
            return True
    return False


_DIGIT_RUN = re.compile(r"[0-9][0-9]*")  # not [0-9]+: a leading class lets the engine skip ahead
_MOBILE_PAIR = re.compile("1[3-9]")
# a digit and a mask character side by side, either way round, maybe with a space or hyphen
# between ("[0-9][ -]?[M]|[M][ -]?[0-9]" written to start with one class, so the engine skips
# ahead); only ever searched, so any match will do
_MASKED = re.compile(rf"[0-9{_MASK}](?:(?<=[0-9])[ \-]?[{_MASK}]|(?<=[{_MASK}])[ \-]?[0-9])")


# --------------------------------------------------------------------------- phones

_CC_PREFIX = re.compile(r"^(?:\+|00) ?86[ \-]?")


def _find_phone_mobile(ctx: _Ctx, out: list[_Cand]) -> None:
    # a number needs six digits (below) and starts 13 … 19, after a country code or not
    if ctx.longest_run < 3 or ctx.n_digits < 6 or not ctx.mobile_pair:
        return
    for m in _finditer(ctx.pats.mobile, ctx.text):
        raw = m.group()
        num = _strip_seps(_CC_PREFIX.sub("", raw))
        if _n_digits(num) < 6:
            continue
        flags = ("masked",) if _has_mask(num) else ()
        if len(num) != len(_strip_seps(raw)):
            flags += ("cn_prefix",)
        out.append(_cand("phone_mobile", m.start(), m.end(), num, flags))


def _find_phone_intl(ctx: _Ctx, out: list[_Cand]) -> None:
    if ctx.n_digits < 7 or ("+" not in ctx.text and "00" not in ctx.text):
        return
    for m in _finditer(ctx.pats.intl, ctx.text):
        num = _strip_seps(m.group("num"))
        flags = ("international", "masked") if _has_mask(num) else ("international",)
        out.append(_cand("phone_intl", m.start(), m.end(), "+" + num, flags))


def _find_phone_landline(ctx: _Ctx, out: list[_Cand]) -> None:
    if ctx.n_digits < 9 or ctx.longest_run < 7 or "0" not in ctx.text:  # the number: 7 or 8 digits
        return
    for m in _finditer(ctx.pats.landline, ctx.text):
        value = f"0{m.group('area')}-{m.group('num')}"
        flags: tuple[str, ...] = ()
        if m.group("ext"):
            value += f"转{m.group('ext')}"
            flags = ("extension",)
        out.append(_cand("phone_landline", m.start(), m.end(), value, flags))


def _find_phone_400_800(ctx: _Ctx, out: list[_Cand]) -> None:
    if ctx.n_digits < 6 or ("400" not in ctx.text and "800" not in ctx.text):
        return
    for m in _finditer(ctx.pats.hotline, ctx.text):
        num = ctx.text[m.start()] + _strip_seps(m.group("rest"))
        flags = ("masked",) if _has_mask(num) else ()
        if m.group("ext"):
            flags += ("extension",)
        out.append(_cand("phone_400_800", m.start(), m.end(), num, flags))


# --------------------------------------------------------------------------- short codes

def _short_code_kind(code: str) -> tuple[str, bool]:
    lists = _lists()
    if code in lists.short_codes:
        return lists.short_codes[code], True
    for prefix, kind in lists.prefix_kinds:
        if code.startswith(prefix):
            return kind, False
    return "service", False


def _short_code_ok(text: str, start: int, end: int, code: str, official: bool) -> bool:
    """Reject numbers that are amounts or counts (12345元, 10000人, 第10086期)."""
    lex = _lex()
    if lex.amount_after.match(text, end) or lex.money_before.search(_before(text, start, 6)):
        return False
    if official or code[:2] in ("95", "96") or code.startswith("106"):
        return True
    return lex.phone_context.search(_before(text, start, 8)) is not None


def _short_code_cand(text: str, start: int, code_start: int, end: int, code: str) -> _Cand | None:
    kind, official = _short_code_kind(code)
    if not _short_code_ok(text, code_start, end, code, official):
        return None
    flags = ("official", kind) if official else (kind,)
    if start != code_start:
        flags += ("area_code",)
    return _cand("short_code", start, end, code, flags)


def _find_short_code(ctx: _Ctx, out: list[_Cand]) -> None:
    text = ctx.text
    pats = ctx.pats
    # every short code holds five digits in a row (12368, 95588, 0755-96110, 106…), and starts
    # and ends a run of digits
    for m in _finditer(pats.short_code, text) if ctx.longest_run >= 5 else ():
        if m.group("c96"):
            cand = _short_code_cand(text, m.start(), m.start("c96"), m.end(), m.group("c96"))
        else:
            code = text[m.start()] + (m.group("c1") or m.group("c9"))
            cand = _short_code_cand(text, m.start(), m.start(), m.end(), code)
        if cand is not None:
            out.append(cand)
    if "110" in text:
        for m in _finditer(pats.police, text):
            kind, official = _short_code_kind("110")
            out.append(_cand("short_code", m.start("code"), m.end("code"), "110", ("official", kind) if official else (kind,)))


# --------------------------------------------------------------------------- links

def _url_flags(host: str, url: str) -> tuple[str, ...]:
    lists = _lists()
    flags: list[str] = []
    # a host is under a domain when it is the domain or ends with "." + domain: when the domain
    # is the host itself or what follows one of its dots
    tails = {host, *(host[i + 1 :] for i, c in enumerate(host) if c == ".")}

    def under(domains: frozenset[str]) -> bool:
        return not domains.isdisjoint(tails)

    official = (under(lists.official) or host in lists.official_hosts) and not under(lists.unofficial)
    if official:
        flags.append("official")
    if under(lists.shorteners):
        flags.append("shortener")
    if host.replace(".", "").isdigit():
        flags.append("ip")
    probe = url.lower()
    if official:
        probe = probe.split(host, 1)[-1]  # words inside an official host ("alipay") do not count
    if lists.risky.search(probe):
        flags.append("risky_token")
    return tuple(flags)


def _url_cand(start: int, url: str, host: str, extra: tuple[str, ...] = ()) -> _Cand:
    host = host.lower().rstrip(".")
    return _cand("url", start, start + len(url), {"url": url, "domain": host}, _url_flags(host, url) + extra)


def _trim_url(s: str) -> str:
    return s.rstrip(".,:;!?'\"-_~")


def _scheme_url(m: re.Match[str]) -> _Cand | None:
    url = _trim_url(m.group())
    netloc = re.split(r"[/?#]", url.split("://", 1)[1], maxsplit=1)[0]
    extra: tuple[str, ...] = ()
    if "@" in netloc:  # http://bank.com@evil.example/ goes to evil.example
        netloc, extra = netloc.rsplit("@", 1)[1], ("userinfo",)
    host = netloc.rsplit(":", 1)[0] if netloc.count(":") == 1 else netloc
    return _url_cand(m.start(), url, host, extra) if host else None


def _find_url(ctx: _Ctx, out: list[_Cand]) -> None:
    text = ctx.text
    if "." not in text:
        return
    pats = ctx.pats
    if "://" in text:
        for m in _finditer(pats.url_scheme, text):
            if (cand := _scheme_url(m)) is not None:
                out.append(cand)
    for m in _finditer(pats.url_bare, text) if pats.url_tld.search(text) else ():
        host = text[m.start() : m.start("rest")]
        out.append(_url_cand(m.start(), host + _trim_url(m.group("rest")), host))
    if pats.url_ipish.search(text):
        for m in _finditer(pats.url_ip, text):
            rest = _trim_url(m.group("rest"))
            if rest:  # a bare dotted quad may be a version number
                out.append(_url_cand(m.start(), m.group("host") + rest, m.group("host")))


# --------------------------------------------------------------------------- amounts

def _amount_value(num: str) -> tuple[Any, tuple[str, ...]]:
    if (k := _small_int(num)) is not None:  # digits only: no mask
        return str(k), ()
    if _has_mask(num):
        return num, ("masked",)
    d = parse_number(num)
    return (None, ()) if d is None else (_fmt_decimal(d), ())


def _amount_flags(
    lex: _Lexicon, flags: tuple[str, ...], approx: str | None, unit: str | None, cur: str = ""
) -> tuple[str, ...]:
    if approx:
        flags += ("approx",)
    currency_flags = lex.currency_flags
    for c in (cur, (unit or "").strip()):
        if c in currency_flags:
            flags += (currency_flags[c],)
    return flags


def _arabic_amount(ctx: _Ctx, m: re.Match[str], num: str, cur: str) -> _Cand | None:
    mag, unit, approx = m.group("mag", "unit", "approx")
    if _ASCII_DIGIT.search(num) is None:  # no digit at all
        return None
    lex = ctx.lex
    if not (cur or unit) and (not mag or _has_mask(num) or lex.counter_after.match(ctx.text, m.end())):
        return None  # 2万人, 3天, 100个: counts, not money
    value, flags = _amount_value(num + mag)
    if value is None:
        return None
    return _cand("amount", m.start(), m.end(), value, _amount_flags(lex, flags, approx, unit, cur))


def _find_amount_arabic(ctx: _Ctx, out: list[_Cand]) -> None:
    if not ctx.n_digits:
        return
    pats = ctx.pats
    if _holds_any(ctx.text, ctx.lex.currency_gate):
        for m in _finditer(pats.amount_cur, ctx.text):
            if (cand := _arabic_amount(ctx, m, m.group("num"), m.group("cur"))) is not None:
                out.append(cand)
    if ctx.lex.unit_gate.search(ctx.text) is None:  # one scan: cheaper than 18 in-tests
        return
    for m in _finditer(pats.amount_arabic, ctx.text):
        if (cand := _arabic_amount(ctx, m, ctx.text[m.start() : m.end("rest")], "")) is not None:
            out.append(cand)


def _find_amount_cn(ctx: _Ctx, out: list[_Cand]) -> None:
    text = ctx.text
    pats = ctx.pats
    if not pats.amount_cn_gate.search(text):
        return
    for m in _finditer(pats.amount_cn, text):
        num = text[m.start() : m.start("approx") if m.group("approx") else m.start("unit") if m.group("unit") else m.end()]
        before = _before(text, m.start(), 4).rstrip(" ")
        cur = next((sign for sign in ctx.lex.cn_numeral_signs if before.endswith(sign)), "")
        if not (cur or m.group("unit")):
            if len(num) < 2 or not any(c in _CN_UNIT for c in num) or ctx.lex.counter_after.match(text, m.end()):
                continue
            if not ctx.lex.money_context.search(before):
                continue
        d = parse_number(num)
        if d is None:
            continue
        start = text.rindex(cur, 0, m.start()) if cur else m.start()
        approx, unit = m.group("approx", "unit")
        out.append(_cand("amount", start, m.end(), _fmt_decimal(d), _amount_flags(ctx.lex, (), approx, unit, cur)))


# --------------------------------------------------------------------------- dates and deadlines


def _valid_md(month: int, day: int, year: int = 2024) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _small_number(s: str) -> Decimal | None:
    return Decimal("0.5") if s == "半" else parse_number(s)


def _time_of(m: re.Match[str], tod: str = "") -> str | None:
    """``HH:MM`` from the ``h``/``mi``/``mi2`` groups of a match (None when there is no hour)."""
    h_raw, mi, mi2 = m.group("h", "mi", "mi2")
    if not h_raw:
        return None
    hour = _small_int(h_raw)
    if hour is None:  # Chinese numerals
        h = parse_number(h_raw)
        if h is None:
            return None
        hour = int(h) if h <= 24 else 25
    if hour > 24:
        return None
    mi_raw = (mi or mi2 or "").rstrip("分")
    minute = 30 if mi_raw == "半" else int(mi_raw or 0)
    lex = _lex()
    if tod in lex.evening and hour < 12:
        hour += 12
    elif tod in lex.evening and hour == 12 and tod not in lex.noon:
        hour = 24
    return f"{hour:02d}:{minute:02d}"


def _deadline_flags(text: str, end: int) -> tuple[str, ...]:
    return ("deadline",) if text.startswith(_lex().date_after, end) else ()


def _date_cand(ctx: _Ctx, m: re.Match[str], year: int | None, month: int, day: str | None) -> _Cand | None:
    if year is not None and not 1900 <= year <= 2099:
        return None
    if day is None:
        if year is None or not 1 <= month <= 12:
            return None
        value: dict[str, Any] = {"year_month": f"{year}-{month:02d}"}
    elif not _valid_md(month, int(day), year or 2024):
        return None
    elif year is None:
        value = {"month_day": f"{month:02d}-{int(day):02d}"}
    else:
        value = {"date": f"{year}-{month:02d}-{int(day):02d}"}
    if t := _time_of(m):
        value["time"] = t
    return _cand("date_deadline", m.start(), m.end(), value, _deadline_flags(ctx.text, m.end()))


def _find_dates_absolute(ctx: _Ctx, out: list[_Cand]) -> None:
    text = ctx.text
    if not ctx.n_digits:
        return
    pats = ctx.pats
    found: list[_Cand | None] = []
    if ctx.longest_run >= 4 and "年" in text and "月" in text:
        found += [_date_cand(ctx, m, int(text[m.start() : m.start() + 4]), int(m.group("m")), m.group("d"))
                  for m in _finditer(pats.date_ymd, text)]
    if ctx.longest_run >= 4 and ("-" in text or "/" in text or "." in text):
        found += [_date_cand(ctx, m, int(text[m.start() : m.start() + 4]), int(m.group("m")), m.group("d"))
                  for m in _finditer(pats.date_iso, text)]
    if "月" in text and ("日" in text or "号" in text):
        found += [_date_cand(ctx, m, None, int(text[m.start() : m.end("m2")]), m.group("d"))
                  for m in _finditer(pats.date_md, text)]
    for cand in found:
        if cand is not None:
            out.append(cand)


def _slash_date_ok(text: str, m: re.Match[str], mo: str, d: str) -> bool:
    """11/10 is a date; 1/3 is a fraction unless the context says deadline; 1/12期 is a count."""
    if not (1 <= int(mo) <= 12 and _valid_md(int(mo), int(d))):
        return False
    if _lex().counter_after.match(text, m.end()) or _before(text, m.start(), 1) == "第":
        return False
    lex = _lex()
    context = text.startswith(lex.date_after, m.end()) or _before(text, m.start(), 4).rstrip(" :").endswith(lex.date_before)
    if m.group("sep") == "-":
        return context
    return context or (len(mo) == 2 and len(d) == 2) or (len(d) == 2 and not mo.startswith("0"))


def _find_dates_slash(ctx: _Ctx, out: list[_Cand]) -> None:
    text = ctx.text
    if not ctx.n_digits or ("/" not in text and "-" not in text):
        return
    for m in _finditer(ctx.pats.date_slash, text):
        mo, d = text[m.start() : m.end("m2")], m.group("d")
        if _slash_date_ok(text, m, mo, d):
            value = {"month_day": f"{int(mo):02d}-{int(d):02d}"}
            out.append(_cand("date_deadline", m.start(), m.end(), value, _deadline_flags(text, m.end())))


def _find_dates_relative(ctx: _Ctx, out: list[_Cand]) -> None:
    text = ctx.text
    pats = ctx.pats
    lex = ctx.lex
    for m in _finditer(pats.date_relative, text, ctx.keywords_at) if ctx.keywords_at >= 0 else ():
        w, tod, b, h = m.group("w", "tod", "b", "h")
        if w in lex.rel_days:
            value: dict[str, Any] = {"relative": lex.rel_days[w]}
        else:
            value = {"relative": f"{'next_week' if w.startswith(lex.next_week) else 'week'}:{lex.weekdays[w[-1]]}"}
        if h and (t := _time_of(m, tod or w)):  # no hour: no time
            value["time"] = t
        start, end = m.span()
        b = b or ""
        if b in lex.rel_within:
            flags: tuple[str, ...] = ("within",)
        elif b:
            flags = ("deadline",)
        else:
            flags = ("deadline",) if text.startswith(lex.date_after, end) else ()  # _deadline_flags
        out.append(_cand("date_deadline", start, end, value, flags))
    if _holds_any(text, lex.duration_gate):
        for m in _finditer(pats.date_duration, text):
            raw = text[m.start() : m.start("u")].strip()
            if (k := _small_int(raw)) is not None:
                if k <= 0:
                    continue
                amount = str(k)
            else:
                n = _small_number(raw)
                if n is None or n <= 0:
                    continue
                amount = _fmt_decimal(n)
            u, w = m.group("u", "w")
            flags = ("within",) if w in lex.duration_within else ("after",)
            out.append(_cand("date_deadline", m.start(), m.end(), {"relative": f"{amount}{lex.durations[u]}"}, flags))
    if _holds_any(text, lex.overdue_gate):
        for m in _finditer(pats.date_overdue, text):
            raw, u = m.group("n", "u")
            if (k := _small_int(raw)) is None:
                n = parse_number(raw)
                if n is None:
                    continue
                k = int(n)
            out.append(_cand("date_deadline", m.start(), m.end(), {lex.overdue_units[u]: k}, ("overdue",)))


# --------------------------------------------------------------------------- bank accounts & IDs

def _find_bank_account(ctx: _Ctx, out: list[_Cand]) -> None:
    text = ctx.text
    pats = ctx.pats
    if ctx.n_digits >= 16 and ctx.longest_run >= 4:
        for m in _finditer(pats.card, text):
            digits = _strip_seps(m.group())
            if not 16 <= len(digits) <= 19 or _looks_like_id(digits):
                continue
            flags = ("luhn_ok",) if luhn_ok(digits) else ()
            if digits.startswith("62"):
                flags += ("unionpay",)
            out.append(_cand("bank_account", m.start(), m.end(), digits, flags))
    # a masked card number starts with 4 to 6 digits and ends with 4
    if ctx.masked and ctx.longest_run >= 4 and ctx.n_digits >= 8:
        for m in _finditer(pats.card_masked, text):
            num = _strip_seps(m.group())
            if len(num) < 12:
                continue  # 4008**1234 is a hotline, not a card
            if len(num) == 18 and not num.startswith(("62", "9")):
                continue  # an 18-character masked number is an ID number (person_id)
            out.append(_cand("bank_account", m.start(), m.end(), num, ("masked",)))
    for m in _finditer(pats.card_tail, text) if _holds_any(text, ctx.lex.tail_words) else ():  # 尾号 …
        if ctx.lex.phone_tail_before.search(_before(text, m.start(), 4)):
            continue
        tail = m.group("tail")
        flags = ("tail", "masked") if _has_mask(tail) else ("tail",)
        out.append(_cand("bank_account", m.start("tail"), m.end("tail"), tail, flags))


def _find_person_id(ctx: _Ctx, out: list[_Cand]) -> None:
    text = ctx.text
    pats = ctx.pats
    if ctx.longest_run >= 17:
        for m in _finditer(pats.person_id, text):
            pid = m.group().upper()
            if id_checksum_ok(pid):
                flags: tuple[str, ...] = ("checksum_ok",)
            elif ctx.lex.id_context.search(_before(text, m.start(), 12)):
                flags = ()
            else:
                continue  # 18 digits that fail the check: maybe a card number
            out.append(_cand("person_id", m.start(), m.end(), redact_id(pid), flags))
    if ctx.masked:
        for m in _finditer(pats.person_id_masked, text):
            pid = m.group()
            if len(pid) != 18:
                continue
            if pid.startswith(("62", "9")) and not ctx.lex.id_context.search(_before(text, m.start(), 12)):
                continue
            out.append(_cand("person_id", m.start(), m.end(), redact_id(pid), ("masked",)))


# --------------------------------------------------------------------------- handles and contacts

def _payment_cand(text: str, m: re.Match[str], kind: str) -> _Cand | None:
    pats = _patterns()
    kw = m.group()
    if kind == "alipay":
        tail = pats.pay_alipay_tail.match(text, m.end())
        if tail:
            return _cand("payment_handle", m.start(), tail.end(), tail.group("h").rstrip("."), ("alipay",))
        return _cand("payment_handle", m.start(), m.end(), kw, ("alipay",)) if kw != "支付宝" else None
    if kind == "payee":
        tail = pats.pay_payee_tail.match(text, m.end())
        if tail:
            return _cand("payment_handle", m.start(), tail.end(), tail.group("name"), ("payee", "named"))
        return _cand("payment_handle", m.start(), m.end(), kw, ("payee",))
    return _cand("payment_handle", m.start(), m.end(), kw, (kind,))


def _find_payment_handle(ctx: _Ctx, out: list[_Cand]) -> None:
    text = ctx.text
    if ctx.keywords_at < 0:
        return
    for m in _finditer(ctx.pats.pay_keyword, text, ctx.keywords_at):
        if (cand := _payment_cand(text, m, ctx.lex.payment[m.group()])) is not None:
            out.append(cand)


def _im_id_ok(platform: str, ident: str) -> bool:
    bare = ident.lstrip("@+")
    if platform == "qq":
        return bare.isdigit() and 5 <= len(bare) <= 12 and bare[0] != "0"
    if platform == "wechat":
        return (bare[:1].isalpha() and 4 <= len(bare) <= 20) or (bare.isdigit() and 5 <= len(bare) <= 15)
    return len(bare) >= 3


def _find_contact_im(ctx: _Ctx, out: list[_Cand]) -> None:
    text = ctx.text
    if ctx.keywords_at < 0:
        return
    pats = ctx.pats
    for m in _finditer(pats.im_keyword, text, ctx.keywords_at):
        kw = m.group()
        if kw.isascii() and m.start() and text[m.start() - 1].isascii() and text[m.start() - 1].isalpha():
            continue  # "online", "setting"
        tail = pats.im_tail.match(text, m.end())
        if not tail:
            continue
        platform = ctx.lex.im[kw]
        flags = ("qq", "group") if platform == "qq_group" else (platform,)
        ident = tail.group("id").rstrip(".-")
        if _im_id_ok(flags[0], ident):
            out.append(_cand("contact_im", tail.start("id"), tail.start("id") + len(ident), ident, flags))


# --------------------------------------------------------------------------- organisations

def _known_orgs(lists: _Lists, text: str) -> list[tuple[int, int, _OrgName]]:
    out = []
    for m in _finditer(lists.org_known, text):
        spec = lists.org_names[m.group()]
        start, end = m.span()
        if spec.not_after and _before(text, start, 1) in spec.not_after:
            continue
        if spec.not_before and text[end : end + 1] in spec.not_before:
            continue
        if spec.only_after and not _before(text, start, 4).endswith(spec.only_after):
            continue
        out.append((start, end, spec))
    return out


def _walk_left(text: str, start: int, limit: int, stops: frozenset[str], floor: int) -> int:
    """Leftmost start of the Han name that ends at ``start`` (at most ``limit`` characters, not
    before ``floor``, cut at a stop character)."""
    j = start
    while j > floor and start - j < limit:
        c = text[j - 1]
        # Han characters and Latin letters (XX银行, ABC消费金融) make up a name
        if not ("\u4e00" <= c <= "\u9fff" or "a" <= c <= "z" or "A" <= c <= "Z") or c in stops:
            break
        j -= 1
    return j


def _org_cand(
    lists: _Lists, text: str, start: int, end: int, kind: str, canonical: str, flags: tuple[str, ...]
) -> _Cand:
    name = text[start:end]
    if len(name) >= lists.invented_min_len and "invented_body" not in flags and lists.invented_any.search(name):
        inv_kind = next(k for inv, k in lists.invented if inv in name)  # the first listed one
        flags, kind = flags + ("invented_body",), inv_kind
    return _tuple_new(_Cand, ("org_claimed", start, end, {"name": name, "kind": kind, "canonical": canonical}, flags))


def _which_suffix(lists: _Lists, text: str, start: int, end: int) -> _OrgSuffix:
    """The first listed suffix pattern that makes the match ``text[start:end]`` (only those
    whose lead starts with its first character can)."""
    for suf in lists.suffixes_by_first.get(text[start], ()):
        sm = suf.pattern.match(text, start)
        if sm is not None and sm.end() == end:
            return suf
    return lists.suffixes[0]


def _generic_org(
    lists: _Lists, text: str, m: re.Match[str], known: list[tuple[int, int, _OrgName]], known_starts: list[int],
    floor: int,
) -> _Cand | None:
    """A generic "XX银行 / XX人民法院 …" name: suffix plus the Han characters before it.

    ``known`` holds the known names found, sorted and disjoint (``known_starts`` their starts),
    so only the last one starting at or before the match can hold it or run into it."""
    s, e = m.span()
    if known:
        i = bisect.bisect_right(known_starts, s) - 1
        if i >= 0 and e <= known[i][1]:
            return None  # part of a known name
    suf = _which_suffix(lists, text, s, e)
    if known:
        i = bisect.bisect_left(known_starts, s) - 1
        if i >= 0 and s <= known[i][1] <= e:  # 招联消费金融 + 有限公司
            ks, ke, spec = known[i]
            return _org_cand(lists, text, ks, e, spec.kind, spec.canonical + text[ke:e], spec.flags + suf.flags)
    j = _walk_left(text, s, suf.max_prefix, lists.stop_chars, floor)
    prefix = text[j:s]
    if len(prefix) < suf.min_prefix:
        return None
    # excluded: ends with a common-noun word, or is an exact word (or it and one character)
    if prefix.endswith(suf.exclude) or prefix in suf.exclude_exact or prefix[1:] in suf.exclude_exact:
        return None
    return _org_cand(lists, text, j, e, suf.kind, text[j:e], suf.flags)


def _find_org_claimed(ctx: _Ctx, out: list[_Cand]) -> None:
    text = ctx.text
    lists = ctx.lists
    known = _known_orgs(lists, text)
    matches = _finditer(lists.org_suffix_any, text)
    for s, e, spec in known:
        out.append(_org_cand(lists, text, s, e, spec.kind, spec.canonical, spec.flags))
    if not matches:
        return
    if known:
        known_starts = [ks for ks, _, _ in known]
        barriers = sorted({ke for _, ke, _ in known} | {m.end() for m in matches})
    else:  # the matches do not overlap: their ends are already sorted and distinct
        known_starts = []
        barriers = [m.end() for m in matches]
    for m in matches:
        i = bisect.bisect_right(barriers, m.start())  # the last barrier at or before the match
        floor = barriers[i - 1] if i else 0
        if (cand := _generic_org(lists, text, m, known, known_starts, floor)) is not None:
            out.append(cand)


# --------------------------------------------------------------------------- tags and case numbers

def _find_sender_tag(ctx: _Ctx, out: list[_Cand]) -> None:
    text = ctx.text
    if "【" not in text:
        return
    pats = ctx.pats
    # a tag at the start or end: only spaces and newlines before or after it
    first = pats.sender_start.match(text) if text.lstrip(" \n").startswith("【") else None
    # the end tag holds no 【 and only spaces follow it: it can only start at the last 【
    last = pats.sender_end.match(text, text.rfind("【")) if text.rstrip(" \n").endswith("】") else None
    if first and last and first.start("tag") == last.start("tag"):
        out.append(_cand("sender_tag", *first.span("tag"), first.group("name").strip(), ("start", "end")))
        return
    if first:
        out.append(_cand("sender_tag", *first.span("tag"), first.group("name").strip(), ("start",)))
    if last:
        out.append(_cand("sender_tag", *last.span("tag"), last.group("name").strip(), ("end",)))


def _find_case_number(ctx: _Ctx, out: list[_Cand]) -> None:
    text = ctx.text
    if "号" not in text:
        return
    pats = ctx.pats
    for m in _finditer(pats.case_court, text):
        out.append(_cand("case_number", m.start(), m.end(), m.group(), ("court_format",)))
    for m in _finditer(pats.case_keyword, text):
        if pats.case_court.match(text, m.end()):
            continue
        idm = pats.case_id.match(text, m.end())
        if idm:
            out.append(_cand("case_number", idm.start(), idm.end(), idm.group(), ("nonstandard",)))


# --------------------------------------------------------------------------- driver

# Each recogniser appends its candidates to ``out`` (plain calls: a generator per recogniser
# cost more than most of them do on a text where they find nothing). They are grouped by the
# layer of the types they find: overlaps are resolved within a layer only, so each layer is
# resolved on its own, and mostly has nothing to resolve.
_Recogniser = Callable[[_Ctx, list[_Cand]], None]
_BY_LAYER: tuple[tuple[_Recogniser, ...], ...] = (
    (  # token
        _find_url,
        _find_case_number,
        _find_person_id,
        _find_bank_account,
        _find_phone_intl,
        _find_phone_mobile,
        _find_phone_400_800,
        _find_phone_landline,
        _find_amount_arabic,
        _find_amount_cn,
        _find_short_code,
        _find_dates_absolute,
        _find_dates_slash,
        _find_dates_relative,
    ),
    (_find_contact_im, _find_payment_handle),  # handle
    (_find_org_claimed,),  # org
    (_find_sender_tag,),  # frame
)
_RECOGNISERS: tuple[_Recogniser, ...] = tuple(r for layer in _BY_LAYER for r in layer)
# The ones that can find something in a text without ASCII digits (the others return at once).
_NEED_DIGITS = {
    _find_person_id, _find_phone_intl, _find_phone_mobile, _find_phone_400_800, _find_phone_landline,
    _find_amount_arabic, _find_short_code, _find_dates_absolute, _find_dates_slash,
}
_BY_LAYER_WITHOUT_DIGITS = tuple(tuple(r for r in layer if r not in _NEED_DIGITS) for layer in _BY_LAYER)
_SPAN = operator.itemgetter(1, 2)  # a candidate's (start, end)


def _disjoint(cands: list[_Cand]) -> bool:
    """No span is empty and no two overlap: then :func:`_resolve` keeps them all."""
    prev_end = 0
    for c in sorted(cands, key=_SPAN):  # by start: each must start at or after the one before ends
        if c.start < prev_end or c.end <= c.start:
            return False
        prev_end = c.end
    return True


def _resolve(cands: list[_Cand]) -> list[_Cand]:
    """Keep the best candidate per span: within a layer, priority first, then length.

    Greedy in (priority, -length, start) order: a candidate is kept unless it overlaps a span
    already kept in its layer (in the ``frame`` layer, unless it repeats one). The spans kept in
    a layer never overlap, so they are held sorted by start (their ends are then sorted too) and
    each test is one bisection: O(n log n) instead of comparing with every span taken.
    """
    order = sorted(cands, key=_resolve_key)
    starts: dict[str, list[int]] = {}
    ends: dict[str, list[int]] = {}
    frames: set[tuple[int, int]] = set()
    kept: list[_Cand] = []
    bisect_left = bisect.bisect_left
    for c in order:
        start, end = c.start, c.end
        if end <= start:
            continue
        layer = _LAYER[c.type]
        if layer == "frame":
            if (start, end) in frames:
                continue
            frames.add((start, end))
            kept.append(c)
            continue
        ss = starts.get(layer)
        if ss is None:  # the first span of its layer
            starts[layer], ends[layer] = [start], [end]
            kept.append(c)
            continue
        es = ends[layer]
        i = bisect_left(ss, end)  # spans [0, i) start before c ends
        if i and es[i - 1] > start:  # the last of them ends furthest right
            continue
        ss.insert(i, start)
        es.insert(i, end)
        kept.append(c)
    return kept


def _resolve_key(c: _Cand) -> tuple[int, int, int]:
    return _PRIORITY[c.type], c.start - c.end, c.start


class _EntityUnderConstruction:
    """An :class:`Entity` being filled in: the same slots, without the frozen ``__setattr__``.

    ``Entity(...)`` goes through the frozen dataclass's ``__init__``, which sets each field
    with ``object.__setattr__`` (about 1.3 µs an entity). find_entities stores the fields here
    with plain slot stores and then makes the object an ``Entity`` by assigning ``__class__``,
    which Python allows between classes with the same slots (as normalize does for its
    edits): an ordinary ``Entity`` (equal, hashable, frozen), at less than half the cost.
    """

    __slots__ = Entity.__slots__
    type: str
    text: str
    start: int
    end: int
    value: Any
    flags: tuple[str, ...]
    norm_start: int
    norm_end: int


if tuple(f.name for f in fields(Entity)) != _EntityUnderConstruction.__slots__ or hasattr(Entity, "__post_init__"):
    raise RuntimeError("Entity fields changed: update _EntityUnderConstruction and find_entities")


def find_entities(norm: Normalized) -> list[Entity]:
    """Every entity in ``norm.text``, with offsets into ``norm.original``, sorted by start."""
    text = norm.text
    if not text:
        return []
    ctx = _Ctx.of(text)
    kept: list[_Cand] = []
    for layer in _BY_LAYER if ctx.n_digits else _BY_LAYER_WITHOUT_DIGITS:
        first = len(kept)  # the layer's candidates: kept[first:]
        for recogniser in layer:
            recogniser(ctx, kept)
        if len(kept) - first > 1 and not _disjoint(cands := kept[first:]):
            kept[first:] = _resolve(cands)
    if not kept:
        return []
    # Sorted by start, longer first, then type priority. Among the candidates kept, (priority,
    # -length, start) is unique (two of one type never share a span), so ending the key with
    # it orders them as a stable sort of the candidates in _resolve's order did. (The index
    # after it only keeps the candidates themselves from ever being compared.)
    rows: list[tuple[int, int, int, int, int, int, _Cand]] = []
    # no step moved a position: a span of the text is the same span of the original
    mapped = norm.to_original if norm._maps else None
    for i, c in enumerate(kept):
        ns, ne = c.start, c.end
        if ne <= ns:
            continue
        s, e = mapped(ns, ne) if mapped else (ns, ne)
        rows.append((s, -e, _PRIORITY[c.type], ns - ne, ns, i, c))
    if len(rows) > 1:
        rows.sort()
    original = norm.original
    out: list[Entity] = []
    for s, neg_e, _, _, ns, _, c in rows:
        ent = _EntityUnderConstruction()
        ent.type = c.type
        ent.text = original[s:-neg_e]
        ent.start = s
        ent.end = -neg_e
        ent.value = c.value
        ent.flags = c.flags
        ent.norm_start = ns
        ent.norm_end = c.end
        ent.__class__ = Entity  # type: ignore[assignment]
        out.append(ent)  # type: ignore[arg-type]
    return out
