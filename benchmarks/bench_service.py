"""Load test of ``POST /v1/screen`` on loopback against one uvicorn worker.

Run:  python benchmarks/bench_service.py [--clients 8] [--duration 30] [--max-requests 200000]
      python benchmarks/bench_service.py --url http://127.0.0.1:8000   # an already running server

Without ``--url`` it starts ``uvicorn --factory notice_nlp.service.app:create_app --workers 1``
in a subprocess on a free port (so the server has its own interpreter and GIL), waits for
``/healthz``, and stops it afterwards. N client threads, each with one keep-alive connection
(``http.client``), post the bundled example messages in turn for ``--duration`` seconds or until
``--max-requests`` in total. Reported: requests/s, errors (non-200 or connection failures), latency
p50/p90/p99/max, and whether the targets hold (≥ 500 req/s, 0 errors, p99 ≤ 50 ms). The clients run
on the same machine as the server and take CPU from it: note the core count with the result.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
TARGET_RPS, TARGET_P99_MS = 500.0, 50.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(host: str, port: int, timeout: float = 120.0) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(host, port, timeout=2)
            conn.request("GET", "/healthz")
            resp = conn.getresponse()
            body = resp.read()
            conn.close()
            if resp.status == 200:
                return json.loads(body)
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server on {host}:{port} did not become healthy in {timeout:.0f} s")


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def load(host: str, port: int, bodies: list[bytes], clients: int, duration: float, max_requests: int, api_key: str | None) -> dict[str, float]:
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    issued = 0
    lock = threading.Lock()
    start_gate = threading.Event()
    stop_at = [0.0]

    def take() -> bool:
        nonlocal issued
        with lock:
            if issued >= max_requests:
                return False
            issued += 1
            return True

    def client(i: int) -> None:
        headers = {"Content-Type": "application/json"}
        if api_key:
            headers["X-API-Key"] = api_key
        conn = http.client.HTTPConnection(host, port, timeout=30)
        k = i
        start_gate.wait()
        while time.perf_counter() < stop_at[0] and take():
            body = bodies[k % len(bodies)]
            k += 1
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/v1/screen", body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
            latencies[i].append(time.perf_counter() - t0)
            if not ok:
                errors[i] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    stop_at[0] = t0 + duration
    start_gate.set()
    for t in threads:
        t.join(duration + 60)
    elapsed = time.perf_counter() - t0
    lat = sorted(x * 1000 for per in latencies for x in per)
    return {
        "requests": len(lat),
        "seconds": elapsed,
        "rps": len(lat) / elapsed if elapsed else 0.0,
        "errors": sum(errors),
        "p50_ms": percentile(lat, 50),
        "p90_ms": percentile(lat, 90),
        "p99_ms": percentile(lat, 99),
        "max_ms": lat[-1] if lat else float("nan"),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=8, help="concurrent client threads (default 8)")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of load (default 30)")
    ap.add_argument("--max-requests", type=int, default=200_000, help="stop after this many requests in total")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load first (default 3)")
    ap.add_argument("--url", help="use a running server instead of starting one")
    ap.add_argument("--api-key", default=os.environ.get("NOTICE_NLP_API_KEY"))
    args = ap.parse_args()

    msgs = [json.loads(x)["text"] for x in (REPO / "examples" / "messages.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    bodies = [json.dumps({"text": t}, ensure_ascii=False).encode() for t in msgs]

    proc = None
    if args.url:
        parts = urlsplit(args.url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
    else:
        host, port = "127.0.0.1", free_port()
        cmd = [sys.executable, "-m", "uvicorn", "--factory", "notice_nlp.service.app:create_app", "--host", host,
               "--port", str(port), "--workers", "1", "--no-access-log", "--log-level", "warning"]
        proc = subprocess.Popen(cmd, cwd=REPO)
    try:
        health = wait_healthy(host, port)
        if args.warmup > 0:
            load(host, port, bodies, args.clients, args.warmup, args.max_requests, args.api_key)
        r = load(host, port, bodies, args.clients, args.duration, args.max_requests, args.api_key)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()

    print(f"notice_nlp service load test — POST /v1/screen, {len(msgs)} example messages in turn")
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"server: 1 uvicorn worker (model {health['model_version']}, rules {health['rules_version']}); clients on the same machine")
    print(f"clients {args.clients}, {r['seconds']:.1f} s: {int(r['requests'])} requests, {r['rps']:.1f} req/s, errors {int(r['errors'])}")
    print(f"latency ms: p50 {r['p50_ms']:.1f}  p90 {r['p90_ms']:.1f}  p99 {r['p99_ms']:.1f}  max {r['max_ms']:.1f}")
    checks = {
        f"≥ {TARGET_RPS:.0f} req/s": r["rps"] >= TARGET_RPS,
        "0 errors": r["errors"] == 0,
        f"p99 ≤ {TARGET_P99_MS:.0f} ms": r["p99_ms"] <= TARGET_P99_MS,
    }
    print("targets: " + ", ".join(f"{k} {'met' if ok else 'NOT met'}" for k, ok in checks.items()))
    return 0 if r["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
