"""No outbound connection for links in texts (SSRF), and no message text in the logs."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from notice_nlp.screening.screen import screen, screen_many
from notice_nlp.themes.report import analyze

LINKS = [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://127.0.0.1:8000/v1/labels",
    "http://localhost:6379/",
    "https://t.cn/A6xYz12",
    "https://bit.ly/3abcDEF",
    "http://10.0.0.1:8080/pay?id=1",
    "www.jd-huankuan.com/login",
    "h t t p s : / / w w w . l o a n - s e r v i c e . c n",
    "file:///etc/passwd",
    "ftp://example.org/x",
    "http://[::1]:22/",
    "xn--fiqs8s.com",
    "gopher://127.0.0.1:25/_HELO",
]
MESSAGES = [
    f"【某某金融】您的贷款已逾期，请立即点击 {LINKS[0]} 处理，否则上报征信。",
    f"您的账户异常，请登录 {LINKS[3]} 或 {LINKS[4]} 验证身份并输入验证码。",
    f"逾期结清请下载APP：{LINKS[6]}，客服QQ 12345678，详情见 {LINKS[7]}",
    " ".join(LINKS),
    "<a href='" + LINKS[1] + "'>还款</a><img src='" + LINKS[5] + "'>",
]
ARTICLE_HTML = (
    "<html><head><title>网贷逾期</title><link rel='stylesheet' href='http://10.0.0.2/x.css'>"
    "<script src='https://cdn.example.com/a.js'></script><meta http-equiv='refresh' content='0;url=http://127.0.0.1/'></head>"
    "<body><article><h1>网贷逾期的原因与应对</h1>"
    "<p>很多借款人缺乏金融知识，多头借贷，以贷养贷。详见 <a href='" + LINKS[0] + "'>报告</a>。</p>"
    "<img src='" + LINKS[1] + "'><iframe src='" + LINKS[5] + "'></iframe>"
    "<p>应对策略：加强金融教育，与机构协商还款。来源：" + " ".join(LINKS) + "</p></article></body></html>"
)


@pytest.fixture()
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args[1:] if args and isinstance(args[0], socket.socket) else args)
        raise AssertionError(f"outbound connection attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts
    assert attempts == [], f"outbound connections attempted: {attempts}"


def test_no_outbound_connection_when_screening_links(client: TestClient, no_network: list[Any]) -> None:
    for text in MESSAGES:
        r = client.post("/v1/screen", json={"text": text, "sender": LINKS[2]})
        assert r.status_code == 200
        assert any(e["type"] == "url" for e in r.json()["entities"]) or text == MESSAGES[-1] or "h t t p" in text
    r = client.post("/v1/screen/batch", json={"messages": [{"id": i, "text": t} for i, t in enumerate(MESSAGES)]})
    assert r.status_code == 200 and len(r.json()["results"]) == len(MESSAGES)
    r = client.post("/v1/analyze", json={"html": ARTICLE_HTML})
    assert r.status_code == 200
    r = client.post("/v1/analyze", json={"text": "\n".join(MESSAGES)})
    assert r.status_code == 200
    # and the library itself
    list(screen_many(MESSAGES))
    screen(MESSAGES[0], sender="95555")
    analyze(ARTICLE_HTML)
    assert no_network == []


def test_the_guard_itself_works(no_network: list[Any]) -> None:
    with pytest.raises(AssertionError):
        socket.create_connection(("127.0.0.1", 9))
    no_network.clear()


# ------------------------------------------------------------------------------ logs


SECRET_TEXT = "王小明你好，你欠的8000元今天不还就去你单位闹，电话13912345678，身份证110101199003071234"
SECRET_BITS = ["王小明", "13912345678", "110101199003071234", "去你单位闹", "8000元", "+8613712345678", "李四"]


def test_logs_carry_no_text(client: TestClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.DEBUG)  # everything, from every logger
    r = client.post("/v1/screen", json={"text": SECRET_TEXT, "sender": "+8613712345678", "received_at": "2026-03-14T23:40:00+08:00"})
    assert r.status_code == 200
    rid = r.headers["x-request-id"]
    client.post("/v1/screen/batch", json={"messages": [{"id": "李四", "text": SECRET_TEXT}, {"text": SECRET_TEXT + "。"}]})
    client.post("/v1/analyze", json={"text": SECRET_TEXT * 3})
    client.post("/v1/screen", json={"text": SECRET_TEXT, "recipient_role": SECRET_TEXT})  # 422
    client.post("/v1/screen", json={"text": SECRET_TEXT * 400})  # 413
    client.post("/v1/screen", content=SECRET_TEXT.encode(), headers={"content-type": "text/plain"})  # 415
    client.get("/v1/13912345678?text=" + SECRET_TEXT)  # 404 with text in the path and query

    import notice_nlp.service.app as appmod

    def boom(texts: list[str], metas: list[Any]) -> list[dict[str, Any]]:
        raise ValueError(f"cannot screen {texts[0]!r}")

    def crash(texts: list[str], metas: list[Any]) -> list[dict[str, Any]]:
        raise RuntimeError(f"crashed on {texts[0]!r}")

    monkeypatch.setattr(appmod, "_screen_items", boom)
    assert client.post("/v1/screen", json={"text": SECRET_TEXT}).status_code == 422
    monkeypatch.setattr(appmod, "_screen_items", crash)
    assert client.post("/v1/screen", json={"text": SECRET_TEXT}).status_code == 500

    # the test's own HTTP client (httpx) logs the URLs it requests; that is not the server
    server = [rec for rec in caplog.records if not rec.name.startswith(("httpx", "httpcore"))]
    logged = "\n".join(f"{rec.name} {rec.getMessage()} {rec.args!r} {rec.exc_text or ''}" for rec in server)
    for bit in SECRET_BITS:
        assert bit not in logged, f"{bit!r} leaked into the logs"
    access = [rec.getMessage() for rec in caplog.records if rec.name == "notice_nlp.service" and "path=" in rec.getMessage()]
    first = next(m for m in access if f"request_id={rid}" in m)
    for field in ("method=POST", "path=/v1/screen", "status=200", "req_bytes=", "resp_bytes=", "duration_ms="):
        assert field in first
    assert any("path=<other>" in m and "status=404" in m for m in access)
    assert any("status=413" in m for m in access) and any("status=415" in m for m in access)
    assert any("status=500" in m for m in access)
    assert any(rec.levelno == logging.ERROR and "RuntimeError" in rec.getMessage() for rec in server)
