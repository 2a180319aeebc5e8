"""Batch input and output: every input record yields exactly one output record.

Readers turn a file (or stdin) into :class:`Record` objects in input order. A record that
cannot be read (invalid JSON, a missing ``text`` field, undecodable bytes) still comes out, with
``error`` set, so the output keeps one row per input row and the run goes on.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from notice_nlp.text.decode import DecodeError, decode

__all__ = ["Record", "read_records", "RecordWriter", "open_writer", "InputError", "OutputError", "detect_format"]

# Records are separated by line breaks only: U+2028, U+0085, \x0b … may stand inside a JSON
# string or a message and must not split it (str.splitlines would).
_LINES = re.compile(r"\r\n|\r|\n")
_BYTE_LINES = re.compile(rb"\r\n|\r|\n")
csv.field_size_limit(64 * 1024 * 1024)  # one CSV field may hold a whole (1 MB+) message


class InputError(Exception):
    """The input as a whole cannot be read (missing file, directory, unknown format)."""


class OutputError(Exception):
    """The output cannot be written (missing folder, full disk, no permission)."""


@dataclass
class Record:
    index: int  # 0-based position among the input's records
    fields: dict[str, Any] = field(default_factory=dict)  # carried over to the output
    text: str | None = None
    error: str | None = None
    source: str | None = None  # file the record came from
    line: int | None = None  # 1-based line number where that is meaningful


def detect_format(path: str) -> str:
    suffix = Path(path).suffix.lower()
    return {
        ".jsonl": "jsonl",
        ".ndjson": "jsonl",
        ".json": "jsonl",
        ".csv": "csv",
        ".txt": "txt",
        ".text": "txt",
        ".html": "html",
        ".htm": "html",
    }.get(suffix, "txt")


def _decode_lines(raw: bytes) -> Iterator[tuple[int, str | None, str | None]]:
    """(line number, text, error) per physical line; a bad line does not spoil the others."""
    try:
        whole = decode(raw)
    except DecodeError:
        whole = None
    if whole is not None:
        lines = _LINES.split(whole)
        if lines and lines[-1] == "":
            lines.pop()
        for n, line in enumerate(lines, 1):
            yield n, line, None
        return
    blines = _BYTE_LINES.split(raw)
    if blines and blines[-1] == b"":
        blines.pop()
    for n, line in enumerate(blines, 1):
        try:
            yield n, decode(line), None
        except DecodeError as exc:
            yield n, None, f"line {n}: {exc}"


def _check_path(path: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: no such file")
    if p.is_dir():
        raise InputError(f"{path}: is a directory")
    return p


def _read_bytes(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    p = _check_path(path)
    try:
        return p.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc


# --------------------------------------------------------------------------- streaming lines

_CHUNK = 1 << 20


def _plain_utf8(path: str) -> bool | None:
    """True when the file is valid UTF-8 (an optional UTF-8 BOM aside) without NUL bytes, read
    in chunks. Then :func:`decode` of the whole file would be exactly ``bytes.decode("utf-8")``
    (no other byte-order mark, no UTF-16 NUL pattern), so its lines can be decoded one by one.
    None when the file cannot be read."""
    dec = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as fh:
            first = True
            while chunk := fh.read(_CHUNK):
                if first and chunk.startswith(codecs.BOM_UTF8):
                    chunk = chunk[len(codecs.BOM_UTF8) :]
                first = False
                if b"\x00" in chunk:
                    return False
                dec.decode(chunk)
            dec.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    except OSError:
        return None
    return True


def _byte_lines(fh: IO[bytes]) -> Iterator[bytes]:
    """Lines of a binary stream split at \\r\\n, \\r or \\n, holding one line (and one chunk) in
    memory at a time. As ``_LINES.split`` with a final empty piece dropped: the piece after the
    last line break is a line only when it is not empty."""
    buf = bytearray()
    while chunk := fh.read(_CHUNK):
        # what is left of buf holds no line break, except perhaps a \r at its very end (kept
        # back because it may be the first half of \r\n): search from there
        search_from = max(0, len(buf) - 1)
        buf += chunk
        stop = len(buf) - 1 if buf.endswith(b"\r") else len(buf)
        pos = 0
        for m in _BYTE_LINES.finditer(buf, search_from, stop):
            yield bytes(buf[pos : m.start()])
            pos = m.end()
        del buf[:pos]
    if buf.endswith(b"\r"):
        del buf[-1:]
        yield bytes(buf)
    elif buf:
        yield bytes(buf)


def _stream_lines(path: str) -> Iterator[tuple[int, str | None, str | None]]:
    """(line number, text, error) per physical line of a valid UTF-8 file, read as it goes."""
    with open(path, "rb") as fh:
        head = fh.read(len(codecs.BOM_UTF8))
        if head != codecs.BOM_UTF8:
            fh.seek(0)
        for n, line in enumerate(_byte_lines(fh), 1):
            try:
                yield n, line.decode("utf-8"), None
            except UnicodeDecodeError:  # the file changed since it was checked
                try:
                    yield n, decode(line), None
                except DecodeError as exc:
                    yield n, None, f"line {n}: {exc}"


def _lines_of(path: str) -> Iterator[tuple[int, str | None, str | None]]:
    """Lines of a file: streamed when it is plain UTF-8, else decoded as a whole (legacy Chinese
    encodings and UTF-16 need the whole file to be detected) exactly as before."""
    if path != "-" and _plain_utf8(str(_check_path(path))):
        yield from _stream_lines(path)
    else:
        yield from _decode_lines(_read_bytes(path))


def _jsonl(lines: Iterable[tuple[int, str | None, str | None]], source: str, text_fields: Sequence[str]) -> Iterator[Record]:
    index = 0
    for n, line, err in lines:
        if line is not None and not line.strip():
            continue
        rec = Record(index, source=source, line=n)
        index += 1
        if err:
            rec.error = err
        else:
            assert line is not None
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                rec.error = f"line {n}: invalid JSON ({exc.msg} at column {exc.colno})"
                yield rec
                continue
            if not isinstance(obj, dict):
                rec.error = f"line {n}: expected a JSON object, got {type(obj).__name__}"
                yield rec
                continue
            rec.fields = obj
            for name in text_fields:
                value = obj.get(name)
                if isinstance(value, str):
                    rec.text = value
                    rec.fields = {k: v for k, v in obj.items() if k != name}
                    rec.fields["_text_field"] = name
                    break
            else:
                names = " or ".join(repr(f) for f in text_fields)
                rec.error = f"line {n}: missing string field {names}"
        yield rec


def _csv(raw: bytes, source: str, text_fields: Sequence[str]) -> Iterator[Record]:
    try:
        content = decode(raw)
        rows: Iterable[tuple[int, dict[str, str] | None, str | None]]
        reader = csv.DictReader(io.StringIO(content, newline=""))

        def parsed() -> Iterator[tuple[int, dict[str, str] | None, str | None]]:
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    yield reader.line_num, None, f"line {reader.line_num}: malformed CSV ({exc})"
                    continue
                yield reader.line_num, row, None

        rows = parsed()
        header = reader.fieldnames
    except DecodeError:
        # undecodable as a whole: decode line by line, report the bad lines, parse the rest
        lines = list(_decode_lines(raw))
        if not lines or lines[0][1] is None:
            yield Record(0, source=source, error="CSV header line cannot be decoded")
            return
        header = next(csv.reader([lines[0][1]]))

        def gen() -> Iterator[tuple[int, dict[str, str] | None, str | None]]:
            for n, line, err in lines[1:]:
                if err or line is None:
                    yield n, None, err
                elif line.strip():
                    try:
                        values = next(csv.reader([line]))
                    except csv.Error as exc:
                        yield n, None, f"line {n}: malformed CSV ({exc})"
                        continue
                    yield n, dict(zip(header, values)), None

        rows = gen()
    index = 0
    for n, row, err in rows:
        rec = Record(index, source=source, line=n)
        index += 1
        if err or row is None:
            rec.error = err or f"line {n}: unreadable row"
            yield rec
            continue
        if None in row:  # more values than header columns
            row.pop(None, None)
        rec.fields = {k: v for k, v in row.items() if k is not None}
        for name in text_fields:
            if name in rec.fields and rec.fields[name] is not None:
                rec.text = rec.fields.pop(name)
                rec.fields["_text_field"] = name
                break
        else:
            rec.error = f"line {n}: no {' or '.join(text_fields)!s} column" if header else "empty CSV"
        yield rec


def _txt_lines(lines: Iterable[tuple[int, str | None, str | None]], source: str) -> Iterator[Record]:
    index = 0
    for n, line, err in lines:
        if line is not None and not line.strip():
            continue
        yield Record(index, text=line, error=err, source=source, line=n)
        index += 1


def read_records(
    path: str,
    *,
    fmt: str | None = None,
    text_fields: Sequence[str] = ("text",),
    document: bool = False,
) -> Iterator[Record]:
    """Records of ``path`` (``-`` for stdin).

    ``fmt``: ``jsonl`` | ``csv`` | ``txt`` | ``html`` (default: from the suffix; stdin is JSONL
    when its first non-blank character is ``{``, else text). ``document=True`` makes a text or
    HTML file one record (articles); otherwise a text file has one record per non-blank line.

    JSONL and line-per-record text files that are plain UTF-8 are read line by line as the
    records are consumed (a multi-GB file needs no more memory than its longest line); other
    encodings (GB18030, Big5, UTF-16), stdin, CSV and whole documents are read at once, because
    the encoding of the whole input decides how each line is decoded.
    """
    source = "<stdin>" if path == "-" else path
    raw: bytes | None = None
    if path == "-":
        raw = _read_bytes(path)
        if fmt is None:
            fmt = "jsonl" if raw.lstrip()[:1] == b"{" else "txt"
    else:
        _check_path(path)
        if fmt is None:
            fmt = detect_format(path)

    def whole() -> bytes:
        return raw if raw is not None else _read_bytes(path)

    def lines() -> Iterator[tuple[int, str | None, str | None]]:
        return _decode_lines(raw) if raw is not None else _lines_of(path)

    if fmt == "jsonl":
        yield from _jsonl(lines(), source, text_fields)
    elif fmt == "csv":
        yield from _csv(whole(), source, text_fields)
    elif fmt in ("txt", "html") and (document or fmt == "html"):
        data = whole()
        try:
            yield Record(0, text=decode(data), source=source, fields={"_format": fmt})
        except DecodeError as exc:
            yield Record(0, source=source, error=str(exc))
    elif fmt == "txt":
        yield from _txt_lines(lines(), source)
    else:
        whole()  # an unreadable file is reported as such first
        raise InputError(f"{source}: unknown input format {fmt!r}")


# --------------------------------------------------------------------------- output


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet will not run: text starting like a formula gets a ' prefix."""
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class RecordWriter:
    """Writes one output row per record, flushing as it goes (a killed run keeps its rows).

    CSV needs its columns up front: pass ``fieldnames`` (every key any row may have) — rows
    are written with exactly those columns, missing keys empty, nothing dropped silently.
    """

    def __init__(self, stream: IO[str], fmt: str, close: bool, fieldnames: Sequence[str] | None = None) -> None:
        self.stream = stream
        self.fmt = fmt
        self._close = close
        self._fieldnames = list(fieldnames) if fieldnames else None
        self._csv: csv.DictWriter[str] | None = None

    def write(self, row: dict[str, Any]) -> None:
        row = _jsonable(row)
        try:
            if self.fmt == "csv":
                if self._csv is None:
                    names = self._fieldnames or list(row)
                    self._csv = csv.DictWriter(self.stream, fieldnames=names, restval="", extrasaction="raise")
                    self._csv.writeheader()
                self._csv.writerow({k: _csv_cell(v) for k, v in row.items()})
            else:
                self.stream.write(json.dumps(row, ensure_ascii=False) + "\n")
            self.stream.flush()
        except OSError as exc:
            raise OutputError(f"cannot write output: {exc.strerror or exc}") from exc

    def close(self) -> None:
        if self._close:
            try:
                self.stream.close()
            except OSError as exc:
                raise OutputError(f"cannot write output: {exc.strerror or exc}") from exc

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_writer(path: str | None, *, append: bool = False, fieldnames: Sequence[str] | None = None) -> RecordWriter:
    """JSONL (default, stdout when ``path`` is None or ``-``) or CSV by the suffix."""
    if path in (None, "-"):
        return RecordWriter(sys.stdout, "jsonl", close=False)
    fmt = "csv" if str(path).lower().endswith(".csv") else "jsonl"
    try:
        parent = Path(path).parent
        if str(parent) and not parent.exists():
            os.makedirs(parent, exist_ok=True)
        stream = open(path, "a" if append else "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from exc
    return RecordWriter(stream, fmt, close=True, fieldnames=fieldnames)
