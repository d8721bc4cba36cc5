"""The README's `authmd lint` examples are real output of the shipped examples (issue 2: "a usage
section per command with real output"): every line shown must be printed, in that order (`...`
marks an elision)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from authmd_cli.cli.app import app

REPO = Path(__file__).resolve().parents[2]
_BLOCK = re.compile(r"^```console\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def _lint_examples() -> list[tuple[list[str], list[str]]]:
    """(argv, expected lines) for each `$ authmd lint … examples/…` command in the README."""
    out: list[tuple[list[str], list[str]]] = []
    for block in _BLOCK.findall((REPO / "README.md").read_text(encoding="utf-8")):
        for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
            command, *lines = chunk.rstrip("\n").split("\n")
            if not command.startswith("authmd lint "):
                continue
            argv = shlex.split(command)
            if any(a.startswith("examples/") for a in argv):
                out.append((argv[1:], lines))
    return out


def test_readme_has_lint_examples() -> None:
    assert len(_lint_examples()) >= 3


@pytest.mark.parametrize(("argv", "expected"),
                         [pytest.param(a, e, id=" ".join(a)) for a, e in _lint_examples()])
def test_readme_lint_output_is_real(argv: list[str], expected: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    for name in ("GITHUB_ACTIONS", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    actual = CliRunner().invoke(app, [*argv, "--no-config"]).stdout.splitlines()
    pos = 0
    for line in expected:
        if line == "...":
            continue
        assert line in actual[pos:], f"README line not in the output (in order): {line!r}"
        pos = actual.index(line, pos) + 1
