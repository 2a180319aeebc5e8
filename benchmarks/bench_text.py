"""Throughput of the text pipeline against the raw libraries on the same generated text.

Run: python benchmarks/bench_text.py   (results go to docs/benchmarks.md by hand, with the machine)
Prints chars/s for normalize (Simplified and Traditional), raw OpenCC and the conversion
normalize uses (the same dictionaries, see text/convert.py), spaCy+jieba segmentation vs raw
jieba.lcut, import time and the cold first segmentation call (in fresh subprocesses).
"""

from __future__ import annotations

import platform
import random
import subprocess
import sys
import time

SIMPLIFIED_SENTENCES = [
    "近年来小额贷款业务发展迅速，逾期问题也随之增多。",
    "部分借款人缺乏金融知识，多头借贷导致负债过高。",
    "贷款机构应加强贷后管理，建立风险预警机制。",
    "借款人遇到困难时应主动与平台协商，申请分期还款。",
    "您的账单已逾期3天，请登录官方App还款，客服热线95555。",
    "宏观经济波动和行业不景气使部分小微企业现金流紧张。",
]
TRADITIONAL_SENTENCES = [
    "隨著普惠金融的快速發展，逾期問題也逐漸顯現。",
    "部分借款人缺乏財務規劃知識，導致還款困難。",
    "金融機構應完善信用評估體系，確保借款人資質的真實性。",
    "您的帳款已逾期，請於期限內繳款，以免影響聯徵紀錄。",
]


def make_text(sentences: list[str], chars: int, seed: int = 7) -> str:
    rnd = random.Random(seed)
    out: list[str] = []
    n = 0
    while n < chars:
        s = rnd.choice(sentences)
        out.append(s)
        n += len(s)
        if rnd.random() < 0.1:
            out.append("\n")
    return "".join(out)


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def subprocess_time(code: str) -> float:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    import jieba
    import opencc

    from notice_nlp.text.normalize import normalize
    from notice_nlp.text.segment import get_jieba, get_nlp

    simp = make_text(SIMPLIFIED_SENTENCES, 1_000_000)
    trad = make_text(TRADITIONAL_SENTENCES, 300_000)
    normalize("预热 徵信")  # load rules and OpenCC once
    t_simp = best(lambda: normalize(simp))
    t_trad = best(lambda: normalize(trad))
    cc = opencc.OpenCC("tw2s.json")  # the C++ library's config file name
    t_cc = best(lambda: cc.convert(trad))

    seg_text = make_text(SIMPLIFIED_SENTENCES, 200_000)
    docs = [seg_text[i : i + 2000] for i in range(0, len(seg_text), 2000)]
    nlp = get_nlp()
    get_jieba()
    jieba.initialize()
    t_jieba = best(lambda: [jieba.lcut(d) for d in docs])
    t_spacy = best(lambda: [nlp(d) for d in docs])

    t_import = subprocess_time("import time; t=time.perf_counter(); import notice_nlp; print(time.perf_counter()-t)")
    t_cold = subprocess_time(
        "import time; t=time.perf_counter(); import notice_nlp; notice_nlp.get_nlp()('逾期后请与贷款机构协商还款。'); print(time.perf_counter()-t)"
    )

    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}")
    print(f"normalize, Simplified : {len(simp) / t_simp:>12,.0f} chars/s   (target >= 1,000,000)")
    print(f"normalize, Traditional: {len(trad) / t_trad:>12,.0f} chars/s   (target >= 250,000)")
    print(f"raw OpenCC tw2s       : {len(trad) / t_cc:>12,.0f} chars/s   (normalize/raw = {t_cc / t_trad:.2f})")
    print(f"raw jieba.lcut        : {len(seg_text) / t_jieba:>12,.0f} chars/s")
    print(f"spaCy + jieba(-rs)    : {len(seg_text) / t_spacy:>12,.0f} chars/s   (ratio to raw jieba {t_jieba / t_spacy:.2f}, target >= 0.70)")
    print(f"import notice_nlp     : {t_import:.3f} s   (target < 0.3)")
    print(f"cold first segment    : {t_cold:.3f} s   (target <= 2.5)")


if __name__ == "__main__":
    main()
