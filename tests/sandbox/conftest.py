"""Real sandbox servers on 127.0.0.1 (ephemeral ports), one per test, with a clock the test can move."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sandbox_harness import Harness

from authmd_cli.sandbox.defaults import default_config
from authmd_cli.sandbox.server import start
from authmd_cli.tokens import OffsetClock


@pytest.fixture
def serve() -> Iterator[Callable[..., Harness]]:
    stack: list[tuple[Any, Harness]] = []

    def factory(profile: str = "v0.7-B", **kw: Any) -> Harness:
        clock = OffsetClock()
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
