from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import importlib.util

import pytest

if importlib.util.find_spec("fastapi") is None or importlib.util.find_spec("httpx") is None:
    # the [service] extra is not installed: these tests cannot run (CI installs it)
    collect_ignore_glob = ["test_*.py"]
else:
    from fastapi.testclient import TestClient

    from notice_nlp.service.app import Settings, create_app

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def examples() -> list[dict[str, Any]]:
    lines = (REPO / "examples" / "messages.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(ln) for ln in lines if ln.strip()]


@pytest.fixture(scope="session")
def client() -> Iterator["TestClient"]:
    with TestClient(create_app(Settings())) as c:
        yield c


@pytest.fixture(scope="session")
def keyed_client() -> Iterator["TestClient"]:
    with TestClient(create_app(Settings(api_key="s3cret-key"))) as c:
        yield c
