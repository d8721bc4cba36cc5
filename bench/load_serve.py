"""Load check for `authmd serve`: N concurrent agents each register anonymously, exchange the
assertion for an access token and call the API — on loopback only, with bounded concurrency.

Verifies nothing is lost (every request answered 200, every registration id distinct, the
server's store holds exactly N registrations and N access tokens) and reports requests/s.
Not a test: speed is measured here, never asserted in the suite.

    .venv/bin/python bench/load_serve.py [--agents 200] [--concurrency 200] [--profile v0.7-B]
"""

from __future__ import annotations

import argparse
import asyncio
import ssl
import sys
import time

import httpx

from authmd_cli.protocol.profiles import JWT_BEARER_URN
from authmd_cli.sandbox.defaults import default_config
from authmd_cli.sandbox.server import start


async def agent(client: httpx.AsyncClient, gate: asyncio.Semaphore, nested: bool) -> tuple[str, int]:
    async with gate:
        reg = await client.post("/agent/identity", json={"type": "anonymous"})
        reg.raise_for_status()
        body = reg.json()
        assertion = body["identity"]["assertion"] if nested else body["identity_assertion"]
        reg_id = body["id"] if nested else body["registration_id"]
        tok = await client.post("/oauth2/token", data={"grant_type": JWT_BEARER_URN, "assertion": assertion})
        tok.raise_for_status()
        api = await client.get("/api/resource", headers={"Authorization": f"Bearer {tok.json()['access_token']}"})
        api.raise_for_status()
        return reg_id, 3


async def run(origin: str, agents: int, concurrency: int, nested: bool) -> tuple[list[tuple[str, int]], float]:
    # Each agent is its own client with its own connection, as real agents are (one shared pool of
    # 200 connections measures httpcore's pool bookkeeping rather than the server). Clients are
    # made before the clock starts and share one TLS context (building one costs ~10 ms).
    gate = asyncio.Semaphore(concurrency)
    tls = ssl.create_default_context()
    clients = [httpx.AsyncClient(base_url=origin, timeout=60, verify=tls) for _ in range(agents)]
    try:
        started = time.perf_counter()
        results = await asyncio.gather(*(agent(c, gate, nested) for c in clients))
        return list(results), time.perf_counter() - started
    finally:
        for c in clients:
            await c.aclose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--profile", default="v0.7-B", choices=["v0.7-B", "v0.7-A"])
    args = parser.parse_args(argv)
    if not 1 <= args.agents <= 5000 or not 1 <= args.concurrency <= 1000:
        parser.error("keep it bounded: 1-5000 agents, 1-1000 concurrent")
    sandbox = start(default_config(args.profile), host="127.0.0.1", port=0)  # loopback only
    with sandbox.background() as origin:
        results, elapsed = asyncio.run(run(origin, args.agents, args.concurrency, args.profile == "v0.7-B"))
        counts = sandbox.app.state.ctx.core.store.counts()
    ids = {reg_id for reg_id, _ in results}
    requests = sum(n for _, n in results)
    lost = args.agents - len(ids)
    ok = lost == 0 and counts["registrations"] == args.agents and counts["access_tokens"] == args.agents
    print(f"profile {args.profile}: {args.agents} agents, concurrency {args.concurrency}")
    print(f"  {requests} requests in {elapsed:.2f} s = {requests / elapsed:.0f} requests/s "
          f"({args.agents / elapsed:.0f} agents/s: register + exchange + API call)")
    print(f"  store: {counts['registrations']} registrations, {counts['access_tokens']} access tokens; "
          f"lost: {lost}")
    print("  OK: nothing lost" if ok else "  FAILED: requests or state were lost")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
