"""Real servers on 127.0.0.1 for the simulate tests: `authmd serve` (both sandbox profiles, test
hooks on, the built-in test provider's key in a file) and, for broken behaviour, the same sandbox
app behind a middleware that breaks one thing (`broken.py`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from authmd_cli.agent.command import Args, Console, simulate_command
from authmd_cli.cli.simulate import probe_discovery
from authmd_cli.core.server import in_thread
from authmd_cli.sandbox.defaults import default_config
from authmd_cli.sandbox.server import Sandbox, start


@dataclass
class Served:
    origin: str
    key: Path
    sandbox: Sandbox


@dataclass
class Run:
    code: int
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)
    slept: list[float] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.out)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    stack: list[Any] = []

    def factory(profile: str = "v0.7-B", *, wrap: Callable[[Any], Any] | None = None, **kw: Any) -> Served:
        key = tmp_path / f"provider-{len(stack)}.pem"
        sb = start(default_config(profile), host="127.0.0.1", port=0, test_hooks=True, provider_key_path=key, **kw)
        if wrap is None:
            ctx = sb.background()
            origin = ctx.__enter__()
        else:  # the same app (documents rendered for this origin) behind a breaking middleware
            ctx = in_thread(wrap(sb.app), sb.sock)
            ctx.__enter__()
            origin = sb.origin
        stack.append((ctx, sb))
        return Served(origin, key, sb)

    yield factory
    for ctx, sb in reversed(stack):
        ctx.__exit__(None, None, None)
        sb.close()


def simulate(flow: str, url: str, **kw: Any) -> Run:
    """`authmd simulate` in-process, as CI runs it (not a TTY: --yes), output captured."""
    run = Run(0)
    console = Console(out=run.out.append, err=run.err.append, interactive=False)
    args = Args(flow, url, **{"yes": True, "allow_private": True, **kw})
    clock = FakeTime()
    run.code = simulate_command(args, console, probe_discovery, sleep=clock.sleep, clock=clock)
    run.slept = clock.slept
    return run


class FakeTime:
    """Waits take no real time: `sleep` moves this clock, so deadlines still hold."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now
