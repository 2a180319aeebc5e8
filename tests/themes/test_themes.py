"""Theme extraction: negation flip, section context, spun wording, Traditional + pinyin input,
evidence offsets, fingerprints. Texts here are written for the tests (no seed sentences)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notice_nlp.text.extract import load_page
from notice_nlp.themes import ArticleReport, analyze, similarity
from notice_nlp.themes.match import classify_heading
from notice_nlp.themes.rules import themes

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "corpora" / "articles"

ORIGINAL = """县城小贷公司逾期问题浅析

一、逾期的主要原因
不少借款人同时在多个平台借款，以贷养贷，负债早已超出还款能力。
部分机构缺乏有效的贷后管理，借款人出现异常时未能及时发现。
另外，一些借款人对合同条款并不了解，也不清楚利率如何计算。

二、逾期带来的影响
逾期会产生罚息和违约金，借款人的负担明显加重，信用记录受损。

三、应对措施
机构应建立贷后跟踪机制，定期回访借款人，做到早发现、早干预。
对暂时困难的客户，可以调整还款计划或给予宽限期。
借款人遇到困难时应主动联系机构协商还款。
"""

# the same article re-worded the way SEO spinners do it
SPUN = """县城小贷公司逾期难题浅析

一、逾期的主要起因
不少借款方同时在多个平台借款，以贷养贷，负债早已超出还款能力。
局部机构缺乏有效的贷后管理，借款方出现异常时未能即时发现。
另外，一些借款方对合同条款并不熟悉，也不清楚利率如何计算。

二、逾期带来的作用
逾期会产生罚息和违约金，借款方的负担明显加重，信用记录受损。

