"""The ``notice-nlp`` command (also ``python -m notice_nlp``).

User errors (a missing file, a bad option) end with a one-line message on stderr and a non-zero
exit status, never a traceback. Exit status: 0 all records done; 1 some records failed (each has
its ``error`` field); 2 the input as a whole could not be read or the command was misused.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any, Optional

import typer

from notice_nlp._version import __version__

app = typer.Typer(
    name="notice-nlp",
    help="Screen Chinese debt-collection SMS and analyse loan-delinquency articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_RECORD_ERRORS = 1
EXIT_USAGE = 2


class UserError(Exception):
    """An error the user can fix; printed as one line."""


def _version(value: bool) -> None:
    if value:
        typer.echo(f"notice-nlp {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """notice_nlp command line."""


@app.command()
def normalize(
    inputs: Annotated[list[str], typer.Argument(help="Files (.txt, .html, .jsonl) or - for stdin.")],
    output: Annotated[Optional[str], typer.Option("-o", "--output", help="Output .jsonl (default stdout).")] = None,
    lines: Annotated[bool, typer.Option("--lines", help="Treat each line of a .txt file as one text.")] = False,
    raw: Annotated[bool, typer.Option("--raw", help="Do not run the article loader (keep page chrome).")] = False,
    no_convert: Annotated[bool, typer.Option("--no-convert", help="Keep Traditional characters.")] = False,
) -> None:
    """Normalise text: page chrome and pinyin readings dropped, de-obfuscated, Simplified.

    A .txt or .html file is one article (loaded with the article loader unless --raw); a .jsonl
    file has one record per line (field `text` or `html`; other fields are carried over).
    """
    from notice_nlp.io.records import InputError, open_writer, read_records
    from notice_nlp.text.extract import load_page, looks_like_html
    from notice_nlp.text.normalize import normalize as _normalize

    failed = 0
    with open_writer(output) as writer:
        for path in inputs:
            try:
                records = list(
                    read_records(path, text_fields=("text", "html"), document=not lines and path != "-")
                )
            except InputError as exc:
                raise UserError(str(exc)) from exc
            for rec in records:
                row: dict[str, Any] = {"source": rec.source, "index": rec.index}
                row.update({k: v for k, v in rec.fields.items() if not k.startswith("_")})
                row.update({"title": None, "text": None, "sections": [], "meta": {}, "converted": False, "edits": 0, "error": rec.error})
                if rec.error is None and rec.text is not None:
                    try:
                        is_html = rec.fields.get("_text_field") == "html" or rec.fields.get("_format") == "html"
                        as_page = not raw and (is_html or rec.fields.get("_format") == "txt" or looks_like_html(rec.text))
                        if as_page:
                            page = load_page(rec.text, html=True if is_html else None)
                            norm = _normalize(page.text, convert=not no_convert)
                            row["title"] = _normalize(page.title).text if page.title else None
                            row["meta"] = page.meta
                            row["sections"] = [
                                {"heading": _normalize(s.heading).text if s.heading else None, "level": s.level, "start": s.start, "end": s.end}
                                for s in page.sections
                            ]
                        else:
                            norm = _normalize(rec.text, convert=not no_convert)
                        row["text"] = norm.text
                        row["converted"] = norm.converted
                        row["edits"] = len(norm.edits)
                    except Exception as exc:  # one bad record never stops the run
                        row["error"] = f"{type(exc).__name__}: {exc}"
                if row["error"]:
                    failed += 1
                writer.write(row)
    if failed:
        typer.echo(f"notice-nlp: {failed} record(s) failed; see their 'error' field", err=True)
        raise typer.Exit(EXIT_RECORD_ERRORS)



_VERDICT_FIELDS = ("label", "scores", "tags", "reasons", "entities", "advice", "needs_review", "review_reasons", "model_version", "rules_version")


@app.command()
def screen(
    input: Annotated[str, typer.Argument(help="Messages: .txt (one per line), .jsonl (field text), .csv (column text), or - for stdin.")],
    output: Annotated[Optional[str], typer.Option("-o", "--output", help="Output .jsonl (default, stdout) or .csv.")] = None,
    progress: Annotated[Optional[bool], typer.Option("--progress/--no-progress", help="Progress on stderr (default: for files on a terminal).")] = None,
) -> None:
    """Screen messages: one verdict per input record, in input order, with an `error` field."""
    from notice_nlp.io.progress import Progress
    from notice_nlp.io.records import InputError, open_writer, read_records
    from notice_nlp.screening.screen import daily_counts, screen_many

    try:
        records = list(read_records(input))
    except InputError as exc:
        raise UserError(str(exc)) from exc
    counts = dict(zip((r.index for r in records), daily_counts([r.fields for r in records])))
    reserved = set(_VERDICT_FIELDS) | {"text", "error"}

    def carried(rec: Any) -> dict[str, Any]:
        """Input fields carried over; one that clashes with an output field becomes input.<name>."""
        return {(f"input.{k}" if k in reserved else k): v for k, v in rec.fields.items() if not k.startswith("_")}

    fieldnames: list[str] = []
    for rec in records:
        for k in carried(rec):
            if k not in fieldnames:
                fieldnames.append(k)
    fieldnames += ["text", *_VERDICT_FIELDS, "error"]
    bar = Progress(len(records), "screen", enabled=progress if progress is not None else (None if input != "-" else False))
    failed = 0
    empty = {k: None for k in _VERDICT_FIELDS}

    def verdicts(chunk: list[Any]) -> list[dict[str, Any]]:
        """Verdict dicts (or {"error": ...}) for a chunk; batched, per record only on failure."""
        metas = []
        for rec in chunk:
            meta = {k: rec.fields.get(k) for k in ("sender", "received_at", "recipient_role")}
            meta["messages_today"] = counts.get(rec.index)
            metas.append(meta)
        try:
            return [v.to_dict() for v in screen_many([r.text or "" for r in chunk], metas)]
        except Exception:
            out: list[dict[str, Any]] = []
            for rec, meta in zip(chunk, metas):
                try:
                    out.append(next(screen_many([rec.text or ""], [meta])).to_dict())
                except Exception as exc:  # one bad record never stops the run
                    out.append({"error": str(exc) if isinstance(exc, (TypeError, ValueError)) else f"{type(exc).__name__}: {exc}"})
            return out

    with open_writer(output, fieldnames=fieldnames) as writer:
        for start in range(0, len(records), 256):
            chunk = records[start : start + 256]
            good = [r for r in chunk if r.error is None]
            results = dict(zip((r.index for r in good), verdicts(good))) if good else {}
            for rec in chunk:
                row: dict[str, Any] = carried(rec)
                row["text"] = rec.text
                row.update(empty)
                row["error"] = rec.error
                if rec.error is None:
                    row.update(results[rec.index])
                if row["error"]:
                    failed += 1
                writer.write(row)
                bar.update(1, failed=1 if row["error"] else 0)
    bar.close()
    if failed:
        typer.echo(f"notice-nlp: {failed} of {len(records)} record(s) failed; see their 'error' field", err=True)
        raise typer.Exit(EXIT_RECORD_ERRORS)


@app.command()
def train(
    corpus: Annotated[str, typer.Argument(help="Corpus folder or .jsonl file.")] = "corpora/sms",
    out: Annotated[Optional[str], typer.Option("--out", help="Model folder (default: the package's model folder).")] = None,
    seed: Annotated[int, typer.Option("--seed")] = 13,
) -> None:
    """Train the screening model (seeded, reproducible); prints the corpus hash."""
    from pathlib import Path

    from notice_nlp.screening.evaluate import train as _train
    from notice_nlp.screening.model import default_model_dir

    target = Path(out) if out else Path(str(default_model_dir()))
    try:
        info = _train(corpus, target, seed=seed)
    except FileNotFoundError as exc:
        raise UserError(str(exc)) from exc
    typer.echo(f"trained {info['model_version']} on {info['n_messages']} messages; corpus hash {info['corpus_hash']}; saved to {target}")


@app.command()
def evaluate(
    corpus: Annotated[str, typer.Argument(help="Corpus folder or .jsonl file.")] = "corpora/sms",
    challenge: Annotated[Optional[list[str]], typer.Option("--challenge", help="Separately written test set(s) (default: every CORPUS/challenge*/ folder).")] = None,
    report: Annotated[Optional[str], typer.Option("--report", help="Markdown report to write.")] = "docs/evaluation.md",
    seed: Annotated[int, typer.Option("--seed")] = 13,
) -> None:
    """Grouped 5-fold CV by family: per-class P/R/F1, macro-F1, confusion matrix, per-tag P/R;
    challenge sets and off-topic sets (CORPUS/challenge*/, CORPUS/offtopic*/) scored by the full model."""
    from pathlib import Path

    from notice_nlp.screening.evaluate import default_challenges, default_offtopic, print_summary, report_markdown
    from notice_nlp.screening.evaluate import evaluate as _evaluate

    ch = [Path(c) for c in challenge] if challenge else default_challenges(corpus)
    try:
        result = _evaluate(corpus, ch, seed=seed, offtopic=default_offtopic(corpus))
    except FileNotFoundError as exc:
        raise UserError(str(exc)) from exc
    typer.echo(print_summary(result))
    if report:
        Path(report).parent.mkdir(parents=True, exist_ok=True)
        Path(report).write_text(report_markdown(result, f"notice-nlp evaluate {corpus}"), encoding="utf-8")
        typer.echo(f"wrote {report}")


def _register_article_commands() -> None:
    from notice_nlp.cli_articles import analyze_cmd, evaluate_themes_cmd

    from notice_nlp.cli_service import serve_cmd

    app.command("analyze")(analyze_cmd)
    app.command("evaluate-themes")(evaluate_themes_cmd)
    app.command("serve")(serve_cmd)


_register_article_commands()


def main(argv: list[str] | None = None) -> None:
    """Entry point: usage errors are reported by click (exit 2); our own user errors too."""
    from notice_nlp.io.records import OutputError

    try:
        app(args=argv)  # standalone mode: click prints usage errors in one line and exits 2
    except (UserError, OutputError) as exc:
        typer.echo(f"notice-nlp: error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        typer.echo("notice-nlp: interrupted", err=True)
        sys.exit(130)
