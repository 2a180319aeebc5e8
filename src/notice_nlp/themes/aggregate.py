"""Aggregate files of a batch run, rebuilt from the records of ``articles.jsonl``.

``themes.csv``, ``near_duplicates.csv``, ``summary.json``, optional PNG plots (matplotlib, extra
``plots``; axes labelled with theme ids so no CJK font is needed) and a self-contained
``report.html`` (all text HTML-escaped, images inlined as data URIs, no external resources).

The records are streamed, twice (:func:`write_aggregates_from`): the first pass writes
``themes.csv`` and keeps only counts and each document's key and fingerprint (for the
near-duplicate clusters); the second writes the document table of ``report.html``. Memory does
not grow with the article texts, only with the number of documents (~1 KB each).
"""

from __future__ import annotations

import base64
import csv
import html
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

__all__ = ["write_aggregates", "write_aggregates_from", "iter_records", "near_duplicate_clusters", "summarize"]

Rows = Callable[[], Iterable[dict[str, Any]]]  # returns a fresh iterator of the records each call
Cluster = list[tuple[str, str, float]]

_KINDS = (("causes", "cause"), ("strategies", "strategy"), ("impacts", "impact"))


def _themes_of(row: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for field, kind in _KINDS:
        for t in row.get(field) or []:
            if isinstance(t, dict) and "id" in t:
                out.append((kind, t))
    return out


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    """The valid records of an ``articles.jsonl`` (JSON objects with a ``key``), in file order,
    one line in memory at a time; broken lines (e.g. the last line of a killed run) are skipped."""
    if not path.exists():
        return
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict) and "key" in obj:
                yield obj


_THEMES_CSV_HEADER = ["doc_key", "theme_id", "kind", "score", "evidence_sentence", "evidence_start", "evidence_end"]


def _themes_csv_rows(row: dict[str, Any]) -> Iterator[list[Any]]:
    if row.get("error"):
        return
    for kind, t in _themes_of(row):
        ev = (t.get("evidence") or [{}])[0]
        yield [row["key"], t["id"], kind, t.get("score"), ev.get("sentence", ""), ev.get("start", ""), ev.get("end", "")]


