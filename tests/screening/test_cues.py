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

    short = text[: len(text) // 8]
    for rule in RULES:
        for pat, _ in rule.parts:
            t0 = time.perf_counter()
            for _ in pat.finditer(short):
                pass
            t_short = time.perf_counter() - t0
            t0 = time.perf_counter()
            for _ in pat.finditer(text):
                pass
            t_long = time.perf_counter() - t0
            assert t_long < 40 * t_short + 0.05, f"{rule.id}: {pat.pattern[:60]!r} looks superlinear ({t_short:.4f}s → {t_long:.4f}s)"
