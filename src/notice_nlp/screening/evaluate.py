"""Training and honest evaluation of screening.

``evaluate``: grouped 5-fold cross-validation by ``family`` (variants of one message never sit
on both sides of a split), three systems side by side — rules only (precedence on cue hits),
model only, and the shipped combination — with per-class precision/recall/F1, macro-F1, the
confusion matrix, per-tag precision/recall and the false-alarm rate on legitimate messages.
Each challenge set (``corpora/sms/challenge*/``: messages written separately, never used for
training or rule writing) is scored by the model trained on the whole corpus. So is each
off-topic set (``corpora/sms/offtopic*/``: everyday messages that have nothing to do with debt):
there the question is only how many come back accused, and how many of those without
``needs_review``.
"""

from __future__ import annotations

import platform
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from notice_nlp.screening.corpus import Message, corpus_hash, load_corpus
from notice_nlp.screening.cues import tag_info
from notice_nlp.screening.features import Analysis, analyse, masked_text, symbolic_features
from notice_nlp.screening.model import FEATURE_SETTINGS, Model, fit_model
from notice_nlp.screening.screen import _metadata, decide
from notice_nlp.screening.verdict import LABELS

__all__ = ["train", "evaluate", "Prepared", "prepare", "default_challenges", "default_offtopic"]


@dataclass
class Prepared:
    messages: list[Message]
    analyses: list[Analysis]
    masked: list[str]
    symbolic: list[dict[str, float]]


def prepare(messages: list[Message]) -> Prepared:
    analyses = [analyse(m.text, _metadata(m.meta)) for m in messages]
    return Prepared(messages, analyses, [masked_text(a) for a in analyses], [symbolic_features(a) for a in analyses])


def _versions() -> dict[str, str]:
    import jieba
    import sklearn
    import spacy

    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__, "jieba": jieba.__version__, "spacy": spacy.__version__}


def _fit(p: Prepared, idx: Sequence[int], seed: int, info: dict[str, Any] | None = None) -> Model:
    return fit_model(
        [p.masked[i] for i in idx],
        [p.symbolic[i] for i in idx],
        [p.messages[i].label for i in idx],
        [p.messages[i].family for i in idx],
        seed=seed,
        info=info,
    )


def train(corpus: str | Path, out: Path, seed: int = 13) -> dict[str, Any]:
    messages = load_corpus(corpus)
    p = prepare(messages)
    info = {
        "corpus_hash": corpus_hash(messages),
        "n_messages": len(messages),
        "seed": seed,
        "versions": _versions(),
        "settings": FEATURE_SETTINGS,
    }
    model = _fit(p, range(len(messages)), seed, info)
    model.save(out)
    return model.info


def _rules_only(a: Analysis) -> str:
    labels = {h.rule.label for h in a.hits if h.rule.decisive}
    if "fraudulent" in labels:
        return "fraudulent"
    if "threatening" in labels:
        return "threatening"
    weights = Counter()
    for h in a.hits:
        weights[h.rule.label] += h.rule.weight
    if weights["fraudulent"] >= 0.5 and weights["fraudulent"] >= weights["threatening"]:
        return "fraudulent"
    if weights["threatening"] >= 0.5:
        return "threatening"
    return "legitimate"


def _metrics(gold: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=list(LABELS), zero_division=0)
    cm = confusion_matrix(gold, pred, labels=list(LABELS))
    legit = [i for i, g in enumerate(gold) if g == "legitimate"]
    return {
        "per_class": {lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])} for i, lab in enumerate(LABELS)},
        "macro_f1": float(np.mean(f)),
        "accuracy": float(np.mean([a == b for a, b in zip(gold, pred)])),
        "confusion": cm.tolist(),
        "legit_false_alarm": float(np.mean([pred[i] != "legitimate" for i in legit])) if legit else 0.0,
        "legit_as_fraud": float(np.mean([pred[i] == "fraudulent" for i in legit])) if legit else 0.0,
    }


