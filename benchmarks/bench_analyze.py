"""Throughput, parallel scaling and memory flatness of article theme analysis.

Run:  python benchmarks/bench_analyze.py                      # all three parts, N=10,000 memory run
      python benchmarks/bench_analyze.py --skip-memory        # quick run (parts 1 and 2)
      python benchmarks/bench_analyze.py --n-memory 2000 --time-limit 600

Inputs are generated, deterministically (seeded ``random.Random``), from the gold corpus
``corpora/articles/*.txt|*.html`` loaded with :func:`notice_nlp.text.extract.load_page`: each
generated article takes the title of one corpus article and recombines sections of several
articles of the same script (headings kept, the sentences of each section shuffled, some sentences
swapped in from other articles), so the texts are genre-typical but not copies. One in ten is
written as simple HTML (``<h2>``/``<p>``) to exercise the HTML path.

1. ``analyze()`` throughput, one process, chars/s over ~300 articles after a warm-up call
   (chars = ``len()`` of the source string passed in; target ≥ 150,000 chars/s per process),
   by wall clock and per CPU second of the process.
2. ``run_batch`` wall clock over the same kind of ~400 articles written as files to a temp dir,
   jobs=1 vs jobs=2 (target speed-up ≥ 1.6×; this includes pool start-up and the aggregate files).
3. Memory flatness: ``run_batch`` over N articles of ~1,500 chars (one ``.jsonl`` file, field
   ``text``) in a subprocess; the parent samples VmRSS from ``/proc`` of the child and all its
   descendants every second and counts the records in ``articles.jsonl``. Reported: RSS when 10 %,
   50 % and ~100 % of the records are written (~100 % = the last sample before the final record,
   while the workers are still alive; flat = that value ≤ 1.2 × the 10 % value), the peak during
   the final aggregation step (``articles.jsonl`` is streamed twice there; only keys,
   fingerprints and counts are kept), and records/s. The run is killed after ``--time-limit``
   (default 1200 s).

``--profile`` prints only a cProfile of ``analyze()`` over the throughput articles.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpora" / "articles"
TARGET_CHARS_PER_S = 150_000
TARGET_SPEEDUP = 1.6
FLAT_FACTOR = 1.2

_SENT = re.compile(r"[^。！？!?；\n]*(?:[。！？!?；]+[”」』）)]?|\n|$)")


# --------------------------------------------------------------------------- generation


@dataclass
class Block:
    heading: str | None
    sentences: list[str]


@dataclass
class Source:
    title: str
    script: str
    blocks: list[Block]


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT.findall(text) if s.strip()]


def load_corpus() -> list[Source]:
    from notice_nlp.text.extract import load_page
    from notice_nlp.themes.report import detect_script

    sources: list[Source] = []
    files = sorted(p for p in CORPUS.iterdir() if p.suffix in (".txt", ".html"))
    for path in files:
        page = load_page(path)
        text = page.text
        blocks: list[Block] = []
        for sec in page.sections:
            heading = text[sec.heading_start : sec.heading_end].strip() or None
            body = split_sentences(text[sec.heading_end : sec.end])
            if heading or body:
                blocks.append(Block(heading, body))
        if not blocks:
            blocks = [Block(None, split_sentences(text))]
        sources.append(Source(page.title or "", detect_script(text), blocks))
    return sources


class Generator:
    """Deterministic article variants recombined from the corpus."""

    def __init__(self, sources: list[Source], seed: int) -> None:
        self.rnd = random.Random(seed)
        self.by_script: dict[str, list[Source]] = {}
        for s in sources:
            self.by_script.setdefault(s.script, []).append(s)
        self.scripts = [s.script for s in sources]  # drawing from this keeps the corpus mix

    def article(self, target_chars: int) -> tuple[str, bool]:
        """(source string, is_html) of roughly ``target_chars`` characters."""
        rnd = self.rnd
        pool = self.by_script[rnd.choice(self.scripts)]
        title = rnd.choice(pool).title
        n_chars = len(title)
        parts: list[tuple[str | None, list[str]]] = []
        while n_chars < target_chars:
            src = rnd.choice(pool)
            block = rnd.choice(src.blocks)
            sents = list(block.sentences)
            rnd.shuffle(sents)
            keep = sents[: max(1, int(len(sents) * rnd.uniform(0.5, 1.0)))] if sents else []
            if rnd.random() < 0.5:  # borrow a sentence from another article of the same script
                other = rnd.choice(rnd.choice(pool).blocks).sentences
                if other:
                    keep.insert(rnd.randrange(len(keep) + 1), rnd.choice(other))
            budget = target_chars - n_chars
            out: list[str] = []
            for s in keep:
                if out and sum(map(len, out)) >= budget:
                    break
                out.append(s)
            parts.append((block.heading, out))
            n_chars += sum(map(len, out)) + len(block.heading or "") + 2
        as_html = rnd.random() < 0.1
        if as_html:
            body = []
            for heading, sents in parts:
                if heading:
                    body.append(f"<h2>{heading}</h2>")
                body.append(f"<p>{''.join(sents)}</p>")
            return (
                f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>"
                f"<body><h1>{title}</h1>{''.join(body)}</body></html>",
                True,
            )
        lines = [title, ""]
        for heading, sents in parts:
            if heading:
                lines.append(heading)
            # paragraphs of 2-5 sentences
            i = 0
            while i < len(sents):
                k = rnd.randint(2, 5)
                lines.append("".join(sents[i : i + k]))
                i += k
            lines.append("")
        return "\n".join(lines).strip() + "\n", False


def generate(sources: list[Source], n: int, seed: int, chars: int | tuple[int, int]) -> list[tuple[str, bool]]:
    gen = Generator(sources, seed)
    rng = random.Random(seed + 1)
    out = []
    for _ in range(n):
        target = chars if isinstance(chars, int) else rng.randint(*chars)
        out.append(gen.article(target))
    return out


# --------------------------------------------------------------------------- /proc sampling


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        for c in children.get(pid, []):
            out.append(c)
            stack.append(c)
    return out


def _cpu_jiffies() -> tuple[int, int]:
    with open("/proc/stat", encoding="ascii") as fh:
        vals = [int(v) for v in fh.readline().split()[1:]]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    return sum(vals) - idle, sum(vals)


def machine_load(seconds: float = 2.0) -> str:
    """CPU used by *other* processes (this one sleeps while sampling /proc/stat), in cores."""
    try:
        b0, t0 = _cpu_jiffies()
        time.sleep(seconds)
        b1, t1 = _cpu_jiffies()
    except (OSError, ValueError, IndexError):
        return "other load: n/a"
    busy = (b1 - b0) / max(1, t1 - t0) * (os.cpu_count() or 1)
    warn = "  WARNING: other processes are using the CPU, numbers are pessimistic" if busy > 0.3 else ""
    return f"other load before this part: {busy:.2f} cores busy{warn}"


def tree_rss_mb(pid: int) -> tuple[float, float]:
    """(RSS of pid, RSS of pid + all descendants) in MB."""
    own = _rss_kb(pid)
    total = own + sum(_rss_kb(c) for c in _descendants(pid))
    return own / 1024, total / 1024


# --------------------------------------------------------------------------- parts


def bench_throughput(sources: list[Source], n: int) -> dict[str, float]:
    from notice_nlp.themes import analyze

    docs = [s for s, _ in generate(sources, n, seed=101, chars=(800, 4000))]
    analyze(docs[0])  # warm-up: rules, OpenCC, jieba
    total = sum(map(len, docs))
    t = time.perf_counter()
    c = time.process_time()
    for d in docs:
        analyze(d)
    dt = time.perf_counter() - t
    cpu = time.process_time() - c
    return {
        "docs": n, "chars": total, "seconds": dt, "cpu_seconds": cpu,
        "chars_per_s": total / dt, "cpu_chars_per_s": total / cpu, "docs_per_s": n / dt,
    }


def bench_scaling(sources: list[Source], n: int) -> dict[str, float]:
    from notice_nlp.themes.batch import run_batch

    docs = generate(sources, n, seed=202, chars=(800, 4000))
    with tempfile.TemporaryDirectory(prefix="bench_analyze_") as tmp:
        indir = Path(tmp) / "in"
        indir.mkdir()
        for i, (text, is_html) in enumerate(docs):
            (indir / f"g{i:05d}.{'html' if is_html else 'txt'}").write_text(text, encoding="utf-8")
        res: dict[str, float] = {"docs": n, "chars": sum(len(t) for t, _ in docs)}
        for jobs in (1, 2):
            t = time.perf_counter()
            failed = run_batch([indir], Path(tmp) / f"out{jobs}", jobs=jobs, progress=False)
            res[f"jobs{jobs}_s"] = time.perf_counter() - t
            res[f"jobs{jobs}_failed"] = failed
    res["speedup"] = res["jobs1_s"] / res["jobs2_s"]
    return res


_CHILD = """
import sys, time
from notice_nlp.themes.batch import run_batch
t = time.perf_counter()
failed = run_batch([sys.argv[1]], sys.argv[2], jobs=int(sys.argv[3]), progress=False)
print(f"child: {failed} failed, {time.perf_counter() - t:.1f} s", flush=True)
"""


def bench_memory(sources: list[Source], n: int, jobs: int, time_limit: float) -> dict[str, object]:
    docs = generate(sources, n, seed=303, chars=1500)
    with tempfile.TemporaryDirectory(prefix="bench_analyze_mem_") as tmp:
        src = Path(tmp) / "articles.jsonl"
        with src.open("w", encoding="utf-8") as fh:
            for i, (text, is_html) in enumerate(docs):
                fh.write(json.dumps({"id": f"g{i:05d}", ("html" if is_html else "text"): text}, ensure_ascii=False) + "\n")
        mean_chars = sum(len(t) for t, _ in docs) / n
        del docs
        out = Path(tmp) / "out"
        out.mkdir()
        records = out / "articles.jsonl"
        proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(src), str(out), str(jobs)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        t0 = time.monotonic()
        marks = {0.1: None, 0.5: None, 1.0: None}
        samples: list[tuple[float, int, float, float]] = []
        done, offset, peak_total, peak_after = 0, 0, 0.0, 0.0
        timed_out = False
        t_all_written = None
        while proc.poll() is None:
            if time.monotonic() - t0 > time_limit:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)  # the child's own session: only processes we started
                break
            if records.exists():
                with records.open("rb") as fh:
                    fh.seek(offset)
                    chunk = fh.read()
                done += chunk.count(b"\n")
                offset += len(chunk)
            own, total = tree_rss_mb(proc.pid)
            el = time.monotonic() - t0
            samples.append((el, done, own, total))
            peak_total = max(peak_total, total)
            for frac in (0.1, 0.5):
                if marks[frac] is None and done >= frac * n:
                    marks[frac] = (el, done, own, total)
            if done < n:
                # "100 %": the last sample before every record is written, i.e. with the
                # workers still alive (once all records are in, the pool shuts down)
                marks[1.0] = (el, done, own, total) if done >= 0.9 * n else marks[1.0]
            elif t_all_written is None:
                t_all_written = el
            if t_all_written is not None:
                peak_after = max(peak_after, total)
            time.sleep(1.0)
        stdout, stderr = proc.communicate()
        elapsed = time.monotonic() - t0
    return {
        "n": n,
        "jobs": jobs,
        "mean_chars": mean_chars,
        "done": done,
        "timed_out": timed_out,
        "returncode": proc.returncode,
        "elapsed": elapsed,
        "t_all_written": t_all_written,
        "marks": marks,
        "peak_total": peak_total,
        "peak_aggregate": peak_after,
        "samples": samples,
        "child_out": (stdout or "").strip(),
        "child_err": (stderr or "").strip()[-2000:],
    }


def profile_analyze(sources: list[Source], n: int, top: int = 25) -> None:
    """cProfile of analyze() over n generated articles (after warm-up), top functions by own time."""
    import cProfile
    import pstats

    from notice_nlp.themes import analyze

    docs = [s for s, _ in generate(sources, n, seed=101, chars=(800, 4000))]
    analyze(docs[0])
    prof = cProfile.Profile()
    prof.enable()
    for d in docs:
        analyze(d)
    prof.disable()
    stats = pstats.Stats(prof, stream=sys.stdout).strip_dirs()
    print(f"cProfile of analyze() over {n} articles, by own time:")
    stats.sort_stats("tottime").print_stats(top)
    print("by cumulative time:")
    stats.sort_stats("cumulative").print_stats(top)


# --------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--n-throughput", type=int, default=300)
    ap.add_argument("--n-scaling", type=int, default=400)
    ap.add_argument("--n-memory", type=int, default=10_000)
    ap.add_argument("--memory-jobs", type=int, default=2, help="run_batch jobs in the memory run (default 2)")
    ap.add_argument("--time-limit", type=float, default=1200.0, help="seconds before the memory run is killed")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--skip-scaling", action="store_true")
    ap.add_argument("--samples", metavar="FILE", help="write the memory samples (t, done, rss_parent, rss_tree) as CSV")
    ap.add_argument("--profile", action="store_true", help="only print a cProfile of analyze() over the throughput articles")
    args = ap.parse_args()

    sources = load_corpus()
    if args.profile:
        profile_analyze(sources, args.n_throughput)
        return
    print(f"command : python {' '.join(shlex.quote(a) for a in sys.argv)}")
    print(f"machine : {platform.platform()}, {platform.machine()}, nproc={os.cpu_count()}, python {platform.python_version()}")
    print(f"corpus  : {len(sources)} articles ({sum(s.script == 'traditional' for s in sources)} Traditional)")
    print(flush=True)

    print(f"   {machine_load()}", flush=True)
    tp = bench_throughput(sources, args.n_throughput)
    ok = "OK" if tp["chars_per_s"] >= TARGET_CHARS_PER_S else f"MISS ({tp['chars_per_s'] / TARGET_CHARS_PER_S:.0%} of target)"
    print("1. analyze(), one process, after warm-up")
    print(f"   {tp['docs']} articles, {tp['chars']:,} chars, {tp['seconds']:.2f} s")
    print(f"   throughput      : {tp['chars_per_s']:>10,.0f} chars/s  ({tp['docs_per_s']:.1f} articles/s)   target >= {TARGET_CHARS_PER_S:,}  {ok}")
    # CPU time of this process: what a dedicated core would give (a busy machine stretches the
    # wall clock, and on a shared core also the CPU time, so compare runs back to back)
    print(f"   per CPU second  : {tp['cpu_chars_per_s']:>10,.0f} chars/s  ({tp['cpu_seconds']:.2f} s CPU)")
    print(flush=True)

    if not args.skip_scaling:
        print(f"   {machine_load()}", flush=True)
        sc = bench_scaling(sources, args.n_scaling)
        ok = "OK" if sc["speedup"] >= TARGET_SPEEDUP else "MISS"
        print("2. run_batch over files, wall clock (incl. pool start-up and aggregate files)")
        print(f"   {sc['docs']:.0f} articles, {sc['chars']:,.0f} chars")
        print(f"   jobs=1          : {sc['jobs1_s']:>8.2f} s  ({sc['chars'] / sc['jobs1_s']:,.0f} chars/s, failed {sc['jobs1_failed']:.0f})")
        print(f"   jobs=2          : {sc['jobs2_s']:>8.2f} s  ({sc['chars'] / sc['jobs2_s']:,.0f} chars/s, failed {sc['jobs2_failed']:.0f})")
        print(f"   speed-up        : {sc['speedup']:>8.2f} x   target >= {TARGET_SPEEDUP}  {ok}")
        print(flush=True)

    if not args.skip_memory:
        print(f"   {machine_load()}", flush=True)
        mem = bench_memory(sources, args.n_memory, args.memory_jobs, args.time_limit)
        print(f"3. run_batch memory, {mem['n']:,} jsonl records of ~{mem['mean_chars']:,.0f} chars, jobs={mem['jobs']} (subprocess)")
        print("   point             elapsed   records   RSS parent   RSS parent+workers")
        for frac, m in mem["marks"].items():
            if m is None:
                print(f"   {frac:>4.0%} of records   (not reached)")
            else:
                el, done, own, total = m
                label = f"{frac:>4.0%} of records" if frac < 1 else "~100 % (last)  "
                print(f"   {label}   {el:>6.0f} s  {done:>8,}   {own:>7.0f} MB   {total:>7.0f} MB")
        print("   (~100 % = last 1 s sample before all records were written, workers still alive)")
        print(f"   peak during aggregation (after all records written): {mem['peak_aggregate']:.0f} MB; overall peak {mem['peak_total']:.0f} MB")
        m10, m100 = mem["marks"][0.1], mem["marks"][1.0]
        if m10 and m100:
            ratio = m100[3] / m10[3]
            ratio_own = m100[2] / m10[2]
            ok = "OK (flat)" if ratio <= FLAT_FACTOR else "MISS (grows)"
            print(f"   RSS 100 %/10 %   : {ratio:.2f} (parent+workers), {ratio_own:.2f} (parent)   target <= {FLAT_FACTOR}  {ok}")
        if mem["t_all_written"]:
            rate = mem["n"] / mem["t_all_written"]
            print(f"   progress rate    : {rate:.1f} records/s ({rate * mem['mean_chars']:,.0f} chars/s); records written at {mem['t_all_written']:.0f} s, run finished at {mem['elapsed']:.0f} s")
        else:
            rate = mem["done"] / max(1e-9, mem["elapsed"])
            print(f"   progress rate    : {rate:.1f} records/s; {mem['done']:,} of {mem['n']:,} records in {mem['elapsed']:.0f} s")
        if mem["timed_out"]:
            print(f"   TIMED OUT after {args.time_limit:.0f} s (child killed)")
        elif mem["returncode"] != 0:
            print(f"   child exit code {mem['returncode']}: {mem['child_err']}")
        else:
            print(f"   {mem['child_out']}")
        if args.samples:
            with open(args.samples, "w", encoding="utf-8") as fh:
                fh.write("t_s,records,rss_parent_mb,rss_tree_mb\n")
                for el, done, own, total in mem["samples"]:
                    fh.write(f"{el:.1f},{done},{own:.1f},{total:.1f}\n")


if __name__ == "__main__":
    main()
