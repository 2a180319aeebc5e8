"""Screening speed and memory, as ratios to raw jieba.lcut on the same messages.

Run: python benchmarks/bench_screen.py
- screen_many throughput (messages/s, one process) on the corpus messages (repeated);
- single screen() latency percentiles, warm;
- raw jieba.lcut throughput on the same messages (the ratio says how much the full pipeline
  — normalise, entities, 197 cue rules, n-gram model, reasons — costs next to segmentation);
- resident memory of a loaded pipeline (fresh subprocess, ru_maxrss).
"""

from __future__ import annotations

import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    import jieba

    from notice_nlp.screening.corpus import load_corpus
    from notice_nlp.screening.screen import screen, screen_many

    texts = [m.text for m in load_corpus(REPO / "corpora" / "sms")]
    batch = texts * 3
    list(screen_many(texts[:50]))  # warm: model, rules, jieba, OpenCC

    t = time.perf_counter()
    n = sum(1 for _ in screen_many(batch))
    t_many = time.perf_counter() - t

    jieba.initialize()
    t = time.perf_counter()
    for x in batch:
        jieba.lcut(x)
    t_jieba = time.perf_counter() - t

    lat = []
    for x in texts[:1000]:
        t0 = time.perf_counter()
        screen(x)
        lat.append((time.perf_counter() - t0) * 1000)
    lat.sort()
    p50, p99 = lat[len(lat) // 2], lat[int(len(lat) * 0.99)]

    rss = subprocess.run(
        [sys.executable, "-c",
         "import resource, notice_nlp; notice_nlp.screen('您的账单已逾期，请登录App还款'); "
         "notice_nlp.screen('徵信 加V'); print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()

    avg = sum(len(x) for x in batch) / len(batch)
    print(f"machine: {platform.machine()} python {platform.python_version()}; {len(batch)} messages, mean {avg:.0f} chars")
    print(f"screen_many        : {n / t_many:>8,.0f} messages/s   (target >= 3,000)")
    print(f"raw jieba.lcut     : {len(batch) / t_jieba:>8,.0f} messages/s   (screen_many / jieba = {t_jieba / t_many:.2f})")
    print(f"screen() warm      : p50 {p50:.2f} ms, p99 {p99:.2f} ms   (target p99 <= 5 ms)")
    print(f"loaded pipeline RSS: {int(rss) / 1024:.0f} MB   (target <= 400 MB)")


if __name__ == "__main__":
    main()
