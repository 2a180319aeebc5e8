"""HTTP API: every endpoint, the limits (413/415/422/401), headers, and XSS payloads as data."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from notice_nlp.resources import load_toml, rules_version
from notice_nlp.screening.screen import get_model, screen, screen_many
from notice_nlp.service.app import Settings, create_app
from notice_nlp.themes.report import analyze

XSS = [
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    "您的贷款已逾期<svg/onload=alert(1)>请点击 javascript:alert(document.cookie) 还款",
    '"><iframe src="javascript:alert(1)"></iframe>{{7*7}}${7*7}',
]


def _versions() -> dict[str, str]:
    return {"model_version": get_model().version, "rules_version": rules_version()}


def _assert_stamped(r: Any) -> None:
    assert r.headers["x-model-version"] == get_model().version
    assert r.headers["x-rules-version"] == rules_version()
    assert re.fullmatch(r"[0-9a-f]{16}", r.headers["x-request-id"]) or r.headers["x-request-id"]
    assert r.headers["x-content-type-options"] == "nosniff"


def _as_json(obj: Any) -> Any:
    return json.loads(json.dumps(obj, ensure_ascii=False))


# ------------------------------------------------------------------------------ endpoints


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["model_version"] == get_model().version and body["rules_version"] == rules_version()
    _assert_stamped(r)


def test_screen_matches_library(client: TestClient, examples: list[dict[str, Any]]) -> None:
    for ex in examples:
        meta = {k: ex[k] for k in ("sender", "received_at", "recipient_role") if k in ex}
        r = client.post("/v1/screen", json={"text": ex["text"], **meta})
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/json")
        body = r.json()
        assert body == _as_json(screen(ex["text"], **meta).to_dict())
        assert set(body) == {
            "label", "scores", "tags", "reasons", "entities", "advice", "needs_review", "review_reasons",
            "model_version", "rules_version",
        }
        for reason in body["reasons"]:
            assert ex["text"][reason["start"]:reason["end"]] == reason["text"]
        _assert_stamped(r)


def test_screen_metadata_changes_the_verdict(client: TestClient) -> None:
    text = "您的欠款已逾期，请今天联系我们处理还款事宜。"
    plain = client.post("/v1/screen", json={"text": text}).json()
    night = client.post(
        "/v1/screen", json={"text": text, "sender": "13800000000", "received_at": "2026-03-14T23:40:00+08:00", "recipient_role": "contact"}
    ).json()
    assert night == _as_json(screen(text, sender="13800000000", received_at="2026-03-14T23:40:00+08:00", recipient_role="contact").to_dict())
    assert {"odd_hours", "contact_third_party"} <= {t["id"] for t in night["tags"]}
    assert night["label"] == "threatening" and plain != night


def test_batch_in_order_with_ids(client: TestClient, examples: list[dict[str, Any]]) -> None:
    texts = [ex["text"] for ex in examples] + ["", "你好"]
    msgs = [{"id": f"m{i}", "text": t} for i, t in enumerate(texts)]
    msgs[3]["id"] = 42  # ids may be numbers
    del msgs[5]["id"]  # or absent
    r = client.post("/v1/screen/batch", json={"messages": msgs})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model_version"] == get_model().version and body["rules_version"] == rules_version()
    results = body["results"]
    assert [x["index"] for x in results] == list(range(len(texts)))
    assert [x["id"] for x in results] == [m.get("id") for m in msgs]
    expected = [_as_json(v.to_dict()) for v in screen_many(texts)]
    for got, want in zip(results, expected):
        got = dict(got)
        got.pop("index"), got.pop("id")
        assert got == want
    # reversing the input reverses the output
    rev = client.post("/v1/screen/batch", json={"messages": list(reversed(msgs))}).json()["results"]
    assert [x["id"] for x in rev] == [m.get("id") for m in reversed(msgs)]
    assert [x["label"] for x in rev] == [x["label"] for x in reversed(results)]


def test_batch_empty_and_frequency(client: TestClient) -> None:
    r = client.post("/v1/screen/batch", json={"messages": []})
    assert r.status_code == 200 and r.json()["results"] == []
    text = "您的欠款已逾期，请尽快还款。"
    msgs = [{"text": text, "sender": "13800000000", "recipient": "13900000000", "received_at": f"2026-03-14T1{h}:00:00+08:00"} for h in range(4)]
    res = client.post("/v1/screen/batch", json={"messages": msgs}).json()["results"]
    assert all("excessive_frequency" in [t["id"] for t in x["tags"]] for x in res)
    assert res[0]["label"] == "threatening"
    # three a day is within the limit
    res3 = client.post("/v1/screen/batch", json={"messages": msgs[:3]}).json()["results"]
    assert not any("excessive_frequency" in [t["id"] for t in x["tags"]] for x in res3)
    # the same sender writing to four different people, all "debtor": not harassment of anyone
    others = [{**m, "recipient": f"1390000000{i}", "recipient_role": "debtor"} for i, m in enumerate(msgs)]
    res4 = client.post("/v1/screen/batch", json={"messages": others}).json()["results"]
    assert not any("excessive_frequency" in [t["id"] for t in x["tags"]] for x in res4)


def test_analyze_text_and_html(client: TestClient, repo: Any) -> None:
    article = (repo / "examples" / "article_web_copy.txt").read_text(encoding="utf-8")
    r = client.post("/v1/analyze", json={"text": article})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body == {**_as_json(analyze(article).to_dict()), **_versions()}
    assert body["causes"] or body["strategies"]
    _assert_stamped(r)
    html = "<html><head><title>网贷逾期</title></head><body><article><h1>网贷逾期的原因</h1><p>很多借款人缺乏金融知识，多头借贷，以贷养贷。</p></article></body></html>"
    r = client.post("/v1/analyze", json={"html": html})
    assert r.status_code == 200
    assert r.json() == {**_as_json(analyze(html).to_dict()), **_versions()}
    for bad in ({}, {"text": "a", "html": "<p>a</p>"}, {"text": 3}):
        r = client.post("/v1/analyze", json=bad)
        assert r.status_code == 422 and r.json()["error"] == "invalid_body"


def test_labels(client: TestClient) -> None:
    r = client.get("/v1/labels")
    assert r.status_code == 200
    body = r.json()
    spec = load_toml("screening", "tags.toml")
    assert [x["id"] for x in body["labels"]] == ["legitimate", "threatening", "fraudulent"]
    assert {t["id"]: (t["zh"], t["en"], t["citation"], t["label"]) for t in body["tags"]} == {
        k: (v["zh"], v["en"], v["citation"], v["label"]) for k, v in spec["tags"].items()
    }
    assert body["citations"] == spec["citations"]
    themes = load_toml("themes", "taxonomy.toml")["theme"]
    assert [(t["id"], t["label_zh"], t["kind"]) for t in body["themes"]] == [(t["id"], t["label_zh"], t["kind"]) for t in themes]
    assert body["limits"] == {"max_message_chars": 10_000, "max_batch": 1_000, "max_article_chars": 2_000_000}
    assert body["model_version"] == get_model().version
    _assert_stamped(r)


def test_openapi_and_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/v1/screen", "/v1/screen/batch", "/v1/analyze", "/v1/labels", "/healthz"):
        assert path in spec["paths"]
    assert "VerdictModel" in spec["components"]["schemas"]
    assert client.get("/docs").status_code == 200


# ------------------------------------------------------------------------------ limits


def test_message_length_limit(client: TestClient) -> None:
    ok = client.post("/v1/screen", json={"text": "逾" * 10_000})
    assert ok.status_code == 200
    r = client.post("/v1/screen", json={"text": "逾" * 10_001})
    assert r.status_code == 413
    body = r.json()
    assert body["error"] == "message_too_long" and "10000" in body["message"]
    assert body["model_version"] == get_model().version and body["request_id"] == r.headers["x-request-id"]
    _assert_stamped(r)
    r = client.post("/v1/screen/batch", json={"messages": [{"text": "a"}, {"text": "x" * 10_001}]})
    assert r.status_code == 413 and "messages[1]" in r.json()["message"]


def test_batch_size_limit(client: TestClient) -> None:
    ok = client.post("/v1/screen/batch", json={"messages": [{"text": "你好"}] * 1000})
    assert ok.status_code == 200 and len(ok.json()["results"]) == 1000
    r = client.post("/v1/screen/batch", json={"messages": [{"text": "你好"}] * 1001})
    assert r.status_code == 413 and r.json()["error"] == "batch_too_large"


def test_article_size_limit(client: TestClient) -> None:
    r = client.post("/v1/analyze", json={"text": "贷" * 2_000_001})
    assert r.status_code == 413 and r.json()["error"] == "article_too_long"


def test_raw_body_limit_before_parsing(client: TestClient) -> None:
    big = b'{"text": "' + b"a" * 300_000 + b'"}'
    r = client.post("/v1/screen", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"
    _assert_stamped(r)


def test_small_limits_from_settings() -> None:
    with TestClient(create_app(Settings(max_message_chars=5, max_batch=2, max_article_chars=10))) as c:
        assert c.post("/v1/screen", json={"text": "123456"}).status_code == 413
        assert c.post("/v1/screen", json={"text": "12345"}).status_code == 200
        assert c.post("/v1/screen/batch", json={"messages": [{"text": "a"}] * 3}).status_code == 413
        assert c.post("/v1/analyze", json={"text": "x" * 11}).status_code == 413
        assert c.get("/v1/labels").json()["limits"] == {"max_message_chars": 5, "max_batch": 2, "max_article_chars": 10}


def test_settings_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTICE_NLP_API_KEY", "k")
    monkeypatch.setenv("NOTICE_NLP_MAX_BATCH", "7")
    s = Settings.from_env()
    assert s.api_key == "k" and s.max_batch == 7 and s.max_message_chars == 10_000
    monkeypatch.setenv("NOTICE_NLP_MAX_BATCH", "many")
    with pytest.raises(ValueError):
        Settings.from_env()
    monkeypatch.delenv("NOTICE_NLP_API_KEY")
    monkeypatch.delenv("NOTICE_NLP_MAX_BATCH")
    assert Settings.from_env().api_key is None


@pytest.mark.parametrize("path", ["/v1/screen", "/v1/screen/batch", "/v1/analyze"])
@pytest.mark.parametrize("ctype", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonp"])
def test_wrong_content_type_415(client: TestClient, path: str, ctype: str | None) -> None:
    headers = {"content-type": ctype} if ctype else {}
    r = client.post(path, content=b'{"text": "hi"}', headers=headers)
    assert r.status_code == 415
    assert r.json()["error"] == "unsupported_media_type"
    _assert_stamped(r)


def test_json_with_charset_accepted(client: TestClient) -> None:
    r = client.post("/v1/screen", content='{"text": "你好"}'.encode(), headers={"content-type": "application/json; charset=utf-8"})
    assert r.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b'{"txt": "hi"}',
        b'{"text": 12}',
        b'{"text": null}',
        b'{"text": "hi", "recipient_role": "boss"}',
        b'{"text": "hi", "received_at": "yesterday night"}',
        b'{"text": "hi", "recipientRole": "contact"}',
        b"",
    ],
)
def test_invalid_screen_body_422(client: TestClient, body: bytes) -> None:
    r = client.post("/v1/screen", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    out = r.json()
    assert out["error"] == "invalid_body" and isinstance(out["detail"], list) and out["detail"]
    assert all(set(d) == {"loc", "msg", "type"} for d in out["detail"])
    _assert_stamped(r)


@pytest.mark.parametrize(
    "body",
    [{"messages": "hi"}, {"messages": [{"id": 1}]}, {"messages": [{"text": "a", "id": [1]}]}, {"msgs": []}, {"messages": [{"text": "a", "received_at": "13:00"}]}],
)
def test_invalid_batch_body_422(client: TestClient, body: dict[str, Any]) -> None:
    r = client.post("/v1/screen/batch", json=body)
    assert r.status_code == 422 and r.json()["error"] == "invalid_body"


def test_validation_errors_do_not_echo_input(client: TestClient) -> None:
    r = client.post("/v1/screen", json={"text": "ok", "phone_note": "请联系13912345678", "recipient_role": "请联系13812345678"})
    assert r.status_code == 422
    assert "13912345678" not in r.text and "13812345678" not in r.text


def test_not_found_and_method_not_allowed(client: TestClient) -> None:
    r = client.get("/v1/nothing")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    _assert_stamped(r)
    r = client.get("/v1/screen")
    assert r.status_code == 405 and r.json()["error"] == "method_not_allowed"
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/app.py").status_code == 404


def test_request_id(client: TestClient) -> None:
    r = client.get("/healthz", headers={"x-request-id": "abc-123.X_y"})
    assert r.headers["x-request-id"] == "abc-123.X_y"
    r = client.get("/healthz", headers={"x-request-id": "bad id\twith spaces"})
    assert re.fullmatch(r"[0-9a-f]{16}", r.headers["x-request-id"])


# ------------------------------------------------------------------------------ API key


def test_api_key(keyed_client: TestClient) -> None:
    c = keyed_client
    for method, path, kw in (
        ("GET", "/v1/labels", {}),
        ("POST", "/v1/screen", {"json": {"text": "hi"}}),
        ("POST", "/v1/screen/batch", {"json": {"messages": []}}),
        ("POST", "/v1/analyze", {"json": {"text": "hi"}}),
    ):
        r = c.request(method, path, **kw)
        assert r.status_code == 401, path
        assert r.json()["error"] == "unauthorized"
        _assert_stamped(r)
        r = c.request(method, path, headers={"X-API-Key": "wrong"}, **kw)
        assert r.status_code == 401
        r = c.request(method, path, headers={"X-API-Key": "s3cret-key"}, **kw)
        assert r.status_code == 200, path
    # the key is checked before the content type, so an anonymous caller learns nothing
    r = c.post("/v1/screen", content=b"x", headers={"content-type": "text/plain"})
    assert r.status_code == 401
    # page, health and docs are open
    assert c.get("/").status_code == 200
    assert c.get("/healthz").status_code == 200
    assert c.get("/static/app.js").status_code == 200


# ------------------------------------------------------------------------------ XSS and the page


@pytest.mark.parametrize("payload", XSS)
def test_xss_payloads_are_returned_as_data(client: TestClient, payload: str) -> None:
    r = client.post("/v1/screen", json={"text": payload, "sender": payload[:50]})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.headers["content-security-policy"].startswith("default-src 'none'")
    body = r.json()
    for reason in body["reasons"]:
        assert payload[reason["start"]:reason["end"]] == reason["text"]
    r = client.post("/v1/screen/batch", json={"messages": [{"id": payload, "text": payload}]})
    assert r.json()["results"][0]["id"] == payload
    r = client.post("/v1/analyze", json={"text": payload})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"


def test_page_is_self_contained(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    html = r.text
    js = client.get("/static/app.js")
    css = client.get("/static/app.css")
    assert js.headers["content-type"].startswith("text/javascript") and css.headers["content-type"].startswith("text/css")
    assert js.headers["content-security-policy"] == csp
    for text in (html, js.text, css.text):
        # no external resource of any kind (the only absolute links are none at all)
        assert not re.search(r"https?://", text), "page must not reference external resources"
        assert "@import" not in text and "url(" not in text
    assert "<script>" not in html and " on" + "click=" not in html and "style=" not in html  # no inline code (CSP)
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in js.text.replace("never innerHTML", ""), sink
    assert 'src="/static/app.js"' in html and 'href="/static/app.css"' in html


def test_docs_page_is_not_under_the_page_csp(client: TestClient) -> None:
    assert "content-security-policy" not in client.get("/docs").headers


def test_unexpected_error_is_json_500(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    import notice_nlp.service.app as appmod

    def boom(texts: list[str], metas: list[Any]) -> list[dict[str, Any]]:
        raise RuntimeError(f"exploded on {texts[0]}")

    monkeypatch.setattr(appmod, "_screen_items", boom)
    r = client.post("/v1/screen", json={"text": "机密内容"})
    assert r.status_code == 500
    body = r.json()
    assert body["error"] == "internal_error" and "机密内容" not in r.text
    _assert_stamped(r)


def test_concurrent_single_requests_are_coalesced_without_mixing_results(examples: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    import httpx

    import notice_nlp.service.app as appmod

    sizes: list[int] = []
    real = appmod._screen_items

    def counting(texts: list[str], metas: list[Any]) -> list[dict[str, Any]]:
        sizes.append(len(texts))
        return real(texts, metas)

    monkeypatch.setattr(appmod, "_screen_items", counting)
    app = create_app(Settings())
    texts = [ex["text"] for ex in examples] * 3 + ["", "你好"]

    async def run() -> list[Any]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            return await asyncio.gather(*(c.post("/v1/screen", json={"text": t}) for t in texts))

    responses = asyncio.run(run())
    assert [r.status_code for r in responses] == [200] * len(texts)
    for t, r in zip(texts, responses):
        got = r.json()
        got.pop("model_version"), got.pop("rules_version")
        want = _as_json(screen(t).to_dict())
        want.pop("model_version"), want.pop("rules_version")
        assert got == want
    assert sum(sizes) == len(texts) and max(sizes) > 1  # really batched


def test_a_failing_message_fails_only_its_own_request(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    import httpx

    import notice_nlp.service.app as appmod

    real = appmod._screen_items

    def picky(texts: list[str], metas: list[Any]) -> list[dict[str, Any]]:
        if "坏" in "".join(texts):
            raise RuntimeError("bad message")
        return real(texts, metas)

    monkeypatch.setattr(appmod, "_screen_items", picky)
    app = create_app(Settings())
    texts = ["你好", "坏", "您的账单已逾期", "再见"]

    async def run() -> list[Any]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            return await asyncio.gather(*(c.post("/v1/screen", json={"text": t}) for t in texts))

    codes = [r.status_code for r in asyncio.run(run())]
    assert codes == [200, 500, 200, 200]


def test_models_mirror_the_library_types() -> None:
    import dataclasses

    from notice_nlp.screening.verdict import Advice, Reason, TagRef, Verdict
    from notice_nlp.service import models

    pairs = [(Verdict, models.VerdictModel), (Reason, models.ReasonModel), (TagRef, models.TagRefModel), (Advice, models.AdviceModel)]
    for dc, model in pairs:
        assert [f.name for f in dataclasses.fields(dc)] == list(model.model_fields), dc.__name__
    assert set(models.BatchResult.model_fields) == set(models.VerdictModel.model_fields) | {"index", "id"}
    entity = screen("请转账到6222021234567890，联系13800138000").entities
    assert entity and all(set(e) == set(models.EntityModel.model_fields) for e in entity)


def test_analyze_html_field_is_parsed_as_html(client: TestClient) -> None:
    r = client.post("/v1/analyze", json={"html": "<p>逾期</p>"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert "<p>" not in (body["title"] or "")
    assert "<p>" not in body["text"]


def test_analyze_response_carries_text_the_offsets_index(client: TestClient, repo: Any) -> None:
    article = (repo / "examples" / "article_web_copy.txt").read_text(encoding="utf-8")
    html = f"<html><body><nav>首页 | 登录</nav><article>{''.join(f'<p>{ln}</p>' for ln in article.splitlines() if ln.strip())}</article></body></html>"
    for payload in ({"text": article}, {"html": html}):
        body = client.post("/v1/analyze", json=payload).json()
        assert isinstance(body["text"], str) and body["text"]
        hits = body["causes"] + body["strategies"] + body["impacts"]
        assert hits
        for t in hits:
            for e in t["evidence"]:
                assert body["text"][e["start"] : e["end"]] == e["sentence"]
        for sec in body["sections"]:
            assert 0 <= sec["start"] <= sec["end"] <= len(body["text"])
