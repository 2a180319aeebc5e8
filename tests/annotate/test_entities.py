"""Entity recognisers (notice_nlp.annotate.entities; domain.md §5)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notice_nlp.annotate.entities import ENTITY_TYPES, Entity, find_entities, id_checksum_ok, luhn_ok, parse_number
from notice_nlp.text.normalize import normalize

ANY = object()  # "don't check the value"

# (input, type, original substring, value (ANY: not checked), flags that must be present)
POSITIVE: list[tuple[str, str, str, Any, tuple[str, ...]]] = [
    # --- mobile / international / landline / hotline
    ("请致电13800138000", "phone_mobile", "13800138000", "13800138000", ()),
    ("联系 +86 138 0013 8000", "phone_mobile", "+86 138 0013 8000", "13800138000", ("cn_prefix",)),
    ("回电0086-13800138000", "phone_mobile", "0086-13800138000", "13800138000", ("cn_prefix",)),
    ("回电138****8000", "phone_mobile", "138****8000", "138****8000", ("masked",)),
    ("号码138xxxx8000", "phone_mobile", "138xxxx8000", "138xxxx8000", ("masked",)),
    ("１３８００１３８０００", "phone_mobile", "１３８００１３８０００", "13800138000", ()),
    ("速撥幺三八零零一三八零零零", "phone_mobile", "幺三八零零一三八零零零", "13800138000", ()),
    ("请联系+852 6123 4567", "phone_intl", "+852 6123 4567", "+85261234567", ("international",)),
    ("来电00639171234567", "phone_intl", "00639171234567", "+639171234567", ("international",)),
    ("电话0755-26881234转123", "phone_landline", "0755-26881234转123", "0755-26881234转123", ("extension",)),
    ("法院电话(010)62345678", "phone_landline", "(010)62345678", "010-62345678", ()),
    ("热线400-820-1234", "phone_400_800", "400-820-1234", "4008201234", ()),
    ("拨打800 810 8888", "phone_400_800", "800 810 8888", "8008108888", ()),
    ("客服4008**1234", "phone_400_800", "4008**1234", "4008**1234", ("masked",)),
    # --- short codes
    ("详询95588", "short_code", "95588", "95588", ("official", "bank")),
    ("支付宝客服95188", "short_code", "95188", "95188", ("official", "payment")),
    ("请拨打12368核实案件", "short_code", "12368", "12368", ("official", "court")),
    ("来电显示0755-96110", "short_code", "0755-96110", "96110", ("official", "antifraud", "area_code")),
    ("投诉请致电12378", "short_code", "12378", "12378", ("official", "regulator")),
    ("退订请回复10086", "short_code", "10086", "10086", ("official", "carrier")),
    ("请拨打12345咨询", "short_code", "12345", "12345", ("official", "public_service")),
    ("短信端口1069012345678", "short_code", "1069012345678", "1069012345678", ("sms_port",)),
    ("请拨打110报警", "short_code", "110", "110", ("official", "police")),
    ("请致电95123", "short_code", "95123", "95123", ("service",)),
    # --- links
    ("点击 t.cn/AbC12 还款", "url", "t.cn/AbC12", {"url": "t.cn/AbC12", "domain": "t.cn"}, ("shortener",)),
    ("點擊 t . cn / aB12 處理", "url", "t . cn / aB12", {"url": "t.cn/aB12", "domain": "t.cn"}, ("shortener",)),
    ("登录https://www.cmbchina.com/card查询", "url", "https://www.cmbchina.com/card", ANY, ("official",)),
    ("访问 ipcrs.pbccrc.org.cn 查询", "url", "ipcrs.pbccrc.org.cn", {"url": "ipcrs.pbccrc.org.cn", "domain": "ipcrs.pbccrc.org.cn"}, ("official",)),
    ("案件查询 https://zxgk.court.gov.cn/", "url", "https://zxgk.court.gov.cn/", ANY, ("official",)),
    ("立即处理http://jd-repay.top/h5/login。", "url", "http://jd-repay.top/h5/login", ANY, ("risky_token",)),
    ("打开http://192.168.10.5:8080/pay", "url", "http://192.168.10.5:8080/pay", ANY, ("ip", "risky_token")),
    ("打开 10.0.0.8/verify", "url", "10.0.0.8/verify", {"url": "10.0.0.8/verify", "domain": "10.0.0.8"}, ("ip", "risky_token")),
    ("访问 pay点com", "url", "pay点com", {"url": "pay.com", "domain": "pay.com"}, ("risky_token",)),
    ("短链 https://bit.ly/3xYz 查看", "url", "https://bit.ly/3xYz", ANY, ("shortener",)),
    ("WWW.ICBC.COM.CN", "url", "WWW.ICBC.COM.CN", {"url": "WWW.ICBC.COM.CN", "domain": "www.icbc.com.cn"}, ("official",)),
    ("http://www.icbc.com.cn@evil.example/x", "url", "http://www.icbc.com.cn@evil.example/x", ANY, ("userinfo",)),
    ("下载 app.loan-help.xyz/a.apk", "url", "app.loan-help.xyz/a.apk", ANY, ("risky_token",)),
    # --- amounts
    ("欠款￥12,345.67元", "amount", "￥12,345.67元", "12345.67", ()),
    ("应还人民币3000元", "amount", "人民币3000元", "3000", ()),
    ("共计RMB 500", "amount", "RMB 500", "500", ()),
    ("欠款一万二千元", "amount", "一万二千元", "12000", ()),
    ("合计壹万贰仟元整", "amount", "壹万贰仟元整", "12000", ()),
    ("额度1.2万", "amount", "1.2万", "12000", ()),
    ("只需还三千五即可结清", "amount", "三千五", "3500", ()),
    ("欠了2万多", "amount", "2万多", "20000", ("approx",)),
    ("先还100块", "amount", "100块", "100", ()),
    ("本金1万5千元", "amount", "1万5千元", "15000", ()),
    ("结清价5千", "amount", "5千", "5000", ()),
    ("尾款￥1x,xxx元", "amount", "￥1x,xxx元", "1x,xxx", ("masked",)),
    ("请拨打12345元", "amount", "12345元", "12345", ()),
    ("共10000元", "amount", "10000元", "10000", ()),
    ("优惠95000 元", "amount", "95000 元", "95000", ()),
    ("手续费100美元", "amount", "100美元", "100", ("usd",)),
    ("欠款１２，０００元", "amount", "１２，０００元", "12000", ()),
    ("請還款新臺幣以外人民幣伍仟元", "amount", "人民幣伍仟元", "5000", ()),
    # --- dates and deadlines
    ("请于2024年11月10日前还款", "date_deadline", "2024年11月10日", {"date": "2024-11-10"}, ("deadline",)),
    ("到期日11月10日", "date_deadline", "11月10日", {"month_day": "11-10"}, ()),
    ("还款日2024-11-10", "date_deadline", "2024-11-10", {"date": "2024-11-10"}, ()),
    ("账单日2024/3/5", "date_deadline", "2024/3/5", {"date": "2024-03-05"}, ()),
    ("11/10前还款", "date_deadline", "11/10", {"month_day": "11-10"}, ("deadline",)),
    ("请于3/5前处理", "date_deadline", "3/5", {"month_day": "03-05"}, ("deadline",)),
    ("11月10日18:00前", "date_deadline", "11月10日18:00", {"month_day": "11-10", "time": "18:00"}, ("deadline",)),
    ("今天必须还款", "date_deadline", "今天", {"relative": "0d"}, ()),
    ("明天下午3点前", "date_deadline", "明天下午3点前", {"relative": "1d", "time": "15:00"}, ("deadline",)),
    ("今晚12点前不还", "date_deadline", "今晚12点前", {"relative": "0d", "time": "24:00"}, ("deadline",)),
    ("本周五前处理", "date_deadline", "本周五前", {"relative": "week:5"}, ("deadline",)),
    ("24小时内处理", "date_deadline", "24小时内", {"relative": "24h"}, ("within",)),
    ("两小时内", "date_deadline", "两小时内", {"relative": "2h"}, ("within",)),
    ("3个工作日内", "date_deadline", "3个工作日内", {"relative": "3wd"}, ("within",)),
    ("您已逾期15天", "date_deadline", "逾期15天", {"overdue_days": 15}, ("overdue",)),
    ("逾期三个月", "date_deadline", "逾期三个月", {"overdue_months": 3}, ("overdue",)),
    ("請於明天前還款", "date_deadline", "明天前", {"relative": "1d"}, ("deadline",)),
    # --- bank accounts
    ("卡号6222021234567894", "bank_account", "6222021234567894", "6222021234567894", ("luhn_ok", "unionpay")),
    ("卡号6228 4800 1234 5678 903", "bank_account", "6228 4800 1234 5678 903", "6228480012345678903", ("luhn_ok",)),
    ("卡号6222021234567890", "bank_account", "6222021234567890", "6222021234567890", ("unionpay",)),
    ("转入6222****1234", "bank_account", "6222****1234", "6222****1234", ("masked",)),
    ("转入6222 **** **** 1234", "bank_account", "6222 **** **** 1234", "6222********1234", ("masked",)),
    ("您尾号1234的信用卡", "bank_account", "1234", "1234", ("tail",)),
    ("尾号为xx34的账户", "bank_account", "xx34", "xx34", ("tail", "masked")),
    ("卡号６２２２０２１２３４５６７８９４", "bank_account", "６２２２０２１２３４５６７８９４", "6222021234567894", ("luhn_ok",)),
    # --- person ids
    ("身份证11010519491231002X", "person_id", "11010519491231002X", "1101**********002X", ("checksum_ok",)),
    ("证件号330106199003071236", "person_id", "330106199003071236", "3301**********1236", ("checksum_ok",)),
    ("身份证号1101**********1234", "person_id", "1101**********1234", "1101**********1234", ("masked",)),
    ("身份证110101********1234", "person_id", "110101********1234", "1101**********1234", ("masked",)),
    # --- payment handles
    ("支付宝账号：abc@163.com", "payment_handle", "支付宝账号：abc@163.com", "abc@163.com", ("alipay",)),
    ("转到支付宝:13800138000", "payment_handle", "支付宝:13800138000", "13800138000", ("alipay",)),
    ("收款人：张三 卡号6222021234567894", "payment_handle", "收款人：张三", "张三", ("payee", "named")),
    ("户名:王**", "payment_handle", "户名:王**", "王**", ("payee", "named")),
    ("户名：某某商务咨询有限公司", "payment_handle", "户名：某某商务咨询有限公司", "某某商务咨询有限公司", ("payee",)),
    ("请扫码还款", "payment_handle", "扫码", "扫码", ("qr",)),
    ("扫描收款码", "payment_handle", "收款码", "收款码", ("qr",)),
    ("转到对私账户", "payment_handle", "对私账户", "对私账户", ("private_account",)),
    ("转入安全账户核查", "payment_handle", "安全账户", "安全账户", ("safe_account",)),
    # --- IM contacts
    ("加V：abc_123", "contact_im", "abc_123", "abc_123", ("wechat",)),
    ("薇信号 zhang_san88", "contact_im", "zhang_san88", "zhang_san88", ("wechat",)),
    ("ｖх：ab１２cd", "contact_im", "ab１２cd", "ab12cd", ("wechat",)),
    ("扣扣 12345678", "contact_im", "12345678", "12345678", ("qq",)),
    ("加企鹅号：87654321", "contact_im", "87654321", "87654321", ("qq",)),
    ("QQ群:87654321", "contact_im", "87654321", "87654321", ("qq", "group")),
    ("加賴 abc.def", "contact_im", "abc.def", "abc.def", ("line",)),
    ("WhatsApp: loan_help", "contact_im", "loan_help", "loan_help", ("whatsapp",)),
    ("微信:13800138000", "contact_im", "13800138000", "13800138000", ("wechat",)),
    # --- claimed organisations
    ("您在招商银行的借款", "org_claimed", "招商银行", {"name": "招商银行", "kind": "lender", "canonical": "招商银行"}, ("known",)),
    ("工行信用卡中心", "org_claimed", "工行", {"name": "工行", "kind": "lender", "canonical": "中国工商银行"}, ("known",)),
    ("某某农村商业银行提醒", "org_claimed", "某某农村商业银行", {"name": "某某农村商业银行", "kind": "lender", "canonical": "某某农村商业银行"}, ()),
    ("马上消费金融提醒您", "org_claimed", "马上消费金融", ANY, ("known",)),
    ("招联消费金融有限公司", "org_claimed", "招联消费金融有限公司", ANY, ("known",)),
    ("某某消费金融有限公司", "org_claimed", "某某消费金融有限公司", {"name": "某某消费金融有限公司", "kind": "lender", "canonical": "某某消费金融有限公司"}, ()),
    ("某某小额贷款有限公司", "org_claimed", "某某小额贷款有限公司", ANY, ()),
    ("您的京东金条已逾期", "org_claimed", "京东金条", {"name": "京东金条", "kind": "platform", "canonical": "京东金条"}, ("known",)),
    ("360借条提醒", "org_claimed", "360借条", ANY, ("known",)),
    ("北京市朝阳区人民法院执行局通知", "org_claimed", "北京市朝阳区人民法院执行局", {"name": "北京市朝阳区人民法院执行局", "kind": "court", "canonical": "北京市朝阳区人民法院执行局"}, ()),
    ("移交深圳市公安局南山分局", "org_claimed", "深圳市公安局南山分局", ANY, ()),
    ("已移交经侦大队", "org_claimed", "经侦大队", {"name": "经侦大队", "kind": "police", "canonical": "经侦大队"}, ()),
    ("某某区检察院", "org_claimed", "某某区检察院", {"name": "某某区检察院", "kind": "procuratorate", "canonical": "某某区检察院"}, ()),
    ("上报中国人民银行征信中心", "org_claimed", "中国人民银行征信中心", {"name": "中国人民银行征信中心", "kind": "credit_bureau", "canonical": "中国人民银行征信中心"}, ()),
    ("银保监会通知", "org_claimed", "银保监会", {"name": "银保监会", "kind": "regulator", "canonical": "中国银行保险监督管理委员会"}, ("dissolved_regulator",)),
    ("银监会", "org_claimed", "银监会", ANY, ("dissolved_regulator",)),
    ("国家金融监督管理总局", "org_claimed", "国家金融监督管理总局", {"name": "国家金融监督管理总局", "kind": "regulator", "canonical": "国家金融监督管理总局"}, ()),
    ("某某市地方金融管理局", "org_claimed", "地方金融管理局", ANY, ()),
    ("中国互联网金融协会", "org_claimed", "中国互联网金融协会", {"name": "中国互联网金融协会", "kind": "industry_body", "canonical": "中国互联网金融协会"}, ()),
    ("某某仲裁委员会", "org_claimed", "某某仲裁委员会", {"name": "某某仲裁委员会", "kind": "arbitration", "canonical": "某某仲裁委员会"}, ()),
    ("某某律师事务所发函", "org_claimed", "某某律师事务所", {"name": "某某律师事务所", "kind": "law_firm", "canonical": "某某律师事务所"}, ()),
    ("某某资产管理有限公司受托", "org_claimed", "某某资产管理有限公司", {"name": "某某资产管理有限公司", "kind": "collection_agency", "canonical": "某某资产管理有限公司"}, ()),
    ("某某调解中心", "org_claimed", "某某调解中心", {"name": "某某调解中心", "kind": "mediation", "canonical": "某某调解中心"}, ()),
    ("最高人民法院执行中心", "org_claimed", "最高人民法院执行中心", ANY, ("invented_body",)),
    ("国家征信管理局通知", "org_claimed", "国家征信管理局", {"name": "国家征信管理局", "kind": "credit_bureau", "canonical": "国家征信管理局"}, ("invented_body",)),
    ("国家反诈中心资金清查部", "org_claimed", "国家反诈中心资金清查部", ANY, ("invented_body",)),
    ("【國家金融監督管理總局】您的帳戶", "org_claimed", "國家金融監督管理總局", ANY, ("known",)),
    ("征 信 中 心", "org_claimed", "征 信 中 心", ANY, ()),
    # --- sender tags
    ("【招商银行】您的账单已出", "sender_tag", "【招商银行】", "招商银行", ("start",)),
    ("您的账单已出【某某消费金融】", "sender_tag", "【某某消费金融】", "某某消费金融", ("end",)),
    ("【招商銀行】您的帳單", "sender_tag", "【招商銀行】", "招商银行", ("start",)),
    # --- case numbers
    ("案号（2024）京0105民初12345号", "case_number", "（2024）京0105民初12345号", "(2024)京0105民初12345号", ("court_format",)),
    ("(2023)粤03执1234号", "case_number", "(2023)粤03执1234号", "(2023)粤03执1234号", ("court_format",)),
    ("案件编号:AJ20241110001", "case_number", "AJ20241110001", "AJ20241110001", ("nonstandard",)),
    ("工单号 WD-88231", "case_number", "WD-88231", "WD-88231", ("nonstandard",)),
    ("案号:(2024)执字第1234号", "case_number", "(2024)执字第1234号", ANY, ("nonstandard",)),
]

# (input, entity type, original substring or None = no entity of that type at all)
TRAPS: list[tuple[str, str, str | None]] = [
    # money vs counts and ratios
    ("宽限3天", "amount", None),
    ("共100个用户", "amount", None),
    ("已有2万人办理", "amount", None),
    ("这是第3期", "amount", None),
    ("利率5%", "amount", None),
    ("版本1.2更新", "amount", None),
    ("3.15晚会", "amount", None),
    ("一起努力", "amount", None),
    ("3千米", "amount", None),
    # dates vs versions and fractions
    ("升级到v2.1", "date_deadline", None),
    ("1/3的人逾期", "date_deadline", None),
    ("3.15晚会", "date_deadline", None),
    ("第1/12期", "date_deadline", None),
    ("版本2024.13.40", "date_deadline", None),
    ("13月40日", "date_deadline", None),
    ("每周一次", "date_deadline", None),
    # amounts vs hotlines
    ("请拨打12345元", "short_code", None),
    ("共10000元", "short_code", None),
    ("优惠95000 元", "short_code", None),
    ("已有10000人", "short_code", None),
    ("第10086期", "short_code", None),
    ("编号12000", "short_code", None),
    # cards vs phones vs ID numbers
    ("电话13800138000", "bank_account", None),
    ("身份证11010519491231002X", "bank_account", None),
    ("证件号330106199003071236", "bank_account", None),
    ("手机尾号1234", "bank_account", None),
    ("订单20241110123456", "phone_mobile", None),
    ("电话13800138000", "person_id", None),
    # links
    ("邮箱abc@163.com", "url", None),
    ("版本1.2.3.4", "url", None),
    ("合同.pdf已发送", "url", None),
    # organisations
    ("请使用手机银行还款", "org_claimed", None),
    ("各大商业银行", "org_claimed", None),
    ("我没有钱花了", "org_claimed", None),
    ("这是律师函", "org_claimed", None),
    # IM
    ("online 12345678", "contact_im", None),
    ("微信公众号", "contact_im", None),
    # tags only at the very start or end
    ("您好【招商银行】提醒您还款", "sender_tag", None),
]


def _entities(text: str) -> list[Entity]:
    norm = normalize(text)
    ents = find_entities(norm)
    for e in ents:
        assert norm.original[e.start : e.end] == e.text, e
        assert norm.text[e.norm_start : e.norm_end], e
    return ents


@pytest.mark.parametrize(("text", "etype", "sub", "value", "flags"), POSITIVE)
def test_positive(text: str, etype: str, sub: str, value: Any, flags: tuple[str, ...]) -> None:
    ents = _entities(text)
    hits = [e for e in ents if e.type == etype and e.text == sub]
    assert hits, f"no {etype} {sub!r} in {text!r}: {[(e.type, e.text, e.value) for e in ents]}"
    e = hits[0]
    if value is not ANY:
        assert e.value == value
    assert set(flags) <= set(e.flags), e.flags


@pytest.mark.parametrize(("text", "etype", "sub"), TRAPS)
def test_traps(text: str, etype: str, sub: str | None) -> None:
    ents = _entities(text)
    bad = [e for e in ents if e.type == etype and (sub is None or e.text == sub)]
    assert not bad, bad


def test_unofficial_code_and_link_are_not_official() -> None:
    ents = _entities("请致电95123或访问 https://cmbchina.com.verify-card.top/pay")
    code = next(e for e in ents if e.type == "short_code")
    url = next(e for e in ents if e.type == "url")
    assert "official" not in code.flags
    assert "official" not in url.flags and "risky_token" in url.flags
    assert url.value["domain"] == "cmbchina.com.verify-card.top"


def test_official_host_words_are_not_risky() -> None:
    url = next(e for e in _entities("访问 https://www.alipay.com/") if e.type == "url")
    assert url.flags == ("official",)


@pytest.mark.parametrize(
    "link",
    [
        "https://docs.qq.com/form/page/DRmFakeForm",  # 腾讯文档: anyone's document
        "https://wj.qq.com/s2/1234567/abcd",  # 腾讯问卷: anyone's form
        "https://mp.weixin.qq.com/s/AbCdEf",  # 公众号 article: any account
        "https://qr.alipay.com/fkx12345abcde",  # anyone's Alipay payment code
        "http://refund-center.qq.com/",  # an arbitrary subdomain of a content platform
        "https://shop123.jd.com/",
        "https://loan.meituan.com.example/",
    ],
)
def test_user_content_hosts_are_not_official(link: str) -> None:
    url = next(e for e in _entities(f"请打开 {link} 完成办理") if e.type == "url")
    assert "official" not in url.flags, url


@pytest.mark.parametrize(
    "link", ["https://weixin.qq.com/", "https://kf.qq.com/", "https://www.jd.com/", "https://www.icbc.com.cn/x"]
)
def test_listed_official_hosts_stay_official(link: str) -> None:
    url = next(e for e in _entities(f"官网 {link} 查询") if e.type == "url")
    assert "official" in url.flags


def test_lexicons_come_from_rules_file() -> None:
    from notice_nlp.resources import load_toml

    data = load_toml("screening", "entities.toml")
    assert "安全账户" in data["payment_keywords"]["safe_account"]
    assert "资金清查账户" in data["payment_keywords"]["safe_account"]
    handle = next(e for e in _entities("请转入资金清查账户") if e.type == "payment_handle")
    assert handle.flags == ("safe_account",) and handle.value == "资金清查账户"
    amount = next(e for e in _entities("共计50美元") if e.type == "amount")
    assert "usd" in amount.flags


def test_date_and_money_words_come_from_rules_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """The recognisers hold no word lists of their own: a word added to the rules file is read."""
    import copy

    from notice_nlp.annotate import entities as ent
    from notice_nlp.resources import load_toml

    data = copy.deepcopy(load_toml("screening", "entities.toml"))
    data["dates"]["relative_days"]["大后天"] = "3d"
    data["dates"]["duration_units"]["礼拜"] = "w"
    data["currencies"]["other_units"].append("英镑")
    data["currencies"]["flags"]["英镑"] = "gbp"
    monkeypatch.setattr(ent, "load_toml", lambda *parts: data)
    for cached in (ent._lex, ent._lists, ent._patterns):
        cached.cache_clear()
    try:
        found = {(e.type, str(e.value)): e for e in _entities("请于大后天前还款50英镑，2礼拜内处理")}
        assert ("date_deadline", "{'relative': '3d'}") in found
        assert ("date_deadline", "{'relative': '2w'}") in found
        assert "gbp" in found[("amount", "50")].flags
    finally:
        monkeypatch.undo()
        for cached in (ent._lex, ent._lists, ent._patterns):
            cached.cache_clear()
    assert not any(e.type == "amount" for e in _entities("还款50英镑"))


def test_long_message_full_of_entities() -> None:
    # Overlap resolution used to compare each candidate with every span kept (quadratic):
    # 200k characters of repeated scam text must still go through (no timing threshold here).
    unit = "请将款项转至专员个人账户6222020012345678，户名王强。"
    n = 200_000 // len(unit)
    ents = find_entities(normalize(unit * n))
    by_type: dict[str, int] = {}
    for e in ents:
        by_type[e.type] = by_type.get(e.type, 0) + 1
    assert by_type == {"payment_handle": 2 * n, "bank_account": n}
    spans = [(e.norm_start, e.norm_end) for e in ents if e.type == "bank_account"]
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_national_regulator_is_not_dissolved() -> None:
    org = next(e for e in _entities("国家金融监督管理总局") if e.type == "org_claimed")
    assert "dissolved_regulator" not in org.flags


def test_person_id_value_is_redacted() -> None:
    ents = _entities("身份证11010519491231002X，请核对")
    pid = next(e for e in ents if e.type == "person_id")
    assert "11010519491231002X" not in json.dumps(pid.value)
    assert pid.value == "1101**********002X"


def test_full_message() -> None:
    text = (
        "【招商銀行】您尾號1234的信用卡已逾期30天，欠款￥12,345.67元，請於2024年11月10日前還款，"
        "詳詢95555或點擊 t.cn/AbC12，加V：abc_123"
    )
    ents = _entities(text)
    got = {(e.type, e.text) for e in ents}
    assert {
        ("sender_tag", "【招商銀行】"),
        ("org_claimed", "招商銀行"),
        ("bank_account", "1234"),
        ("date_deadline", "逾期30天"),
        ("amount", "￥12,345.67元"),
        ("date_deadline", "2024年11月10日"),
        ("short_code", "95555"),
        ("url", "t.cn/AbC12"),
        ("contact_im", "abc_123"),
    } <= got
    assert [e.start for e in ents] == sorted(e.start for e in ents)


def test_numbers_and_links_do_not_overlap() -> None:
    text = "卡号6222 0212 3456 7894，电话13800138000，案号（2024）京0105民初12345号，链接http://a.example/12345"
    ents = [e for e in _entities(text) if e.type in ENTITY_TYPES[:11]]
    spans = sorted((e.start, e.end) for e in ents)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), spans
    assert not any(e.type == "short_code" for e in ents)  # 12345 inside the case number and the link


def test_to_dict_is_json() -> None:
    ents = _entities("【招商银行】尾号1234，欠款1.2万，请于11月10日前还款，案号（2024）京0105民初12345号")
    for e in ents:
        d = e.to_dict()
        assert set(d) == {"type", "text", "start", "end", "value", "flags"}
        assert json.loads(json.dumps(d, ensure_ascii=False)) == d


def test_empty_and_plain_text() -> None:
    assert find_entities(normalize("")) == []
    assert find_entities(normalize("您好")) == []


@pytest.mark.parametrize(
    ("raw", "value"),
    [("一万二千", "12000"), ("壹万贰仟", "12000"), ("1.2万", "12000"), ("三千五", "3500"), ("一万二", "12000"),
     ("一千零五", "1005"), ("二十五", "25"), ("1万2345", "12345"), ("1,200.50", "1200.50"), ("两百", "200"),
     ("1亿2000万", "120000000")],
)
def test_parse_number(raw: str, value: str) -> None:
    assert parse_number(raw) == parse_number(value)


def test_checksums() -> None:
    assert luhn_ok("6222021234567894") and not luhn_ok("6222021234567890")
    assert id_checksum_ok("11010519491231002X") and not id_checksum_ok("110105194912310021")


_ALPHABET = st.sampled_from(
    list("0123456789０１２３xX*-/.:：，。 ¥￥元万千天号年月日期【】()（）+@_abcAZ")
    + ["逾期", "欠款", "银行", "法院", "微信", "QQ", "尾号", "支付宝", "http://", "t.cn/", "一", "二", "三", "幺",
       "加V", "薇信", "案号", "身份证", "人民币", "\u200b", "征 信", "🙂", "\n"]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_random_text_never_crashes(text: str) -> None:
    norm = normalize(text)
    ents = find_entities(norm)
    for e in ents:
        assert 0 <= e.start <= e.end <= len(norm.original)
        assert 0 <= e.norm_start < e.norm_end <= len(norm.text)
        assert norm.original[e.start : e.end] == e.text
        assert e.type in ENTITY_TYPES
        json.dumps(e.to_dict(), ensure_ascii=False)
    assert [e.start for e in ents] == sorted(e.start for e in ents)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_unicode_never_crashes(text: str) -> None:
    norm = normalize(text)
    for e in find_entities(norm):
        assert norm.original[e.start : e.end] == e.text


# --- prechecks that skip work (notice_nlp.annotate.entities: ``_Ctx`` facts, ``_holds_any``)
# Each recogniser, or one of its patterns, is skipped when a cheap fact about the text shows it
# cannot match: too few digits or too short a run of them, no mask character, none of the
# words a pattern starts with or ends on. The texts below sit at those thresholds; each entity
# must still be found.
GATED: list[tuple[str, str, str]] = [
    ("请拨打12368核实", "short_code", "12368"),  # five digits in a row: the shortest code
    ("来电显示0755-96110", "short_code", "0755-96110"),
    ("端口1069012345678", "short_code", "1069012345678"),
    ("请拨打110报警", "short_code", "110"),  # the police code has only three digits
    ("电话138xxxx800x", "phone_mobile", "138xxxx800x"),  # six digits: the fewest a number keeps
    ("卡号6222****1234", "bank_account", "6222****1234"),  # a run of four, eight digits in all
    ("尾号xxxx的卡", "bank_account", "xxxx"),  # no digit at all
    ("身份证1101**********1234", "person_id", "1101**********1234"),
    ("已逾期三十天", "date_deadline", "逾期三十天"),
    ("超期3期", "date_deadline", "超期3期"),
    ("请在3天内处理", "date_deadline", "3天内"),
    ("24小时之后冻结", "date_deadline", "24小时之后"),
    ("欠款¥1200", "amount", "¥1200"),
    ("人民币500元", "amount", "人民币500元"),
    ("CNY 300", "amount", "CNY 300"),
    ("HK$300", "amount", "HK$300"),
    ("请于周三前还款", "date_deadline", "周三前"),  # payment, IM and relative-date words share one search
    ("收款人：王强", "payment_handle", "收款人：王强"),
    ("加微信abc_123", "contact_im", "abc_123"),
    ("访问 pay.example.com/x 还款", "url", "pay.example.com/x"),  # a dot and a top-level domain
    ("打开 10.0.0.8/verify", "url", "10.0.0.8/verify"),
    ("电话(010)62345678", "phone_landline", "(010)62345678"),  # seven digits in a row
    ("2024年11月10日前", "date_deadline", "2024年11月10日"),  # 年 and 月
    ("请于11月10号前还款", "date_deadline", "11月10号"),  # 月 and 日 or 号
    ("详情请见【招商银行】", "sender_tag", "【招商银行】"),  # the end tag starts at the last 【
    ("欠款共计1.2万", "amount", "1.2万"),  # no unit: a Chinese unit character
    ("共计50美金", "amount", "50美金"),  # units, one of which the text must hold
    ("还款200RMB", "amount", "200RMB"),
    ("需缴3yuan", "amount", "3yuan"),
]


@pytest.mark.parametrize(("text", "etype", "sub"), GATED)
def test_gated_recognisers_still_fire(text: str, etype: str, sub: str) -> None:
    assert any(e.type == etype and e.text == sub for e in _entities(text)), [(e.type, e.text) for e in _entities(text)]


def _open_all_gates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the shared prechecks pass (the facts of the text's context, the word tests and the
    gate patterns): the recognisers then run their patterns on every text. (Single-character
    tests written in a recogniser, such as 年 and 月 before the year-month pattern, are covered
    by the GATED table.)"""
    import dataclasses
    import re

    from notice_nlp.annotate import entities as ent

    always = re.compile("")
    patterns = dataclasses.replace(ent._patterns(), url_tld=always, url_ipish=always)
    lexicon = dataclasses.replace(ent._lex(), unit_gate=always)
    monkeypatch.setattr(ent, "_patterns", lambda: patterns)
    monkeypatch.setattr(ent, "_lex", lambda: lexicon)
    # keywords_at 0: the payment, IM and relative-date patterns search from the start; the
    # defaults of the other facts say that anything may be there
    monkeypatch.setattr(ent._Ctx, "of", classmethod(lambda cls, text: cls(text, 10**6, 10**6, True, 0)))
    monkeypatch.setattr(ent, "_holds_any", lambda text, needles: True)


