from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notice_nlp.io.records import InputError, open_writer, read_records


def _write(tmp_path: Path, name: str, data: bytes) -> str:
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


def test_jsonl_every_line_yields_a_record(tmp_path: Path) -> None:
    lines = [
        '{"id": "a", "text": "您好", "sender": "95555"}',
        "not json",
        '{"id": "c"}',
        "[1, 2]",
        "",
        '{"id": "e", "text": "再见"}',
    ]
    path = _write(tmp_path, "in.jsonl", "\n".join(lines).encode())
    recs = list(read_records(path))
    assert [r.index for r in recs] == [0, 1, 2, 3, 4]
    assert recs[0].text == "您好" and recs[0].fields["sender"] == "95555" and recs[0].error is None
    assert "invalid JSON" in (recs[1].error or "")
    assert "missing string field 'text'" in (recs[2].error or "")
    assert "JSON object" in (recs[3].error or "")
    assert recs[4].fields["id"] == "e"


def test_jsonl_with_an_undecodable_line(tmp_path: Path) -> None:
    data = '{"text": "好"}\n'.encode() + b'{"text": "\xff\xfe\xfa"}\n' + '{"text": "坏"}\n'.encode()
    recs = list(read_records(_write(tmp_path, "x.jsonl", data)))
    assert len(recs) == 3
    assert recs[0].text == "好" and recs[2].text == "坏"
    assert recs[1].error is not None


def test_csv_rows_and_errors(tmp_path: Path) -> None:
    data = "id,text\n1,您好\n2,\"多行\n文本\"\n".encode("gb18030")
    recs = list(read_records(_write(tmp_path, "in.csv", data)))
    assert [(r.fields["id"], r.text) for r in recs] == [("1", "您好"), ("2", "多行\n文本")]
    recs = list(read_records(_write(tmp_path, "bad.csv", b"id,text\n1,ok\n2,\xff\xfe\xfa\xfb\n3,fine\n")))
    assert len(recs) == 3 and recs[1].error and recs[2].text == "fine"
    recs = list(read_records(_write(tmp_path, "nocol.csv", b"id,body\n1,x\n")))
    assert recs[0].error and "text" in recs[0].error


def test_txt_lines_and_document(tmp_path: Path) -> None:
    path = _write(tmp_path, "m.txt", "第一条\n\n第二条\n".encode())
    assert [r.text for r in read_records(path)] == ["第一条", "第二条"]
    assert [r.text for r in read_records(path, document=True)] == ["第一条\n\n第二条\n"]


def test_whole_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        list(read_records(str(tmp_path / "missing.jsonl")))
    with pytest.raises(InputError, match="directory"):
        list(read_records(str(tmp_path)))


def test_writers(tmp_path: Path) -> None:
    out = tmp_path / "o.csv"
    with open_writer(str(out)) as w:
        w.write({"id": 1, "tags": ["a", "b"], "error": None})
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "id,tags,error"
    out = tmp_path / "o.jsonl"
    with open_writer(str(out)) as w:
        w.write({"id": 1, "text": "中文"})
    assert json.loads(out.read_text(encoding="utf-8")) == {"id": 1, "text": "中文"}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=20), st.dictionaries(st.sampled_from(["text", "id", "x"]), st.text(max_size=5))), max_size=15))
def test_jsonl_parsing_never_loses_a_record(tmp_path_factory: pytest.TempPathFactory, items: list) -> None:
    lines = [json.dumps(i, ensure_ascii=False) if isinstance(i, dict) else i.replace("\n", " ").replace("\r", " ") for i in items]
    lines = [ln for ln in lines if ln.strip()]
    path = tmp_path_factory.mktemp("h") / "in.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    recs = list(read_records(str(path)))
    assert len(recs) == len([ln for ln in re.split(r"\r\n|\r|\n", "\n".join(lines)) if ln.strip()])
    for r in recs:
        assert (r.text is None) != (r.error is None)


