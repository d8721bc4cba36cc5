"""Probe wall time against the critical path of dependent fetches (issue 8).

A local server (uvicorn on 127.0.0.1) serves a clean v0.7-B site whose every answer is delayed by a
fixed latency L. One probe's dependent chain is 401 -> PRM -> AS metadata -> (endpoints, skill,
JWKS, all concurrent): its depth D is read from the trace's `after` links, so the ideal wall time
of one target is D x L, and of N targets through a pool of P is ceil(N / P) x D x L. Reported as
ratios (targets: <= 1.2 for one target, <= 1.3 for 200 targets with a pool of 32). Not a test:
nothing here is asserted in the suite.

    .venv/bin/python bench/probe_latency.py [--latency-ms 50] [--targets 200] [--pool 32]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import subprocess
import sys
import time
from typing import Any

from authmd_cli.core.net import FetchLimits
from authmd_cli.core.server import bind, origin_of
from authmd_cli.probe.analyse import ProbeReport
from authmd_cli.probe.run import ProbeOptions, probe_targets_async
from authmd_cli.probe.target import parse_target
from authmd_cli.sandbox.defaults import default_config
from authmd_cli.site.generate import render_site

ENDPOINTS = ("/agent/identity", "/agent/identity/claim", "/agent/event/notify", "/oauth2/token", "/oauth2/revoke")


def site_app(origin: str, latency: float) -> Any:
    """A minimal ASGI app: the generated documents, the API's 401 challenge, 405 endpoints; every
    answer after `latency` seconds."""
    routes: dict[str, tuple[int, list[tuple[bytes, bytes]], bytes]] = {}
    for path, text in render_site(default_config("v0.7-B").with_origin(origin)).items():
        ctype = b"text/markdown; charset=utf-8" if path.endswith(".md") else b"application/json"
        routes["/" + path] = (200, [(b"content-type", ctype), (b"cache-control", b"public, max-age=300")],
                              text.encode())
    challenge = f'Bearer resource_metadata="{origin}/.well-known/oauth-protected-resource/api"'.encode()
    routes["/api"] = (401, [(b"content-type", b"application/json"), (b"www-authenticate", challenge)],
                      b'{"error": "unauthorized"}')
    for path in ENDPOINTS:
        routes[path] = (405, [(b"allow", b"POST")], b"")

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await asyncio.sleep(latency)
        status, headers, body = routes.get(scope["path"], (404, [], b"not found"))
        await send({"type": "http.response.start", "status": status,
                    "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return app


def depth(report: ProbeReport) -> int:
    """Longest chain of `after` links in the trace (requests that had to wait for another)."""
    memo: dict[int, int] = {}
    by_index = {e.index: e for e in report.discovery.exchanges}

    def d(i: int) -> int:
        if i not in memo:
            after = by_index[i].after
            memo[i] = 1 + (d(after) if after is not None else 0)
        return memo[i]

    return max(d(i) for i in by_index)


async def measure(origin: str, n: int, pool: int, *, analyse: bool = True) -> tuple[float, list[Any]]:
    """Wall time of probing `origin/api` n times through a pool; with analyse=False only the walks
    (the network schedule, without the lint engine's CPU)."""
    from authmd_cli.core import net
    from authmd_cli.probe.discovery import walk
    from authmd_cli.probe.fetch import LiveFetcher

    limits = FetchLimits(allow_private=True, timeout=60)
    targets = [parse_target(f"{origin}/api") for _ in range(n)]
    started = time.perf_counter()
    if analyse:
        opts = ProbeOptions(limits=limits, concurrency=pool, deadline_s=300)
        out: list[Any] = await probe_targets_async(targets, opts)
    else:
        gate = asyncio.Semaphore(pool)

        async def one(t: Any) -> Any:
            async with gate, net.async_client(max_connections=16) as client:
                return await walk(t, LiveFetcher(client, limits))

        out = list(await asyncio.gather(*(one(t) for t in targets)))
    return time.perf_counter() - started, out


def serve(port: int, latency: float) -> None:
    """The latency server, in its own process (so its CPU is not the probe's)."""
    sock = bind("127.0.0.1", port)
    origin = origin_of(sock, "127.0.0.1")
    import uvicorn

    config = uvicorn.Config(site_app(origin, latency), log_level="warning", access_log=False, lifespan="off",
                            limit_concurrency=4096)
    uvicorn.Server(config).run(sockets=[sock])


def start_server(latency: float) -> tuple[subprocess.Popen[bytes], str]:
    import socket

    probe_sock = socket.socket()
    probe_sock.bind(("127.0.0.1", 0))
    port = probe_sock.getsockname()[1]
    probe_sock.close()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port), "--latency-ms", str(latency * 1000)])
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("the latency server did not start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--targets", type=int, default=200)
    ap.add_argument("--pool", type=int, default=32)
    ap.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    latency = args.latency_ms / 1000
    if args.serve:
        serve(args.serve, latency)
        return
    proc, origin = start_server(latency)
    try:
        asyncio.run(measure(origin, 2, 2))  # warm-up: imports, schema loading
        wall1, (one,) = asyncio.run(measure(origin, 1, 1))
        walk1, _ = asyncio.run(measure(origin, 1, 1, analyse=False))
        d = depth(one)
        ideal1 = d * latency
        walln, reports = asyncio.run(measure(origin, args.targets, args.pool))
        walkn, _ = asyncio.run(measure(origin, args.targets, args.pool, analyse=False))
        idealn = math.ceil(args.targets / args.pool) * ideal1
    finally:
        proc.terminate()
        proc.wait()
    cpu = (walln - walkn) / args.targets
    errors = sum(r.report.summary["errors"] for r in reports)
    print(f"latency per request {args.latency_ms:.0f} ms; dependent chain depth {d} "
          f"({len(one.discovery.exchanges)} requests per target); ideal = depth x latency per pool round")
    print(f"{'':28}{'wall ms':>10}{'ideal ms':>10}{'ratio':>7}")
    print(f"{'1 target, walk only':28}{walk1 * 1000:10.1f}{ideal1 * 1000:10.1f}{walk1 / ideal1:7.2f}")
    print(f"{'1 target, probe':28}{wall1 * 1000:10.1f}{ideal1 * 1000:10.1f}{wall1 / ideal1:7.2f}   target <= 1.2")
    label = f"{args.targets} targets/pool {args.pool}"
    print(f"{label + ', walk only':28}{walkn * 1000:10.1f}{idealn * 1000:10.1f}{walkn / idealn:7.2f}")
    print(f"{label + ', probe':28}{walln * 1000:10.1f}{idealn * 1000:10.1f}{walln / idealn:7.2f}   target <= 1.3")
    print(f"analysis (lint engine + transport rules) adds ~{cpu * 1000:.0f} ms of wall time per target over "
          f"the walk alone; error findings across all targets: {errors}")


if __name__ == "__main__":
    main()
