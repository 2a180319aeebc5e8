from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from notice_nlp import __version__


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "notice_nlp", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_version() -> None:
    r = run("--version")
    assert r.returncode == 0 and __version__ in r.stdout


def test_normalize_stdin_lines() -> None:
    r = run("normalize", "-", stdin="加V 征 信\n徵信\n")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [row["text"] for row in rows] == ["加微信 征信", "征信"]


def test_normalize_article_file(tmp_path: Path) -> None:
    p = tmp_path / "page.txt"
    p.write_text("網貸逾期怎麼辦\n\n作者:某某\n一、原因\n收入來(lái)源不穩定。\n延伸閱讀\n其他文章標題\n", encoding="utf-8")
    r = run("normalize", str(p))
    assert r.returncode == 0, r.stderr
    row = json.loads(r.stdout)
    assert row["title"] == "网贷逾期怎么办"
    assert row["text"] == "一、原因\n收入来源不稳定。"
    assert [s["heading"] for s in row["sections"]] == ["一、原因"]


def test_normalize_bad_records_and_files(tmp_path: Path) -> None:
    p = tmp_path / "in.jsonl"
    p.write_text('{"id": 1, "text": "好"}\n{oops\n', encoding="utf-8")
    r = run("normalize", str(p))
    assert r.returncode == 1
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(rows) == 2 and rows[0]["id"] == 1 and rows[1]["error"]
    r = run("normalize", str(tmp_path / "missing.txt"))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "no such file" in r.stderr
    binary = tmp_path / "bin.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    r = run("normalize", str(binary))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert json.loads(r.stdout)["error"].startswith("cannot decode")


@pytest.mark.parametrize("args", [["normalize"], ["normalize", "--bogus", "x"], ["no-such-command"]])
def test_usage_errors_have_no_traceback(args: list[str]) -> None:
    r = run(*args)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
