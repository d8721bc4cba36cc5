"""Real sandbox servers on 127.0.0.1 (ephemeral ports), one per test, with a clock the test can move.

The clock stands still at `sandbox_harness.BASE_TIME` and moves only through
`Harness.clock.advance`, so what a test expects (a `slow_down`, an expiry) never depends on how
long the machine took between two requests. Only the clock is injected; the server, HTTP and the database are real."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sandbox_harness import Harness, fixed_clock

from authmd_cli.core.server import bind, in_thread, origin_of
from authmd_cli.core.tokens import SigningKey, generate_signing_key
from authmd_cli.provider.issuer import provider_app
from authmd_cli.sandbox.defaults import default_config
from authmd_cli.sandbox.server import start


@pytest.fixture
def serve() -> Iterator[Callable[..., Harness]]:
    stack: list[tuple[Any, Harness]] = []

    def factory(profile: str = "v0.7-B", **kw: Any) -> Harness:
        clock = fixed_clock()
        sandbox = start(kw.pop("cfg", None) or default_config(profile), host="127.0.0.1", port=0, clock=clock,
                        **kw)
        ctx = sandbox.background()
        origin = ctx.__enter__()
        h = Harness(sandbox, origin, clock, httpx.Client(base_url=origin, timeout=10))
        stack.append((ctx, h))
        return h

    yield factory
    for ctx, h in reversed(stack):
        h.agent.close()
        for b in h.browsers:
            b.close()
        ctx.__exit__(None, None, None)


@pytest.fixture
def b(serve: Callable[..., Harness]) -> Harness:
    return serve("v0.7-B")


@pytest.fixture
def a(serve: Callable[..., Harness]) -> Harness:
    return serve("v0.7-A")


@pytest.fixture
def second_provider() -> Iterator[tuple[SigningKey, str]]:
    """Another trusted provider, served for real on 127.0.0.1 (the sandbox fetches its JWKS)."""
    key = generate_signing_key()
    sock = bind("127.0.0.1", 0)
    issuer = origin_of(sock, "127.0.0.1")
    try:
        with in_thread(provider_app(key, issuer), sock):
            yield key, issuer
    finally:
        sock.close()
