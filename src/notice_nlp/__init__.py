"""notice_nlp — read Chinese text about loan delinquency.

Screen debt-collection SMS (legitimate / threatening / fraudulent, with reasons) and pull causes
and coping strategies out of articles. Importing this package is cheap: the jieba dictionary,
OpenCC tables, rules and models load on first use.

Public API::

    notice_nlp.decode(data: bytes, encoding=None) -> str
    notice_nlp.normalize(text: str) -> Normalized        # .text, .original, .to_original(s, e)
    notice_nlp.load_page(source) -> Page                 # HTML or web-copied text
    notice_nlp.get_nlp() -> spacy.Language               # blank "zh" + jieba + domain dictionary
    notice_nlp.sentences(text) -> list[(start, end)]
    notice_nlp.screen(text, **metadata) -> Verdict      # legitimate / threatening / fraudulent + why
    notice_nlp.screen_many(texts) -> Iterator[Verdict]
    notice_nlp.analyze(source) -> ArticleReport          # causes, strategies, impacts with evidence
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from notice_nlp._version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from notice_nlp.text.decode import DecodeError, decode
    from notice_nlp.text.extract import Page, Section, load_page
    from notice_nlp.text.normalize import Normalized, normalize
    from notice_nlp.screening.screen import screen, screen_many
    from notice_nlp.screening.verdict import Verdict
    from notice_nlp.text.segment import cut, get_nlp, sentences
    from notice_nlp.themes import ArticleReport, analyze

_LAZY: dict[str, str] = {
    "decode": "notice_nlp.text.decode",
    "DecodeError": "notice_nlp.text.decode",
    "normalize": "notice_nlp.text.normalize",
    "Normalized": "notice_nlp.text.normalize",
    "load_page": "notice_nlp.text.extract",
    "Page": "notice_nlp.text.extract",
    "Section": "notice_nlp.text.extract",
    "get_nlp": "notice_nlp.text.segment",
    "cut": "notice_nlp.text.segment",
    "sentences": "notice_nlp.text.segment",
    "screen": "notice_nlp.screening.screen",
    "screen_many": "notice_nlp.screening.screen",
    "Verdict": "notice_nlp.screening.verdict",
    "analyze": "notice_nlp.themes",
    "ArticleReport": "notice_nlp.themes",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'notice_nlp' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
