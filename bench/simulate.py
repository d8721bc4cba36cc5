"""Client overhead of `authmd simulate` per flow: wall time of the whole process minus the time the
server spent answering, against a local sandbox on loopback (issue 10 target: ≤ 250 ms per flow,
process start included).

The server's time is measured inside the sandbox by an ASGI middleware (first byte of the request
to the last byte of the answer, summed over the run's requests), so what is left is the client:
interpreter start, imports, discovery parsing, flow logic, checks, schema validation, rendering,
and the loopback round trips' client side. `python -c pass` is measured in the same run as the
baseline the figures are compared with. Never asserted in tests: a figure to read.

    .venv/bin/python bench/simulate.py [--runs 5]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from authmd_cli.core.server import in_thread
from authmd_cli.sandbox.defaults import default_config
from authmd_cli.sandbox.server import start

Scope = MutableMapping[str, Any]

# What every simulate run imports whatever authmd's own code does: the command line (typer), the
# HTTP client with its asyncio backend (discovery fetches concurrently), the JSON Schema validator
# (responses are checked against the schemas) and the Markdown parser (auth.md is read).
FLOOR_IMPORTS = "import typer, httpx, asyncio, anyio._backends._asyncio, jsonschema, markdown_it"
# agent-verified also signs an ID-JAG (pyjwt with cryptography's EC keys).
SIGNING_IMPORTS = ("; import jwt, cryptography.hazmat.primitives.asymmetric.ec, "
                   "cryptography.hazmat.primitives.serialization")


class ServerClock:
    """ASGI middleware: sums the time spent answering each HTTP request."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.total = 0.0
        self.requests = 0

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.total += time.perf_counter() - started
            self.requests += 1


FLOWS: dict[str, list[str]] = {
    "anonymous": ["user-claimed"],
    "anonymous + claim": ["user-claimed", "--claim", "bench@example.com", "--auto-confirm"],
    "service_auth": ["user-claimed", "--method", "service_auth", "--login-hint", "sa@example.com", "--auto-confirm"],
    "agent-verified": ["agent-verified", "--provider-key", "{key}"],
}


def compiled() -> None:
    """Byte-compile the package first, as an installed wheel is: with PYTHONDONTWRITEBYTECODE set
    (as in some CI images) every run would otherwise re-compile ~80 modules (~100 ms)."""
    import compileall

    import authmd_cli

    compileall.compile_dir(str(Path(authmd_cli.__file__).parent), quiet=1)


def one(args: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "authmd_cli", "simulate", *args], capture_output=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"simulate {' '.join(args)} exited {done.returncode}:\n{done.stdout.decode()}")
    return wall


def in_process(args: list[str]) -> float:
    """The same run inside this (warm) interpreter: the flow's own cost, without start-up and imports."""
    from authmd_cli.cli.app import main as cli_main

    started = time.perf_counter()
    try:
        cli_main(["simulate", *args])
    except SystemExit as done:
        if done.code not in (0, None):
            raise
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    opts = parser.parse_args(argv)
    compiled()
    base = [time.perf_counter()]
    baselines = []
    for _ in range(opts.runs):
        base[0] = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        baselines.append(time.perf_counter() - base[0])
    baseline = statistics.median(baselines) * 1000
    print(f"baseline `python -c pass`: {baseline:.0f} ms (median of {opts.runs})")
    for label, imports in (("every flow", FLOOR_IMPORTS), ("agent-verified", FLOOR_IMPORTS + SIGNING_IMPORTS)):
        floors = []
        for _ in range(opts.runs):
            base[0] = time.perf_counter()
            subprocess.run([sys.executable, "-c", imports], check=True)
            floors.append(time.perf_counter() - base[0])
        floor = statistics.median(floors) * 1000
        print(f"floor of {label}: {floor:.0f} ms to start Python and import what it needs "
              f"({250 - floor:.0f} ms of the 250 ms target left for authmd's own modules and the flow)")
    print(f"{'profile':8} {'flow':18} {'requests':>8} {'wall ms':>8} {'server ms':>9} {'client ms':>9} "
          f"{'÷ baseline':>10} {'warm client ms':>14}")
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "k.pem"
        for profile in ("v0.7-B", "v0.7-A"):
            sb = start(default_config(profile), host="127.0.0.1", port=0, test_hooks=True, provider_key_path=key)
            timed = ServerClock(sb.app)
            with in_thread(timed, sb.sock):
                for name, flow in FLOWS.items():
                    args = [a.replace("{key}", str(key)) for a in flow] + [
                        sb.origin, "--allow-private", "--yes", "--format", "json"]
                    walls, servers, count = [], [], 0
                    for _ in range(opts.runs):
                        timed.total, timed.requests = 0.0, 0
                        walls.append(one(args))
                        servers.append(timed.total)
                        count = timed.requests
                    wall = statistics.median(walls) * 1000
                    server = statistics.median(servers) * 1000
                    client = wall - server
                    warm = []
                    for _ in range(opts.runs):
                        timed.total = 0.0
                        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                            spent = in_process(args)
                        warm.append(spent - timed.total)
                    print(f"{profile:8} {name:18} {count:>8} {wall:>8.0f} {server:>9.0f} {client:>9.0f} "
                          f"{client / baseline:>10.1f} {statistics.median(warm) * 1000:>14.0f}")
            sb.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
