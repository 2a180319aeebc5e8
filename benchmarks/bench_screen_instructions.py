"""Screening cost in CPU instructions per message, next to raw jieba.lcut: a figure that does not
drift with the host's load, unlike the wall-clock rates of ``bench_screen.py`` (on our shared VM
raw jieba.lcut alone has measured anywhere from 2,200 to 4,700 messages/s).

Run: python benchmarks/bench_screen_instructions.py [--messages 800]
Needs valgrind (callgrind); takes about three minutes. The script runs itself under callgrind
with instrumentation off, warms everything up, then switches counting on around each measured
part only (``callgrind_control -i on/off``) and dumps one count per part. Instructions are not
time (cache misses and branch mispredictions cost more than a simple instruction), so the ratio
to jieba is the guide and the wall-clock benchmark stays the measure of speed.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _slug(name: str) -> str:
    return re.sub(r"\W+", "_", name).strip("_")


def _child(n: int) -> None:
    """Under callgrind: run each part once with counting on, dump its count under its name."""
    import jieba

    from bench_screen_stages import prepare_stages
    from notice_nlp.screening.corpus import load_corpus
    from notice_nlp.screening.screen import screen_many

    texts = [m.text for m in load_corpus(REPO / "corpora" / "sms")][:n]
    for _ in range(2):  # warm: model, rules, jieba, OpenCC, caches
        list(screen_many(texts[:300]))
    jieba.setLogLevel(60)
    jieba.initialize()
    for x in texts[:300]:
        jieba.lcut(x)

    parts: dict[str, Callable[[], object]] = {_slug(k): f for k, f in prepare_stages(texts).items()}
    parts["screen_many"] = lambda: sum(1 for _ in screen_many(texts))
    parts["raw_jieba"] = lambda: [jieba.lcut(x) for x in texts]
    pid = str(os.getpid())

    def control(*args: str) -> None:
        subprocess.run(["callgrind_control", *args, pid], check=True, capture_output=True)

    for name, run in parts.items():
        # a full pass of the garbage collector costs ~30 M instructions and falls wherever the
        # allocation count says; with it off the stages add up the same from run to run (the two
        # end-to-end counts keep it on, as in use)
        gc.collect()
        if name not in ("screen_many", "raw_jieba"):
            gc.disable()
        control("-z")
        control("-i", "on")
        run()
        control("-i", "off")
        control("-d", name)
        gc.enable()
    print(len(texts))


def _counts(folder: Path) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in sorted(folder.glob("cg.out.*"), key=lambda f: int(f.suffix[1:])):
        text = f.read_text(encoding="utf-8", errors="replace")
        name = re.search(r"^desc: Trigger: dump (\S+)", text, re.M)
        total = re.search(r"^totals: (\d+)", text, re.M)
        if name and total:
            out[name.group(1)] = int(total.group(1))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=800)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.messages)
        return
    if not (shutil.which("valgrind") and shutil.which("callgrind_control")):
        sys.exit("bench_screen_instructions: needs valgrind with callgrind (apt install valgrind)")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            "valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={tmp}/cg.out",
            sys.executable, __file__, "--child", "--messages", str(args.messages),
        ]
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            sys.exit(f"callgrind run failed:\n{done.stderr[-2000:]}")
        n = int(done.stdout.strip().splitlines()[-1])
        counts = _counts(Path(tmp))
    print(f"machine: {platform.machine()} python {platform.python_version()}; {n} corpus messages; "
          "instructions per message (callgrind); stages with the garbage collector off")
    many, jieba = counts.pop("screen_many") / n, counts.pop("raw_jieba") / n
    for name, count in counts.items():  # the stages, in pipeline order
        print(f"  {name:32s} {count / n:>10,.0f}")
    print(f"  {'sum of the stages':32s} {sum(counts.values()) / n:>10,.0f}")
    print(f"{'screen_many':34s} {many:>10,.0f}")
    print(f"{'raw jieba.lcut':34s} {jieba:>10,.0f}   (screen_many / jieba, as a throughput ratio: {jieba / many:.2f})")


if __name__ == "__main__":
    main()
