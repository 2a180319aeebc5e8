"""jieba's precise-mode segmentation (HMM on), re-implemented for speed, same output.

:func:`cut` returns exactly what :func:`notice_nlp.text.segment.cut` returns (``lcut`` of our
private :class:`jieba.Tokenizer` with the domain dictionary), but builds the word graph and the
best route in one backward pass over each block, without jieba's per-position dicts, generator
expressions and tuples, and runs jieba's HMM for unknown words (:mod:`jieba.finalseg`, same
model tables) with back-pointers instead of copied path lists. Keyword extraction spent ~45 %
of ``analyze()`` in jieba; this is ~1.7× faster on our articles (segmentation is still the
largest single cost of ``analyze()``; see docs/benchmarks_analyze.md).

Same output by construction: the scores are the same floating-point operations in the same
order, and ties are broken as jieba breaks them (its ``max`` over ``(score, end)`` tuples keeps
the later end; its Viterbi ``max`` over ``(prob, state)`` keeps the later state letter).
Checked against jieba on the article corpus and on random text
(``tests/themes/test_speed_equivalence.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from math import log

__all__ = ["cut", "cut_blocks", "hmm_cut", "HAN_BLOCK"]

# jieba's own block and whitespace patterns (jieba/__init__.py, precise mode)
HAN_BLOCK = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+)")
_SKIP = re.compile("(\r\n|\\s)")
_NEG_INF = float("-inf")


def _tables() -> tuple[dict[str, int], float, Callable[[str], list[str]]]:
    """The prefix dictionary of our private jieba tokenizer (loaded once per process), the log
    of its total count, and the HMM cutter."""
    from notice_nlp.text.segment import get_jieba

    tok = get_jieba()
    return tok.FREQ, log(tok.total), hmm_cut


# --------------------------------------------------------------------------- dictionary route


def _route(block: str, freq: dict[str, int], logtotal: float) -> list[int]:
    """End (exclusive) of the best word starting at each position of ``block`` (jieba's
    ``get_DAG`` + ``calc``)."""
    n = len(block)
    score = [0.0] * (n + 1)
    end = [0] * (n + 1)
    get = freq.get
    for k in range(n - 1, -1, -1):
        best = _NEG_INF
        best_end = -1
        i = k + 1
        frag = block[k]
        f = get(frag)
        while f is not None:
            if f:
                v = log(f) - logtotal + score[i]
                if v >= best:  # ties: the longer word (jieba's max over (score, x))
                    best, best_end = v, i
            if i >= n:
                break
            i += 1
            frag = block[k:i]
            f = get(frag)
        if best_end < 0:  # no dictionary word starts here: the character alone
            best, best_end = 0.0 - logtotal + score[k + 1], k + 1
        score[k] = best
        end[k] = best_end
    return end


def _cut_han(block: str, freq: dict[str, int], logtotal: float, hmm: Callable[[str], list[str]], out: list[str]) -> None:
    """jieba's ``__cut_DAG``: words of the best route; runs of single characters that are not a
    dictionary word go through the HMM."""
    end = _route(block, freq, logtotal)
    n = len(block)
    x = 0
    buf_start = -1
    while x < n:
        y = end[x]
        if y - x == 1:
            if buf_start < 0:
                buf_start = x
        else:
            if buf_start >= 0:
                _flush(block[buf_start:x], freq, hmm, out)
                buf_start = -1
            out.append(block[x:y])
        x = y
    if buf_start >= 0:
        _flush(block[buf_start:], freq, hmm, out)


def _flush(buf: str, freq: dict[str, int], hmm: Callable[[str], list[str]], out: list[str]) -> None:
    if len(buf) == 1:
        out.append(buf)
    elif not freq.get(buf):
        out.extend(hmm(buf))
    else:
        out.extend(buf)


# --------------------------------------------------------------------------- HMM (jieba.finalseg)

_HMM_HAN = re.compile("([\u4E00-\u9FD5]+)")
_HMM_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")


def _viterbi(obs: str) -> list[str]:
    """The BMES tag sequence of ``obs``: :func:`jieba.finalseg.viterbi` with the same model, the
    same sums in the same order and the same tie-breaking (its ``max`` over ``(prob, state)``
    prefers the later state letter), with back-pointers instead of copied paths."""
    from jieba import finalseg

    low = finalseg.MIN_FLOAT
    start, trans, emit = finalseg.start_P, finalseg.trans_P, finalseg.emit_P
    e_b, e_m, e_e, e_s = emit["B"].get, emit["M"].get, emit["E"].get, emit["S"].get
    t_eb, t_sb = trans["E"].get("B", low), trans["S"].get("B", low)
    t_mm, t_bm = trans["M"].get("M", low), trans["B"].get("M", low)
    t_ss, t_es = trans["S"].get("S", low), trans["E"].get("S", low)
    t_be, t_me = trans["B"].get("E", low), trans["M"].get("E", low)
    c = obs[0]
    v_b = start["B"] + e_b(c, low)
    v_m = start["M"] + e_m(c, low)
    v_e = start["E"] + e_e(c, low)
    v_s = start["S"] + e_s(c, low)
    back: list[tuple[str, str, str, str]] = []
    for c in obs[1:]:
        em = e_b(c, low)
        a, b = v_e + t_eb + em, v_s + t_sb + em
        n_b, p_b = (a, "E") if a > b else (b, "S")
        em = e_m(c, low)
        a, b = v_m + t_mm + em, v_b + t_bm + em
        n_m, p_m = (b, "B") if b > a else (a, "M")
        em = e_s(c, low)
        a, b = v_s + t_ss + em, v_e + t_es + em
        n_s, p_s = (b, "E") if b > a else (a, "S")
        em = e_e(c, low)
        a, b = v_b + t_be + em, v_m + t_me + em
        n_e, p_e = (a, "B") if a > b else (b, "M")
        v_b, v_m, v_e, v_s = n_b, n_m, n_e, n_s
        back.append((p_b, p_m, p_e, p_s))
    state = "E" if v_e > v_s else "S"
    tags = [state]
    slot = {"B": 0, "M": 1, "E": 2, "S": 3}
    for ptr in reversed(back):
        state = ptr[slot[state]]
        tags.append(state)
    tags.reverse()
    return tags


def _hmm_block(block: str, force_split: set[str], out: list[str]) -> None:
    """jieba.finalseg.__cut on a run of Han characters."""
    tags = _viterbi(block)
    begin = nexti = 0
    for i, tag in enumerate(tags):
        if tag == "B":
            begin = i
        elif tag == "E":
            word = block[begin : i + 1]
            if word in force_split:
                out.extend(word)
            else:
                out.append(word)
            nexti = i + 1
        elif tag == "S":
            out.append(block[i])
            nexti = i + 1
    if nexti < len(block):
        word = block[nexti:]
        if word in force_split:
            out.extend(word)
        else:
            out.append(word)


def hmm_cut(text: str) -> list[str]:
    """Same words as :func:`jieba.finalseg.cut` (the HMM for unknown words)."""
    from jieba import finalseg

    force_split = finalseg.Force_Split_Words
    out: list[str] = []
    for blk in _HMM_HAN.split(text):
        if _HMM_HAN.match(blk):
            _hmm_block(blk, force_split, out)
        else:
            out.extend(x for x in _HMM_SKIP.split(blk) if x)
    return out


# --------------------------------------------------------------------------- public


def cut_blocks(text: str, *, skip_other: bool = False) -> list[str]:
    """Words of ``text``; with ``skip_other=True`` the characters between jieba's blocks
    (punctuation, white space, anything but Han/Latin/digits) are left out, which callers that
    only want multi-character words can use to save time."""
    freq, logtotal, hmm = _tables()
    out: list[str] = []
    if skip_other:
        for blk in HAN_BLOCK.findall(text):
            _cut_han(blk, freq, logtotal, hmm, out)
        return out
    for blk in HAN_BLOCK.split(text):
        if not blk:
            continue
        if HAN_BLOCK.match(blk):
            _cut_han(blk, freq, logtotal, hmm, out)
        else:
            for x in _SKIP.split(blk):
                if _SKIP.match(x):
                    out.append(x)
                else:
                    out.extend(x)
    return out


def cut(text: str) -> list[str]:
    """Same as :func:`notice_nlp.text.segment.cut` (jieba precise mode, HMM on)."""
    if not isinstance(text, str):
        raise TypeError(f"cut(text): expected str, got {type(text).__name__}")
    return cut_blocks(text)
