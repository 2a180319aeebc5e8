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


def main(argv: list[str] | None = None) -> None:
    """Entry point: usage errors are reported by click (exit 2); our own user errors too."""
    try:
        app(args=argv)  # standalone mode: click prints usage errors in one line and exits 2
    except UserError as exc:
        typer.echo(f"notice-nlp: error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        typer.echo("notice-nlp: interrupted", err=True)
        sys.exit(130)
