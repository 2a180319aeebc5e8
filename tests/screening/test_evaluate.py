"""The training and evaluation commands work end to end (on a small slice, for speed)."""

from __future__ import annotations

import json
from pathlib import Path

from notice_nlp.screening.evaluate import evaluate, print_summary, report_markdown, train
from notice_nlp.screening.model import load_model

REPO = Path(__file__).resolve().parents[2]


def _slice(tmp_path: Path, per_label: int = 40) -> Path:
    out = tmp_path / "corpus.jsonl"
    taken: dict[str, int] = {}
    lines = []
    for part in sorted((REPO / "corpora" / "sms" / "parts").glob("*.jsonl")):
        for line in part.read_text(encoding="utf-8").splitlines():
            obj = json.loads(line)
            if taken.get(obj["label"], 0) < per_label:
                taken[obj["label"]] = taken.get(obj["label"], 0) + 1
                lines.append(line)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def test_train_is_reproducible_and_loads(tmp_path: Path) -> None:
    corpus = _slice(tmp_path)
    a = train(corpus, tmp_path / "m1", seed=3)
    b = train(corpus, tmp_path / "m2", seed=3)
    assert a["model_version"] == b["model_version"]
    assert a["corpus_hash"] == b["corpus_hash"]
    model = load_model(tmp_path / "m1")
    assert model.version == a["model_version"] and 0.05 < model.temperature < 20


def test_evaluate_reports_everything(tmp_path: Path) -> None:
    corpus = _slice(tmp_path)
    r = evaluate(corpus, [corpus], seed=3, folds=3)
    for name in ("combined", "model", "rules"):
        m = r["systems"][name]
        assert set(m["per_class"]) == {"legitimate", "threatening", "fraudulent"}
        assert sum(map(sum, m["confusion"])) == r["n"] == 120
        assert 0 <= m["macro_f1"] <= 1
    assert 0 <= r["calibration_ece"] <= 1
    assert r["tags"]
    text = report_markdown(r, "notice-nlp evaluate x")
    assert "Confusion matrix" in text and "Per-tag" in text
    assert "macro-F1" in print_summary(r)
    assert r["challenges"]["corpus.jsonl"]["n"] == 120