def _tag_metrics(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for tag in tag_info():
        tp = sum(1 for g, q in zip(gold, pred) if tag in g and tag in q)
        fp = sum(1 for g, q in zip(gold, pred) if tag not in g and tag in q)
        fn = sum(1 for g, q in zip(gold, pred) if tag in g and tag not in q)
        if tp + fp + fn == 0:
            continue
        out[tag] = {
            "precision": tp / (tp + fp) if tp + fp else 0.0,
            "recall": tp / (tp + fn) if tp + fn else 0.0,
            "support": tp + fn,
        }
    return out


def _ece(gold: Sequence[str], probs: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error of the top-class probability (0 = perfectly calibrated)."""
    conf = probs.max(axis=1)
    correct = np.array([LABELS[int(k)] == g for k, g in zip(probs.argmax(axis=1), gold)], dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        mask = (conf > lo) & (conf <= hi)
        if mask.any():
            total += mask.mean() * abs(conf[mask].mean() - correct[mask].mean())
    return float(total)


def _score(p: Prepared, idx: Sequence[int], model: Model) -> tuple[list[str], list[str], list[str], list[list[str]], list[bool], np.ndarray]:
    probs = model.proba([p.masked[i] for i in idx], [p.symbolic[i] for i in idx])
    combined, model_only, rules, tags, review = [], [], [], [], []
    for k, i in enumerate(idx):
        v = decide(p.analyses[i], probs[k], model)
        combined.append(v.label)
        model_only.append(LABELS[int(np.argmax(probs[k]))])
        rules.append(_rules_only(p.analyses[i]))
        tags.append(v.tag_ids)
        review.append(v.needs_review)
    return combined, model_only, rules, tags, review, probs


def default_challenges(corpus: str | Path) -> list[Path]:
    root = Path(corpus)
    return sorted(p for p in root.glob("challenge*") if p.is_dir()) if root.is_dir() else []


def default_offtopic(corpus: str | Path) -> list[Path]:
    root = Path(corpus)
    return sorted(p for p in root.glob("offtopic*") if p.is_dir()) if root.is_dir() else []


def evaluate(
    corpus: str | Path,
    challenges: Sequence[str | Path] = (),
    seed: int = 13,
    folds: int = 5,
    offtopic: Sequence[str | Path] = (),
) -> dict[str, Any]:
    from sklearn.model_selection import StratifiedGroupKFold

    messages = load_corpus(corpus)
    p = prepare(messages)
    n = len(messages)
    gold = [m.label for m in messages]
    pred = {"combined": [""] * n, "model": [""] * n, "rules": [""] * n}
    tags: list[list[str]] = [[] for _ in range(n)]
    review = [False] * n
    oof = np.zeros((n, len(LABELS)))
    y = np.array([LABELS.index(g) for g in gold])
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for tr, te in splitter.split(np.zeros(n), y, [m.family for m in messages]):
        model = _fit(p, tr, seed)
        c, mo, ru, tg, rv, pr = _score(p, te, model)
        oof[te] = pr
        for k, i in enumerate(te):
            pred["combined"][i], pred["model"][i], pred["rules"][i] = c[k], mo[k], ru[k]
            tags[i], review[i] = tg[k], rv[k]
    result: dict[str, Any] = {
        "calibration_ece": _ece(gold, oof),
        "corpus": str(corpus),
        "corpus_hash": corpus_hash(messages),
        "n": n,
        "folds": folds,
        "seed": seed,
        "systems": {name: _metrics(gold, pr) for name, pr in pred.items()},
        "tags": _tag_metrics([list(m.tags) for m in messages], tags),
        "needs_review_rate": float(np.mean(review)),
        "by_script": {},
        "by_difficulty": {},
    }
    for key, attr in (("by_script", "script"), ("by_difficulty", "difficulty")):
        for value in sorted({getattr(m, attr) for m in messages}):
            idx = [i for i, m in enumerate(messages) if getattr(m, attr) == value]
            result[key][value] = {
                "n": len(idx),
                "accuracy": float(np.mean([pred["combined"][i] == gold[i] for i in idx])),
            }
    errors = [
        {"id": messages[i].id, "gold": gold[i], "pred": pred["combined"][i], "text": messages[i].text[:80]}
        for i in range(n)
        if pred["combined"][i] != gold[i]
    ]
    result["errors"] = errors
    result["challenges"] = {}
    model = _fit(p, range(n), seed) if challenges or offtopic else None
    for path in challenges:
        ch = load_corpus(path)
        q = prepare(ch)
        assert model is not None
        c, mo, ru, tg, rv, ch_probs = _score(q, range(len(ch)), model)
        cg = [m.label for m in ch]
        result["challenges"][Path(path).name] = {
            "path": str(path),
            "calibration_ece": _ece(cg, ch_probs),
            "n": len(ch),
            "systems": {"combined": _metrics(cg, c), "model": _metrics(cg, mo), "rules": _metrics(cg, ru)},
            "tags": _tag_metrics([list(m.tags) for m in ch], tg),
            "errors": [
                {"id": ch[i].id, "gold": cg[i], "pred": c[i], "text": ch[i].text[:80]} for i in range(len(ch)) if c[i] != cg[i]
            ],
        }
    result["offtopic"] = {}
    for path in offtopic:
        ot = load_corpus(path)
        assert model is not None
        c, _, _, _, rv, _ = _score(prepare(ot), range(len(ot)), model)
        accused = [i for i in range(len(ot)) if c[i] != "legitimate"]
        result["offtopic"][Path(path).name] = {
            "path": str(path),
            "n": len(ot),
            "accused": len(accused),
            "accused_without_review": sum(1 for i in accused if not rv[i]),
            "errors": [{"id": ot[i].id, "pred": c[i], "needs_review": rv[i], "text": ot[i].text[:80]} for i in accused],
        }
    return result


def _table(m: dict[str, Any]) -> list[str]:
    lines = ["| class | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for lab in LABELS:
        c = m["per_class"][lab]
        lines.append(f"| {lab} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} | {c['support']} |")
    lines.append(f"| **macro** | | | **{m['macro_f1']:.3f}** | |")
    lines += ["", "Confusion matrix (rows = gold, columns = predicted):", "", "| gold \\ pred | " + " | ".join(LABELS) + " |", "|---|---|---|---|"]
    for lab, row in zip(LABELS, m["confusion"]):
        lines.append(f"| {lab} | " + " | ".join(str(v) for v in row) + " |")
    lines.append("")
    lines.append(f"Legitimate messages flagged (any non-legitimate label): {m['legit_false_alarm']:.1%}; labelled fraudulent: {m['legit_as_fraud']:.1%}.")
    return lines


def report_markdown(r: dict[str, Any], command: str) -> str:
    out = [
        "# Screening evaluation",
        "",
        f"Reproduce: `{command}` (corpus hash `{r['corpus_hash']}`, {r['n']} messages, grouped {r['folds']}-fold CV by family, seed {r['seed']}).",
        "",
        "Three systems: **rules** (precedence on cue hits only), **model** (the calibrated linear model alone), **combined** (what `screen()` ships: decisive cues first, then the model).",
        "",
    ]
    for name in ("combined", "model", "rules"):
        m = r["systems"][name]
        out += [f"## {name} — macro-F1 {m['macro_f1']:.3f}, accuracy {m['accuracy']:.3f}", ""]
        out += _table(m)
        out.append("")
    out += ["## Per-tag precision / recall (combined)", "", "| tag | precision | recall | support |", "|---|---|---|---|"]
    for tag, t in sorted(r["tags"].items()):
        out.append(f"| {tag} | {t['precision']:.3f} | {t['recall']:.3f} | {t['support']} |")
    out += ["", f"needs_review rate: {r['needs_review_rate']:.1%}", "",
            f"Calibration of the model's probabilities (expected calibration error, 10 bins, out-of-fold): {r['calibration_ece']:.3f}"
            + "".join(f"; on {name}: {ch['calibration_ece']:.3f}" for name, ch in r["challenges"].items()),
            "", "## Accuracy by script and difficulty (combined)", ""]
    for key in ("by_script", "by_difficulty"):
        for value, v in r[key].items():
            out.append(f"- {key[3:]} = {value}: {v['accuracy']:.3f} (n={v['n']})")
    for cname, ch in r["challenges"].items():
        out += ["", f"## Challenge set `{cname}` ({ch['n']} messages written separately, never trained on)", "",
                f"The model is trained on the whole corpus and scored on `{ch['path']}`. This is the better estimate of performance on unseen real messages.", ""]
        for name in ("combined", "model", "rules"):
            m = ch["systems"][name]
            out += [f"### {name} — macro-F1 {m['macro_f1']:.3f}", ""]
            out += _table(m)
            out.append("")
    for oname, ot in r.get("offtopic", {}).items():
        out += ["", f"## Off-topic set `{oname}` ({ot['n']} everyday messages, none about debt; never trained on)", "",
                f"Accused (threatening or fraudulent): **{ot['accused']}** of {ot['n']}; "
                f"of those without `needs_review`: **{ot['accused_without_review']}**.", "",
                "| id | predicted | needs_review | text (first 80 chars) |", "|---|---|---|---|"]
        for e in ot["errors"]:
            text = e["text"].replace("|", "\\|").replace("\n", " ")
            out.append(f"| {e['id']} | {e['pred']} | {e['needs_review']} | {text} |")
    out += ["", f"## Misclassified in CV ({len(r['errors'])})", "", "| id | gold | predicted | text (first 80 chars) |", "|---|---|---|---|"]
    for e in r["errors"][:60]:
        text = e["text"].replace("|", "\\|").replace("\n", " ")
        out.append(f"| {e['id']} | {e['gold']} | {e['pred']} | {text} |")
    return "\n".join(out) + "\n"


def print_summary(r: dict[str, Any]) -> str:
    lines = []
    for name in ("combined", "model", "rules"):
        m = r["systems"][name]
        lines.append(f"[{name}] macro-F1 {m['macro_f1']:.3f}  accuracy {m['accuracy']:.3f}  legit→flagged {m['legit_false_alarm']:.1%}  legit→fraud {m['legit_as_fraud']:.1%}")
        for lab in LABELS:
            c = m["per_class"][lab]
            lines.append(f"    {lab:12s} P {c['precision']:.3f}  R {c['recall']:.3f}  F1 {c['f1']:.3f}  n={c['support']}")
        lines.append("    confusion (rows gold: legit, threat, fraud): " + str(m["confusion"]))
    lines.append(f"calibration ECE (out-of-fold): {r['calibration_ece']:.3f}")
    for cname, ch in r["challenges"].items():
        lines.append(f"{cname} ({ch['n']} messages) calibration ECE: {ch['calibration_ece']:.3f}")
        for name in ("combined", "model", "rules"):
            m = ch["systems"][name]
            lines.append(f"[{cname}/{name}] macro-F1 {m['macro_f1']:.3f}  accuracy {m['accuracy']:.3f}  legit→fraud {m['legit_as_fraud']:.1%}  confusion {m['confusion']}")
    for oname, ot in r.get("offtopic", {}).items():
        lines.append(f"{oname} ({ot['n']} everyday messages): accused {ot['accused']}, without needs_review {ot['accused_without_review']}")
    return "\n".join(lines)
