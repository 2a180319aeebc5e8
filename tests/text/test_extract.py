from __future__ import annotations

from pathlib import Path

import pytest

from notice_nlp.text.extract import load_page
from notice_nlp.text.normalize import normalize

# A page copied from a web site, written by us with the structure of a scraped article:
# user badge, title, date/views/author line, truncated excerpt, 小編導語 blurb, numbered headings,
# pinyin readings after characters, a title repeated in the body, disclaimer, contact line and
# trailing link lists.
WEB_COPY = """認證用戶

網貸逾期後收到催收簡訊怎麼辦

2025-03-02 09:41:10 瀏覽 作者:林小雨
不少借款人在網貸逾期後會收到各種催收簡訊,其中有些內容真假難辨。本文將從逾期的原因、影

小編導語

不少借款人在網貸逾期後會收到各種催收簡訊,其中有些內容真假難辨。本文將從逾期的原因、影響和應對方法三個方面說明。

一、逾期的原因

1.1 收入不穩定

網貸逾期後收到催收簡訊怎麼辦

很多借款人從事靈活就業,收入來(lái)源不穩(wěn)定,一旦停工就難以按時還款。

1.2 多頭借貸

部分借款人同時在多個平臺借款,以貸養貸,最終超出還款能力。

二、應對方法

2.1.1 主動協商

逾期後應主動聯繫貸款機構協商分期還款,避免問題擴大。

聲明:本文由作者整理,如有侵權請聯繫刪除

內容侵權、刪帖舉報聯繫方式:13800000000 someone@example.com

延伸閱讀主編精選推薦

網貸逾期三個月會怎樣

信用卡逾期如何協商

最新文章

隨機看看
"""


def test_web_copy_is_cleaned() -> None:
    page = load_page(WEB_COPY)
    assert page.format == "text"
    assert page.title == "網貸逾期後收到催收簡訊怎麼辦"
    assert page.meta == {"date": "2025-03-02", "author": "林小雨"}
    clean = normalize(page.text).text
    for chrome in ("认证用户", "浏览", "小编导语", "声明", "侵权", "延伸阅读", "最新文章", "随机看看", "网贷逾期三个月会怎样", "影\n"):
        assert chrome not in clean, chrome
    assert "(lái)" not in clean and "来源不稳定" in clean
    assert clean.count("网贷逾期后收到催收简讯怎么办") == 0  # repeated title dropped
    assert clean.startswith("不少借款人在网贷逾期后")


def test_web_copy_sections() -> None:
    page = load_page(WEB_COPY)
    got = [(normalize(s.heading).text if s.heading else None, s.level) for s in page.sections]
    assert got == [
        (None, 0),
        ("一、逾期的原因", 1),
        ("1.1 收入不稳定", 2),
        ("1.2 多头借贷", 2),
        ("二、应对方法", 1),
        ("2.1.1 主动协商", 3),
    ]
    for s in page.sections:
        assert 0 <= s.start <= s.end <= len(page.text)
        if s.heading:
            assert page.text[s.heading_start : s.heading_end] == s.heading
    last = page.sections[-1]
    assert "主动协商" in normalize(page.text[last.start : last.end]).text


HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>小贷逾期的原因与对策 - 某某财经网</title>
<meta name="author" content="王编辑"><meta property="article:published_time" content="2025-06-01T08:00:00+08:00">
<style>.x{color:red}</style><script>var a = "逾期 征信 催收";</script></head>
<body><nav><a href="/">首页</a> <a href="/loan">贷款</a></nav>
<div class="breadcrumb">首页 &gt; 贷款 &gt; 正文</div>
<div class="article-content"><h1>小贷逾期的原因与对策</h1>
<p class="info">作者：王编辑 阅读：1234</p>
<h2>一、逾期的原因</h2><p>部分借款人<strong>过度负债</strong>，在多个平台借款。</p>
<h2>二、应对策略</h2><p>贷款机构应加强贷后管理，建立预警机制。</p><p>借款人应主动协商还款。
</div>
<div class="related"><h3>相关推荐</h3><ul><li>信用卡逾期怎么办</li></ul></div>
<footer>版权所有 © 某某财经网 京ICP备00000000号</footer></body></html>"""


def test_html_page() -> None:
    page = load_page(HTML)
    assert page.format == "html"
    assert page.title == "小贷逾期的原因与对策"
    assert page.meta["author"] == "王编辑"
    assert page.meta["date"].startswith("2025-06-01")
    assert page.headings == ["一、逾期的原因", "二、应对策略"]
    assert "部分借款人过度负债，在多个平台借款。" in page.text  # inline tags do not split lines
    for chrome in ("首页", "var a", "color", "相关推荐", "信用卡逾期怎么办", "版权所有", "阅读"):
        assert chrome not in page.text, chrome
    assert "借款人应主动协商还款。" in page.text  # unclosed <p> still yields its text


@pytest.mark.parametrize(
    "broken",
    [
        "<html><body><div><p>逾期的原因是收入不稳定。<div><p>对策是协商。",
        "<p>逾期的原因是收入不稳定。</div></div></span><p>对策是协商。</p>",
        "<div class='content'><h2>原因<p>收入不稳定。<h2>对策</h3><p>协商。</p>",
    ],
)
def test_broken_html_still_yields_text(broken: str) -> None:
    page = load_page(broken, html=True)
    clean = page.text
    assert "收入不稳定" in clean
    assert "协商" in clean


def test_bytes_and_paths(tmp_path: Path) -> None:
    p = tmp_path / "a.html"
    p.write_bytes(HTML.replace('charset="utf-8"', 'charset="gb18030"').encode("gb18030"))
    assert load_page(p).title == "小贷逾期的原因与对策"
    assert load_page(WEB_COPY.encode("big5", errors="ignore")).title is not None


def test_empty_and_bad_types() -> None:
    page = load_page("")
    assert page.text == "" and page.sections == ()
    with pytest.raises(TypeError, match="source"):
        load_page(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("line", "is_heading"),
    [
        ("一、逾期原因分析", True),
        ("（二）应对策略", True),
        ("2.1.1 收入不稳定", True),
        ("# 小额贷款逾期的主要起因", True),
        ("第三章 对策建议", True),
        ("为什么会出现逾期？", True),
        ("2024年逾期率上升到3.5%,原因是多方面的。", False),
        ("1. 借款人应该主动与机构沟通，说明自己的困难并申请延期还款，避免产生更多罚息和不良记录。", False),
    ],
)
def test_heading_recognition(line: str, is_heading: bool) -> None:
    page = load_page("标题行\n" + line + "\n正文第一句话写在这里，内容比较长，不是标题。")
    assert (line in page.headings) is is_heading


def test_deeply_nested_markup_neither_recurses_nor_goes_quadratic() -> None:
    deep_inline = "<p>" + "<b>" * 5000 + "逾期的原因是收入不稳定。" + "</b>" * 5000 + "</p>"
    assert "收入不稳定" in load_page(deep_inline, html=True).text
    deep_blocks = "<html><body>" + '<div class="content">' * 3000 + "一、原因<p>多头借贷。</p>" + "</div>" * 3000 + "</body></html>"
    page = load_page(deep_blocks)
    assert "多头借贷" in page.text


def test_a_one_line_text_is_body_not_title() -> None:
    page = load_page("借款人多头借贷导致逾期")
    assert page.title is None and page.text == "借款人多头借贷导致逾期"
