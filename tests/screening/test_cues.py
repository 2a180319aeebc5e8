"""Every cue rule's own examples fire it, and its counter-examples do not."""

from __future__ import annotations

import pytest

from notice_nlp.annotate.entities import find_entities
from notice_nlp.screening.cues import load_rules, match_rules, tag_info
from notice_nlp.text.normalize import normalize

RULES = load_rules()


def _fires(rule_id: str, text: str) -> bool:
    norm = normalize(text)
    rule = next(r for r in RULES if r.id == rule_id)
    return any(h.rule.id == rule_id for h in match_rules(norm.text, find_entities(norm), [rule]))


POSITIVE = [(r.id, ex) for r in RULES for ex in r.examples]
NEGATIVE = [(r.id, ex) for r in RULES for ex in r.counter_examples]


def test_every_rule_has_examples() -> None:
    missing = [r.id for r in RULES if not r.examples or not r.counter_examples]
    assert not missing, f"rules without examples and counter-examples: {missing}"


def test_rule_tags_and_labels_agree() -> None:
    tags = tag_info()
    for r in RULES:
        if r.tag.startswith("legit."):
            assert r.label == "legitimate", r.id
        else:
            assert tags[r.tag].label == r.label or r.tag in ("obfuscation", "url_obfuscated", "impersonate_authority", "false_legal_consequence", "fake_legal_document"), r.id


@pytest.mark.parametrize(("rule_id", "text"), POSITIVE)
def test_example_fires(rule_id: str, text: str) -> None:
    assert _fires(rule_id, text), f"{rule_id} does not fire on {text!r}"


@pytest.mark.parametrize(("rule_id", "text"), NEGATIVE)
def test_counter_example_does_not_fire(rule_id: str, text: str) -> None:
    assert not _fires(rule_id, text), f"{rule_id} fires on counter-example {text!r}"


ADVERSARIAL = ["a" * 20000, "1" * 20000, "逾" * 20000, "a." * 10000, "加微信" * 5000, "【" * 5000 + "】" * 5000, ", " * 10000]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda t: repr(t[:6]))
def test_no_pattern_backtracks_catastrophically(text: str) -> None:
    """Every pattern, on long repetitive input, costs about as much as on short input scaled
    linearly: 8x the text may take at most ~40x the time (a quadratic pattern takes ~64x)."""
    import time

    def cost(pat: object, s: str) -> float:  # best of three: a busy machine only adds time
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            for _ in pat.finditer(s):  # type: ignore[attr-defined]
                pass
            best = min(best, time.perf_counter() - t0)
        return best

    short = text[: len(text) // 8]
    for rule in RULES:
        for pat, _ in rule.parts:
            t_short = cost(pat, short)
            t_long = cost(pat, text)
            for _ in range(3):  # confirm before failing: a loaded machine slows single runs
                if t_long < 40 * t_short + 0.05:
                    break
                t_short, t_long = cost(pat, short), cost(pat, text)
            assert t_long < 40 * t_short + 0.05, f"{rule.id}: {pat.pattern[:60]!r} looks superlinear ({t_short:.4f}s → {t_long:.4f}s)"


# ------------------------------------------------------------------- prefilter

def _corpus_texts() -> list[str]:
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "corpora" / "sms"
    out = []
    for path in sorted(root.glob("**/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["text"])
    return out


def test_prefilter_keeps_every_pattern_that_matches() -> None:
    """The prefilter only skips patterns that cannot match: on every rule example, counter-example
    and corpus message, each pattern with a match is among the candidates."""
    from notice_nlp.screening.cues import _default_prefilter

    pf = _default_prefilter()
    texts = [ex for r in RULES for ex in (*r.examples, *r.counter_examples)] + _corpus_texts()
    assert len(texts) > 2000
    for raw in texts:
        text = normalize(raw).text
        cands = {(ri, pi) for ri, pis in pf.candidates(text).items() for pi in pis}
        for ri, rule in enumerate(pf.rules):
            for pi, (pat, _) in enumerate(rule.parts):
                if (ri, pi) not in cands and any(m.end() > m.start() for m in pat.finditer(text)):
                    pytest.fail(f"prefilter skips {rule.id} pattern {pi} that matches {raw[:40]!r}")


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("打断(你|他)的腿", {"打断你的腿", "打断他的腿"}),
        ("(弄|整)死(你)?", {"弄死你", "弄死", "整死你", "整死"}),
        ("逾期.{0,3}(未还|不还)", {"逾期"}),  # one string beats two of the same length
        ("(未还|不还).{0,3}逾期未还", {"逾期未还"}),
        ("征信[^。]{0,6}(黑名单|污点)", {"征信"}),
        ("(?i:diu)", {"diu"}),  # case-insensitive: folded strings, looked up in folded text
        ("(?i:(?<![a-z])(NMSL|cnm)(?![a-z]))", {"nmsl", "cnm"}),
        ("(?i:Σ)x", {"x"}),  # a cased non-ASCII letter is not folded: it is no condition
        (".{2,5}", None),
    ],
)
def test_prefilter_clause(pattern: str, expected: set[str] | None) -> None:
    import re

    from notice_nlp.screening.cues import _prefilter

    clause = _prefilter(re.compile(pattern))
    assert (None if clause is None else set(clause)) == expected


def test_fold_maps_every_character_re_matches_to_an_ascii_letter() -> None:
    """Every code point that re's IGNORECASE matches to an ASCII letter folds to that letter, so
    a case-insensitive pattern's folded strings are always found in the folded text."""
    import re
    import sys

    from notice_nlp.screening.cues import FOLD

    letter = re.compile("(?i)[a-z]")
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        if letter.fullmatch(ch):
            lowered = ch.translate(FOLD)
            assert re.fullmatch(f"(?i){re.escape(lowered)}", ch) and lowered.isascii() and lowered.islower(), (hex(cp), lowered)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("(?si:ABC)", "请联系abc客服"),  # combined inline flags
        ("(?mi:VIP)专员", "我是vip专员"),
        ("(?i:a)(?-i:B)C", "aBC"),
        ("X(?i:y)", "xY"),  # no match: X is case-sensitive
        ("(a)\\1b", "aab"),  # back-reference
        ("(?<=逾期)[一二三]天", "已逾期三天"),
        ("[A-C]{0,1}征信", "B征信"),
        ("(你|您)的.{0,4}(欠|借)了钱", "您的朋友借了钱"),  # two clauses, both hold
        ("(你|您)的.{0,4}(欠|借)了钱", "您的朋友还了钱"),  # the second does not
        ("(你|您)的.{0,4}(欠|借)了钱", "朋友借了钱"),  # the first does not
        ("(?i:vip)专员.{0,3}(?i:QQ)", "VIP专员加qq"),  # two folded clauses
        ("(?i:验证码)", "请提供验证码"),  # a folded string without a letter, a text without one
        ("(?i:app内)", "请在APP内还款"),
        ("(?i:kk)", "\u212aK"),  # the Kelvin sign is the only 'letter' in the text
        ("(?i:app内)验证码", "请在app内输入验证码"),
    ],
)
def test_prefilter_agrees_with_re(pattern: str, text: str) -> None:
    """A rule built from the pattern hits exactly when re finds a non-empty match."""
    import re

    from notice_nlp.screening.cues import _rule

    rule = _rule({"id": "t", "label": "fraudulent", "tag": "legit.x", "patterns": [pattern], "negatable": False}, "test")
    expected = any(m.end() > m.start() for m in re.finditer(pattern, text))
    assert bool(match_rules(text, rules=[rule])) == expected


