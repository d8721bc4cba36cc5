"""Helpers for CLI tests: an in-process typer runner and a real subprocess runner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]
# Variables that change what the CLI prints; tests set them explicitly when they need them.
_AMBIENT = ("GITHUB_ACTIONS", "NO_COLOR", "FORCE_COLOR", "AUTHMD_DEBUG", "TERM")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in _AMBIENT:
        monkeypatch.delenv(name, raising=False)
    yield


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_cli() -> RunCli:
    """`python -m authmd_cli ARGS` in `cwd`, as a user would run it (stdin optional)."""

    def run(*args: str, cwd: Path, stdin: bytes | None = None, env: dict[str, str] | None = None,
            python_flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items() if k not in _AMBIENT}
        full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), full_env.get("PYTHONPATH")]))
        full_env.update(env or {})
        proc = subprocess.run(
            [sys.executable, *python_flags, "-m", "authmd_cli", *args],
            cwd=cwd, input=stdin, capture_output=True, env=full_env, timeout=60, check=False,
        )
        return subprocess.CompletedProcess(proc.args, proc.returncode,
                                           proc.stdout.decode("utf-8", "replace"),
                                           proc.stderr.decode("utf-8", "replace"))

    return run
