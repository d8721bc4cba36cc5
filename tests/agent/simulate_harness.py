"""Helpers for the simulate tests (a module of its own: `from conftest import …` would resolve to
whichever conftest.py pytest loaded last when several test directories are given at once)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from authmd_cli.agent.command import Args, Console, simulate_command
from authmd_cli.cli.simulate import probe_discovery
from authmd_cli.sandbox.server import Sandbox


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
