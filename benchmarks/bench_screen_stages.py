"""Where screening spends its time: each stage of the pipeline timed on its own.

Run: python benchmarks/bench_screen_stages.py
Every stage runs over all corpus messages (inputs prepared beforehand); the figure is the best of
five runs of CPU time (``time.process_time``), in µs per message. Stages measured alone run with
warmer caches than inside ``screen_many``, so their sum is below the ``screen_many`` line.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def prepare_stages(texts: list[str]) -> dict[str, Callable[[], object]]:
    """The pipeline's stages over ``texts``, each as a call that runs one stage on inputs prepared
    here beforehand (also used by bench_screen_instructions.py)."""
    from notice_nlp.annotate.entities import find_entities
    from notice_nlp.screening.cues import match_rules
    from notice_nlp.screening.features import analyse, masked_text, symbolic_features
    from notice_nlp.screening.screen import decide, get_model
    from notice_nlp.text.normalize import normalize

    model = get_model()
    norms = [normalize(t) for t in texts]
    ents = [find_entities(n) for n in norms]
    analyses = [analyse(t) for t in texts]
    masked = [masked_text(a) for a in analyses]
    sym = [symbolic_features(a) for a in analyses]
    probs = model.proba(masked, sym).tolist()
    return {
        "normalize": lambda: [normalize(t) for t in texts],
        "entities": lambda: [find_entities(n) for n in norms],
        "cue rules": lambda: [match_rules(n.text, e) for n, e in zip(norms, ents)],
        "masked text + symbolic features": lambda: ([masked_text(a) for a in analyses], [symbolic_features(a) for a in analyses]),
        "model scores (batches of 256)": lambda: [model.proba(masked[i : i + 256], sym[i : i + 256]) for i in range(0, len(texts), 256)],
        "decision and verdict": lambda: [decide(a, p, model) for a, p in zip(analyses, probs)],
    }


def main() -> None:
    from notice_nlp.screening.corpus import load_corpus
    from notice_nlp.screening.cues import _default_prefilter
    from notice_nlp.screening.screen import screen_many
    from notice_nlp.text.normalize import normalize

    texts = [m.text for m in load_corpus(REPO / "corpora" / "sms")]
    list(screen_many(texts[:50]))  # warm: model, rules, jieba, OpenCC
    stages = prepare_stages(texts)

    def per_message(f: Callable[[], object], runs: int = 5) -> float:
        best = float("inf")
        for _ in range(runs):
            t0 = time.process_time()
            f()
            best = min(best, time.process_time() - t0)
        return best / len(texts) * 1e6

    total = 0.0
    for name, f in stages.items():
        us = per_message(f)
        total += us
        print(f"{name:34s} {us:7.1f} µs/message")
    print(f"{'sum of the stages':34s} {total:7.1f} µs/message")
    print(f"{'screen_many':34s} {per_message(lambda: list(screen_many(texts)), 3):7.1f} µs/message")
    gc.disable()
    print(f"{'screen_many, garbage collector off':34s} {per_message(lambda: list(screen_many(texts)), 3):7.1f} µs/message")
    gc.enable()
    gc.collect()
    t0 = time.perf_counter()
    gc.collect()
    print(f"one full garbage-collector pass     {(time.perf_counter() - t0) * 1e3:7.1f} ms "
          f"({len(gc.get_objects())} tracked objects, pipeline loaded)")
    prefilter = _default_prefilter()
    runs = sum(len(prefilter.numbers(normalize(t).text)) for t in texts) / len(texts)
    print(f"cue patterns run per message: {runs:.1f} of {len(prefilter.parts)}")


if __name__ == "__main__":
    main()
