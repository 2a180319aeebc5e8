"""The learned part of screening: a linear model over n-grams and rule features.

Features: character 1–3-grams and jieba words (HMM off) of the *masked* text (TF-IDF, scikit-learn's
vectorisers) plus the symbolic features of :func:`features.symbolic_features` (rule hits, entity
kinds, evasion, metadata). Classifier: multinomial logistic regression (scikit-learn), with a
temperature fitted on grouped out-of-fold predictions so the probabilities are calibrated.

Storage is not a pickle: vocabularies and settings go to ``model.json``, arrays (IDF weights,
coefficients) to ``model.npz`` loaded with ``allow_pickle=False``. A loaded model keeps only each
vocabulary and its IDF (:class:`Terms`) and computes the vectorisers' transform itself (equality
with scikit-learn is tested), so screening never imports scikit-learn or SciPy: that saves ~85 MB
and ~1.7 s of start-up, and keeps the ~70,000 objects of those libraries out of every full pass
of Python's garbage collector (docs/benchmarks.md). Training and evaluation still use scikit-learn.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import Counter
from itertools import repeat
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np

from notice_nlp.screening.verdict import LABELS

__all__ = ["Model", "Terms", "fit_model", "load_model", "default_model_dir", "sklearn_vectorizer", "FEATURE_SETTINGS"]

FEATURE_SETTINGS: dict[str, Any] = {
    "char_ngram_range": [1, 3],
    "char_min_df": 2,
    "word_min_df": 2,
    "C": 4.0,
    "symbolic_scale": 0.5,
}


def _word_tokens(text: str) -> list[str]:
    """jieba words (domain dictionary, HMM off: the dictionary's best path only). The challenge
    sets scored no worse without the HMM for unknown words (macro-F1 0.948 / 0.930 against
    0.942 / 0.927 with it), and the features stay the dictionary's words."""
    from notice_nlp.text.segment import cut

    return [w for w in cut(text, hmm=False) if w.strip()]


_WHITE_SPACES = re.compile(r"\s\s+")  # scikit-learn's _VectorizerMixin._white_spaces


def _char_grams(doc: str) -> list[str]:
    """The analyzer of our character vectoriser (lowercase, white-space runs as one space,
    1–3-grams in scikit-learn's order), as list comprehensions; equality is tested."""
    t = _WHITE_SPACES.sub(" ", doc.lower())
    grams = list(t)
    grams += [t[i : i + 2] for i in range(len(t) - 1)]
    grams += [t[i : i + 3] for i in range(len(t) - 2)]
    return grams


def _char_vectorizer(vocabulary: dict[str, int] | None = None) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    lo, hi = FEATURE_SETTINGS["char_ngram_range"]
    return TfidfVectorizer(
        analyzer="char",
        ngram_range=(lo, hi),
        min_df=FEATURE_SETTINGS["char_min_df"],
        sublinear_tf=True,
        lowercase=True,
        vocabulary=vocabulary,
        dtype=np.float32,
    )


def _word_vectorizer(vocabulary: dict[str, int] | None = None) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer=_word_tokens,
        min_df=FEATURE_SETTINGS["word_min_df"],
        sublinear_tf=True,
        vocabulary=vocabulary,
        dtype=np.float32,
    )


_PACK_BITS = 21  # every code point (≤ U+10FFFF) fits in 21 bits, so a 3-gram fits in 63
_NUMPY_BATCH = 16  # from this many messages on, character n-grams are counted in numpy


