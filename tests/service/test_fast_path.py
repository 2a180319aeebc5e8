"""The hot path of ``POST /v1/screen`` answers exactly as the FastAPI route does.

A valid single-message request is answered by the guard (``screen_fast``): the verdict dataclass
encoded straight to JSON. These tests pin that it gives the same body and headers as the route
(which still answers everything else), that the encoding equals ``Verdict.to_dict()``, and that
small batches are screened on the event loop while long texts go to a worker thread.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import notice_nlp.service.app as appmod
from notice_nlp.screening.screen import screen, screen_many
from notice_nlp.service.app import Settings, create_app

REPO = Path(__file__).resolve().parents[2]
VARYING = {"x-request-id", "date", "content-length"}


def _guard(app: Any) -> Any:
    node = app.middleware_stack
    while node is not None and not isinstance(node, appmod._Guard):
        node = getattr(node, "app", None)
    assert node is not None, "no _Guard in the middleware stack"
    return node


def _corpus_sample(n: int = 150) -> list[str]:
    texts: list[str] = []
    for path in sorted((REPO / "corpora" / "sms").rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                if isinstance(rec.get("text"), str):
                    texts.append(rec["text"])
    return texts[:: max(1, len(texts) // n)][:n]


def test_fast_path_and_route_give_the_same_answer(examples: list[dict[str, Any]]) -> None:
    with TestClient(create_app(Settings())) as c:
        payloads = [
            {"text": ex["text"], **{k: ex[k] for k in ("sender", "received_at", "recipient_role") if k in ex}} for ex in examples
        ]
        payloads += [{"text": ""}, {"text": "你好", "received_at": "", "sender": None}, {"text": "逾期" * 2000}]
        fast = [c.post("/v1/screen", json=p) for p in payloads]
        guard = _guard(c.app)
        routes, guard.fast = guard.fast, {}
        try:
            slow = [c.post("/v1/screen", json=p) for p in payloads]
        finally:
            guard.fast = routes
    for p, a, b in zip(payloads, fast, slow):
        assert a.status_code == b.status_code == 200
        assert a.json() == b.json() == json.loads(json.dumps(screen(p["text"], **{k: v for k, v in p.items() if k != "text" and v}).to_dict()))
        ha = {k: v for k, v in a.headers.items() if k not in VARYING}
        hb = {k: v for k, v in b.headers.items() if k not in VARYING}
        assert ha == hb
        assert int(a.headers["content-length"]) == len(a.content)


def test_invalid_requests_still_get_the_route_answers(client: TestClient) -> None:
    # the fast path hands these on; the route's errors are the contract
    r = client.post("/v1/screen", content=b'{"text": "hi", "recipientRole": "x"}', headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "recipientRole"]
    r = client.post("/v1/screen", content=b"{bad", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "json_invalid"
    r = client.post("/v1/screen", json={"text": "逾" * 10_001})
    assert r.status_code == 413 and r.json()["error"] == "message_too_long"


def test_verdict_encoding_equals_to_dict() -> None:
    texts = _corpus_sample() + ["", "你好", "请转账到6222021234567890，联系13800138000，身份证110101199003071234"]
    verdicts = list(screen_many(texts))
    for v in verdicts:
        want = json.loads(json.dumps(v.to_dict(), ensure_ascii=False))
        assert json.loads(appmod.dumps(v)) == want
        # the same key order as to_dict(), too
        assert list(json.loads(appmod.dumps(v))) == list(want)


def test_encoding_without_orjson(monkeypatch: pytest.MonkeyPatch, examples: list[dict[str, Any]]) -> None:
    verdicts = list(screen_many([ex["text"] for ex in examples]))
    with_orjson = [appmod.dumps(v) for v in verdicts]
    monkeypatch.setattr(appmod, "_orjson", None)
    for v, fast in zip(verdicts, with_orjson):
        assert json.loads(appmod.dumps(v)) == json.loads(fast)
    assert json.loads(appmod.dumps({"results": verdicts[:2]}))["results"][1] == json.loads(with_orjson[1])
    with TestClient(create_app(Settings())) as c:
        r = c.post("/v1/screen", json={"text": examples[0]["text"]})
        assert r.status_code == 200 and r.json() == json.loads(with_orjson[0])
        r = c.post("/v1/screen/batch", json={"messages": [{"text": examples[0]["text"]}]})
        assert r.status_code == 200 and {**r.json()["results"][0], "index": None, "id": None} == {
            **json.loads(with_orjson[0]), "index": None, "id": None
        }


def test_short_batches_on_the_loop_long_texts_in_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[tuple[int, bool]] = []
    real = appmod._screen_items

    def recording(texts: list[str], metas: list[Any]) -> list[Any]:
        threads.append((sum(map(len, texts)), threading.current_thread() is loop_thread[0]))
        return real(texts, metas)

    loop_thread: list[threading.Thread | None] = [None]
    app = create_app(Settings())

    @app.get("/_which_thread", include_in_schema=False)
    async def _which() -> dict[str, str]:
        loop_thread[0] = threading.current_thread()
        return {}

    monkeypatch.setattr(appmod, "_screen_items", recording)
    with TestClient(app) as c:
        c.get("/_which_thread")
        assert c.post("/v1/screen", json={"text": "您的账单已逾期，请通过官方APP还款。"}).status_code == 200
        assert c.post("/v1/screen", json={"text": "逾期" * 4000}).status_code == 200
    (short, on_loop_short), (long, on_loop_long) = threads[-2:]
    assert short < appmod._INLINE_SCREEN_CHARS and on_loop_short
    assert long > appmod._INLINE_SCREEN_CHARS and not on_loop_long
