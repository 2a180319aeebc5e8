"""Article commands for the ``notice-nlp`` CLI: ``analyze`` and ``evaluate-themes``.

Plain functions with Typer ``Annotated`` parameters; :mod:`notice_nlp.cli` registers them::

    app.command("analyze")(analyze_cmd)
    app.command("evaluate-themes")(evaluate_themes_cmd)

Exit status follows :mod:`notice_nlp.cli`: 0 all documents done, 1 some documents failed (each
has its ``error`` field in ``articles.jsonl``), 2 the input as a whole could not be used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

__all__ = ["analyze_cmd", "evaluate_themes_cmd"]

EXIT_RECORD_ERRORS = 1
EXIT_USAGE = 2


def _fail(message: str) -> typer.Exit:
    typer.echo(f"notice-nlp: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def analyze_cmd(
    paths: Annotated[
        list[str],
        typer.Argument(help="Files or directories (recursive) of .txt, .html, .htm, .jsonl articles."),
    ],
    output: Annotated[str, typer.Option("-o", "--output", help="Output directory (created if missing).")],
    jobs: Annotated[int, typer.Option("--jobs", min=1, help="Worker processes (1 = in this process).")] = 1,
    resume: Annotated[
        bool, typer.Option("--resume", help="Keep OUTPUT/articles.jsonl and skip documents already in it.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress messages.")] = False,
) -> None:
    """Extract delinquency causes, strategies and impacts from articles.

    Writes OUTPUT/articles.jsonl (one record per document, written as it goes), themes.csv,
    near_duplicates.csv, summary.json, report.html and, with matplotlib installed, PNG plots.
    """
    from notice_nlp.themes.batch import run_batch

    missing = [p for p in paths if not Path(p).exists()]
    if missing and len(missing) == len(paths):
        raise _fail(f"{missing[0]}: no such file or directory")
    out = Path(output)
    if out.exists() and not out.is_dir():
        raise _fail(f"{output}: exists and is not a directory")
    try:
        failed = run_batch(paths, out, jobs=jobs, resume=resume, progress=not quiet)
    except OSError as exc:
        raise _fail(f"{output}: {exc.strerror or exc}") from exc
    if failed:
        typer.echo(f"notice-nlp: {failed} document(s) failed; see their 'error' field", err=True)
        raise typer.Exit(EXIT_RECORD_ERRORS)


def evaluate_themes_cmd(
    corpus: Annotated[
        str, typer.Argument(help="Gold corpus directory (ID.txt/ID.html + ID.gold.json).")
    ] = "corpora/articles",
    markdown: Annotated[
        Optional[str],
        typer.Option("--markdown", "-m", help="Also write the results section into this markdown file."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON.")] = False,
) -> None:
    """Evaluate theme extraction on the gold corpus (held-out split, dev split, all; baseline)."""
    from notice_nlp.themes.evaluate import run_evaluation

    if not Path(corpus).is_dir():
        raise _fail(f"{corpus}: not a directory")
    try:
        run_evaluation(corpus, markdown_path=markdown, as_json=as_json)
    except FileNotFoundError as exc:
        raise _fail(str(exc)) from exc
