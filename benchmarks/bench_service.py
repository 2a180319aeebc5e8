"""Load test of ``POST /v1/screen`` on loopback against one uvicorn worker.

Run:  python benchmarks/bench_service.py [--clients 8] [--duration 30] [--max-requests 200000]
      python benchmarks/bench_service.py --url http://127.0.0.1:8000   # an already running server

Without ``--url`` it starts ``uvicorn --factory notice_nlp.service.app:create_app --workers 1``
in a subprocess on a free port (so the server has its own interpreter and GIL), waits for
``/healthz``, and stops it afterwards.

The load client is deliberately cheap, because it shares the machine's CPUs with the server: one
thread, one asyncio event loop (uvloop when installed), N connections with HTTP/1.1 keep-alive
(one request in flight per connection), requests pre-encoded as bytes and responses parsed with a
few ``bytes`` operations (status line and ``Content-Length`` or chunked framing; the JSON body is
not decoded). Each connection posts the bundled example messages in turn for ``--duration``
seconds or until ``--max-requests`` in total; a request that takes longer than ``--timeout`` is an
error and its connection is replaced. The whole run is bounded: load stops at the deadline, and
the requests still in flight then are waited for at most ``--timeout`` seconds.

Reported: requests/s, errors (non-200, timeouts or connection failures), latency p50/p90/p99/max,
the CPU time the client itself used (user + system, from ``getrusage``) and, when this script
started the server, the server's CPU time (from ``/proc``), both per request. Server CPU per
request is what one request costs the worker; client CPU per request is what the measurement
took away from it on a shared machine. Then whether the targets hold (≥ 500 req/s, 0 errors,
p99 ≤ 50 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import platform
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
TARGET_RPS, TARGET_P99_MS = 500.0, 50.0
PATH = "/v1/screen"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(host: str, port: int, timeout: float = 120.0, proc: subprocess.Popen[bytes] | None = None) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode} before it became healthy")
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


def encode_requests(host: str, port: int, bodies: list[bytes], api_key: str | None) -> list[bytes]:
    """Each body as a complete HTTP/1.1 keep-alive request, ready to write."""
    head = f"POST {PATH} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
    if api_key:
        head += f"X-API-Key: {api_key}\r\n"
    return [(head + f"Content-Length: {len(b)}\r\n\r\n").encode("latin-1") + b for b in bodies]


def _parse_response(buf: bytearray) -> tuple[int, int, bool] | None:
    """(status, bytes used, server closes) of the first complete response in ``buf``, or None if it is
    not complete yet."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buf[:end]).lower()
    status = int(head[9:12])  # b"http/1.1 200 ok"
    close = b"\r\nconnection: close" in head
    i = head.find(b"\r\ncontent-length:")
    if i >= 0:
        j = head.find(b"\r\n", i + 2)
        length = int(head[i + 17 : j if j >= 0 else len(head)])
        total = end + 4 + length
        return (status, total, close) if len(buf) >= total else None
    if b"\r\ntransfer-encoding: chunked" in head:
        pos = end + 4
        while True:
            line_end = buf.find(b"\r\n", pos)
            if line_end < 0:
                return None
            size = int(bytes(buf[pos:line_end]).split(b";", 1)[0], 16)
            pos = line_end + 2 + size + 2
            if len(buf) < pos:
                return None
            if size == 0:
                return status, pos, close
    raise ValueError("response without Content-Length or chunked framing")


class _Conn(asyncio.Protocol):
    """One keep-alive connection with one request in flight; counts into the shared run."""

    def __init__(self, run: _Run, k: int) -> None:
        self.run, self.k = run, k
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.t0 = 0.0
        self.idle: asyncio.Future[None] = run.loop.create_future()  # done when this connection stops

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.send_next()

    def send_next(self) -> None:
        run = self.run
        if run.issued >= run.max_requests or time.perf_counter() >= run.stop_at:
            self.finish()
            return
        run.issued += 1
        req = run.requests[self.k % len(run.requests)]
        self.k += 1
        self.buf.clear()
        self.t0 = time.perf_counter()
        assert self.transport is not None
        self.transport.write(req)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        try:
            parsed = _parse_response(self.buf)
        except ValueError:
            self.fail()
            return
        if parsed is None:
            return
        status, used, close = parsed
        self.run.latencies.append(time.perf_counter() - self.t0)
        if status != 200:
            self.run.errors += 1
        if used != len(self.buf) or close:  # out of step (more than one response), or the server closes
            self.fail(counted=True)
            return
        self.send_next()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is None:  # closed by this side
            return
        self.transport = None  # closed by the server: an error if a request was in flight
        self.fail(counted=not self.t0)

    def fail(self, counted: bool = False) -> None:
        """Count an error for the request in flight (unless ``counted``) and go on over a new connection."""
        if not counted:
            self.run.latencies.append(time.perf_counter() - self.t0)
            self.run.errors += 1
        self.t0 = 0.0
        if self.transport is not None:
            self.transport.abort()
            self.transport = None
        self.finish()
        if time.perf_counter() < self.run.stop_at:
            self.run.spawn(self.k)

    def finish(self) -> None:
        self.t0 = 0.0
        if self.transport is not None:
            self.transport.close()
            self.transport = None
        if not self.idle.done():
            self.idle.set_result(None)


