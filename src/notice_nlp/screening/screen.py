"""``screen(text, **metadata) -> Verdict`` and ``screen_many(texts) -> Iterator[Verdict]``.

Decision (domain.md §4.2, documented in docs/screening.md):

1. a *decisive* fraud cue → ``fraudulent``;
2. else a decisive prohibited-practice cue (or one that metadata reveals: night-time contact,
   a debt message to a third party, more than three messages a day) → ``threatening``;
3. else the calibrated model's most probable label.

The model sees the rule hits as features, so non-decisive cues still count. Tags are the cues
consistent with the label (a fraud verdict keeps its threat tags as secondary tags); every
non-legitimate verdict has at least one reason: a cue's exact words or, when only the model
decided, the character n-grams that pushed it there.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import Counter
from datetime import datetime
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from notice_nlp.resources import load_toml, rules_version
from notice_nlp.screening.cues import CueHit, tag_info
from notice_nlp.screening.features import _NO_METADATA, Analysis, Metadata, analyse, is_night, local_time, masked_text, sender_kind, symbolic_features
from notice_nlp.screening.model import Model, load_model
from notice_nlp.screening.verdict import LABELS, Advice, Reason, TagRef, Verdict

__all__ = ["screen", "screen_many", "decide", "get_model", "daily_counts"]

MAX_CHARS = 1_000_000

_lock = threading.Lock()
_model: Model | None = None


def get_model() -> Model:
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = load_model()
    return _model


@functools.cache
def _advice() -> dict[str, Any]:
    return load_toml("screening", "advice.toml")


@functools.cache
def _advice_for(kind: str, key: str) -> tuple[Advice, ...]:
    """The advice items of ``rules/screening/advice.toml`` for one label or tag (read once)."""
    section = _advice().get(kind, {}).get(key)
    if not section:
        return ()
    return tuple(Advice(z, e) for z, e in zip(section.get("zh", []), section.get("en", [])))


def _reason(a: Analysis, hit: CueHit) -> Reason:
    s, e = a.norm.to_original(hit.start, hit.end)
    r = hit.rule
    return Reason(r.id, r.tag, a.norm.original[s:e], s, e, r.description, r.citation)


@functools.cache
def _meta_rules() -> tuple[re.Pattern[str], int]:
    spec = load_toml("screening", "metadata.toml")
    return re.compile(spec["debt_words"]), int(spec["frequency_limit"])


def _meta_tags(a: Analysis) -> list[tuple[str, str]]:
    """Practices visible only through metadata: (tag, explanation)."""
    out: list[tuple[str, str]] = []
    meta = a.meta
    if meta.received_at is None and meta.recipient_role is None and not meta.messages_today:
        return out  # no metadata, nothing to see
    debt_words, frequency_limit = _meta_rules()
    debt = bool(debt_words.search(a.norm.text))
    if debt and is_night(a.meta):
        assert a.meta.received_at is not None
        out.append(("odd_hours", f"received at {local_time(a.meta.received_at):%H:%M} local time (22:00–08:00)"))
    if debt and a.meta.recipient_role == "contact":
        out.append(("contact_third_party", "sent to a contact, not the debtor, about the debt"))
    count = a.meta.messages_today
    if debt and count and count > frequency_limit:
        out.append(("excessive_frequency", f"{count} messages from this sender to this recipient on one day"))
    return out


@functools.cache
def _thresholds() -> dict[str, float]:
    return {k: float(v) for k, v in load_toml("screening", "decision.toml").items() if not isinstance(v, str)}


@functools.cache
def _topic_words() -> re.Pattern[str]:
    return re.compile(load_toml("screening", "decision.toml")["topic_words"])


@functools.cache
def _address_words() -> re.Pattern[str]:
    return re.compile(load_toml("screening", "decision.toml")["address_words"])


_HAN = re.compile(r"[\u4e00-\u9fff]")


def decide(a: Analysis, proba: Sequence[float], model: Model) -> Verdict:
    th = _thresholds()
    scores = {lab: round(p, 4) for lab, p in zip(model.classes, map(float, proba))}
    model_label = max(scores, key=lambda k: scores[k])
    review: list[str] = []
    if not a.norm.text.strip():
        return Verdict(
            "legitimate",
            scores,
            needs_review=True,
            review_reasons=["empty message"],
            model_version=model.version,
            rules_version=rules_version(),
        )
    by_label: dict[str, list[CueHit]] = {lab: [] for lab in LABELS}
    for h in a.hits:
        by_label[h.rule.label].append(h)
    decisive = {lab: [h for h in hs if h.rule.decisive] for lab, hs in by_label.items()}
    meta_tags = _meta_tags(a)

    no_cue = not a.hits and not meta_tags
    if decisive["fraudulent"]:
        label = "fraudulent"
    elif decisive["threatening"] or meta_tags:
        label = "threatening"
        if scores["fraudulent"] > th["fraud_despite_threat_rules"]:
            review.append("the model finds fraud likely although no decisive fraud cue was found")
    elif no_cue and (
        len(_HAN.findall(a.norm.text)) < th["no_cue_min_han"]
        or (
            not _topic_words().search(a.norm.text)
            and (max(scores.values()) < th["no_cue_min_confidence"] or not _address_words().search(a.norm.text))
        )
    ):
        label = "legitimate"
        review.append("insufficient evidence: no cue of any kind in the message")
    else:
        label = model_label
    if label != model_label and scores[model_label] >= th["model_disagrees"] and not no_cue:
        review.append(f"rules say {label}, the model says {model_label}")
    if max(scores.values()) < th["low_confidence"] and label == model_label:
        review.append("low confidence")
    if label == "fraudulent" and len({h.rule.tag for h in by_label["legitimate"]}) >= th["spoof_legit_elements"]:
        review.append("fraud cues next to strong legitimacy cues (spoofed sender?)")
    if meta_tags and not decisive["threatening"] and not by_label["threatening"]:
        review.append("the only violation comes from metadata")

    tags: dict[str, str] = {}
    reasons: list[Reason] = []
    info = tag_info()
    if label == "legitimate":
        reasons = [_reason(a, h) for h in by_label["legitimate"]]
        if sender_kind(a.meta.sender) in ("private_mobile", "international") and by_label["legitimate"]:
            review.append("an institution-style notice sent from a private or foreign number")
    else:
        keep = ("fraudulent", "threatening") if label == "fraudulent" else ("threatening",)
        for lab in keep:
            for h in by_label[lab]:
                reasons.append(_reason(a, h))
                if h.rule.tag in info:
                    tags.setdefault(h.rule.tag, info[h.rule.tag].citation)
        for tag, why in meta_tags:
            tags.setdefault(tag, info[tag].citation)
            reasons.append(Reason(f"meta.{tag}", tag, "", 0, 0, why, info[tag].citation))
        evasion = a.norm.evasion_edits
        if evasion and label == "fraudulent":
            tags.setdefault("obfuscation", info["obfuscation"].citation)
            for ed in evasion[:3]:
                reasons.append(Reason(f"norm.{ed.rule}", "obfuscation", ed.before, ed.start, ed.end,
                                      f"filter-evasion writing undone: {ed.before!r} → {ed.after!r}", info["obfuscation"].citation))
            if any(ed.step == "url" for ed in evasion):
                tags.setdefault("url_obfuscated", info["url_obfuscated"].citation)
        if not reasons:
            masked = masked_text(a)
            for gram, weight in model.top_ngrams(masked, label):
                pos = a.norm.text.find(gram)
                if pos < 0:
                    continue
                s, e = a.norm.to_original(pos, pos + len(gram))
                reasons.append(Reason("model.ngram", None, a.norm.original[s:e], s, e,
                                      f"wording the model associates with '{label}' (weight {weight:.2f})", ""))
            if not reasons:
                reasons.append(Reason("model.overall", None, "", 0, 0, f"overall wording; model probability {scores[label]:.2f}", ""))
            review.append("decided by the statistical model alone")

    advice = list(_advice_for("label", label))
    seen = {x.zh for x in advice}
    for tag in tags:
        for item in _advice_for("tag", tag):
            if item.zh not in seen:
                advice.append(item)
                seen.add(item.zh)
    return Verdict(
        label=label,
        scores=scores,
        tags=[TagRef(t, c) for t, c in tags.items()],
        reasons=reasons,
        entities=[e.to_dict() for e in a.entities],
        advice=advice,
        needs_review=bool(review),
        review_reasons=review,
        model_version=model.version,
        rules_version=rules_version(),
    )


def daily_counts(items: Sequence[Mapping[str, Any]]) -> list[int | None]:
    """For batch screening: how many messages of the batch the same ``sender`` sent to the same
    ``recipient`` (an id or number, not the role) on the same local day; None where unknown."""
    keys: list[tuple[str, str, str] | None] = []
    for item in items:
        sender, recipient, when = item.get("sender"), item.get("recipient"), item.get("received_at")
        key = None
        if sender and recipient and isinstance(when, str):
            try:
                day = local_time(datetime.fromisoformat(when.strip().replace("Z", "+00:00"))).date().isoformat()
                key = (str(sender), str(recipient), day)
            except ValueError:
                key = None
        keys.append(key)
    counts = Counter(k for k in keys if k is not None)
    return [counts[k] if k is not None else None for k in keys]


def _check_text(text: Any) -> str:
    if not isinstance(text, str):
        raise TypeError(f"screen(text): expected str, got {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise ValueError(f"screen(text): message is {len(text)} characters, over the {MAX_CHARS} limit")
    return text


def screen(text: str, **metadata: Any) -> Verdict:
    """Screen one message. Metadata (all optional): ``sender``, ``received_at`` (ISO datetime or
    :class:`datetime`), ``recipient_role`` (``debtor`` | ``contact`` | ``unknown``)."""
    if metadata:
        Metadata.from_kwargs(**metadata)  # unknown or malformed fields raise here
    return next(screen_many([text], [metadata] if metadata else None))


def screen_many(
    texts: Iterable[str],
    metadata: Iterable[Mapping[str, Any] | None] | None = None,
    *,
    batch_size: int = 256,
) -> Iterator[Verdict]:
    """Screen many messages, in order, vectorising them in batches."""
    model = get_model()
    metas = iter(metadata) if metadata is not None else None
    batch: list[Analysis] = []

    def flush() -> Iterator[Verdict]:
        masked = [masked_text(a) for a in batch]
        sym = [symbolic_features(a) for a in batch]
        probs = model.proba(masked, sym).tolist()  # Python floats: cheaper to round one by one
        for a, p in zip(batch, probs):
            yield decide(a, p, model)
        batch.clear()

    for text in texts:
        raw = next(metas, None) if metas is not None else None
        meta = _metadata(raw)
        batch.append(analyse(_check_text(text), meta))
        if len(batch) >= batch_size:
            yield from flush()
    if batch:
        yield from flush()


def _metadata(raw: Mapping[str, Any] | None) -> Metadata:
    if not raw:
        return _NO_METADATA
    known = {k: raw[k] for k in ("sender", "received_at", "recipient_role", "messages_today") if raw.get(k) not in (None, "")}
    return Metadata.from_kwargs(**known)