@pytest.mark.parametrize(
    ("mask", "expected"),
    [(0, []), (1, [0]), (0b1010, [1, 3]), ((1 << 718) | 1, [0, 718]), ((1 << 64) - 1, list(range(64)))],
)
def test_bits(mask: int, expected: list[int]) -> None:
    from notice_nlp.screening.cues import _bits

    assert _bits(mask) == expected


def test_prefilter_masks_with_one_and_two_clauses() -> None:
    """A two-clause pattern runs when a string of each clause occurs, a one-clause pattern when a
    string of its clause does, a pattern without a clause always; numbers come in rule order."""
    from notice_nlp.screening.cues import _Prefilter, _rule

    specs = [("(你|您)的.{0,4}(欠|借)了钱款", "two"), ("逾期", "one"), ("\\d+", "none")]
    rules = [_rule({"id": i, "label": "threatening", "tag": "legit.x", "patterns": [p], "negatable": False}, "test") for p, i in specs]
    pf = _Prefilter(rules)
    assert pf.numbers("您的朋友借了钱款，已逾期") == [0, 1, 2]
    assert pf.numbers("朋友借了钱款") == [2]  # 你的/您的 missing
    assert pf.numbers("您的账单已逾期") == [1, 2]
    assert pf.candidates("您的朋友欠了钱款") == {0: [0], 2: [0]}


def test_prefilter_clauses_most_selective_first() -> None:
    import re

    from notice_nlp.screening.cues import _prefilter_clauses

    clauses = _prefilter_clauses(re.compile("(你|您)的.{0,4}(欠|借)了钱款"))
    assert [set(c) for c in clauses] == [{"欠了钱款", "借了钱款"}, {"你的", "您的"}]


@pytest.mark.parametrize(
    ("pattern", "guard"),
    [
        ("(?![^。]{0,30}(?:逮捕|拘留))(?:保留[^,。]{0,8}追偿|依法追偿)", "(?=[依保])"),
        ("(?<!代理)协商(?:还款|方案)", "(?=[协])"),
        ("(?:(?<!\\d)95\\d{3}|(?<!\\d)400)", "(?=[49])"),
        ("(?!x)[ab]+c", "(?=[ab])"),
        ("保留(?!x)", None),  # starts with a literal: the engine skips to it by itself
        ("(?!x)(?:a|.)", None),  # any character may start it
        ("(?!x)(?:a)?b", None),  # may start with a or b: not worked out, left alone
        ("(?i:(?!x)app)", None),  # case-insensitive: other cases could start it
        ("(?!x)", None),  # matches empty
    ],
)
def test_lookaround_guard(pattern: str, guard: str | None) -> None:
    import re

    from notice_nlp.screening.cues import _guarded

    out = _guarded(re.compile(pattern))
    if guard is None:
        assert out.pattern == pattern
    else:
        assert out.pattern == f"{guard}(?:{pattern})"


def test_guarded_patterns_match_exactly_as_written() -> None:
    """A guarded pattern finds the same matches as the pattern as written, on every rule
    example, counter-example and corpus message (and on their slices, which start anywhere)."""
    import re

    guarded = [(rule.id, pat) for rule in RULES for pat, _ in rule.parts if pat.pattern.startswith("(?=[")]
    assert len(guarded) >= 8
    texts = [normalize(t).text for t in [ex for r in RULES for ex in (*r.examples, *r.counter_examples)] + _corpus_texts()]
    texts += [t[i:] for t in texts[:400] for i in (1, 3, 7)]
    for rule_id, pat in guarded:
        original = re.compile(pat.pattern[pat.pattern.index("])(?:") + 5 : -1], pat.flags)
        for text in texts:
            ours = [m.span() for m in pat.finditer(text)]
            theirs = [m.span() for m in original.finditer(text)]
            assert ours == theirs, f"{rule_id}: {text[:40]!r}"
