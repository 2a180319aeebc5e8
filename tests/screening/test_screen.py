from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

import notice_nlp
from notice_nlp.screening.screen import screen, screen_many

# (message, expected label, a tag that must be present or None, a reason substring of the ORIGINAL text)
CASES = [
    ("【招商银行】尊敬的王先生，您尾号6688的信用卡本期账单应还3,256.80元，已逾期5天，请通过招商银行App还款，如有困难可致电95555申请分期。", "legitimate", None, None),
    ("【某某消费金融】李女士，您的借款已逾期32天，欠款4,120元，请于12月5日前通过官方App还款，逾期记录将按规定报送征信。", "legitimate", None, None),
    ("再不还钱，明天带兄弟去你家，打断你的腿", "threatening", "threat_violence", "打断你的腿"),
    ("你的案件已移交经侦，明日将上门拘捕，现在登录App还款还来得及。", "threatening", "false_legal_consequence", None),
    ("老赖，再不还钱就把你的照片发到你通讯录所有人", "threatening", "privacy_disclosure", None),
    ("【工商银行】请今日内将结清款转至专员王经理个人账户6222020012345678，户名王强，可减免利息。", "fraudulent", "fraud_private_payment", None),
    ("XX区人民法院执行局：您已被立案，今日18点前扫码缴纳和解金3000元可撤诉，否则强制拘留。", "fraudulent", "fraud_fake_court_lawyer", None),
    ("您在大学期间开通的校园贷账户不符合国家规定，需今天注销，否则影响征信，请加QQ联系注销专员。", "fraudulent", "fraud_cancel_campus_loan", None),
    ("內部渠道3天消除逾期記錄，包過，先付服務費，加V：cx2026", "fraudulent", "fraud_credit_repair", None),
]


@pytest.mark.parametrize(("text", "label", "tag", "reason"), CASES)
def test_screen_table(text: str, label: str, tag: str | None, reason: str | None) -> None:
    v = screen(text)
    assert v.label == label, (v.label, v.scores, [r.rule_id for r in v.reasons])
    if tag:
        assert tag in v.tag_ids
    if reason:
        assert any(r.text == reason or reason in r.text for r in v.reasons)


@pytest.mark.parametrize(("text", "label", "tag", "reason"), CASES)
def test_verdict_invariants(text: str, label: str, tag: str | None, reason: str | None) -> None:
    v = screen(text)
    assert set(v.scores) == {"legitimate", "threatening", "fraudulent"}
    assert abs(sum(v.scores.values()) - 1) < 1e-3
    if v.label != "legitimate":
        assert v.reasons, "every non-legitimate verdict has a reason"
        assert v.advice
    for r in v.reasons:
        if r.end > r.start:
            assert text[r.start : r.end] == r.text
    for e in v.entities:
        assert text[e["start"] : e["end"]] == e["text"]
    for t in v.tags:
        assert t.citation
    json.dumps(v.to_dict(), ensure_ascii=False)
    assert v.model_version.startswith("lr-") and v.rules_version


def test_offsets_into_original_after_normalisation() -> None:
    text = "【某贷】再不還錢就把你的照片發到你通 訊 錄所有人"
    v = screen(text)
    assert v.label == "threatening"
    for r in v.reasons:
        if r.end > r.start:
            assert text[r.start : r.end] == r.text


def test_safety_hint_is_not_fraud() -> None:
    v = screen("【招商银行】您的信用卡已逾期3天，请通过招商银行App还款。我行不会要求您向个人账户转账，也不会索要验证码，谨防诈骗。")
    assert v.label == "legitimate"


def test_metadata_changes_only_what_it_should() -> None:
    text = "【某某消费金融】您的借款已逾期10天，欠款2,000元，请尽快通过官方App还款。"
    assert screen(text).label == "legitimate"
    night = screen(text, received_at="2026-03-14T23:40:00+08:00")
    assert night.label == "threatening" and "odd_hours" in night.tag_ids
    assert night.needs_review  # the only violation comes from metadata
    day = screen(text, received_at="2026-03-14T10:00:00+08:00", sender="10690000123", recipient_role="debtor")
    assert day.label == "legitimate"
    utc = screen(text, received_at="2026-03-14T16:30:00Z")  # 00:30 in China
    assert "odd_hours" in utc.tag_ids
    assert screen(text, received_at="2026-03-14T02:00:00Z").label == "legitimate"  # 10:00 in China
    contact = screen(text.replace("您的借款", "张三的借款"), recipient_role="contact")
    assert "contact_third_party" in contact.tag_ids


