"""The README's `authmd probe` run is real: the same command against `authmd serve` (built-in config)
prints the same lines, apart from the port, the timings and the sizes (which depend on the port)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from authmd_cli.cli.app import app

README = Path(__file__).resolve().parents[2] / "README.md"
_COLUMNS = re.compile(r"\s+\d+\.\d ms\s+\d+(?:\.\d)? k?B ")


def _example() -> tuple[list[str], list[str]]:
    text = README.read_text(encoding="utf-8")
    block = text.split("$ authmd probe ", 1)[1].split("```", 1)[0]
    command, *lines = block.rstrip("\n").split("\n")
    return shlex.split(command), lines


def _normal(line: str, port: str) -> str:
    return _COLUMNS.sub(" <ms> <size> ", line.replace(port, "PORT")).rstrip()


def test_readme_probe_output_is_real(sandbox: Callable[[str], str]) -> None:
    argv, expected = _example()
    origin = sandbox("v0.7-B")
    port = origin.rsplit(":", 1)[1]
    result = CliRunner().invoke(app, ["probe", *[a.replace("8765", port) for a in argv]])
    assert result.exit_code == 0, result.output
    got = [_normal(line, port) for line in result.output.rstrip("\n").split("\n")]
    assert got == [_normal(line, "8765") for line in expected]
