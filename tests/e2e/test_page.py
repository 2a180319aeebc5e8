"""The web page in a real browser (Playwright + Debian's chromium) against a real uvicorn server.

The server runs in a background thread on 127.0.0.1 with an API key, so the page's key prompt is
exercised too. Any JavaScript dialog (alert/confirm/prompt) fails the test: XSS payloads must show
as text. Every request the page makes must stay on the server's origin.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the [service] extra (fastapi, uvicorn) is not installed")
pytest.importorskip("uvicorn", reason="the [service] extra (uvicorn) is not installed")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install 'notice-nlp[e2e]')")
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
if CHROMIUM is None:
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)

import uvicorn  # noqa: E402
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from notice_nlp.screening.screen import screen, screen_many  # noqa: E402
from notice_nlp.service.app import Settings, create_app  # noqa: E402

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
API_KEY = "e2e-secret"
FRAUD = "【工商银行】您的贷款已逾期，为避免影响征信，请今日内将结清款项转至专员王经理个人账户6222 0200 1234 5678，户名王强，结清后可减免利息。"
XSS = ["<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>"]
EXPECT_TIMEOUT = 15_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(
        create_app(Settings(api_key=API_KEY)), host="127.0.0.1", port=port, log_level="warning", access_log=False, workers=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="e2e-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser_page(base_url: str) -> Iterator[tuple[Page, dict[str, list[Any]]]]:
    seen: dict[str, list[Any]] = {"dialogs": [], "errors": [], "foreign": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900})
        context.set_default_timeout(EXPECT_TIMEOUT)

        def gate(route: Any) -> None:
            url = route.request.url
            if url.startswith(base_url + "/") or url.startswith(("data:", "blob:")):
                route.continue_()
            else:
                seen["foreign"].append(url)
                route.abort()

        context.route("**/*", gate)
        page = context.new_page()

        def on_dialog(d: Any) -> None:
            seen["dialogs"].append(d.message)
            d.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda exc: seen["errors"].append(str(exc)))
        page.goto(base_url + "/")
        # the server wants a key: the page asks for it (no window.prompt) and keeps it for the tab
        expect(page.locator("#key-panel")).to_be_visible()
        page.fill("#api-key", API_KEY)
        page.click("#key-save")
        expect(page.locator("body")).to_have_attribute("data-ready", "1")
        expect(page.locator("#key-panel")).to_be_hidden()
        assert page.evaluate("sessionStorage.getItem('notice_nlp.api_key')") == API_KEY
        yield page, seen
        context.close()
        browser.close()


@pytest.fixture()
def page(browser_page: tuple[Page, dict[str, list[Any]]]) -> Iterator[Page]:
    pg, seen = browser_page
    yield pg
    assert seen["dialogs"] == [], f"a JavaScript dialog fired: {seen['dialogs']}"
    assert seen["errors"] == [], f"JavaScript errors: {seen['errors']}"
    assert seen["foreign"] == [], f"the page requested other origins: {seen['foreign']}"


def _screen_in_page(page: Page, text: str, **fields: str) -> None:
    page.fill("#text", text)
    page.fill("#sender", fields.get("sender", ""))
    page.fill("#received-at", fields.get("received_at", ""))
    page.select_option("#role", fields.get("recipient_role", ""))
    page.click("#screen-btn")
    expect(page.locator("#original")).to_have_text(text)
    expect(page.locator("#screen-btn")).to_be_enabled()


def test_screen_one_message(page: Page) -> None:
    verdict = screen(FRAUD)
    _screen_in_page(page, FRAUD)
    expect(page.locator("#label")).to_contain_text(verdict.label)
    assert verdict.label == "fraudulent"
    marks = page.locator("#original mark.hl")
    spans = [r for r in verdict.reasons if r.end > r.start]
    assert marks.count() >= 1 and spans
    # the marked characters are the reasons' words in the original text
    pieces = marks.all_text_contents()
    assert all(piece in FRAUD for piece in pieces)
    joined = "".join(pieces)
    assert all(r.text in joined for r in spans)
    first = min(spans, key=lambda r: r.start)
    marks.first.hover()
    tip = page.locator("#tip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text(first.rule_id)
    if first.citation:
        expect(tip).to_contain_text(first.citation)
    page.mouse.move(5, 5)
    expect(tip).to_be_hidden()
    marks.first.click()  # click pins the explanation
    expect(tip).to_be_visible()
    page.mouse.move(5, 5)
    expect(tip).to_be_visible()
    out = REPO / "out" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "page.png"), full_page=True)
    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()
    # entities, advice, needs-review badge
    ent_rows = page.locator("#entities tbody tr")
    assert ent_rows.count() == max(1, len(verdict.entities))
    if verdict.entities:
        expect(page.locator("#entities")).to_contain_text(verdict.entities[0]["text"])
    assert page.locator("#advice li").count() == len(verdict.advice) > 0
    if verdict.needs_review:
        expect(page.locator("#review-badge")).to_be_visible()
    else:
        expect(page.locator("#review-badge")).to_be_hidden()


def test_metadata_fields(page: Page) -> None:
    text = "您的欠款已逾期，请今天联系我们处理还款事宜。"
    meta = {"sender": "13800000000", "received_at": "2026-03-14T23:40:00+08:00", "recipient_role": "contact"}
    _screen_in_page(page, text, **meta)
    verdict = screen(text, **meta)
    expect(page.locator("#label")).to_contain_text(verdict.label)
    expect(page.locator("#reasons")).to_contain_text("meta.odd_hours")


@pytest.mark.parametrize("payload", XSS)
def test_xss_payload_shows_as_text(page: Page, payload: str) -> None:
    _screen_in_page(page, payload, sender=payload)
    assert page.locator("#original").text_content() == payload
    assert page.locator("#original img, #original script, #original svg").count() == 0
    assert page.locator("img").count() == 0
    assert page.locator("script").count() == 1  # only /static/app.js
    page.wait_for_timeout(200)  # an onerror handler would have fired by now


def _write(tmp: Path, name: str, content: str) -> Path:
    path = tmp / name
    path.write_text(content, encoding="utf-8", newline="")
    return path


def _read_download(page: Page) -> list[dict[str, str]]:
    with page.expect_download() as info:
        page.click("#download-csv")
    raw = Path(info.value.path()).read_bytes().decode("utf-8")
    assert raw.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(raw[1:], newline="")))


def test_upload_csv_filter_and_download(page: Page, tmp_path: Path, repo: Path) -> None:
    examples = [json.loads(x) for x in (repo / "examples" / "messages.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    texts = [ex["text"] for ex in examples] + [XSS[0], '带"引号"，逗号,\n和换行的短信：您的账单已逾期', "=HYPERLINK(\"http://x\")逾期请还款"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["id", "text", "sender"])
    for i, t in enumerate(texts):
        w.writerow([f"c{i}", t, ""])
    path = _write(tmp_path, "messages.csv", buf.getvalue())
    page.set_input_files("#file", str(path))
    expect(page.locator("#batch-status")).to_contain_text(f"{len(texts)} records, {len(texts)} screened")
    rows = page.locator("#batch-table tbody tr")
    assert rows.count() == len(texts)
    want = [v.label for v in screen_many(texts)]
    assert [r.get_attribute("data-label") for r in rows.all()] == want
    assert page.locator("#batch-table img").count() == 0

    # filter by label
    page.select_option("#filter-label", "fraudulent")
    n_fraud = want.count("fraudulent")
    assert n_fraud >= 1
    expect(rows).to_have_count(n_fraud)
    assert {r.get_attribute("data-label") for r in rows.all()} == {"fraudulent"}
    got = _read_download(page)
    assert len(got) == n_fraud and {r["label"] for r in got} == {"fraudulent"}
    assert [r["id"] for r in got] == [f"c{i}" for i, lab in enumerate(want) if lab == "fraudulent"]

    # needs-review filter and tag filter narrow the view; "all" brings everything back
    page.select_option("#filter-label", "")
    page.select_option("#filter-review", "yes")
    n_review = sum(1 for v in screen_many(texts) if v.needs_review)
    expect(rows).to_have_count(n_review)
    page.select_option("#filter-review", "")
    tags = page.locator("#filter-tag option").all()
    assert len(tags) > 1
    tag = tags[1].get_attribute("value")
    page.select_option("#filter-tag", tag)
    n_tag = sum(1 for v in screen_many(texts) if tag in v.tag_ids)
    expect(rows).to_have_count(n_tag)
    page.select_option("#filter-tag", "")
    expect(rows).to_have_count(len(texts))

    got = _read_download(page)
    assert [r["id"] for r in got] == [f"c{i}" for i in range(len(texts))]
    assert [r["label"] for r in got] == want
    assert [r["text"] for r in got[:-1]] == texts[:-1]  # quotes, commas, newlines survive
    assert got[-1]["text"] == "'" + texts[-1]  # a formula cell is neutralised
    for r, v in zip(got, screen_many(texts)):
        assert float(r["score_fraudulent"]) == pytest.approx(v.scores["fraudulent"])
        assert r["tags"] == ";".join(v.tag_ids)
        assert r["needs_review"] == ("yes" if v.needs_review else "no")

    # a row's details open in the result panel
    rows.first.locator("button").click()
    expect(page.locator("#original")).to_have_text(texts[0])


def test_upload_jsonl(page: Page, tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": 1, "text": FRAUD}, ensure_ascii=False),
        "",
        "{not json",
        json.dumps({"id": "night", "text": "您的欠款已逾期，请今天还款。", "received_at": "2026-03-14T23:40:00+08:00", "recipient_role": "contact"}, ensure_ascii=False),
        json.dumps({"id": "no-text", "body": "x"}),
        json.dumps({"id": "xss", "text": XSS[1]}),
        json.dumps({"id": "bad-time", "text": "你好", "received_at": "yesterday"}),
    ]
    path = _write(tmp_path, "messages.jsonl", "\n".join(lines) + "\n")
    page.set_input_files("#file", str(path))
    expect(page.locator("#batch-status")).to_contain_text("messages.jsonl: 6 records, 3 screened, 3 failed")
    rows = page.locator("#batch-table tbody tr")
    assert rows.count() == 6
    labels = [r.get_attribute("data-label") for r in rows.all()]
    assert labels == [
        screen(FRAUD).label,
        "error",
        screen("您的欠款已逾期，请今天还款。", received_at="2026-03-14T23:40:00+08:00", recipient_role="contact").label,
        "error",
        screen(XSS[1]).label,
        "error",
    ]
    expect(rows.nth(5)).to_contain_text("received_at")
    expect(rows.nth(4)).to_contain_text(XSS[1])
    page.select_option("#filter-label", "threatening")
    expect(rows).to_have_count(labels.count("threatening"))
    page.select_option("#filter-label", "")
