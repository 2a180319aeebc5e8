"""Aggregate files of a batch run, rebuilt from the records of ``articles.jsonl``.

``themes.csv``, ``near_duplicates.csv``, ``summary.json``, optional PNG plots (matplotlib, extra
``plots``; axes labelled with theme ids so no CJK font is needed) and a self-contained
``report.html`` (all text HTML-escaped, images inlined as data URIs, no external resources).
"""

from __future__ import annotations

import base64
import csv
import html
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["write_aggregates", "near_duplicate_clusters", "summarize"]

_KINDS = (("causes", "cause"), ("strategies", "strategy"), ("impacts", "impact"))


def _themes_of(row: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for field, kind in _KINDS:
        for t in row.get(field) or []:
            if isinstance(t, dict) and "id" in t:
                out.append((kind, t))
    return out


def _write_themes_csv(rows: Sequence[dict[str, Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["doc_key", "theme_id", "kind", "score", "evidence_sentence", "evidence_start", "evidence_end"])
        for row in rows:
            if row.get("error"):
                continue
            for kind, t in _themes_of(row):
                ev = (t.get("evidence") or [{}])[0]
                w.writerow([row["key"], t["id"], kind, t.get("score"), ev.get("sentence", ""), ev.get("start", ""), ev.get("end", "")])


def near_duplicate_clusters(rows: Sequence[dict[str, Any]], threshold: float) -> list[list[tuple[str, str, float]]]:
    """Clusters (connected components) of documents linked by similarity ≥ ``threshold``;
    each cluster is its list of linking pairs ``(key_a, key_b, similarity)``."""
    from notice_nlp.themes.fingerprint import lsh_candidates, similarity

    docs = [(r["key"], r["fingerprint"]) for r in rows if not r.get("error") and isinstance(r.get("fingerprint"), str) and r.get("sections") is not None]
    docs = [(k, fp) for k, fp in docs if fp and fp.strip("f")]  # empty texts have the all-f signature
    fps = [fp for _, fp in docs]
    parent = list(range(len(docs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    pairs: list[tuple[int, int, float]] = []
    candidates = lsh_candidates(fps) if len(docs) > 200 else {(i, j) for i in range(len(docs)) for j in range(i + 1, len(docs))}
    for i, j in sorted(candidates):
        s = similarity(fps[i], fps[j])
        if s >= threshold:
            pairs.append((i, j, s))
            parent[find(i)] = find(j)
    clusters: dict[int, list[tuple[str, str, float]]] = {}
    for i, j, s in pairs:
        clusters.setdefault(find(i), []).append((docs[i][0], docs[j][0], round(s, 4)))
    return sorted(clusters.values(), key=lambda c: (-len(c), c[0][0]))


def _write_near_dups(clusters: list[list[tuple[str, str, float]]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["cluster", "doc_key_a", "doc_key_b", "similarity"])
        for n, cluster in enumerate(clusters, 1):
            for a, b, s in cluster:
                w.writerow([n, a, b, s])


def summarize(rows: Sequence[dict[str, Any]], clusters: list[list[tuple[str, str, float]]], threshold: float) -> dict[str, Any]:
    ok = [r for r in rows if not r.get("error")]
    counts: Counter[str] = Counter()
    kinds: dict[str, str] = {}
    cooc: Counter[tuple[str, str]] = Counter()
    spin_scores: list[float] = []
    spin_pairs: Counter[tuple[str, str]] = Counter()
    scripts: Counter[str] = Counter()
    for r in ok:
        ids = _themes_of(r)
        for kind, t in ids:
            counts[t["id"]] += 1
            kinds[t["id"]] = kind
        causes = [t["id"] for k, t in ids if k == "cause"]
        strategies = [t["id"] for k, t in ids if k == "strategy"]
        for c in causes:
            for s in strategies:
                cooc[(c, s)] += 1
        spin = r.get("spin") or {}
        if isinstance(spin.get("score"), (int, float)):
            spin_scores.append(float(spin["score"]))
        for p in spin.get("pairs") or []:
            spin_pairs[(p["variant"], p["canonical"])] += int(p.get("count", 0))
        scripts[str(r.get("script"))] += 1
    spun_docs = sum(1 for s in spin_scores if s >= 0.3)
    errors = Counter(str(r.get("error")).split(":", 1)[0] for r in rows if r.get("error"))
    return {
        "documents": len(rows),
        "analysed": len(ok),
        "failed": len(rows) - len(ok),
        "errors_by_type": dict(errors.most_common()),
        "scripts": dict(scripts),
        "theme_counts": {k: {"kind": kinds[k], "documents": v} for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))},
        "cause_strategy_cooccurrence": [
            {"cause": c, "strategy": s, "documents": n} for (c, s), n in sorted(cooc.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "spin": {
            "mean_score": round(sum(spin_scores) / len(spin_scores), 4) if spin_scores else 0.0,
            "max_score": round(max(spin_scores), 4) if spin_scores else 0.0,
            "documents_with_score_ge_0.3": spun_docs,
            "top_pairs": [{"variant": v, "canonical": c, "count": n} for (v, c), n in spin_pairs.most_common(20)],
        },
        "near_duplicates": {
            "threshold": threshold,
            "clusters": len(clusters),
            "documents_in_clusters": len({k for c in clusters for a, b, _ in c for k in (a, b)}),
        },
    }


def _plots(summary: dict[str, Any], out: Path) -> list[Path]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception:  # noqa: BLE001 - plots are optional (extra "plots")
        return []
    made: list[Path] = []
    counts = summary["theme_counts"]
    if counts:
        ids = list(counts)[::-1]
        fig, ax = plt.subplots(figsize=(8, max(2.5, 0.28 * len(ids) + 1)))
        colors = {"cause": "#c0504d", "strategy": "#4f81bd", "impact": "#9bbb59"}
        ax.barh(ids, [counts[i]["documents"] for i in ids], color=[colors.get(counts[i]["kind"], "#888") for i in ids])
        ax.set_xlabel("documents")
        ax.set_title("Theme frequency")
        fig.tight_layout()
        p = out / "themes.png"
        fig.savefig(p, dpi=100)
        plt.close(fig)
        made.append(p)
    cooc = summary["cause_strategy_cooccurrence"]
    if cooc:
        causes = sorted({c["cause"] for c in cooc})
        strategies = sorted({c["strategy"] for c in cooc})
        grid = [[0] * len(strategies) for _ in causes]
        for c in cooc:
            grid[causes.index(c["cause"])][strategies.index(c["strategy"])] = c["documents"]
        fig, ax = plt.subplots(figsize=(max(5, 0.45 * len(strategies) + 3), max(4, 0.35 * len(causes) + 2.5)))
        im = ax.imshow(grid, cmap="Blues", aspect="auto")
        ax.set_xticks(range(len(strategies)), strategies, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(len(causes)), causes, fontsize=7)
        ax.set_title("Cause x strategy co-occurrence (documents)")
        fig.colorbar(im, ax=ax)
        fig.tight_layout()
        p = out / "cooccurrence.png"
        fig.savefig(p, dpi=100)
        plt.close(fig)
        made.append(p)
    return made


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _write_html(rows: Sequence[dict[str, Any]], summary: dict[str, Any], clusters: list[list[tuple[str, str, float]]], pngs: Sequence[Path], path: Path) -> None:
    e = html.escape
    parts = [
        "<!DOCTYPE html><html lang=\"zh\"><head><meta charset=\"utf-8\"><title>notice-nlp article themes</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px;vertical-align:top}th{background:#eee}</style></head><body>",
        "<h1>Article themes</h1>",
        f"<p>{e(str(summary['documents']))} documents, {e(str(summary['analysed']))} analysed, {e(str(summary['failed']))} failed.</p>",
        "<h2>Theme frequency</h2>",
        _table(["theme", "kind", "documents"], [(k, v["kind"], v["documents"]) for k, v in summary["theme_counts"].items()]),
    ]
    for p in pngs:
        data = base64.b64encode(p.read_bytes()).decode("ascii")
        parts.append(f"<p><img alt=\"{e(p.stem)}\" src=\"data:image/png;base64,{data}\"></p>")
    parts += [
        "<h2>Cause × strategy co-occurrence</h2>",
        _table(["cause", "strategy", "documents"], [(c["cause"], c["strategy"], c["documents"]) for c in summary["cause_strategy_cooccurrence"][:50]]),
        "<h2>Spin</h2>",
        f"<p>mean score {e(str(summary['spin']['mean_score']))}, max {e(str(summary['spin']['max_score']))}.</p>",
        _table(["variant", "canonical", "count"], [(p["variant"], p["canonical"], p["count"]) for p in summary["spin"]["top_pairs"]]),
        "<h2>Near-duplicate clusters</h2>",
        _table(["cluster", "document", "document", "similarity"], [(n, a, b, s) for n, c in enumerate(clusters, 1) for a, b, s in c]),
        "<h2>Documents</h2>",
    ]
    doc_rows = []
    for r in rows:
        themes = ", ".join(t["id"] for _, t in _themes_of(r))
        doc_rows.append((r.get("key"), r.get("title") or "", r.get("script") or "", themes, r.get("error") or ""))
    parts.append(_table(["key", "title", "script", "themes", "error"], doc_rows))
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")


def write_aggregates(rows: Sequence[dict[str, Any]], out: Path, threshold: float | None = None) -> dict[str, Any]:
    from notice_nlp.themes.batch import NEAR_DUP_THRESHOLD

    thr = NEAR_DUP_THRESHOLD if threshold is None else threshold
    _write_themes_csv(rows, out / "themes.csv")
    clusters = near_duplicate_clusters(rows, thr)
    _write_near_dups(clusters, out / "near_duplicates.csv")
    summary = summarize(rows, clusters, thr)
    pngs = _plots(summary, out)
    summary["plots"] = [p.name for p in pngs]
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    _write_html(rows, summary, clusters, pngs, out / "report.html")
    return summary