class _GramTable:
    """The character vocabulary as sorted integer keys (the code points of a 1–3-gram packed into
    one uint64), one table per gram length, so that a batch's n-grams are looked up and counted
    with array operations instead of one dictionary lookup per n-gram. It yields the same
    (row, column, count) triples as counting :func:`_char_grams` (tested)."""

    def __init__(self, vocabulary: dict[str, int]) -> None:
        self.size = len(vocabulary)
        self.tables: list[tuple[np.ndarray, np.ndarray]] = []
        for n in (1, 2, 3):
            items = [(self._pack(g), col) for g, col in vocabulary.items() if len(g) == n]
            keys = np.fromiter((k for k, _ in items), dtype=np.uint64, count=len(items))
            cols = np.fromiter((c for _, c in items), dtype=np.int64, count=len(items))
            order = np.argsort(keys)
            self.tables.append((keys[order], cols[order]))

    @staticmethod
    def _pack(gram: str) -> int:
        key = 0
        for ch in gram:
            key = (key << _PACK_BITS) | ord(ch)
        return key

    def counts(self, docs: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # the analyzer's preprocessing per message; then one code-point array for the batch
        prepared = [_WHITE_SPACES.sub(" ", d.lower()) for d in docs]
        lengths = np.fromiter(map(len, prepared), dtype=np.int64, count=len(prepared))
        codes = np.frombuffer("".join(prepared).encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.uint64)
        owner = np.repeat(np.arange(len(docs)), lengths)  # the message of each position
        found_rows: list[np.ndarray] = []
        found_cols: list[np.ndarray] = []
        shift = np.uint64(_PACK_BITS)
        for n, (keys, cols) in enumerate(self.tables, start=1):
            width = len(codes) - n + 1
            if width <= 0 or len(keys) == 0:
                continue
            key = codes[:width]
            for j in range(1, n):
                key = (key << shift) | codes[j : j + width]
            rows = owner[:width]
            if n > 1:  # no n-gram across two messages
                inside = rows == owner[n - 1 : n - 1 + width]
                key, rows = key[inside], rows[inside]
            pos = np.searchsorted(keys, key)
            pos[pos == len(keys)] = 0
            known = keys[pos] == key
            found_rows.append(rows[known])
            found_cols.append(cols[pos[known]])
        if not found_rows:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        return _cell_counts(np.concatenate(found_rows), np.concatenate(found_cols), self.size)


def _cell_counts(rows: np.ndarray, cols: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, count) of each distinct (row, column) pair, sorted, with one np.unique."""
    cells, counts = np.unique(rows * size + cols, return_counts=True)
    return cells // size, cells % size, counts


@dataclass(frozen=True)
class Terms:
    """What screening needs of a fitted TF-IDF vectoriser: its vocabulary (term → column) and IDF
    weights. Attribute names as in scikit-learn, so a fitted vectoriser can be read the same way."""

    vocabulary_: dict[str, int]
    idf_: np.ndarray

    @classmethod
    def of(cls, vec: Any) -> Terms:
        return cls(dict(vec.vocabulary_), np.asarray(vec.idf_))


@dataclass
class Model:
    char_vec: Terms
    word_vec: Terms
    symbolic: list[str]
    coef: np.ndarray  # (n_classes, n_features)
    intercept: np.ndarray
    temperature: float
    classes: tuple[str, ...]
    info: dict[str, Any]

    def __post_init__(self) -> None:
        self._sym_index = {name: i for i, name in enumerate(self.symbolic)}
        self._lock = threading.Lock()
        # the analyzers of _char_vectorizer() and _word_vectorizer() (equality is tested)
        self._char_an = _char_grams
        self._gram_table = _GramTable(self.char_vec.vocabulary_)
        self._word_an = _word_tokens

    @staticmethod
    def _counts(analyzer: Any, vocab: dict[str, int], docs: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, count) of the vocabulary terms of each document, through ``analyzer``."""
        keys: list[str] = []
        counts: list[int] = []
        sizes: list[int] = []
        for doc in docs:
            tally = Counter(analyzer(doc))
            keys.extend(tally.keys())
            counts.extend(tally.values())
            sizes.append(len(tally))
        cols = np.fromiter(map(vocab.get, keys, repeat(-1)), dtype=np.int64, count=len(keys))
        rows = np.repeat(np.arange(len(docs)), sizes)
        known = cols >= 0
        return rows[known], cols[known], np.asarray(counts, dtype=np.int64)[known]

    @staticmethod
    def _weights(rows: np.ndarray, cols: np.ndarray, counts: np.ndarray, idf: np.ndarray, n_docs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sublinear TF × IDF, rows scaled to unit L2 norm (the fitted vectoriser's ``transform``)."""
        vals = (np.log(counts.astype(np.float64)) + 1.0) * idf[cols]
        norms = np.sqrt(np.bincount(rows, weights=vals * vals, minlength=n_docs))
        vals /= norms[rows]
        return rows, cols, vals.astype(np.float32)

    @classmethod
    def _tfidf_entries(
        cls, analyzer: Any, vocab: dict[str, int], idf: np.ndarray, docs: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, value) of the non-zero entries of the fitted vectoriser's ``transform``
        (sublinear TF × IDF, L2 rows), built from the vectoriser's own analyzer without
        scikit-learn's per-call input checks, which dominate the latency of one short message."""
        rows, cols, counts = cls._counts(analyzer, vocab, docs)
        return cls._weights(rows, cols, counts, idf, len(docs))

    def _char_entries(self, docs: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The character n-gram entries: counted in numpy for a batch (:class:`_GramTable`), through
        the analyzer for a few messages, where numpy's fixed cost per call is larger than the work."""
        vec = self.char_vec
        if len(docs) >= _NUMPY_BATCH:
            rows, cols, counts = self._gram_table.counts(docs)
            return self._weights(rows, cols, counts, vec.idf_, len(docs))
        return self._tfidf_entries(self._char_an, vec.vocabulary_, vec.idf_, docs)

    def _word_entries(self, docs: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The word entries. For a batch, the words of all messages are looked up at once and
        counted with one np.unique (the same counts as the vectoriser's analyzer, tested)."""
        vec = self.word_vec
        if len(docs) < _NUMPY_BATCH:
            return self._tfidf_entries(self._word_an, vec.vocabulary_, vec.idf_, docs)
        words: list[str] = []
        sizes: list[int] = []
        for doc in docs:
            tokens = _word_tokens(doc)
            words += tokens
            sizes.append(len(tokens))
        cols = np.fromiter(map(vec.vocabulary_.get, words, repeat(-1)), dtype=np.int64, count=len(words))
        rows = np.repeat(np.arange(len(docs)), sizes)
        known = cols >= 0
        rows, cols, counts = _cell_counts(rows[known], cols[known], len(vec.idf_))
        return self._weights(rows, cols, counts, vec.idf_, len(docs))

    @property
    def version(self) -> str:
        return str(self.info.get("model_version", "untrained"))

    def _entries(self, masked: Sequence[str], symbolic: Sequence[dict[str, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, value) of the design matrix: char n-grams, then words, then symbolic."""
        rc, cc, vc = self._char_entries(masked)
        rw, cw, vw = self._word_entries(masked)
        n_char, n_word = len(self.char_vec.idf_), len(self.word_vec.idf_)
        rs: list[int] = []
        cs: list[int] = []
        vs: list[float] = []
        scale = FEATURE_SETTINGS["symbolic_scale"]
        for i, feats in enumerate(symbolic):
            for name, v in feats.items():
                j = self._sym_index.get(name)
                if j is not None and v:
                    rs.append(i)
                    cs.append(n_char + n_word + j)
                    vs.append(v * scale)
        return (
            np.concatenate([rc, rw, np.asarray(rs, dtype=np.int64)]),
            np.concatenate([cc, cw + n_char, np.asarray(cs, dtype=np.int64)]),
            np.concatenate([vc, vw, np.asarray(vs, dtype=np.float32)]),
        )

    @property
    def n_features(self) -> int:
        return len(self.char_vec.idf_) + len(self.word_vec.idf_) + len(self.symbolic)

    def design(self, masked: Sequence[str], symbolic: Sequence[dict[str, float]]) -> Any:
        """The design matrix (scipy CSR, float32) — for training and evaluation."""
        from scipy import sparse

        rows, cols, vals = self._entries(masked, symbolic)
        return sparse.csr_matrix((vals, (rows, cols)), shape=(len(masked), self.n_features))

    def logits(self, X: Any) -> np.ndarray:
        return np.asarray(X @ self.coef.T) + self.intercept

    def proba(self, masked: Sequence[str], symbolic: Sequence[dict[str, float]]) -> np.ndarray:
        """Calibrated class probabilities. The logits are summed straight from the design
        entries (one weighted bincount per class): building scipy matrices cost more than
        everything else for a single message. Equal to ``logits(design(...))`` (tested)."""
        rows, cols, vals = self._entries(masked, symbolic)
        weighted = self.coef[:, cols] * vals.astype(np.float64)
        z = np.empty((len(masked), len(self.classes)))
        for k in range(len(self.classes)):
            z[:, k] = np.bincount(rows, weights=weighted[k], minlength=len(masked))
        z = (z + self.intercept) / self.temperature
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def top_ngrams(self, masked: str, label: str, k: int = 3) -> list[tuple[str, float]]:
        """The character n-grams of ``masked`` that push most towards ``label`` (for reasons)."""
        vec = self.char_vec
        _, cols, vals = self._tfidf_entries(self._char_an, vec.vocabulary_, vec.idf_, [masked])
        order = np.argsort(cols, kind="stable")  # column order, as in a CSR row
        cols, vals = cols[order], vals[order]
        ci = self.classes.index(label)
        width = len(vec.idf_)
        coef = self.coef[:, :width]
        contrib = vals * (coef[ci, cols] - coef[:, cols].mean(axis=0))
        keep = contrib != 0
        cols, contrib = cols[keep], contrib[keep]
        if len(contrib) == 0:
            return []
        inv = self._inverse_char_vocab()
        out: list[tuple[str, float]] = []
        for idx in np.argsort(-contrib):
            v = float(contrib[idx])
            if v <= 0:
                break
            gram = inv[int(cols[idx])]
            if len(gram.strip()) < 2 or any("\ue000" <= c <= "\ue0ff" for c in gram):
                continue
            out.append((gram, v))
            if len(out) >= k:
                break
        return out

    def _inverse_char_vocab(self) -> dict[int, str]:
        inv = getattr(self, "_inv", None)
        if inv is None:
            with self._lock:
                inv = {i: g for g, i in self.char_vec.vocabulary_.items()}
                self._inv = inv
        return inv

    # ----------------------------------------------------------------- storage

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": 1,
            "classes": list(self.classes),
            "temperature": self.temperature,
            "symbolic": self.symbolic,
            "char_vocabulary": self.char_vec.vocabulary_,
            "word_vocabulary": self.word_vec.vocabulary_,
            "settings": FEATURE_SETTINGS,
            "info": self.info,
        }
        (folder / "model.json").write_text(
            json.dumps(meta, ensure_ascii=False, sort_keys=True, separators=(",", ":")), encoding="utf-8"
        )
        np.savez_compressed(
            folder / "model.npz",
            char_idf=self.char_vec.idf_.astype(np.float64),
            word_idf=self.word_vec.idf_.astype(np.float64),
            coef=self.coef.astype(np.float64),
            intercept=self.intercept.astype(np.float64),
        )


def sklearn_vectorizer(terms: Terms, which: str) -> Any:
    """The fitted scikit-learn vectoriser that ``terms`` stands for (``which``: "char" or "word"):
    fixed vocabulary and stored IDF, "fitted" without seeing any text. For tests and tools."""
    vec = _char_vectorizer(terms.vocabulary_) if which == "char" else _word_vectorizer(terms.vocabulary_)
    vec._validate_vocabulary()
    vec.idf_ = terms.idf_
    return vec


def default_model_dir() -> Traversable:
    return resources.files("notice_nlp.screening") / "model"


def load_model(folder: Traversable | Path | None = None) -> Model:
    folder = default_model_dir() if folder is None else folder
    meta_node = folder / "model.json"
    arr_node = folder / "model.npz"
    if not meta_node.is_file() or not arr_node.is_file():
        raise FileNotFoundError(
            f"no trained screening model in {folder}: run `notice-nlp train` (the wheel ships one)"
        )
    meta = json.loads(meta_node.read_text(encoding="utf-8"))
    with arr_node.open("rb") as fh:
        arrays = np.load(fh, allow_pickle=False)
        char_idf, word_idf = arrays["char_idf"], arrays["word_idf"]
        coef, intercept = arrays["coef"], arrays["intercept"]
    settings = meta.get("settings", {})
    if settings.get("char_ngram_range", [1, 3]) != [1, 3]:
        raise ValueError(f"{meta_node}: this version reads models with character 1–3-grams only")
    return Model(
        Terms(meta["char_vocabulary"], char_idf),
        Terms(meta["word_vocabulary"], word_idf),
        list(meta["symbolic"]),
        coef,
        intercept,
        float(meta["temperature"]),
        tuple(meta["classes"]),
        dict(meta["info"]),
    )


def _fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    from scipy.optimize import minimize_scalar

    def nll(t: float) -> float:
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(y)), y].mean())

    res = minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded")
    return float(res.x)


def _fit_linear(masked: Sequence[str], symbolic: Sequence[dict[str, float]], y: np.ndarray, seed: int) -> Model:
    from sklearn.linear_model import LogisticRegression

    char_vec = _char_vectorizer()
    word_vec = _word_vectorizer()
    char_vec.fit(masked)
    word_vec.fit(masked)
    names = sorted({k for feats in symbolic for k in feats})
    model = Model(Terms.of(char_vec), Terms.of(word_vec), names, np.zeros((len(LABELS), 1)), np.zeros(len(LABELS)), 1.0, LABELS, {})
    X = model.design(masked, symbolic)
    clf = LogisticRegression(C=FEATURE_SETTINGS["C"], max_iter=3000, class_weight="balanced", random_state=seed)
    clf.fit(X, y)
    order = [list(clf.classes_).index(i) for i in range(len(LABELS))]
    model.coef = clf.coef_[order].astype(np.float64)
    model.intercept = clf.intercept_[order].astype(np.float64)
    return model


def fit_model(
    masked: Sequence[str],
    symbolic: Sequence[dict[str, float]],
    labels: Sequence[str],
    groups: Sequence[str],
    *,
    seed: int = 13,
    info: dict[str, Any] | None = None,
) -> Model:
    """Fit on everything; the temperature comes from grouped 5-fold out-of-fold logits."""
    from sklearn.model_selection import StratifiedGroupKFold

    y = np.array([LABELS.index(lab) for lab in labels])
    oof = np.zeros((len(y), len(LABELS)))
    folds = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=seed)
    for tr, te in folds.split(np.zeros(len(y)), y, groups):
        m = _fit_linear([masked[i] for i in tr], [symbolic[i] for i in tr], y[tr], seed)
        oof[te] = m.logits(m.design([masked[i] for i in te], [symbolic[i] for i in te]))
    model = _fit_linear(masked, symbolic, y, seed)
    model.temperature = _fit_temperature(oof, y)
    model.info = dict(info or {})
    digest = hashlib.sha256(model.coef.tobytes() + model.intercept.tobytes()).hexdigest()[:10]
    model.info["model_version"] = f"lr-{digest}"
    return model