def test_unicode_line_separators_do_not_split_records(tmp_path: Path) -> None:
    data = (json.dumps({"id": 1, "text": "甲\u2028乙\x85丙"}, ensure_ascii=False) + "\n" + '{"id": 2, "text": "丁"}\n').encode()
    recs = list(read_records(_write(tmp_path, "u.jsonl", data)))
    assert [r.fields["id"] for r in recs] == [1, 2] and recs[0].text == "甲\u2028乙\x85丙"
    recs = list(read_records(_write(tmp_path, "u.txt", "一\u2028二\n三\n".encode())))
    assert [r.text for r in recs] == ["一\u2028二", "三"]


def test_huge_csv_field_and_malformed_rows(tmp_path: Path) -> None:
    big = "逾" * 300_000
    recs = list(read_records(_write(tmp_path, "big.csv", f"id,text\n1,{big}\n2,hi\n".encode())))
    assert [len(r.text or "") for r in recs] == [300_000, 2]


def test_csv_writer_keeps_every_column_and_defuses_formulas(tmp_path: Path) -> None:
    out = tmp_path / "o.csv"
    with open_writer(str(out), fieldnames=["id", "note", "text"]) as w:
        w.write({"text": "a"})
        w.write({"id": "z", "note": "n", "text": '=HYPERLINK("http://x.example","x")'})
    rows = list(__import__("csv").DictReader(out.open(encoding="utf-8")))
    assert rows[0] == {"id": "", "note": "", "text": "a"}
    assert rows[1]["id"] == "z" and rows[1]["text"].startswith("'=")


def test_unwritable_output_is_a_clear_error(tmp_path: Path) -> None:
    from notice_nlp.io.records import OutputError

    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError):
        open_writer(str(tmp_path / "f" / "sub" / "o.jsonl"))


# --------------------------------------------------------------------------- streaming


_PIECES = st.sampled_from(["a", "逾期", "\r", "\n", "\r\n", " ", '{"text": "好"}', "\u2028", "\x85", "é"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30), st.integers(min_value=1, max_value=7), st.booleans())
def test_streamed_lines_equal_whole_file_lines(tmp_path_factory: pytest.TempPathFactory, pieces: list[str], chunk: int, bom: bool) -> None:
    """Streaming a plain UTF-8 file (tiny chunks, so breaks and characters straddle them) gives
    the same (line number, text, error) triples as decoding the whole file."""
    import notice_nlp.io.records as records

    data = (b"\xef\xbb\xbf" if bom else b"") + "".join(pieces).encode("utf-8")
    path = tmp_path_factory.mktemp("s") / "in.jsonl"
    path.write_bytes(data)
    old = records._CHUNK
    records._CHUNK = chunk
    try:
        assert records._plain_utf8(str(path)) is True
        assert list(records._stream_lines(str(path))) == list(records._decode_lines(data))
    finally:
        records._CHUNK = old


def test_streaming_falls_back_to_whole_file_decoding(tmp_path: Path) -> None:
    import notice_nlp.io.records as records

    gb = _write(tmp_path, "gb.jsonl", '{"text": "逾期的原因"}\n{"text": "对策"}\n'.encode("gb18030"))
    u16 = _write(tmp_path, "u16.jsonl", '{"text": "逾期"}\n'.encode("utf-16"))
    nul = _write(tmp_path, "nul.jsonl", b'{"text": "a"}\n\x00\n')
    for path in (gb, u16, nul):
        assert records._plain_utf8(path) is False
    assert [r.text for r in read_records(gb)] == ["逾期的原因", "对策"]
    assert [r.text for r in read_records(u16)] == ["逾期"]
    assert len(list(read_records(nul))) == 2


def test_lines_are_read_as_they_are_consumed() -> None:
    """The first line comes out after one chunk is read, not the whole input (a multi-GB JSONL
    input must not be loaded at once)."""
    import io

    import notice_nlp.io.records as records

    data = b"".join(b'{"id": %d, "text": "x"}\n' % i for i in range(2000))
    stream = io.BytesIO(data)
    old = records._CHUNK
    records._CHUNK = 64
    try:
        lines = records._byte_lines(stream)
        assert next(lines) == b'{"id": 0, "text": "x"}'
        assert stream.tell() == 64
        assert len(list(lines)) == 1999
    finally:
        records._CHUNK = old