三、应对举措
机构应建立贷后跟踪机制，定期回访借款方，做到早发现、早干预。
对暂时困难的客户，可以调整还款计划或给予宽限期。
借款方遇到困难时应主动联系机构协商还款。
"""

EXPECTED = {
    "cause.over_borrowing",
    "cause.weak_post_loan",
    "cause.low_financial_literacy",
    "impact.financial_burden",
    "impact.credit_record",
    "strategy.post_loan_monitoring",
    "strategy.flexible_repayment",
    "strategy.negotiation",
}


def _ids(report: ArticleReport) -> set[str]:
    return set(report.theme_ids)


def _check_offsets(report: ArticleReport) -> None:
    for hit in report.themes:
        assert hit.evidence, hit.id
        scores = [hit.score]
        assert all(0.0 <= s <= 1.0 for s in scores)
        for ev in hit.evidence:
            assert 0 <= ev.start < ev.end <= len(report.text)
            assert report.text[ev.start : ev.end] == ev.sentence
    for sec in report.sections:
        assert 0 <= sec.start <= sec.end <= len(report.text)


def test_taxonomy_ids_match_domain() -> None:
    ids = {t.id for t in themes()}
    assert len(ids) == 14 + 13 + 5
    assert {"cause.weak_post_loan", "strategy.post_loan_monitoring", "impact.systemic"} <= ids
    for t in themes():
        assert t.id.startswith(t.kind + "."), t.id


@pytest.mark.parametrize("text", [ORIGINAL, SPUN], ids=["original", "spun"])
def test_expected_themes(text: str) -> None:
    report = analyze(text)
    assert _ids(report) == EXPECTED
    _check_offsets(report)


def test_spun_copy_same_themes_and_spin_score() -> None:
    a, b = analyze(ORIGINAL), analyze(SPUN)
    assert _ids(a) == _ids(b)
    assert b.spin.score > 0.5 > a.spin.score
    pairs = {(p.variant, p.canonical) for p in b.spin.pairs}
    assert ("起因", "原因") in pairs and ("举措", "措施") in pairs and ("作用", "影响") in pairs
    assert similarity(a.fingerprint, b.fingerprint) >= 0.5


@pytest.mark.parametrize(
    ("heading", "role"),
    [
        ("二、逾期的主要原因", "cause"),
        ("（二）起因剖析", "cause"),
        ("为什么会逾期？", "cause"),
        ("三、应对举措", "strategy"),
        ("逾期了怎么办？", "strategy"),
        ("4. 对策建议", "strategy"),
        ("三、逾期带来的作用", "impact"),
        ("逾期会有什么后果？", "impact"),
        ("五、典型案例", "other"),
        ("原因与对策速览", "mixed"),
        ("2.1 超前消费观念盛行", None),
    ],
)
def test_heading_roles(heading: str, role: str | None) -> None:
    assert classify_heading(heading) == role


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        # negation inside a cause section: strategy cue → cause
        ("一、逾期的原因\n部分机构缺乏贷后管理，风险信号未能及时发现。\n", {"cause.weak_post_loan"}, {"strategy.post_loan_monitoring"}),
        # the same cue without negation in a strategy section stays a strategy
        ("一、应对措施\n机构要完善贷后管理，建立定期回访和风险预警机制。\n", {"strategy.post_loan_monitoring"}, {"cause.weak_post_loan"}),
        # negation without any heading
        ("这家公司的贷后跟踪缺位，风险预警缺失，问题发现得太晚。\n", {"cause.weak_post_loan"}, {"strategy.post_loan_monitoring"}),
        ("不少小贷公司的信用评估体系不完善，资质审核流于形式。\n", {"cause.lax_underwriting"}, {"strategy.underwriting"}),
        ("一些平台的数据尚未接入征信系统，机构之间信息不对称。\n", {"cause.info_asymmetry"}, {"strategy.information_sharing"}),
    ],
    ids=["cause-section", "strategy-section", "no-heading", "underwriting", "info-sharing"],
)
def test_negation_flip(text: str, present: set[str], absent: set[str]) -> None:
    ids = _ids(analyze(text))
    assert present <= ids
    assert not (absent & ids)


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        # a denied cause is not reported; the cause the sentence does state still is
        ("一、逾期的原因\n他并没有多头借贷，而是收入不稳定。\n", {"cause.unstable_income"}, {"cause.over_borrowing"}),
        ("一、逾期的原因\n这次逾期并非因为多头借贷，而是家人突发重大疾病。\n", {"cause.sudden_event"}, {"cause.over_borrowing"}),
        ("一、逾期的原因\n他从来没有在多个平台借款。\n", set(), {"cause.over_borrowing"}),
        ("一、逾期的原因\n他不是因为炒股亏钱，而是失业了。\n", {"cause.unstable_income"}, {"cause.fund_misuse"}),
        ("一、逾期的原因\n他逾期不是由于超前消费。\n", set(), {"cause.over_consumption"}),
        ("他逾期并非因为多头借贷，也不是以贷养贷。\n", set(), {"cause.over_borrowing"}),
        ("一、逾期的原因\n他並沒有多頭借貸，而是收入不穩定。\n", {"cause.unstable_income"}, {"cause.over_borrowing"}),
        # positive counterparts: the same causes stated
        ("一、逾期的原因\n他同时在多个平台借款，多头借贷，以贷养贷。\n", {"cause.over_borrowing"}, set()),
        ("一、逾期的原因\n他逾期是由于超前消费。\n", {"cause.over_consumption"}, set()),
        ("他逾期是因为多头借贷，以贷养贷。\n", {"cause.over_borrowing"}, set()),
        ("一、逾期的原因\n他多頭借貸，以貸養貸。\n", {"cause.over_borrowing"}, set()),
        # a denial word that is not right before the cue denies nothing
        ("一、逾期的原因\n没想到他竟然多头借贷。\n", {"cause.over_borrowing"}, set()),
        # where the absence is the cause, 没有 states it
        ("一、逾期的原因\n很多借款人根本没有还款意愿。\n", {"cause.moral_hazard"}, set()),
        ("一、逾期的原因\n一些农户当年几乎没有收成，只能推迟还款。\n", {"cause.seasonal_income"}, set()),
    ],
    ids=[
        "bing-meiyou", "bingfei-yinwei", "conglai-meiyou-zai", "bushi-yinwei", "bushi-youyu",
        "no-heading", "traditional", "pos-over-borrowing", "pos-youyu", "pos-no-heading",
        "pos-traditional", "meixiangdao", "lack-repay-will", "lack-harvest",
    ],
)
def test_cause_denial(text: str, present: set[str], absent: set[str]) -> None:
    report = analyze(text)
    ids = _ids(report)
    assert present <= ids
    assert not (absent & ids)
    _check_offsets(report)


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        # a cause cue under a strategy heading, in prevention wording, is not a cause
        ("三、应对措施\n推动信息共享，避免重复授信，防止借款人多头借贷。\n", {"strategy.information_sharing"}, {"cause.over_borrowing", "cause.info_asymmetry"}),
        # the same cue under a cause heading is a cause
        ("二、逾期的原因\n借款人多头借贷，同时在多个平台借款。\n", {"cause.over_borrowing"}, set()),
        # question headings
        ("为什么会逾期？\n主要是超前消费，冲动消费太多。\n逾期了怎么办？\n尽快主动联系银行协商，申请个性化分期。\n",
         {"cause.over_consumption", "strategy.negotiation", "strategy.flexible_repayment"}, set()),
        # no headings: sentence words decide
        ("逾期的原因在于收入不稳定。银行应当主动与客户沟通协商。\n", {"cause.unstable_income", "strategy.negotiation"}, set()),
    ],
    ids=["strategy-section", "cause-section", "question-headings", "no-heading"],
)
def test_section_context(text: str, present: set[str], absent: set[str]) -> None:
    report = analyze(text)
    ids = _ids(report)
    assert present <= ids
    assert not (absent & ids)
    _check_offsets(report)


TRAD_PINYIN = """網貸逾期的原(yuán)因與對(duì)策

一、逾期的原(yuán)因
很多借款人同時(shí)在多個平臺借款，以貸(dài)養貸(dài)，負債早已超出還款能力。
有的人收入不穩(wěn)定，經營虧損後現金流斷裂。