def test_bad_input() -> None:
    v = screen("   ")
    assert v.needs_review and v.reasons == []
    with pytest.raises(TypeError, match="text"):
        screen(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="metadata"):
        screen("你好", colour="red")
    with pytest.raises(ValueError, match="received_at"):
        screen("你好", received_at="yesterday")


def test_large_message_works() -> None:
    v = screen("请尽快还款。" * 150_000)  # ~900k characters
    assert v.label in ("legitimate", "threatening", "fraudulent")


def test_screen_many_matches_screen_and_keeps_order() -> None:
    texts = [c[0] for c in CASES] * 3
    many = list(screen_many(texts, batch_size=4))
    assert [v.label for v in many] == [screen(t).label for t in texts]


def test_thread_safe() -> None:
    texts = [c[0] for c in CASES]
    expected = [screen(t).label for t in texts]
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                assert [screen(t).label for t in texts] == expected
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_public_api() -> None:
    assert notice_nlp.screen is screen or notice_nlp.screen("你好").label


def test_shipped_model_is_not_a_pickle() -> None:
    folder = Path(notice_nlp.__file__).parent / "screening" / "model"
    meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    assert meta["info"]["corpus_hash"] and meta["info"]["versions"]["scikit-learn"]
    with np.load(folder / "model.npz", allow_pickle=False) as arrays:
        assert arrays["coef"].shape[0] == 3


@pytest.mark.parametrize("text", ["ok", "b", "hi", "您好", "收到", "谢谢", "a" * 5000, "今天天气不错，我们去公园散步吧。"])
def test_off_topic_is_not_accused(text: str) -> None:
    v = screen(text)
    assert v.label == "legitimate"


@pytest.mark.parametrize(
    ("text", "on_topic"),
    [
        ("周末记得给外婆打个电话，她念叨你好几天了", False),  # 打电话, not 打你
        ("你先休息吧，明早我来叫你", False),  # 休息, not 利息
        ("冰箱里还剩半个西瓜，你下班带点回去", False),  # 还剩, not 还钱
        ("这部剧笑死我了，你快去看", False),  # 笑死, not 弄死
        ("你家里的wifi密码是多少？我到了", True),  # 你家里 stays a topic word (去你家里): the model decides
        ("再不还等着瞧", True),
        ("你借的钱什么时候还上", True),
        ("逾期利息每天都在涨", True),
        ("信不信我找人打断你的腿", True),
        ("你家里人的电话我们都有", True),
        ("你还有三天时间，过了别怪我们", True),  # threat idioms without a debt word
        ("信不信我打得你满地找牙", True),
        ("你还敢不接电话？", True),
    ],
)
def test_topic_words_are_words_not_characters(text: str, on_topic: bool) -> None:
    """The off-topic gate's topic words (rules/screening/decision.toml) must not fire on the
    everyday senses of 打, 息, 还, 死."""
    from notice_nlp.screening.screen import _topic_words
    from notice_nlp.text.normalize import normalize

    assert (_topic_words().search(normalize(text).text) is not None) == on_topic


@pytest.mark.parametrize("folder", ["offtopic", "offtopic2"])
def test_everyday_messages_are_rarely_accused(folder: str) -> None:
    """Everyday messages (corpora/sms/offtopic*, not used for training): at most 5 % may be
    labelled threatening or fraudulent without needs_review, at most 15 % at all."""
    import json as _json
    from pathlib import Path as _Path

    path = _Path(__file__).resolve().parents[2] / "corpora" / "sms" / folder / f"{folder}.jsonl"
    msgs = [_json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    verdicts = list(screen_many([m["text"] for m in msgs]))
    accused = [v for v in verdicts if v.label != "legitimate"]
    confident = [v for v in accused if not v.needs_review]
    assert len(confident) <= 0.05 * len(msgs), [v.reasons[:1] for v in confident]
    assert len(accused) <= 0.15 * len(msgs), len(accused)


@pytest.mark.parametrize(
    "text",
    ["", "【招商银行】您的信用卡已逾期，请致电95555。", "安全账户转账，否则冻结，加微信abc123", "再不还钱打断你的腿 https://x.example.com/a"],
)
def test_to_dict_is_asdict(text: str) -> None:
    """The hand-written to_dict (faster) carries exactly what dataclasses.asdict would."""
    from dataclasses import asdict

    v = screen(text)
    assert v.to_dict() == asdict(v)


def test_to_dict_copies_nested_entity_values() -> None:
    v = screen("您在XX平台借款已逾期3天，否则将起诉至北京市朝阳区人民法院")
    d = v.to_dict()
    court = next(e for e in d["entities"] if isinstance(e["value"], dict))
    court["value"]["name"] = "changed"
    assert all(not isinstance(e["value"], dict) or e["value"].get("name") != "changed" for e in v.entities)