def _write_themes_csv(rows: Iterable[dict[str, Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(_THEMES_CSV_HEADER)
        for row in rows:
            w.writerows(_themes_csv_rows(row))


def _fingerprint_doc(row: dict[str, Any]) -> tuple[str, str] | None:
    """``(key, fingerprint)`` of a record that takes part in near-duplicate clustering."""
    fp = row.get("fingerprint")
    if row.get("error") or not isinstance(fp, str) or row.get("sections") is None:
        return None
    if not fp or not fp.strip("f"):  # empty texts have the all-f signature
        return None
    return row["key"], fp


def near_duplicate_clusters(rows: Iterable[dict[str, Any]], threshold: float) -> list[Cluster]:
    """Clusters (connected components) of documents linked by similarity ≥ ``threshold``;
    each cluster is its list of linking pairs ``(key_a, key_b, similarity)``."""
    docs = [d for d in map(_fingerprint_doc, rows) if d is not None]
    return _clusters(docs, threshold)


def _clusters(docs: Sequence[tuple[str, str]], threshold: float) -> list[Cluster]:
    from notice_nlp.themes.fingerprint import lsh_candidates, similarity

    fps = [fp for _, fp in docs]
    parent = list(range(len(docs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    pairs: list[tuple[int, int, float]] = []
    candidates = lsh_candidates(fps) if len(docs) > 200 else {(i, j) for i in range(len(docs)) for j in range(i + 1, len(docs))}
    ordered = sorted(candidates)
    sims = _similarities(fps, ordered)
    for k, (i, j) in enumerate(ordered):
        s = sims[k] if sims is not None else similarity(fps[i], fps[j])
        if s >= threshold:
            pairs.append((i, j, s))
            parent[find(i)] = find(j)
    clusters: dict[int, list[tuple[str, str, float]]] = {}
    for i, j, s in pairs:
        clusters.setdefault(find(i), []).append((docs[i][0], docs[j][0], round(s, 4)))
    return sorted(clusters.values(), key=lambda c: (-len(c), c[0][0]))


_PAIR_CHUNK = 50_000


def _similarities(fps: Sequence[str], pairs: Sequence[tuple[int, int]]) -> list[float] | None:
    """:func:`~notice_nlp.themes.fingerprint.similarity` of every pair, computed with numpy on
    the fingerprints parsed once (the share of equal 32-bit minima, the same float as the
    per-pair function). None when the fingerprints are not all hex strings of one length; the
    caller then uses the per-pair function (and its errors)."""
    import numpy as np

    if not pairs:
        return []
    width = len(fps[0])
    if not width or width % 8 or any(len(fp) != width for fp in fps):
        return None
    try:
        mins = np.frombuffer(bytes.fromhex("".join(fps)), dtype=">u4").reshape(len(fps), width // 8)
    except ValueError:
        return None
    idx = np.asarray(pairs, dtype=np.intp)
    out: list[float] = []
    for lo in range(0, len(idx), _PAIR_CHUNK):
        part = idx[lo : lo + _PAIR_CHUNK]
        same = (mins[part[:, 0]] == mins[part[:, 1]]).sum(axis=1)
        out.extend(int(n) / (width // 8) for n in same)
    return out


def _write_near_dups(clusters: list[list[tuple[str, str, float]]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["cluster", "doc_key_a", "doc_key_b", "similarity"])
        for n, cluster in enumerate(clusters, 1):
            for a, b, s in cluster:
                w.writerow([n, a, b, s])


class _Summary:
    """The counts of ``summary.json``, fed one record at a time (same numbers, same order of
    ties, as counting over the whole list)."""

    def __init__(self) -> None:
        self.documents = 0
        self.analysed = 0
        self.counts: Counter[str] = Counter()
        self.kinds: dict[str, str] = {}
        self.cooc: Counter[tuple[str, str]] = Counter()
        self.spin_n = 0
        self.spin_sum: float = 0
        self.spin_max: float | None = None
        self.spun_docs = 0
        self.spin_pairs: Counter[tuple[str, str]] = Counter()
        self.scripts: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()

    def add(self, r: dict[str, Any]) -> None:
        self.documents += 1
        if r.get("error"):
            self.errors[str(r.get("error")).split(":", 1)[0]] += 1
            return
        self.analysed += 1
        ids = _themes_of(r)
        for kind, t in ids:
            self.counts[t["id"]] += 1
            self.kinds[t["id"]] = kind
        causes = [t["id"] for k, t in ids if k == "cause"]
        strategies = [t["id"] for k, t in ids if k == "strategy"]
        for c in causes:
            for s in strategies:
                self.cooc[(c, s)] += 1
        spin = r.get("spin") or {}
        if isinstance(spin.get("score"), (int, float)):
            score = float(spin["score"])
            self.spin_n += 1
            self.spin_sum += score
            self.spin_max = score if self.spin_max is None else max(self.spin_max, score)
            self.spun_docs += score >= 0.3
        for p in spin.get("pairs") or []:
            self.spin_pairs[(p["variant"], p["canonical"])] += int(p.get("count", 0))
        self.scripts[str(r.get("script"))] += 1

    def result(self, clusters: list[Cluster], threshold: float) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "analysed": self.analysed,
            "failed": self.documents - self.analysed,
            "errors_by_type": dict(self.errors.most_common()),
            "scripts": dict(self.scripts),
            "theme_counts": {
                k: {"kind": self.kinds[k], "documents": v}
                for k, v in sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))
            },
            "cause_strategy_cooccurrence": [
                {"cause": c, "strategy": s, "documents": n}
                for (c, s), n in sorted(self.cooc.items(), key=lambda kv: (-kv[1], kv[0]))
            ],
            "spin": {
                "mean_score": round(self.spin_sum / self.spin_n, 4) if self.spin_n else 0.0,
                "max_score": round(self.spin_max, 4) if self.spin_max is not None else 0.0,
                "documents_with_score_ge_0.3": self.spun_docs,
                "top_pairs": [{"variant": v, "canonical": c, "count": n} for (v, c), n in self.spin_pairs.most_common(20)],
            },
            "near_duplicates": {
                "threshold": threshold,
                "clusters": len(clusters),
                "documents_in_clusters": len({k for c in clusters for a, b, _ in c for k in (a, b)}),
            },
        }


def summarize(rows: Iterable[dict[str, Any]], clusters: list[Cluster], threshold: float) -> dict[str, Any]:
    acc = _Summary()
    for r in rows:
        acc.add(r)
    return acc.result(clusters, threshold)


def _pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend, or None without matplotlib (extra "plots")."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception:  # noqa: BLE001 - plots are optional (extra "plots")
        return None
    return plt


def preload_plotting() -> None:
    """Import matplotlib now (~0.7 s) rather than after the last record: a parallel run calls
    this once its workers are busy, so the import overlaps the analysis."""
    _pyplot()


def _plots(summary: dict[str, Any], out: Path) -> list[Path]:
    plt = _pyplot()
    if plt is None:
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


def _table_head(headers: Sequence[str]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>"


def _table_row(row: Sequence[Any]) -> str:
    return "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"


_TABLE_END = "</tbody></table>"


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    return _table_head(headers) + "".join(map(_table_row, rows)) + _TABLE_END


def _doc_row(r: dict[str, Any]) -> tuple[Any, ...]:
    themes = ", ".join(t["id"] for _, t in _themes_of(r))
    return (r.get("key"), r.get("title") or "", r.get("script") or "", themes, r.get("error") or "")


def _write_html(rows: Iterable[dict[str, Any]], summary: dict[str, Any], clusters: list[Cluster], pngs: Sequence[Path], path: Path) -> None:
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
    with path.open("w", encoding="utf-8") as fh:
        fh.write("\n".join(parts) + "\n")
        # the document table is written row by row (one row per record, streamed)
        fh.write(_table_head(["key", "title", "script", "themes", "error"]))
        for r in rows:
            fh.write(_table_row(_doc_row(r)))
        fh.write(_TABLE_END + "\n</body></html>")


def _write_all(rows: Rows, out: Path, threshold: float) -> dict[str, Any]:
    """Pass 1 over ``rows()``: themes.csv, counts, fingerprints; then clusters, summary, plots;
    pass 2: the document table of report.html."""
    acc = _Summary()
    docs: list[tuple[str, str]] = []
    with (out / "themes.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(_THEMES_CSV_HEADER)
        for row in rows():
            w.writerows(_themes_csv_rows(row))
            acc.add(row)
            doc = _fingerprint_doc(row)
            if doc is not None:
                docs.append(doc)
    clusters = _clusters(docs, threshold)
    del docs
    _write_near_dups(clusters, out / "near_duplicates.csv")
    summary = acc.result(clusters, threshold)
    pngs = _plots(summary, out)
    summary["plots"] = [p.name for p in pngs]
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    _write_html(rows(), summary, clusters, pngs, out / "report.html")
    return summary


def _threshold(threshold: float | None) -> float:
    from notice_nlp.themes.batch import NEAR_DUP_THRESHOLD

    return NEAR_DUP_THRESHOLD if threshold is None else threshold


def write_aggregates(rows: Sequence[dict[str, Any]], out: Path, threshold: float | None = None) -> dict[str, Any]:
    """The aggregate files from records already in memory (see :func:`write_aggregates_from`)."""
    return _write_all(lambda: rows, out, _threshold(threshold))


def write_aggregates_from(articles: Path, out: Path, threshold: float | None = None) -> dict[str, Any]:
    """The aggregate files from an ``articles.jsonl``, streamed (two passes over the file)."""
    return _write_all(lambda: iter_records(articles), out, _threshold(threshold))
