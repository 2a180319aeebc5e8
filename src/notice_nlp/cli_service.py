"""``notice-nlp serve``: the HTTP API and web page (extra ``[service]``).

A plain function with Typer ``Annotated`` options; :mod:`notice_nlp.cli` registers it::

    app.command("serve")(serve_cmd)

Runs one uvicorn worker by default (the pipeline is loaded once, at start-up); ``--workers N``
runs N worker processes on one port, each with its own pipeline. Settings other than host, port
and workers come from the environment: ``NOTICE_NLP_API_KEY`` (require ``X-API-Key`` on ``/v1``),
``NOTICE_NLP_MAX_MESSAGE_CHARS``, ``NOTICE_NLP_MAX_BATCH``, ``NOTICE_NLP_MAX_ARTICLE_CHARS``.
See ``docs/service.md``.
"""

from __future__ import annotations

import copy
import logging
import sys
from typing import Annotated

import typer

__all__ = ["serve_cmd"]

EXIT_USAGE = 2
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def serve_cmd(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on (0.0.0.0 for all: put it behind TLS).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", min=1, max=64,
            help="Worker processes (default 1). Each loads its own pipeline (~300 MB) and uses up to one core.",
        ),
    ] = 1,
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
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format=LOG_FORMAT)
    # uvicorn configures logging again in each worker process: the notice_nlp loggers (the one
    # line per request) are part of that configuration, so worker processes log them too
    log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    log_config["formatters"]["notice_nlp"] = {"format": LOG_FORMAT}
    log_config["handlers"]["notice_nlp"] = {"class": "logging.StreamHandler", "formatter": "notice_nlp", "stream": "ext://sys.stderr"}
    log_config["loggers"]["notice_nlp"] = {"handlers": ["notice_nlp"], "level": "INFO", "propagate": False}
    # uvicorn's own access log prints query strings: ours (notice_nlp.service) prints none
    options: dict[str, object] = {
        "host": host, "port": port, "access_log": False, "log_level": "info", "log_config": log_config, "proxy_headers": False,
    }
    if workers == 1:
        uvicorn.run(create_app(settings), workers=1, **options)
    else:
        # worker processes import the factory; each reads the same NOTICE_NLP_* environment
        uvicorn.run("notice_nlp.service.app:create_app", factory=True, workers=workers, **options)
