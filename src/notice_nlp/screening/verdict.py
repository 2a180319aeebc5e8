"""The typed result of screening one message."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Reason", "TagRef", "Advice", "Verdict", "LABELS"]

LABELS = ("legitimate", "threatening", "fraudulent")


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
        return asdict(self)
