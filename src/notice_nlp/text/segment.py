"""Segmentation: a spaCy ``blank("zh")`` pipeline whose tokenizer is jieba with our dictionary.

spaCy's built-in jieba segmenter drives jieba's *global* tokenizer and cannot carry a user
dictionary through serialisation, so we register our own tokenizer
(``notice_nlp.JiebaTokenizer.v1``). It owns a private :class:`jieba.Tokenizer` loaded with
``rules/jieba_user_dict.txt`` and keeps jieba's prefix-dictionary cache in the per-user cache
directory (``$XDG_CACHE_HOME/notice_nlp`` or ``~/.cache/notice_nlp``), not in /tmp.

Everything loads lazily, once per process, under a lock; afterwards the pipeline is safe to
share between threads (jieba's cut is read-only once initialised).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from notice_nlp.resources import rules_path

if TYPE_CHECKING:  # pragma: no cover
    import jieba
    from spacy.language import Language
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

__all__ = [
    "get_nlp",
    "get_jieba",
    "cut",
    "sentences",
    "SENTENCE_END",
    "cache_dir",
]

#: Characters that end a sentence (after normalisation full-width !?; are ASCII).
SENTENCE_END = "。！？!?；;…"
_SENT_RE = re.compile(rf"[^{SENTENCE_END}\n]*(?:[{SENTENCE_END}]+[”’」』)\]）]*|\n|$)")

_SURROGATE = re.compile("[\ud800-\udfff]")

_lock = threading.Lock()
_jieba: "jieba.Tokenizer | None" = None
_nlp: "Language | None" = None


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "notice_nlp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _build_jieba() -> "jieba.Tokenizer":
    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.tmp_dir = str(cache_dir())
    tok.cache_file = "jieba.default.cache"
    tok.initialize()
    with rules_path("jieba_user_dict.txt").open("rb") as fh:
        tok.load_userdict(fh)
    return tok


def get_jieba() -> "jieba.Tokenizer":
    """The process-wide private jieba tokenizer with the domain dictionary."""
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                _jieba = _build_jieba()
    return _jieba


def cut(text: str) -> list[str]:
    """jieba words of ``text`` (precise mode, HMM on) with the domain dictionary."""
    if not isinstance(text, str):
        raise TypeError(f"cut(text): expected str, got {type(text).__name__}")
    return get_jieba().lcut(text)


class JiebaTokenizer:
    """A spaCy tokenizer: text → Doc, words from our private jieba tokenizer."""

    def __init__(self, vocab: "Vocab") -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> "Doc":
        from spacy.tokens import Doc

        if not isinstance(text, str):
            raise TypeError(f"nlp(text): expected str, got {type(text).__name__}")
        # spaCy stores UTF-8: a lone surrogate becomes U+FFFD (same length, offsets unchanged)
        text = _SURROGATE.sub("\ufffd", text)
        words: list[str] = []
        spaces: list[bool] = []
        for w in get_jieba().cut(text):
            # spaCy convention: one plain space after a token is its trailing whitespace;
            # other whitespace stays a token of its own.
            if w == " " and words and not spaces[-1] and not words[-1].isspace():
                spaces[-1] = True
                continue
            words.append(w)
            spaces.append(False)
        return Doc(self.vocab, words=words, spaces=spaces)

    def pipe(self, texts: Any, batch_size: int = 1000) -> Iterator["Doc"]:
        for text in texts:
            yield self(text)

    # spaCy calls these when a pipeline is saved or loaded; the dictionary lives in rules/.
    def to_bytes(self, **kwargs: Any) -> bytes:
        return b""

    def from_bytes(self, data: bytes, **kwargs: Any) -> "JiebaTokenizer":
        return self

    def to_disk(self, path: Any, **kwargs: Any) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)

    def from_disk(self, path: Any, **kwargs: Any) -> "JiebaTokenizer":
        return self


def _register() -> None:
    import spacy

    @spacy.registry.tokenizers("notice_nlp.JiebaTokenizer.v1")
    def create_tokenizer() -> Any:  # noqa: ANN401 - spaCy's factory contract
        def make(nlp: "Language") -> JiebaTokenizer:
            return JiebaTokenizer(nlp.vocab)

        return make


def _build_nlp() -> "Language":
    import spacy

    _register()
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "notice_nlp.JiebaTokenizer.v1"}}})
    nlp.add_pipe(
        "sentencizer",
        config={"punct_chars": list(SENTENCE_END) + ["\n"], "overwrite": True},
    )
    return nlp


def get_nlp() -> "Language":
    """The shared spaCy pipeline (built on first use): jieba tokenizer + Chinese sentencizer."""
    global _nlp
    if _nlp is None:
        get_jieba()
        with _lock:
            if _nlp is None:
                _nlp = _build_nlp()
    return _nlp


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of ``text``: split after 。！？!?；;… and at line breaks.

    Closing quotes after the end mark stay with the sentence; whitespace-only pieces are
    dropped; spans are trimmed of surrounding whitespace.
    """
    if not isinstance(text, str):
        raise TypeError(f"sentences(text): expected str, got {type(text).__name__}")
    out: list[tuple[int, int]] = []
    for m in _SENT_RE.finditer(text):
        s, e = m.start(), m.end()
        if s == e:
            continue
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out
