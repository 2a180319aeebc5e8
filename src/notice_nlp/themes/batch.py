"""Batch analysis of many articles: ``run_batch(paths, outdir, jobs=1, resume=False, progress=True)``.

Inputs: files or directories (searched recursively) of ``.txt`` / ``.html`` / ``.htm`` (one
article per file) and ``.jsonl`` (one article per line, field ``text`` or ``html``; the other
fields are carried over). ``html`` fields and ``.html`` / ``.htm`` files are always parsed as
HTML. Each input document gets exactly one record in ``OUTDIR/articles.jsonl``, written and
flushed as soon as it is done, in input order; a record holds the report
(:meth:`ArticleReport.to_dict`, including ``text``, the article text all offsets index). A
document that cannot be read or analysed, or has no article text (e.g. a page of scripts only),
gets a record with ``error`` set instead. The record key is ``"<resolved absolute path>#<record
index>"`` (:func:`os.path.realpath`); ``resume=True`` keeps the records already in
``articles.jsonl`` and skips their keys, however the path was spelled in either run.

Inputs are read as they are consumed (a ``.jsonl`` file line by line, see
:func:`notice_nlp.io.records.read_records`), and only a bounded window of documents is in flight,
so memory does not grow with the input. When all documents are done the aggregate files are
rebuilt from ``articles.jsonl``, streamed (:func:`notice_nlp.themes.aggregate.write_aggregates_from`):
``themes.csv`` (one row per document × theme), ``near_duplicates.csv`` (clusters of documents
whose fingerprints are at least ``NEAR_DUP_THRESHOLD`` similar), ``summary.json`` (theme
counts, cause × strategy co-occurrence, spin statistics), ``themes.png`` / ``cooccurrence.png``
when matplotlib is installed (extra ``plots``), and ``report.html`` (self-contained).
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["run_batch", "iter_tasks", "Task", "NEAR_DUP_THRESHOLD", "MAX_FILE_BYTES", "MAX_TEXT_CHARS"]

#: Documents whose fingerprints are at least this similar are near-duplicates (a spun copy of an
#: article scores 0.6–0.9 against its original; unrelated articles of the genre stay below 0.2).
NEAR_DUP_THRESHOLD = 0.5
#: A .txt/.html file larger than this is reported as an error record without being read.
MAX_FILE_BYTES = 10 * 1024 * 1024
#: A document (after decoding) longer than this is reported as an error record.
MAX_TEXT_CHARS = 2_000_000
SUFFIXES = (".txt", ".html", ".htm", ".jsonl")
_WINDOW_PER_JOB = 4


@dataclass
class Task:
    key: str
    source: str
    index: int
    text: str | None = None
    html: bool | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


# --------------------------------------------------------------------------- inputs


def _expand(paths: Sequence[str | os.PathLike[str]]) -> Iterator[Path]:
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUFFIXES and not child.name.endswith(".gold.json"):
                    yield child
        else:
            yield p


def iter_tasks(paths: Sequence[str | os.PathLike[str]]) -> Iterator[Task]:
    """One :class:`Task` per input document, in input order (never raises for a bad file)."""
    from notice_nlp.io.records import InputError, read_records

    for path in _expand(paths):
        source = str(path)
        real = os.path.realpath(source)
        suffix = path.suffix.lower()
        if not path.exists():
            yield Task(f"{real}#0", source, 0, error=f"{source}: no such file")
            continue
        try:
            size = path.stat().st_size
        except OSError as exc:
            yield Task(f"{real}#0", source, 0, error=f"{source}: cannot stat ({exc})")
            continue
        if suffix != ".jsonl":
            if size > MAX_FILE_BYTES:
                yield Task(f"{real}#0", source, 0, error=f"file too large: {size} bytes (limit {MAX_FILE_BYTES})")
                continue
            if size == 0:
                yield Task(f"{real}#0", source, 0, error="empty file")
                continue
        fmt = "jsonl" if suffix == ".jsonl" else ("html" if suffix in (".html", ".htm") else "txt")
        try:
            records = read_records(source, fmt=fmt, text_fields=("text", "html"), document=True)
            for rec in records:
                fields = {k: v for k, v in rec.fields.items() if not k.startswith("_")}
                text_field = rec.fields.get("_text_field")
                is_html: bool | None = True if (text_field == "html" or fmt == "html") else None
                yield Task(f"{real}#{rec.index}", source, rec.index, rec.text, is_html, fields, rec.error)
        except InputError as exc:
            yield Task(f"{real}#0", source, 0, error=str(exc))
        except Exception as exc:  # noqa: BLE001 - a bad file never stops the batch
            yield Task(f"{real}#0", source, 0, error=f"{type(exc).__name__}: {exc}")


def _norm_key(key: str) -> str:
    """``"<resolved absolute path>#<record index>"``: keys of earlier runs that spelled the path
    differently (relative, via a symlink) compare equal to the current ones."""
    path, sep, index = str(key).rpartition("#")
    if not sep or not path or not index.isdigit():
        return str(key)
    return f"{os.path.realpath(path)}#{index}"


# --------------------------------------------------------------------------- worker


def _warm_up() -> None:
    """Per-process warm-up: load rules, OpenCC tables and jieba once, before the first task."""
    try:
        from notice_nlp.themes.report import analyze

        analyze("一、逾期的原因\n借款人多头借贷。\n二、对策\n加强贷后管理。")
    except Exception:  # noqa: BLE001 - warm-up failures show up on the real tasks
        pass


def _analyze_task(task: Task) -> dict[str, Any]:
    row: dict[str, Any] = {"key": task.key, "source": task.source, "index": task.index}
    row.update(task.fields)
    row["error"] = task.error
    if task.error is None:
        try:
            if task.text is None or not task.text.strip():
                raise ValueError("empty document")
            if len(task.text) > MAX_TEXT_CHARS:
                raise ValueError(f"document too long: {len(task.text)} characters (limit {MAX_TEXT_CHARS})")
            if task.text.count("\x00") > len(task.text) // 100 + 1 or _binary_share(task.text) > 0.1:
                raise ValueError("binary content")
            from notice_nlp.themes.report import analyze

            # html fields and .html files are parsed as HTML; other text is detected
            report = analyze(task.text, html=True if task.html else None)
            if not report.text.strip():
                # e.g. a page of scripts only; also keeps it out of near-duplicate clustering
                raise ValueError("no article text found")
            row.update(report.to_dict(include_text=True))
        except Exception as exc:  # noqa: BLE001 - one bad document never stops the batch
            row["error"] = f"{type(exc).__name__}: {exc}"
    return row


def _binary_share(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    bad = sum(1 for c in sample if (ord(c) < 32 and c not in "\t\n\r\f") or c == "\ufffd")
    return bad / len(sample)


# --------------------------------------------------------------------------- driver


def _scan_done(path: Path) -> tuple[set[str], bool]:
    """Keys (normalised) of the valid records of an existing articles.jsonl, and whether some
    lines were broken; streamed, so only the keys are held."""
    from notice_nlp.themes.aggregate import iter_records

    keys: set[str] = set()
    valid = lines = 0
    if not path.exists():
        return keys, False
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        lines = sum(1 for line in fh if line.strip())
    for row in iter_records(path):
        valid += 1
        keys.add(_norm_key(row["key"]))
    return keys, valid != lines


def _drop_broken_lines(path: Path) -> None:
    """Rewrite articles.jsonl with its valid records only (e.g. without the half-written last
    line of a killed run), streaming through a temporary file."""
    from notice_nlp.themes.aggregate import iter_records

    tmp = path.with_suffix(".jsonl.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for row in iter_records(path):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


class _Progress:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.done = 0
        self.failed = 0
        self.skipped = 0
        self.t0 = time.monotonic()

    def tick(self, failed: bool) -> None:
        self.done += 1
        if failed:
            self.failed += 1
        if self.enabled and (self.done <= 3 or self.done % 25 == 0):
            rate = self.done / max(1e-6, time.monotonic() - self.t0)
            print(f"notice-nlp analyze: {self.done} done, {self.failed} failed ({rate:.1f}/s)", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.enabled:
            print(
                f"notice-nlp analyze: finished: {self.done} analysed, {self.failed} failed, {self.skipped} skipped (resume)",
                file=sys.stderr,
                flush=True,
            )


#: A finished record: its articles.jsonl line (without the line break) and whether it failed.
Encoded = tuple[str, bool]


def _encode(row: dict[str, Any]) -> Encoded:
    return json.dumps(row, ensure_ascii=False), bool(row.get("error"))


def _analyze_encoded(task: Task) -> Encoded:
    """:func:`_analyze_task`, JSON-encoded where it ran: a worker sends the parent one string
    instead of a nested dict, and the encoding runs in parallel, not in the parent."""
    return _encode(_analyze_task(task))


def _write(fh: io.TextIOBase, line: str) -> None:
    fh.write(line + "\n")
    fh.flush()


def _run_serial(tasks: Iterable[Task], fh: Any, prog: _Progress) -> None:
    for task in tasks:
        line, failed = _analyze_encoded(task)
        _write(fh, line)
        prog.tick(failed)


def _run_parallel(tasks: Iterable[Task], fh: Any, prog: _Progress, jobs: int) -> None:
    """Bounded window of futures, results written in input order; a crashed worker pool is
    replaced and the documents it held get error records."""
    window = max(2, jobs * _WINDOW_PER_JOB)
    pending: list[tuple[Task, Future[Encoded]]] = []
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_warm_up)
    it = iter(tasks)
    preloaded = False
    try:
        exhausted = False
        while True:
            while not exhausted and len(pending) < window:
                try:
                    task = next(it)
                except StopIteration:
                    exhausted = True
                    break
                pending.append((task, pool.submit(_analyze_encoded, task)))
            if not pending:
                break
            if not preloaded:
                # the workers exist (forked at the first submit) and have a window of work:
                # the parent's idle time pays for the plotting import of the aggregate step
                preloaded = True
                from notice_nlp.themes.aggregate import preload_plotting

                preload_plotting()
            task, fut = pending.pop(0)
            try:
                line, failed = fut.result()
            except BrokenProcessPool:
                line, failed = _encode({"key": task.key, "source": task.source, "index": task.index, **task.fields, "error": "worker process died while analysing this document"})
                pool.shutdown(wait=False, cancel_futures=True)
                pool = ProcessPoolExecutor(max_workers=jobs, initializer=_warm_up)
                pending = [(t, pool.submit(_analyze_encoded, t)) for t, _ in pending]
            except Exception as exc:  # noqa: BLE001
                line, failed = _encode({"key": task.key, "source": task.source, "index": task.index, **task.fields, "error": f"{type(exc).__name__}: {exc}"})
            _write(fh, line)
            prog.tick(failed)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run_batch(
    paths: Sequence[str | os.PathLike[str]],
    outdir: str | os.PathLike[str],
    jobs: int = 1,
    resume: bool = False,
    progress: bool = True,
) -> int:
    """Analyse every document under ``paths`` into ``outdir``; return the number of failed records.

    The count covers every record in the final ``articles.jsonl`` (including records kept from an
    earlier run with ``resume=True``), so it always matches what is on disk.
    """
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    articles = out / "articles.jsonl"
    prog = _Progress(progress)
    done_keys: set[str] = set()
    if resume:
        done_keys, broken = _scan_done(articles)
        if broken:  # drop a half-written last line before appending
            _drop_broken_lines(articles)
    mode = "a" if resume else "w"

    def todo() -> Iterator[Task]:
        seen: set[str] = set()
        for task in iter_tasks(paths):
            if task.key in done_keys or task.key in seen:
                prog.skipped += task.key in done_keys
                continue
            seen.add(task.key)
            yield task

    with articles.open(mode, encoding="utf-8") as fh:
        if jobs <= 1:
            _run_serial(todo(), fh, prog)
        else:
            _run_parallel(todo(), fh, prog, jobs)
    prog.close()
    from notice_nlp.themes.aggregate import write_aggregates_from

    summary = write_aggregates_from(articles, out)
    return int(summary["failed"])