二、應對策略
借款人應主動(dòng)聯繫平臺協商，申請個性化分期還款。
"""


def test_traditional_with_pinyin() -> None:
    report = analyze(TRAD_PINYIN)
    assert report.script == "traditional"
    assert report.title is not None and "(" not in report.title
    ids = _ids(report)
    assert {"cause.over_borrowing", "cause.unstable_income", "strategy.negotiation", "strategy.flexible_repayment"} <= ids
    _check_offsets(report)
    ev = report.causes[0].evidence[0]
    assert ev.sentence == report.text[ev.start : ev.end]
    assert any(c in ev.sentence for c in "時貸債還穩營斷")  # original script kept


@pytest.mark.parametrize("kind", ["str", "bytes-utf8", "bytes-gb18030", "path", "html"])
def test_source_kinds(kind: str, tmp_path: Path) -> None:
    if kind == "str":
        source: object = ORIGINAL
    elif kind == "bytes-utf8":
        source = ORIGINAL.encode("utf-8")
    elif kind == "bytes-gb18030":
        source = ORIGINAL.encode("gb18030")
    elif kind == "path":
        p = tmp_path / "a.txt"
        p.write_text(ORIGINAL, encoding="utf-8")
        source = p
    else:
        body = "".join(
            f"<h2>{line}</h2>" if line.endswith(("原因", "影响", "措施")) else f"<p>{line}</p>"
            for line in ORIGINAL.splitlines()[2:]
            if line
        )
        source = f"<!DOCTYPE html><html><head><title>县城小贷公司逾期问题浅析</title></head><body><nav><a href='/'>首页</a></nav><div class='content'>{body}</div></body></html>"
    report = analyze(source)  # type: ignore[arg-type]
    assert _ids(report) == EXPECTED
    _check_offsets(report)


def test_to_dict_contract() -> None:
    report = analyze(ORIGINAL)
    d = report.to_dict()
    assert set(d) == {"title", "script", "sections", "causes", "strategies", "impacts", "keywords", "fingerprint", "spin", "text"}
    assert d["text"] == report.text  # the string every offset indexes
    for t in d["causes"] + d["strategies"] + d["impacts"]:
        for e in t["evidence"]:
            assert d["text"][e["start"] : e["end"]] == e["sentence"]
    assert "text" not in report.to_dict(include_text=False)
    assert set(d["sections"][0]) == {"heading", "level", "start", "end"}
    assert set(d["causes"][0]) == {"id", "label_zh", "score", "evidence"}
    assert set(d["causes"][0]["evidence"][0]) == {"sentence", "start", "end"}
    assert set(d["spin"]) == {"score", "pairs"}
    json.dumps(d, ensure_ascii=False)
    scores = [t["score"] for t in d["causes"]]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("source", ["", "   \n\n", "<html><body><p>未闭合<div>", "\x00\x01\x02"])
def test_degenerate_input_never_crashes(source: str) -> None:
    report = analyze(source)
    assert report.themes == ()
    _check_offsets(report)


def test_keywords() -> None:
    kws = analyze(ORIGINAL).keywords
    terms = [k.term for k in kws]
    assert 0 < len(terms) <= 10
    assert "的" not in terms and all(len(t) >= 2 for t in terms)
    assert any(t in terms for t in ("以贷养贷", "贷后管理", "借款人", "小贷公司"))


# --------------------------------------------------------------------------- corpus files


@pytest.mark.parametrize("name", ["a04.txt", "a15.txt", "a17.txt", "b01.html", "b03.html", "b12.txt"])
def test_corpus_offsets_against_page_text(name: str) -> None:
    path = CORPUS / name
    report = analyze(path)
    page = load_page(path)
    assert report.text == page.text
    _check_offsets(report)
    gold = json.loads((CORPUS / name.rsplit(".", 1)[0]).with_suffix(".gold.json").read_text(encoding="utf-8"))
    assert report.script == gold["script"]


def test_fingerprint_spun_copy_vs_unrelated() -> None:
    original = analyze(CORPUS / "a04.txt")
    spun = analyze(CORPUS / "a12.txt")  # spun_of a04
    unrelated = analyze(CORPUS / "b07.html")
    assert similarity(original.fingerprint, spun.fingerprint) >= 0.7
    assert similarity(original.fingerprint, unrelated.fingerprint) < 0.3
    as_ints = [int(original.fingerprint[i : i + 8], 16) for i in range(0, len(original.fingerprint), 8)]
    assert similarity(as_ints, original.fingerprint) == 1.0


def test_analyze_html_flag() -> None:
    forced_html = analyze("<p>逾期</p>", html=True)
    assert forced_html.text == "逾期" and forced_html.title is None  # one line is body, not a title
    forced_text = analyze("<h1>逾期的原因</h1>\n<p>借款人多头借贷，以贷养贷。</p>", html=False)
    assert "<p>" in forced_text.text  # the plain-text path keeps the tags as characters
    script_only = analyze("<html><head><script>var a = 1;</script></head><body><script>x()</script></body></html>")
    assert script_only.text == "" and script_only.themes == ()
