"""Causes, strategies and impacts of loan delinquency in Chinese articles (domain.md §6).

Public API (loaded lazily; importing the package does no work):

- :func:`analyze` — ``analyze(source, *, html=None) -> ArticleReport`` for text, HTML, bytes or a Path.
- :class:`ArticleReport` — frozen dataclass with ``to_dict()``; offsets index its ``text``.
- :func:`similarity` — ``similarity(fp_a, fp_b) -> float`` for report fingerprints.
- :mod:`notice_nlp.themes.evaluate` — ``evaluate_themes(corpus_dir)``.
- :mod:`notice_nlp.themes.batch` — ``run_batch(paths, outdir, jobs=1, resume=False, progress=True)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from notice_nlp.themes.fingerprint import similarity
    from notice_nlp.themes.report import ArticleReport, Evidence, ThemeHit, analyze

__all__ = ["analyze", "ArticleReport", "ThemeHit", "Evidence", "similarity"]

_LAZY = {
    "analyze": "notice_nlp.themes.report",
    "ArticleReport": "notice_nlp.themes.report",
    "ThemeHit": "notice_nlp.themes.report",
    "Evidence": "notice_nlp.themes.report",
    "similarity": "notice_nlp.themes.fingerprint",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'notice_nlp.themes' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_LAZY))
