from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "notice_nlp", *args], input=stdin, capture_output=True, text=True, timeout=300)


def test_jsonl_one_record_per_input_in_order(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "text": "再不还钱打断你的腿", "channel": "sms"}, ensure_ascii=False),
        "{broken json",
        json.dumps({"id": "c", "body": "no text field"}),
        json.dumps({"id": "d", "text": "【招商银行】您的信用卡已逾期3天，请通过招商银行App还款。", "sender": "95555",
                    "received_at": "2026-03-01T10:00:00+08:00"}, ensure_ascii=False),
        json.dumps({"id": "e", "text": "你好", "received_at": "not a date"}),
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = run("screen", str(src), "--no-progress")
    assert r.returncode == 1, r.stderr  # some records failed
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(rows) == 5
    assert rows[0]["id"] == "a" and rows[0]["channel"] == "sms" and rows[0]["label"] == "threatening"
    assert rows[0]["reasons"] and rows[0]["error"] is None
    assert rows[1]["error"] and rows[1]["label"] is None
    assert "text" in rows[2]["error"] and rows[2]["id"] == "c"
    assert rows[3]["id"] == "d" and rows[3]["label"] == "legitimate"
    assert rows[4]["id"] == "e" and "received_at" in rows[4]["error"]
    assert "Traceback" not in r.stderr


def test_csv_in_and_out(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes("id,text\n1,加V办理征信修复，包过，先付费\n2,您的账单已逾期，请登录App还款\n".encode("gb18030"))
    out = tmp_path / "out.csv"
    r = run("screen", str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [row["id"] for row in rows] == ["1", "2"]
    assert rows[0]["label"] == "fraudulent"
    assert json.loads(rows[0]["tags"])


def test_txt_and_stdin_and_undecodable_csv(tmp_path: Path) -> None:
    r = run("screen", "-", stdin="再不还钱打断你的腿\n\n您的账单已逾期，请登录App还款\n")
    assert r.returncode == 0
    assert [json.loads(x)["label"] is not None for x in r.stdout.splitlines()] == [True, True]
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"text\n\xff\xfe\xfd\xfc\xfb\n" + "正常的一条还款提醒".encode())
    r = run("screen", str(bad))
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert r.returncode == 1 and len(rows) == 2 and rows[0]["error"] and rows[1]["error"] is None


def test_excessive_frequency_from_batch_counts(tmp_path: Path) -> None:
    msgs = [
        {"id": i, "text": "你欠款还没还，今天必须处理", "sender": "13800000000", "recipient": "13900000000", "received_at": f"2026-03-02T1{i}:00:00+08:00"}
        for i in range(5)
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(m, ensure_ascii=False) for m in msgs), encoding="utf-8")
    r = run("screen", str(src))
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert all("excessive_frequency" in [t["id"] for t in row["tags"]] for row in rows)


def test_unreadable_input_is_one_line(tmp_path: Path) -> None:
    r = run("screen", str(tmp_path / "nope.jsonl"))
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr


def test_frequency_needs_the_recipient_identity_not_the_role(tmp_path: Path) -> None:
    msgs = [
        {"id": i, "text": f"【工商银行】尊敬的客户{i}，您的信用卡账单应还1,200.00元，请按时还款。", "sender": "95588",
         "received_at": "2026-03-14T10:00:00+08:00", "recipient_role": "debtor"}
        for i in range(5)
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(m, ensure_ascii=False) for m in msgs), encoding="utf-8")
    rows = [json.loads(x) for x in run("screen", str(src)).stdout.splitlines()]
    assert all("excessive_frequency" not in [t["id"] for t in row["tags"]] for row in rows)


def test_clashing_input_fields_are_kept_and_csv_has_all_columns(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "您好"}\n{"id": "g1", "text": "再不还钱打断你的腿", "label": "fraudulent", "note": "n"}\n', encoding="utf-8")
    r = run("screen", str(src))
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert rows[1]["input.label"] == "fraudulent" and rows[1]["label"] == "threatening"
    out = tmp_path / "o.csv"
    run("screen", str(src), "-o", str(out))
    got = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert got[1]["id"] == "g1" and got[1]["note"] == "n"


def test_unwritable_output_exits_2_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    r = run("screen", "-", "-o", str(tmp_path / "f" / "o.jsonl"), stdin="你好\n")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "cannot write" in r.stderr
