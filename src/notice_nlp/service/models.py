"""Pydantic models of the HTTP API: requests, and responses mirroring the library's result types.

Responses mirror :class:`notice_nlp.screening.verdict.Verdict` (``Verdict.to_dict()``: same field
names and meanings) and :meth:`notice_nlp.themes.report.ArticleReport.to_dict`. Request models
forbid unknown fields, so a misspelt metadata field (``recipientRole``) is a 422, not silently
ignored metadata.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "ScreenRequest",
    "BatchItem",
    "BatchRequest",
    "AnalyzeRequest",
    "ReasonModel",
    "TagRefModel",
    "AdviceModel",
    "EntityModel",
    "VerdictModel",
    "BatchResult",
    "BatchResponse",
    "ArticleReportModel",
    "LabelsResponse",
    "HealthResponse",
    "ErrorResponse",
]

RecipientRole = Literal["debtor", "contact", "unknown"]


def _check_iso(value: Optional[str]) -> Optional[str]:
    if value is None or not value.strip():
        return None
    try:
        datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError("received_at must be an ISO 8601 date-time, e.g. 2026-03-14T23:40:00+08:00") from exc
    return value.strip()


class _Metadata(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sender: Optional[str] = Field(None, max_length=200, description="Sender number or name as shown on the phone.")
    received_at: Optional[str] = Field(
        None, max_length=64, description="ISO 8601 date-time the message arrived (night-time contact is 22:00–08:00)."
    )
    recipient_role: Optional[RecipientRole] = Field(
        None, description="`debtor` (the borrower), `contact` (a relative, colleague …) or `unknown`."
    )

    @field_validator("received_at")
    @classmethod
    def _iso(cls, value: Optional[str]) -> Optional[str]:
        return _check_iso(value)

    def metadata(self) -> dict[str, Any]:
        return {k: v for k, v in (("sender", self.sender), ("received_at", self.received_at), ("recipient_role", self.recipient_role)) if v}


class ScreenRequest(_Metadata):
    """One message to screen. Length is limited (default 10,000 characters → 413)."""

    text: str = Field(..., description="The message exactly as received.")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": "【某某银行】您的贷款已逾期，请将结清款转至专员个人账户6222021234567890，户名王强",
                    "sender": "10690000",
                    "received_at": "2026-03-14T23:40:00+08:00",
                    "recipient_role": "debtor",
                }
            ]
        },
    )


class BatchItem(_Metadata):
    id: Optional[Union[str, int]] = Field(None, description="Your identifier, echoed in the result.")
    recipient: Optional[str] = Field(
        None, max_length=200,
        description="Who received it (a number or an id). With sender and received_at, more than three messages from one sender to one recipient on one day reveal excessive frequency.",
    )
    text: str


class BatchRequest(BaseModel):
    """Messages to screen; results come back in the same order. At most 1,000 by default (→ 413)."""

    model_config = ConfigDict(extra="forbid")

    messages: list[BatchItem]


class AnalyzeRequest(BaseModel):
    """An article: exactly one of ``text`` (plain or web-copied text) or ``html``."""

    model_config = ConfigDict(extra="forbid")

    text: Optional[str] = None
    html: Optional[str] = None

    @model_validator(mode="after")
    def _one_source(self) -> "AnalyzeRequest":
        if (self.text is None) == (self.html is None):
            raise ValueError("give exactly one of `text` or `html`")
        return self

    @property
    def source(self) -> str:
        return self.text if self.text is not None else (self.html or "")


# ------------------------------------------------------------------------------- responses


class ReasonModel(BaseModel):
    rule_id: str
    tag: Optional[str]
    text: str = Field(description="The exact words: `original_text[start:end]`.")
    start: int = Field(description="Offset (Unicode code points) into the text as sent.")
    end: int
    description: str
    citation: str


class TagRefModel(BaseModel):
    id: str
    citation: str


class AdviceModel(BaseModel):
    zh: str
    en: str


class EntityModel(BaseModel):
    type: str
    text: str
    start: int
    end: int
    value: Any = None
    flags: list[str] = []


class VerdictModel(BaseModel):
    label: Literal["legitimate", "threatening", "fraudulent"]
    scores: dict[str, float]
    tags: list[TagRefModel] = []
    reasons: list[ReasonModel] = []
    entities: list[EntityModel] = []
    advice: list[AdviceModel] = []
    needs_review: bool = False
    review_reasons: list[str] = []
    model_version: str
    rules_version: str


class BatchResult(VerdictModel):
    index: int = Field(description="0-based position in the request.")
    id: Optional[Union[str, int]] = None


class BatchResponse(BaseModel):
    results: list[BatchResult]
    model_version: str
    rules_version: str


class ArticleReportModel(BaseModel):
    """``ArticleReport.to_dict()`` plus the versions."""

    model_config = ConfigDict(extra="allow")

    title: Optional[str]
    script: str
    sections: list[dict[str, Any]]
    causes: list[dict[str, Any]]
    strategies: list[dict[str, Any]]
    impacts: list[dict[str, Any]]
    keywords: list[dict[str, Any]]
    fingerprint: str
    spin: dict[str, Any]
    model_version: str
    rules_version: str


class TagInfoModel(BaseModel):
    id: str
    label: str
    zh: str
    en: str
    citation: str


class LabelInfoModel(BaseModel):
    id: str
    zh: str
    en: str
    description_en: str = ""


class ThemeInfoModel(BaseModel):
    id: str
    label_zh: str
    kind: str
    group: str = ""


class LimitsModel(BaseModel):
    max_message_chars: int
    max_batch: int
    max_article_chars: int


class LabelsResponse(BaseModel):
    labels: list[LabelInfoModel]
    tags: list[TagInfoModel]
    citations: dict[str, str]
    themes: list[ThemeInfoModel]
    limits: LimitsModel
    model_version: str
    rules_version: str


class HealthResponse(BaseModel):
    status: Literal["ok"]
    version: str
    model_version: str
    rules_version: str


class ErrorResponse(BaseModel):
    error: str = Field(description="Machine-readable code, e.g. `payload_too_large`.")
    message: str
    status: int
    request_id: str
    model_version: str
    rules_version: str
    detail: Any = None
