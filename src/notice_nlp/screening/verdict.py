"""The typed result of screening one message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Reason", "TagRef", "Advice", "Verdict", "LABELS"]

LABELS = ("legitimate", "threatening", "fraudulent")


def _copy(value: Any) -> Any:
    """A deep copy of JSON-like data (dicts, lists, scalars), as dataclasses.asdict makes."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_copy(v) for v in value)
    return value


@dataclass(frozen=True, slots=True)
class Reason:
    """Why: the exact words (offsets into the ORIGINAL text) and the rule they match."""

    rule_id: str
    tag: str | None
    text: str
    start: int
    end: int
    description: str
    citation: str


@dataclass(frozen=True, slots=True)
class TagRef:
    id: str
    citation: str


@dataclass(frozen=True, slots=True)
class Advice:
    zh: str
    en: str


@dataclass(frozen=True)
class Verdict:
    label: str
    scores: dict[str, float]
    tags: list[TagRef] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    advice: list[Advice] = field(default_factory=list)
    needs_review: bool = False
    review_reasons: list[str] = field(default_factory=list)
    model_version: str = ""
    rules_version: str = ""

    @property
    def tag_ids(self) -> list[str]:
        return [t.id for t in self.tags]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (fresh containers: changing the dict leaves the verdict as it was)."""
        return {
            "label": self.label,
            "scores": dict(self.scores),
            "tags": [{"id": t.id, "citation": t.citation} for t in self.tags],
            "reasons": [
                {"rule_id": r.rule_id, "tag": r.tag, "text": r.text, "start": r.start, "end": r.end,
                 "description": r.description, "citation": r.citation}
                for r in self.reasons
            ],
            "entities": [_copy(e) for e in self.entities],
            "advice": [{"zh": a.zh, "en": a.en} for a in self.advice],
            "needs_review": self.needs_review,
            "review_reasons": list(self.review_reasons),
            "model_version": self.model_version,
            "rules_version": self.rules_version,
        }
