"""Batch runs: bad inputs become error records, --resume skips finished documents, aggregates."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from notice_nlp.cli_articles import analyze_cmd, evaluate_themes_cmd
from notice_nlp.themes.batch import run_batch

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "corpora" / "articles"


def _rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "articles.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture()
def inputs(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    for name in ("a04.txt", "a12.txt", "b01.html"):
        (d / ("sub" if name == "b01.html" else "") / name).write_bytes((CORPUS / name).read_bytes())
    (d / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (d / "empty.txt").write_bytes(b"")
    (d / "broken.html").write_text("<html><body><div><p>二、逾期的原因<p>借款人多头借贷，以贷养贷。<div>", encoding="utf-8")
    lines = [
        json.dumps({"id": "j1", "text": "一、逾期的原因\n借款人超前消费，冲动消费。\n二、对策\n应主动联系银行协商。"}, ensure_ascii=False),
        "{not json",
        json.dumps({"id": "j3", "html": "<h2>为什么会逾期？</h2><p>收入不稳定，失业后收入骤减。</p>"}, ensure_ascii=False),
        json.dumps({"id": "j4", "body": "no text field"}),
    ]
    (d / "docs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (d / "ignored.csv").write_text("x\n1\n", encoding="utf-8")  # not an article suffix: skipped
    return d


def test_batch_bad_files_and_resume(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    failed = run_batch([inputs], out, jobs=1, progress=False)
    rows = _rows(out)
    keys = [r["key"] for r in rows]
    assert len(keys) == len(set(keys)) == 10  # 3 articles + binary + empty + broken + 4 jsonl
    errors = {Path(r["source"]).name + "#" + str(r["index"]): r["error"] for r in rows if r["error"]}
    assert set(errors) == {"binary.txt#0", "empty.txt#0", "docs.jsonl#1", "docs.jsonl#3"}
    assert failed == 4
    by_name = {Path(r["source"]).name + "#" + str(r["index"]): r for r in rows}
    assert "cause.over_borrowing" in {t["id"] for t in by_name["broken.html#0"]["causes"]}
    assert by_name["docs.jsonl#0"]["id"] == "j1"  # other fields carried over
    assert "cause.unstable_income" in {t["id"] for t in by_name["docs.jsonl#2"]["causes"]}

    # aggregates
    for name in ("themes.csv", "near_duplicates.csv", "summary.json", "report.html"):
        assert (out / name).exists(), name
    with (out / "near_duplicates.csv").open(encoding="utf-8") as fh:
        pairs = list(csv.DictReader(fh))
    assert any({Path(p["doc_key_a"].split("#")[0]).name, Path(p["doc_key_b"].split("#")[0]).name} == {"a04.txt", "a12.txt"} for p in pairs)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["documents"] == 10 and summary["failed"] == 4
    assert summary["theme_counts"]["cause.over_borrowing"]["documents"] >= 3
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "src=\"http" not in report and "href=\"http" not in report and "<script" not in report
    with (out / "themes.csv").open(encoding="utf-8") as fh:
        theme_rows = list(csv.DictReader(fh))
    assert {"doc_key", "theme_id", "kind", "score", "evidence_sentence"} <= set(theme_rows[0])

    # simulate a killed run: drop the last two records and leave a half-written line
    text = (out / "articles.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (out / "articles.jsonl").write_text("".join(text[:-2]) + text[-2][: len(text[-2]) // 2], encoding="utf-8")
    (inputs / "b03.html").write_bytes((CORPUS / "b03.html").read_bytes())
    failed2 = run_batch([inputs], out, jobs=1, resume=True, progress=False)
    rows2 = _rows(out)
    keys2 = [r["key"] for r in rows2]
    assert len(keys2) == len(set(keys2)) == 11
    assert keys2[: len(text) - 2] == keys[: len(text) - 2]  # finished records kept as they were
    assert failed2 == 4


def test_batch_parallel_matches_serial(inputs: Path, tmp_path: Path) -> None:
    run_batch([inputs], tmp_path / "s", jobs=1, progress=False)
    run_batch([inputs], tmp_path / "p", jobs=2, progress=False)
    strip = lambda rows: [{k: v for k, v in r.items()} for r in rows]  # noqa: E731
    assert strip(_rows(tmp_path / "s")) == strip(_rows(tmp_path / "p"))


def test_streamed_aggregates_equal_in_memory_aggregates(inputs: Path, tmp_path: Path) -> None:
    """The aggregate files built by streaming articles.jsonl (what run_batch does) are byte for
    byte those built from all records in memory."""
    from notice_nlp.themes.aggregate import write_aggregates

    out = tmp_path / "out"
    # two copies of a corpus article make a near-duplicate cluster; one error record
    (inputs / "a04_copy.txt").write_bytes((CORPUS / "a04.txt").read_bytes())
    run_batch([inputs], out, jobs=1, progress=False)
    mem = tmp_path / "mem"
    mem.mkdir()
    write_aggregates(_rows(out), mem)
    for name in ("themes.csv", "near_duplicates.csv", "summary.json", "report.html"):
        assert (out / name).read_bytes() == (mem / name).read_bytes(), name
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["near_duplicates"]["clusters"] >= 1 and summary["failed"] == 4


def test_batch_jsonl_is_streamed(tmp_path: Path) -> None:
    """Tasks of a .jsonl input come out before the rest of the file is read."""
    from notice_nlp.themes.batch import iter_tasks

    src = tmp_path / "many.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for i in range(50):
            fh.write(json.dumps({"id": i, "text": "逾期的原因是多头借贷。"}, ensure_ascii=False) + "\n")
    tasks = iter_tasks([src])
    first = next(tasks)
    assert first.fields == {"id": 0} and first.index == 0
    # appended after the first record was read: a reader that loaded the file at once misses it
    with src.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": 50, "text": "新增"}, ensure_ascii=False) + "\n")
    assert [t.fields["id"] for t in tasks] == list(range(1, 51))


def test_batch_large_file(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.write(("逾期的原因是多头借贷。" * 100).encode("utf-8") * 7000)  # ~23 MB
    failed = run_batch([big], tmp_path / "out", progress=False)
    rows = _rows(tmp_path / "out")
    assert failed == 1 and len(rows) == 1 and "too large" in rows[0]["error"]


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("analyze")(analyze_cmd)
    app.command("evaluate-themes")(evaluate_themes_cmd)
    return app


def test_cli_analyze_exit_codes(inputs: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(_app(), ["analyze", str(inputs / "a04.txt"), "-o", str(tmp_path / "ok"), "--quiet"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(_app(), ["analyze", str(inputs), "-o", str(tmp_path / "bad"), "--jobs", "2", "--quiet"])
    assert r.exit_code == 1
    r = runner.invoke(_app(), ["analyze", str(inputs), "-o", str(tmp_path / "bad"), "--resume", "--quiet"])
    assert r.exit_code == 1
    r = runner.invoke(_app(), ["analyze", str(tmp_path / "missing"), "-o", str(tmp_path / "x")])
    assert r.exit_code == 2


def test_evaluate_themes_heldout() -> None:
    from notice_nlp.themes.evaluate import evaluate_themes

    result = evaluate_themes(CORPUS)
    test_ids = set(result["split"]["heldout"])
    dev_ids = set(result["split"]["dev"])
    assert test_ids and dev_ids and not (test_ids & dev_ids)
    gold = {p.name.split(".")[0]: json.loads(p.read_text(encoding="utf-8")) for p in CORPUS.glob("*.gold.json")}
    for doc_id, g in gold.items():  # spun copies sit with their original
        if g["spun_of"]:
            assert (doc_id in test_ids) == (g["spun_of"] in test_ids)
    held = result["heldout"]
    assert held["micro"]["f1"] >= 0.85  # regression guard; see docs/evaluation_themes.md
    assert held["micro"]["f1"] > held["baseline"]["micro"]["f1"]
    assert held["evidence"]["accuracy"] >= 0.8


def test_batch_records_carry_text_and_offsets(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_batch([inputs], out, progress=False)
    ok = [r for r in _rows(out) if not r["error"]]
    assert ok
    for r in ok:
        assert isinstance(r["text"], str) and r["text"]
        for kind in ("causes", "strategies", "impacts"):
            for t in r[kind]:
                for e in t["evidence"]:
                    assert r["text"][e["start"] : e["end"]] == e["sentence"]
        for s in r["sections"]:
            assert 0 <= s["start"] <= s["end"] <= len(r["text"])
    by_name = {Path(r["source"]).name + "#" + str(r["index"]): r for r in ok}
    assert "<h2>" not in by_name["docs.jsonl#2"]["text"]  # html field parsed as HTML


def test_batch_html_field_and_file_forced_html(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    # no <html>/<body>: content sniffing alone might treat these as text
    (d / "frag.html").write_text("<p>逾期</p>", encoding="utf-8")
    (d / "docs.jsonl").write_text(json.dumps({"html": "<p>逾期</p>"}) + "\n", encoding="utf-8")
    run_batch([d], tmp_path / "out", progress=False)
    for r in _rows(tmp_path / "out"):
        assert "<p>" not in (r.get("title") or "") and "<p>" not in (r.get("text") or ""), r


def test_batch_no_article_text_is_an_error(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    page = "<html><head><script>var a = 1;</script></head><body><script>track()</script></body></html>"
    for i in range(3):
        (d / f"s{i}.html").write_text(page.replace("1", str(i)), encoding="utf-8")
    (d / "a04.txt").write_bytes((CORPUS / "a04.txt").read_bytes())
    out = tmp_path / "out"
    failed = run_batch([d], out, progress=False)
    rows = _rows(out)
    assert failed == 3
    errors = {Path(r["source"]).name: r["error"] for r in rows if r["error"]}
    assert set(errors) == {"s0.html", "s1.html", "s2.html"}
    assert all("no article text found" in e for e in errors.values())
    assert all("fingerprint" not in r for r in rows if r["error"])
    with (out / "near_duplicates.csv").open(encoding="utf-8") as fh:
        assert list(csv.DictReader(fh)) == []


def test_resume_keys_on_resolved_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    d = tmp_path / "in2"
    d.mkdir()
    for name in ("a04.txt", "a12.txt"):
        (d / name).write_bytes((CORPUS / name).read_bytes())
    monkeypatch.chdir(tmp_path)
    run_batch(["in2"], "D", progress=False)
    first = _rows(tmp_path / "D")
    assert len(first) == 2
    assert all(r["key"].startswith(os.path.realpath(d)) for r in first)
    run_batch([str(d)], "D", resume=True, progress=False)  # absolute spelling
    assert [r["key"] for r in _rows(tmp_path / "D")] == [r["key"] for r in first]
    link = tmp_path / "link"
    link.symlink_to(d, target_is_directory=True)
    run_batch([str(link), "./in2/../in2"], "D", resume=True, progress=False)
    assert len(_rows(tmp_path / "D")) == 2


def test_resume_reads_old_relative_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = tmp_path / "in2"
    d.mkdir()
    (d / "a04.txt").write_bytes((CORPUS / "a04.txt").read_bytes())
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "D"
    run_batch(["in2"], out, progress=False)
    old = _rows(out)
    old[0]["key"] = "in2/a04.txt#0"  # a record written by an earlier version (path as spelled)
    (out / "articles.jsonl").write_text(json.dumps(old[0], ensure_ascii=False) + "\n", encoding="utf-8")
    run_batch([str(d)], out, resume=True, progress=False)
    rows = _rows(out)
    assert len(rows) == 1 and rows[0]["key"] == "in2/a04.txt#0"
