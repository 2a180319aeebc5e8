"""Segmentation: a spaCy ``blank("zh")`` pipeline whose tokenizer is jieba with our dictionary.

spaCy's built-in jieba segmenter drives jieba's *global* tokenizer and cannot carry a user
dictionary through serialisation, so we register our own tokenizer
(``notice_nlp.JiebaTokenizer.v1``). It owns a private :class:`jieba.Tokenizer` loaded with
``rules/jieba_user_dict.txt`` and keeps jieba's prefix-dictionary cache in the per-user cache
directory (``$XDG_CACHE_HOME/notice_nlp`` or ``~/.cache/notice_nlp``), not in /tmp.

Words come from **jieba-rs** (the Rust port of jieba, through the ``rjieba`` binding) loaded
with the same default dictionary and our user dictionary, 15–20× faster than Python jieba and
with the same words: ``tests/text/test_segment.py`` compares them (HMM on and off) on every
corpus message and article and on 3,000 random splices of them. The one known difference: an
exact tie between two equally probable segmentations, which only repeated characters produce
("小小小贷"), may be broken the other way. When ``rjieba`` cannot be imported (a platform
without its wheel), Python jieba does the job.

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
    "get_fast",
    "cut",
    "user_words",
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
_fast: Any = None  # rjieba.Jieba, or False when rjieba is not installed
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


def user_words() -> list[tuple[str, int | None, str | None]]:
    """``rules/jieba_user_dict.txt`` as (word, frequency or None, tag or None), parsed as
    jieba's ``load_userdict`` parses it."""
    out: list[tuple[str, int | None, str | None]] = []
    text = rules_path("jieba_user_dict.txt").read_text(encoding="utf-8").lstrip("\ufeff")
    for line in text.splitlines():
        m = _USER_LINE.match(line.strip())
        if not line.strip() or m is None:
            continue
        word, freq, tag = m.groups()
        out.append((word, int(freq) if freq else None, tag.strip() if tag else None))
    return out


_USER_LINE = re.compile(r"^(.+?)( [0-9]+)?( [a-z]+)?$")


def _build_fast() -> Any:
    try:
        import rjieba
    except ImportError:
        return False
    tok = rjieba.Jieba()
    for word, freq, tag in user_words():
        tok.add_word(word, freq, tag)
    return tok


def get_fast() -> Any:
    """The process-wide jieba-rs tokenizer with the domain dictionary, or None without rjieba."""
    global _fast
    if _fast is None:
        with _lock:
            if _fast is None:
                _fast = _build_fast()
    return _fast or None


def cut(text: str, hmm: bool = True) -> list[str]:
    """jieba words of ``text`` (precise mode; ``hmm`` joins unknown words) with the domain
    dictionary: jieba-rs when installed, else Python jieba — the same words either way."""
    if not isinstance(text, str):
        raise TypeError(f"cut(text): expected str, got {type(text).__name__}")
    fast = get_fast()
    if fast is None:
        return get_jieba().lcut(text, HMM=hmm)
    if _SURROGATE.search(text):
        # jieba-rs takes UTF-8, which has no lone surrogates: cut a copy with U+FFFD in their
        # place (one character each, so the words keep their lengths) and cut the original
        # text at the same places
        words = []
        pos = 0
        for w in _fast_cut(fast, _SURROGATE.sub("\ufffd", text), hmm):
            words.append(text[pos : pos + len(w)])
            pos += len(w)
        return words
    return _fast_cut(fast, text, hmm)


def _fast_cut(fast: Any, text: str, hmm: bool) -> list[str]:
    words: list[str] = fast.cut(text, hmm)
    if not hmm:
        return words
    # With the HMM on, Python jieba hands runs of unknown single characters to its HMM cutter,
    # which splits ASCII at anything but letters, digits and decimals ("400-xxx-1188" → 400, -,
    # xxx, -, 1188); jieba-rs keeps such runs whole. Split them the same way — but not a
    # dictionary word (C#, C++, AT&T), which both keep whole.
    out: list[str] = []
    for w in words:
        if len(w) > 1 and w.isascii() and not w.isalnum() and not fast.has_word(w):
            out.extend(x for x in _HMM_SKIP.split(w) if x)
        else:
            out.append(w)
    return out


_HMM_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")  # jieba.finalseg's re_skip


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
        for w in cut(text):
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
        get_fast() or get_jieba()
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
