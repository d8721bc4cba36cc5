"""Probe wall time against the critical path of dependent fetches (issue 8).

A local server (uvicorn on 127.0.0.1, in its own process) serves a clean v0.7-B site whose every
answer is delayed by a fixed latency L. One probe's dependent chain is 401 -> PRM -> AS metadata ->
(endpoints, skill, JWKS, all concurrent): its depth D is read from the trace's `after` links, so the
ideal wall time of one target is D x L, and of N targets through a pool of P is ceil(N / P) x D x L.
Reported as ratios (targets: <= 1.2 for one target, <= 1.3 for 200 targets with a pool of 32), for
each latency and each `--jobs` value, as medians of `--repeat` interleaved runs (the machine is
shared: one run is noise). Also the CPU the probe spends per target (this process and its worker
processes) and the server's, and the CPU floor they set: a run cannot be shorter than its CPU
divided by the cores, whatever the latency. Not a test: nothing here is asserted in the suite.

    .venv/bin/python bench/probe_latency.py [--latency-ms 50,100,200] [--targets 200] [--pool 32]
                                            [--jobs 1,2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
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


async def measure(origin: str, n: int, pool: int, *, analyse: bool = True, jobs: int = 1) -> tuple[float, list[Any]]:
    """Wall time of probing `origin/api` n times through a pool (over `jobs` processes); with
    analyse=False only the walks, in this process (the network schedule, without the lint
    engine's CPU)."""
    from authmd_cli.core import net
    from authmd_cli.probe.discovery import walk
    from authmd_cli.probe.fetch import LiveFetcher

    limits = FetchLimits(allow_private=True, timeout=60)
    targets = [parse_target(f"{origin}/api") for _ in range(n)]
    started = time.perf_counter()
    if analyse:
        # `jobs` only when asked, so this bench also runs against a tree from before --jobs (a before/after).
        more = {"jobs": jobs} if jobs != 1 else {}
        opts = ProbeOptions(limits=limits, concurrency=pool, deadline_s=300, **more)
        out: list[Any] = await probe_targets_async(targets, opts)
    else:
        gate = asyncio.Semaphore(pool)

        async def one(t: Any) -> Any:
            async with gate, net.async_client(max_connections=16) as client:
                return await walk(t, LiveFetcher(client, limits))

        out = list(await asyncio.gather(*(one(t) for t in targets)))
    return time.perf_counter() - started, out


def cpu_seconds(server_pid: int) -> tuple[float, float]:
    """(CPU of this process and its reaped children, i.e. the probe and its workers; CPU of the
    server process so far, from /proc: NaN where there is none)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    probe = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    try:
        with open(f"/proc/{server_pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        server = math.nan
    return probe, server


@dataclass
class Sample:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # probe CPU per target, seconds
    server_cpu: list[float] = field(default_factory=list)  # server CPU per target, seconds


def timed(server: tuple[subprocess.Popen[bytes], str], n: int, pool: int, sample: Sample, *, analyse: bool = True,
          jobs: int = 1) -> list[Any]:
    proc, origin = server
    c0, s0 = cpu_seconds(proc.pid)
    wall, out = asyncio.run(measure(origin, n, pool, analyse=analyse, jobs=jobs))
    c1, s1 = cpu_seconds(proc.pid)
    sample.wall.append(wall)
    sample.cpu.append((c1 - c0) / n)
    sample.server_cpu.append((s1 - s0) / n)
    return out


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


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def numbers(text: str, kind: type) -> list[Any]:
    return [kind(x) for x in text.split(",") if x.strip()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--latency-ms", default="50,100,200", help="comma-separated latencies per request")
    ap.add_argument("--targets", type=int, default=200)
    ap.add_argument("--pool", type=int, default=32)
    ap.add_argument("--jobs", default=None, help="comma-separated worker-process counts (default: 1 and the CPUs)")
    ap.add_argument("--repeat", type=int, default=3, help="interleaved runs per figure (the median is shown)")
    ap.add_argument("--no-walk", action="store_true", help="skip the walk-only figures (quicker)")
    ap.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve, numbers(args.latency_ms, float)[0] / 1000)
        return
    latencies = numbers(args.latency_ms, float)
    n_cpu = cores()
    jobs_list = numbers(args.jobs, int) if args.jobs else sorted({1, n_cpu})
    n, pool = args.targets, args.pool
    servers = {lat: start_server(lat / 1000) for lat in latencies}
    one: dict[float, Sample] = {lat: Sample() for lat in latencies}
    walk1: dict[float, Sample] = {lat: Sample() for lat in latencies}
    walkn: dict[float, Sample] = {lat: Sample() for lat in latencies}
    many: dict[tuple[float, int], Sample] = {(lat, j): Sample() for lat in latencies for j in jobs_list}
    depths: dict[float, int] = {}
    requests: dict[float, int] = {}
    errors = 0
    try:
        for lat in latencies:  # warm-up: imports, schema loading, one connection each
            asyncio.run(measure(servers[lat][1], 2, 2))
        for r in range(args.repeat):
            for lat in latencies:
                srv = servers[lat]
                (report,) = timed(srv, 1, 1, one[lat])  # one target: never a process, whatever --jobs says
                depths[lat], requests[lat] = depth(report), len(report.discovery.exchanges)
                if not args.no_walk:
                    timed(srv, 1, 1, walk1[lat], analyse=False)
                    timed(srv, n, pool, walkn[lat], analyse=False)
                order = jobs_list if r % 2 == 0 else list(reversed(jobs_list))
                for j in order:
                    reports = timed(srv, n, pool, many[(lat, j)], jobs=j)
                    errors += sum(rep.report.summary["errors"] for rep in reports)
                print(f"  run {r + 1}/{args.repeat}, {lat:.0f} ms: done", file=sys.stderr)
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait()

    med = statistics.median
    rounds = math.ceil(n / pool)
    print(f"probe wall time against the critical path; {n} targets, pool {pool}, {n_cpu} CPUs; "
          f"medians of {args.repeat} interleaved runs (min-max in brackets)")
    print("ideal = chain depth x latency (one target), x ceil(targets / pool) rounds (many targets)")
    for lat in latencies:
        d = depths[lat]
        ideal1 = d * lat / 1000
        idealn = rounds * ideal1
        print(f"\nlatency {lat:.0f} ms: chain depth {d}, {requests[lat]} requests per target; "
              f"ideal {ideal1 * 1000:.0f} ms for one target, {idealn * 1000:.0f} ms for {n} ({rounds} rounds)")
        print(f"{'':34}{'wall ms':>9}{'ratio':>7}{'  [min-max]':<16}{'target':>8}{'CPU ms/target':>15}"
              f"{'server ms/t':>13}")

        def row(label: str, s: Sample, ideal: float, target: str = "") -> None:
            spread = f"  [{min(s.wall) / ideal:.2f}-{max(s.wall) / ideal:.2f}]"
            print(f"{label:34}{med(s.wall) * 1000:9.0f}{med(s.wall) / ideal:7.2f}{spread:<16}{target:>8}"
                  f"{med(s.cpu) * 1000:15.1f}{med(s.server_cpu) * 1000:13.1f}")

        if not args.no_walk:
            row("1 target, walk only", walk1[lat], ideal1)
        row("1 target, probe", one[lat], ideal1, "<= 1.2")
        if not args.no_walk:
            row(f"{n} targets, walk only, 1 process", walkn[lat], idealn)
        for j in jobs_list:
            row(f"{n} targets, probe, --jobs {j}", many[(lat, j)], idealn, "<= 1.3")
        # The floor: CPU cannot run faster than the cores allow, whatever the network does. The probe
        # uses at most --jobs cores (one process: one core, the GIL), probe and server together all.
        best = min(jobs_list, key=lambda j: med(many[(lat, j)].wall))
        cpu_t = med(many[(lat, best)].cpu)
        srv_t = med(many[(lat, best)].server_cpu)
        srv_known = srv_t if not math.isnan(srv_t) else 0.0
        floor = max(cpu_t * n / min(best, n_cpu), (cpu_t + srv_known) * n / n_cpu)
        print(f"CPU floor at --jobs {best}: max({cpu_t * 1000:.1f} ms probe x {n} / {min(best, n_cpu)} core(s), "
              f"({cpu_t * 1000:.1f} + {srv_t * 1000:.1f} server) ms x {n} / {n_cpu} cores) = {floor * 1000:.0f} ms "
              f"= {floor / idealn:.2f} x ideal; 1.3 x ideal = {1.3 * idealn * 1000:.0f} ms needs <= "
              f"{1.3 * idealn * n_cpu / n * 1000:.1f} ms of CPU per target, probe and server together")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan
    print(f"\nload average at the end: {load:.2f} (other processes on these {n_cpu} CPUs skew every figure)")
    print(f"\nerror findings across all probes: {errors} (a clean site: expected 0)")


if __name__ == "__main__":
    main()
