"""From a message to what the classifier and the decision rules see.

:func:`analyse` runs the shared text pipeline once per message: normalise, find entities,
match cue rules, read the optional metadata. :func:`masked_text` hides the *values* of entities
behind one placeholder character per type (every link, phone number, amount, date … looks
alike to the n-gram model), folds digits and masking runs: the model learns how messages are
written, not which numbers or domains our corpus happened to use.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from notice_nlp.annotate.entities import Entity, find_entities
from notice_nlp.resources import load_toml
from notice_nlp.screening.cues import CueHit, match_rules
from notice_nlp.text.normalize import Normalized, normalize

__all__ = ["Analysis", "analyse", "masked_text", "symbolic_features", "Metadata"]

# One Private-Use character per entity type.
PLACEHOLDER = {
    "url": "\ue000",
    "phone_mobile": "\ue001",
    "phone_intl": "\ue002",
    "phone_landline": "\ue003",
    "phone_400_800": "\ue004",
    "short_code": "\ue005",
    "amount": "\ue006",
    "date_deadline": "\ue007",
    "bank_account": "\ue008",
    "contact_im": "\ue009",
    "case_number": "\ue00a",
    "person_id": "\ue00b",
}
_DIGITS = re.compile(r"\d+")
_MASK_RUN = re.compile(r"[xX*＊×]{2,}")


@dataclass(frozen=True)
class Metadata:
    sender: str | None = None
    received_at: datetime | None = None
    recipient_role: str | None = None  # debtor | contact | unknown
    messages_today: int | None = None  # batch mode: messages from this sender to this recipient that day

    @classmethod
    def from_kwargs(cls, **kw: Any) -> Metadata:
        unknown = set(kw) - {"sender", "received_at", "recipient_role", "messages_today"}
        if unknown:
            raise TypeError(f"unknown metadata field(s): {', '.join(sorted(unknown))}")
        received = kw.get("received_at")
        if isinstance(received, str) and received.strip():
            try:
                received = datetime.fromisoformat(received.strip().replace("Z", "+00:00"))
            except ValueError as exc:
                raise ValueError(f"received_at: not an ISO datetime: {received!r}") from exc
        elif received is not None and not isinstance(received, datetime):
            received = None
        role = kw.get("recipient_role")
        if role is not None and role not in ("debtor", "contact", "unknown"):
            raise ValueError("recipient_role must be debtor, contact or unknown")
        sender = kw.get("sender")
        count = kw.get("messages_today")
        return cls(str(sender).strip() if sender else None, received or None, role, count if isinstance(count, int) else None)


@dataclass
class Analysis:
    norm: Normalized
    entities: list[Entity]
    hits: list[CueHit]
    meta: Metadata = field(default_factory=Metadata)


_NO_METADATA = Metadata()


def analyse(text: str, meta: Metadata | None = None) -> Analysis:
    norm = normalize(text)
    entities = find_entities(norm)
    hits = match_rules(norm.text, entities)
    return Analysis(norm, entities, hits, meta or _NO_METADATA)


def masked_text(a: Analysis) -> str:
    text = a.norm.text
    pieces: list[str] = []
    cursor = 0
    for e in sorted(a.entities, key=lambda e: e.norm_start):
        ph = PLACEHOLDER.get(e.type)
        if ph is None or e.norm_start < cursor:
            continue
        pieces.append(text[cursor : e.norm_start])
        pieces.append(ph)
        cursor = e.norm_end
    pieces.append(text[cursor:])
    out = "".join(pieces)
    out = _MASK_RUN.sub("*", out)
    return _DIGITS.sub("0", out)


_PRIVATE_MOBILE = re.compile(r"^(\+?86)?1[3-9]\d{9}$")


def sender_kind(sender: str | None) -> str | None:
    if not sender:
        return None
    s = re.sub(r"[\s-]", "", sender)
    if s.startswith("【") or not any(c.isdigit() for c in s):
        return "name"
    if s.startswith("+") and not s.startswith("+86") or s.startswith("00"):
        return "international"
    if _PRIVATE_MOBILE.match(s.replace("x", "0").replace("*", "0")):
        return "private_mobile"
    if s.startswith("106"):
        return "sms_port"
    if re.fullmatch(r"9[56]\d{3}|1\d{4}", s):
        return "short_code"
    return "other"


@functools.cache
def _night_hours() -> tuple[int, int, timezone]:
    spec = load_toml("screening", "metadata.toml")
    tz = timezone(timedelta(hours=float(spec["local_utc_offset_hours"])))
    return int(spec["night_start_hour"]), int(spec["night_end_hour"]), tz


def local_time(when: datetime) -> datetime:
    """``when`` in the local time of the rules (a naive timestamp is taken as local already)."""
    return when.astimezone(_night_hours()[2]) if when.tzinfo is not None else when


def is_night(meta: Metadata) -> bool:
    if meta.received_at is None:
        return False
    start, end, _ = _night_hours()
    hour = local_time(meta.received_at).hour
    return hour >= start or hour < end


@functools.lru_cache(maxsize=1024)
def _entity_feature(etype: str, flag: str | None) -> str:
    """``ent=TYPE`` or ``ent=TYPE:FLAG``, built once per pair."""
    return f"ent={etype}" if flag is None else f"ent={etype}:{flag}"


def symbolic_features(a: Analysis) -> dict[str, float]:
    """Rule hits, entity kinds, evasion and metadata as named features for the model."""
    f: dict[str, float] = {}
    for h in a.hits:
        for name in h.rule.feature_names:
            f[name] = 1.0
    legit = len({h.rule.tag for h in a.hits if h.rule.label == "legitimate"})
    f["legit_elements"] = min(legit, 6) / 6.0
    for e in a.entities:
        f[_entity_feature(e.type, None)] = 1.0
        for flag in e.flags:
            f[_entity_feature(e.type, flag)] = 1.0
    evasion = a.norm.evasion_edits
    if evasion:
        f["evasion"] = 1.0
        for ed in evasion:
            f[f"evasion={ed.rule.split('.')[0]}"] = 1.0
    if a.norm.converted:
        f["traditional"] = 1.0
    kind = sender_kind(a.meta.sender)
    if kind:
        f[f"sender={kind}"] = 1.0
    if is_night(a.meta):
        f["night"] = 1.0
    if a.meta.recipient_role:
        f[f"recipient={a.meta.recipient_role}"] = 1.0
    n = len(a.norm.text)
    f["len_short"] = 1.0 if n < 30 else 0.0
    f["len_long"] = 1.0 if n > 150 else 0.0
    return f