_GATE_ALPHABET = st.sampled_from(
    list("0123456789xX*●×-/ .:¥$元块圆万千亿十天内后号年月日期周【】()+")
    + ["逾期", "超期", "之内", "以后", "人民币", "RMB", "CNY", "HK$", "尾号", "身份证", "110", "400", "800", "0086",
       "+86", "96", "95", "106", "12", "138", "6222", "报警", "拨打", "明天", "下周五", "周三前", "法院", "银行", "微信", "QQ",
       "line", "TG", "支付宝", "收款人", "户名", "二维码", "安全账户", "对公", "号码", ":", "：", "abc_123", "美金",
       "港币", "rmb", "yuan", "多", "余"]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_GATE_ALPHABET, max_size=30).map("".join))
def test_prechecks_only_skip_work(text: str) -> None:
    norm = normalize(text)
    expected = [e.to_dict() for e in find_entities(norm)]
    with pytest.MonkeyPatch.context() as mp:
        _open_all_gates(mp)
        assert [e.to_dict() for e in find_entities(norm)] == expected


def test_prechecks_only_skip_work_on_the_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [row[0] for row in POSITIVE] + [row[0] for row in TRAPS] + [row[0] for row in GATED]
    expected = [[e.to_dict() for e in _entities(t)] for t in texts]
    _open_all_gates(monkeypatch)
    assert [[e.to_dict() for e in _entities(t)] for t in texts] == expected
