"""Evaluation of theme extraction on the gold article corpus (``corpora/articles``).

Each article ``ID.txt``/``ID.html`` has ``ID.gold.json`` with its theme ids and evidence
snippets (cleaned Simplified text). Articles are split by *original* article: a spun copy
(``spun_of``) always falls in the same split as its original, so the held-out split never sees a
re-wording of a dev article. The split is a fixed hash of the group id (~30 % held out).

Metrics, per (document, theme) decision over every theme id of the taxonomy:
per-theme precision / recall / F1, micro and macro F1 (macro over themes with gold or predicted
support), and evidence accuracy: for each correctly found theme, the best evidence sentence is
correct when its normalised text contains one of the gold snippets (normalised the same way).
The baseline predicts a theme whenever any of its cues occurs anywhere in the text.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["GoldDoc", "load_gold", "split_groups", "evaluate_themes", "format_report", "markdown", "run_evaluation"]

SPLIT_SALT = "themes-v1"
HELDOUT_PERCENT = 30
_SPACE = re.compile(r"\s+")


@dataclass
class GoldDoc:
    id: str
    path: Path
    group: str
    kind: str
    script: str
    format: str
    themes: dict[str, list[str]] = field(default_factory=dict)


def load_gold(corpus_dir: str | Path) -> list[GoldDoc]:
    corpus = Path(corpus_dir)
    if not corpus.is_dir():
        raise FileNotFoundError(f"{corpus}: not a directory")
    docs = []
    for gp in sorted(corpus.glob("*.gold.json")):
        g = json.loads(gp.read_text(encoding="utf-8"))
        path = corpus / g["file"]
        docs.append(
            GoldDoc(
                id=g["id"],
                path=path,
                group=g.get("spun_of") or g["id"],
                kind=g.get("kind", ""),
                script=g.get("script", ""),
                format=g.get("format", ""),
                themes={t["id"]: list(t.get("evidence", [])) for t in g["themes"]},
            )
        )
    return docs


def _heldout(group: str) -> bool:
    return int(hashlib.sha1((SPLIT_SALT + group).encode()).hexdigest()[:8], 16) % 10 < HELDOUT_PERCENT // 10


def split_groups(docs: Sequence[GoldDoc]) -> tuple[list[GoldDoc], list[GoldDoc]]:
    """``(dev, heldout)``, split by original article (a spun copy goes with its original)."""
    dev = [d for d in docs if not _heldout(d.group)]
    test = [d for d in docs if _heldout(d.group)]
    return dev, test


def _canon(text: str) -> str:
    from notice_nlp.text.normalize import normalize
    from notice_nlp.themes.spin import fold

    # fold() also repairs 什幺 → 什么; spun variants fold the same way on both sides
    return _SPACE.sub("", fold(normalize(text).text).text)


@dataclass
class _DocResult:
    doc: GoldDoc
    scores: dict[str, float]
    evidence: dict[str, list[str]]  # theme → evidence sentences (best first)
    baseline: set[str]


def _run_docs(docs: Iterable[GoldDoc]) -> list[_DocResult]:
    from notice_nlp.text.extract import load_page
    from notice_nlp.themes.match import MAX_EVIDENCE, baseline_themes, match_themes

    out = []
    for doc in docs:
        page = load_page(doc.path)
        result = match_themes(page)
        scores = {tid: m.score for tid, m in result.matches.items()}
        evidence = {
            tid: [page.text[result.sentences[i].orig_start : result.sentences[i].orig_end] for _, i in m.sentences[:MAX_EVIDENCE]]
            for tid, m in result.matches.items()
            if m.sentences
        }
        out.append(_DocResult(doc, scores, evidence, baseline_themes(page)))
    return out


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return round(p, 4), round(r, 4), round(f, 4)


def _metrics(pred: dict[str, set[str]], gold: dict[str, set[str]], theme_ids: Sequence[str]) -> dict[str, Any]:
    per: dict[str, Any] = {}
    TP = FP = FN = 0
    for tid in theme_ids:
        tp = sum(1 for d in gold if tid in pred[d] and tid in gold[d])
        fp = sum(1 for d in gold if tid in pred[d] and tid not in gold[d])
        fn = sum(1 for d in gold if tid not in pred[d] and tid in gold[d])
        TP, FP, FN = TP + tp, FP + fp, FN + fn
        p, r, f = _prf(tp, fp, fn)
        per[tid] = {"tp": tp, "fp": fp, "fn": fn, "support": tp + fn, "precision": p, "recall": r, "f1": f}
    p, r, f = _prf(TP, FP, FN)
    active = [v["f1"] for v in per.values() if v["tp"] + v["fp"] + v["fn"] > 0]
    macro = round(sum(active) / len(active), 4) if active else 0.0
    return {
        "micro": {"precision": p, "recall": r, "f1": f, "tp": TP, "fp": FP, "fn": FN},
        "macro_f1": macro,
        "per_theme": per,
    }


def _score_split(results: Sequence[_DocResult], threshold: float, theme_ids: Sequence[str]) -> dict[str, Any]:
    gold = {r.doc.id: set(r.doc.themes) for r in results}
    pred = {r.doc.id: {t for t, s in r.scores.items() if s >= threshold} for r in results}
    base = {r.doc.id: set(r.baseline) for r in results}
    m = _metrics(pred, gold, theme_ids)
    b = _metrics(base, gold, theme_ids)
    correct = correct_any = total = 0
    misses: list[dict[str, Any]] = []
    for r in results:
        for tid in pred[r.doc.id] & gold[r.doc.id]:
            snippets = [_canon(s) for s in r.doc.themes[tid]]
            sents = [_canon(s) for s in r.evidence.get(tid, [])]
            total += 1
            ok = bool(sents) and any(sn and sn in sents[0] for sn in snippets)
            correct += ok
            correct_any += any(any(sn and sn in s for sn in snippets) for s in sents)
            if not ok:
                misses.append({"doc": r.doc.id, "theme": tid, "predicted": r.evidence.get(tid, [""])[0]})
    errors = []
    for r in results:
        for tid in sorted(pred[r.doc.id] - gold[r.doc.id]):
            errors.append({"doc": r.doc.id, "theme": tid, "type": "fp", "score": r.scores[tid]})
        for tid in sorted(gold[r.doc.id] - pred[r.doc.id]):
            errors.append({"doc": r.doc.id, "theme": tid, "type": "fn", "score": r.scores.get(tid, 0.0)})
    return {
        "documents": len(results),
        "doc_ids": [r.doc.id for r in results],
        "gold_labels": sum(len(g) for g in gold.values()),
        **m,
        "evidence": {
            "correct": correct,
            "total": total,
            "accuracy": round(correct / total, 4) if total else 0.0,
            "top3_accuracy": round(correct_any / total, 4) if total else 0.0,
            "misses": misses,
        },
        "baseline": {"micro": b["micro"], "macro_f1": b["macro_f1"]},
        "errors": errors,
    }


def evaluate_themes(corpus_dir: str | Path = "corpora/articles", *, threshold: float | None = None) -> dict[str, Any]:
    """Evaluate on ``corpus_dir``: held-out split (the headline), dev split and all documents.

    Returns ``{"threshold", "split", "heldout", "dev", "all", "sweep"}``; each split has
    ``micro``, ``macro_f1``, ``per_theme``, ``evidence``, ``baseline`` and ``errors``.
    ``sweep`` lists dev/held-out micro-F1 for a range of thresholds (the threshold is chosen on
    dev only).
    """
    from notice_nlp.themes.match import THRESHOLD
    from notice_nlp.themes.rules import themes

    thr = THRESHOLD if threshold is None else threshold
    docs = load_gold(corpus_dir)
    if not docs:
        raise FileNotFoundError(f"{corpus_dir}: no *.gold.json files")
    dev_docs, test_docs = split_groups(docs)
    results = _run_docs(docs)
    by_id = {r.doc.id: r for r in results}
    dev = [by_id[d.id] for d in dev_docs]
    test = [by_id[d.id] for d in test_docs]
    ids = [t.id for t in themes()]
    sweep = []
    for t in [round(0.3 + 0.05 * i, 2) for i in range(10)]:
        sweep.append(
            {
                "threshold": t,
                "dev_micro_f1": _score_split(dev, t, ids)["micro"]["f1"],
                "heldout_micro_f1": _score_split(test, t, ids)["micro"]["f1"],
            }
        )
    return {
        "corpus": str(corpus_dir),
        "threshold": thr,
        "split": {
            "method": f"sha1('{SPLIT_SALT}' + group) % 10 < {HELDOUT_PERCENT // 10}; group = spun_of or id",
            "dev": [d.id for d in dev_docs],
            "heldout": [d.id for d in test_docs],
        },
        "heldout": _score_split(test, thr, ids),
        "dev": _score_split(dev, thr, ids),
        "all": _score_split(results, thr, ids),
        "sweep": sweep,
    }


# --------------------------------------------------------------------------- output


def format_report(result: dict[str, Any]) -> str:
    """Plain-text report: per-theme table for the held-out split, then the summary lines."""
    h = result["heldout"]
    lines = [f"theme evaluation on {result['corpus']} (threshold {result['threshold']})", ""]
    lines.append(f"held-out split: {h['documents']} documents, {h['gold_labels']} gold labels")
    lines.append(f"{'theme':34} {'P':>6} {'R':>6} {'F1':>6} {'sup':>4}")
    for tid, v in h["per_theme"].items():
        if v["tp"] + v["fp"] + v["fn"] == 0:
            continue
        lines.append(f"{tid:34} {v['precision']:6.3f} {v['recall']:6.3f} {v['f1']:6.3f} {v['support']:4d}")
    lines.append("")
    for name in ("heldout", "dev", "all"):
        s = result[name]
        lines.append(
            f"{name:8} docs={s['documents']:3d} micro P/R/F1={s['micro']['precision']:.3f}/{s['micro']['recall']:.3f}/"
            f"{s['micro']['f1']:.3f} macro-F1={s['macro_f1']:.3f} evidence={s['evidence']['accuracy']:.3f} "
            f"(top-3 {s['evidence']['top3_accuracy']:.3f}, n={s['evidence']['total']}) | baseline micro-F1="
            f"{s['baseline']['micro']['f1']:.3f} macro-F1={s['baseline']['macro_f1']:.3f}"
        )
    return "\n".join(lines)


def markdown(result: dict[str, Any]) -> str:
    """A markdown section with the held-out table, the summary and the threshold sweep."""
    h = result["heldout"]
    out = [
        "## Results (generated by `notice-nlp evaluate-themes`)",
        "",
        f"Corpus `{result['corpus']}`, threshold {result['threshold']}. Split: {result['split']['method']}.",
        "",
        f"Held-out documents ({len(result['split']['heldout'])}): {', '.join(result['split']['heldout'])}.",
        "",
        "| split | docs | micro P | micro R | micro F1 | macro F1 | evidence acc. (best) | evidence acc. (top 3) | baseline micro F1 | baseline macro F1 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ("heldout", "dev", "all"):
        s = result[name]
        out.append(
            f"| {name} | {s['documents']} | {s['micro']['precision']:.3f} | {s['micro']['recall']:.3f} | "
            f"{s['micro']['f1']:.3f} | {s['macro_f1']:.3f} | {s['evidence']['accuracy']:.3f} "
            f"({s['evidence']['correct']}/{s['evidence']['total']}) | {s['evidence']['top3_accuracy']:.3f} | "
            f"{s['baseline']['micro']['f1']:.3f} | {s['baseline']['macro_f1']:.3f} |"
        )
    out += ["", "### Held-out, per theme", "", "| theme | P | R | F1 | support | FP | FN |", "|---|---|---|---|---|---|---|"]
    for tid, v in h["per_theme"].items():
        if v["tp"] + v["fp"] + v["fn"] == 0:
            continue
        out.append(f"| `{tid}` | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} | {v['fp']} | {v['fn']} |")
    out += ["", "### Threshold sweep (chosen on dev only)", "", "| threshold | dev micro F1 | held-out micro F1 |", "|---|---|---|"]
    for row in result["sweep"]:
        out.append(f"| {row['threshold']:.2f} | {row['dev_micro_f1']:.3f} | {row['heldout_micro_f1']:.3f} |")
    out += ["", "### Held-out errors", ""]
    errs = h["errors"]
    if not errs:
        out.append("None.")
    for e in errs:
        out.append(f"- {e['doc']} {e['type'].upper()} `{e['theme']}` (score {e['score']:.2f})")
    return "\n".join(out) + "\n"


_BEGIN = "<!-- BEGIN GENERATED RESULTS -->"
_END = "<!-- END GENERATED RESULTS -->"


def write_markdown(result: dict[str, Any], path: str | Path) -> None:
    """Write the results section into ``path`` between the generated-results markers
    (the rest of the file is kept; the markers are appended when missing)."""
    p = Path(path)
    section = f"{_BEGIN}\n{markdown(result)}{_END}\n"
    if p.exists():
        text = p.read_text(encoding="utf-8")
        if _BEGIN in text and _END in text:
            head, rest = text.split(_BEGIN, 1)
            tail = rest.split(_END, 1)[1].lstrip("\n")
            text = head + section + tail
        else:
            text = text.rstrip("\n") + "\n\n" + section
    else:
        text = "# Theme extraction: evaluation\n\n" + section
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")


def run_evaluation(corpus_dir: str | Path = "corpora/articles", *, markdown_path: str | Path | None = None, as_json: bool = False) -> dict[str, Any]:
    """Evaluate, print the report (or JSON), optionally write the markdown section."""
    result = evaluate_themes(corpus_dir)
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print(format_report(result))
    if markdown_path is not None:
        write_markdown(result, markdown_path)
    return result
