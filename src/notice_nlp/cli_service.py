"""``notice-nlp serve``: the HTTP API and web page (extra ``[service]``).

A plain function with Typer ``Annotated`` options; :mod:`notice_nlp.cli` registers it::

    app.command("serve")(serve_cmd)

Runs one uvicorn worker (the pipeline is loaded once, at start-up). Settings other than host and
port come from the environment: ``NOTICE_NLP_API_KEY`` (require ``X-API-Key`` on ``/v1``),
``NOTICE_NLP_MAX_MESSAGE_CHARS``, ``NOTICE_NLP_MAX_BATCH``, ``NOTICE_NLP_MAX_ARTICLE_CHARS``.
See ``docs/service.md``.
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

__all__ = ["serve_cmd"]

EXIT_USAGE = 2


def serve_cmd(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on (0.0.0.0 for all: put it behind TLS).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
) -> None:
    """Serve the screening/analysis API (/v1, docs at /docs) and the web page (/)."""
    try:
        import uvicorn

        from notice_nlp.service.app import Settings, create_app
    except ImportError as exc:
        typer.echo(
            f"notice-nlp: error: the service needs the [service] extra ({exc.name} is missing): "
            "pip install 'notice-nlp[service]'",
            err=True,
        )
        raise typer.Exit(EXIT_USAGE) from None
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        typer.echo(f"notice-nlp: error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    from notice_nlp.screening.screen import get_model

    try:
        get_model()  # fail here with one line rather than in the server's start-up
    except FileNotFoundError as exc:
        typer.echo(f"notice-nlp: error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    app = create_app(settings)
    # uvicorn's own access log prints query strings: ours (notice_nlp.service) prints none
    uvicorn.run(app, host=host, port=port, workers=1, access_log=False, log_level="info", proxy_headers=False)