class _Run:
    def __init__(self, loop: asyncio.AbstractEventLoop, host: str, port: int, requests: list[bytes], duration: float, max_requests: int, timeout: float) -> None:
        self.loop, self.host, self.port = loop, host, port
        self.requests = requests
        self.max_requests = max_requests
        self.timeout = timeout
        self.latencies: list[float] = []
        self.errors = 0
        self.issued = 0
        self.start = time.perf_counter()
        self.stop_at = self.start + duration
        self.conns: list[_Conn] = []
        self.tasks: list[asyncio.Task[None]] = []

    def spawn(self, k: int) -> None:
        self.tasks.append(self.loop.create_task(self._connect(k)))

    async def _connect(self, k: int) -> None:
        conn = _Conn(self, k)
        self.conns.append(conn)
        try:
            await self.loop.create_connection(lambda: conn, self.host, self.port)
        except OSError:
            self.errors += 1
            conn.finish()
            if time.perf_counter() < self.stop_at:
                await asyncio.sleep(0.05)
                self.spawn(k)

    async def watchdog(self) -> None:
        """Requests over the timeout are errors; ends when every connection has stopped."""
        while True:
            await asyncio.sleep(0.25)
            now = time.perf_counter()
            for c in list(self.conns):
                if c.t0 and now - c.t0 > self.timeout:
                    c.fail()
            if self.tasks and all(t.done() for t in self.tasks) and all(c.idle.done() for c in self.conns):
                return
            if now > self.stop_at + self.timeout + 5:  # hard bound on the whole run
                for c in list(self.conns):
                    if c.t0:
                        c.fail()
                return


def load(host: str, port: int, bodies: list[bytes], clients: int, duration: float, max_requests: int, api_key: str | None, timeout: float = 30.0) -> dict[str, float]:
    """``clients`` keep-alive connections posting ``bodies`` in turn; latencies, errors and CPU."""
    requests = encode_requests(host, port, bodies, api_key)
    try:
        import uvloop  # type: ignore[import-not-found]

        loop = uvloop.new_event_loop()
        loop_name = "uvloop"
    except ImportError:
        loop = asyncio.new_event_loop()
        loop_name = "asyncio"

    async def main() -> _Run:
        run = _Run(asyncio.get_running_loop(), host, port, requests, duration, max_requests, timeout)
        for i in range(clients):
            run.spawn(i)
        await run.watchdog()
        return run

    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    try:
        run = loop.run_until_complete(main())
    finally:
        loop.close()
    elapsed = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    lat = sorted(x * 1000 for x in run.latencies)
    return {
        "requests": len(lat),
        "seconds": elapsed,
        "rps": len(lat) / elapsed if elapsed else 0.0,
        "errors": run.errors,
        "p50_ms": percentile(lat, 50),
        "p90_ms": percentile(lat, 90),
        "p99_ms": percentile(lat, 99),
        "max_ms": lat[-1] if lat else float("nan"),
        "client_cpu_s": (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime),
        "loop": loop_name,  # type: ignore[dict-item]
    }


def process_tree_cpu(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its live descendants (Linux ``/proc``; 0.0 elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total, todo, seen = 0.0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
            for task in Path(f"/proc/{p}/task").iterdir():
                children = (task / "children").read_text().split()
                todo.extend(int(c) for c in children)
        except (OSError, ValueError):
            continue
    return total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=8, help="concurrent keep-alive connections (default 8)")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of load (default 30)")
    ap.add_argument("--max-requests", type=int, default=200_000, help="stop after this many requests in total")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load first (default 3)")
    ap.add_argument("--timeout", type=float, default=30.0, help="a request slower than this is an error (default 30 s)")
    ap.add_argument("--url", help="use a running server instead of starting one")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn workers of the started server (the target is for 1)")
    ap.add_argument("--factory", default="notice_nlp.service.app:create_app", help="application factory of the started server")
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
        cmd = [sys.executable, "-m", "uvicorn", "--factory", args.factory, "--host", host,
               "--port", str(port), "--workers", str(args.workers), "--no-access-log", "--no-proxy-headers", "--log-level", "warning"]
        proc = subprocess.Popen(cmd, cwd=REPO)
    try:
        health = wait_healthy(host, port, proc=proc)
        if args.warmup > 0:
            load(host, port, bodies, args.clients, args.warmup, args.max_requests, args.api_key, args.timeout)
        server_cpu0 = process_tree_cpu(proc.pid) if proc is not None else None
        r = load(host, port, bodies, args.clients, args.duration, args.max_requests, args.api_key, args.timeout)
        server_cpu = process_tree_cpu(proc.pid) - server_cpu0 if proc is not None and server_cpu0 is not None else None
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()

    n = max(1, int(r["requests"]))
    workers = f"{args.workers} uvicorn worker{'s' if args.workers != 1 else ''}" if proc is not None else f"server at {args.url}"
    print(f"notice_nlp service load test — POST {PATH}, {len(msgs)} example messages in turn")
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"server: {workers} (model {health['model_version']}, rules {health['rules_version']}); clients on the same machine")
    print(f"clients {args.clients}, {r['seconds']:.1f} s: {int(r['requests'])} requests, {r['rps']:.1f} req/s, errors {int(r['errors'])}")
    print(f"latency ms: p50 {r['p50_ms']:.1f}  p90 {r['p90_ms']:.1f}  p99 {r['p99_ms']:.1f}  max {r['max_ms']:.1f}")
    cpu = f"client CPU {r['client_cpu_s']:.1f} s ({r['client_cpu_s'] / n * 1e6:.0f} µs/request, {r['loop']})"
    if server_cpu is not None:
        cpu += f"; server CPU {server_cpu:.1f} s ({server_cpu / n * 1e3:.2f} ms/request)"
    print(cpu)
    checks = {
        f"≥ {TARGET_RPS:.0f} req/s": r["rps"] >= TARGET_RPS,
        "0 errors": r["errors"] == 0,
        f"p99 ≤ {TARGET_P99_MS:.0f} ms": r["p99_ms"] <= TARGET_P99_MS,
    }
    print("targets: " + ", ".join(f"{k} {'met' if ok else 'NOT met'}" for k, ok in checks.items()))
    return 0 if r["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
