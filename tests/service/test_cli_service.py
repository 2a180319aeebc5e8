"""``serve_cmd`` as the lead registers it: ``app.command("serve")(serve_cmd)``."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from notice_nlp.cli_service import serve_cmd


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("serve")(serve_cmd)

    @app.command("noop")
    def _noop() -> None:  # a second command so "serve" stays a sub-command
        pass

    return app


def test_signature() -> None:
    params = inspect.signature(serve_cmd).parameters
    assert list(params) == ["host", "port", "workers"]
    assert params["host"].default == "127.0.0.1" and params["port"].default == 8000 and params["workers"].default == 1


def test_help() -> None:
    r = CliRunner().invoke(_app(), ["serve", "--help"])
    assert r.exit_code == 0
    assert "--host" in r.output and "--port" in r.output and "--workers" in r.output


def test_runs_uvicorn_with_one_worker_and_no_access_log(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    monkeypatch.delenv("NOTICE_NLP_API_KEY", raising=False)
    r = CliRunner().invoke(_app(), ["serve", "--host", "0.0.0.0", "--port", "8123"])
    assert r.exit_code == 0, r.output
    (call,) = calls
    assert call["host"] == "0.0.0.0" and call["port"] == 8123
    assert call["workers"] == 1 and call["access_log"] is False
    assert call["app"].state.service.settings.api_key is None


def test_workers_run_the_factory_in_each_process(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    r = CliRunner().invoke(_app(), ["serve", "--workers", "3"])
    assert r.exit_code == 0, r.output
    (call,) = calls
    assert call["app"] == "notice_nlp.service.app:create_app" and call["factory"] is True
    assert call["workers"] == 3 and call["access_log"] is False and call["proxy_headers"] is False
    assert CliRunner().invoke(_app(), ["serve", "--workers", "0"]).exit_code == 2


def test_bad_env_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTICE_NLP_MAX_BATCH", "lots")
    r = CliRunner().invoke(_app(), ["serve"])
    assert r.exit_code == 2
    assert "NOTICE_NLP_MAX_BATCH" in r.output


def test_bad_port() -> None:
    r = CliRunner().invoke(_app(), ["serve", "--port", "70000"])
    assert r.exit_code == 2
