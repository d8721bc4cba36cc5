"""`main` runs an app with only the command argv names (cli.app.app_for): the same help, the same
usage errors and exit codes as the full app, for every command and subcommand."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from authmd_cli.cli.app import GROUPS, app, app_for, full_app

SUBCOMMANDS = {"schema": ["list", "show"], "provider": ["keygen", "jwks", "mint", "serve", "revoke"],
               "simulate": ["user-claimed", "agent-verified"]}


def _names(built: typer.Typer) -> list[str]:
    return [c.name or "" for c in built.registered_commands] + [g.name or "" for g in built.registered_groups]


def test_a_command_name_builds_that_command_only() -> None:
    for name in GROUPS:
        assert _names(app_for([name, "--help"])) == [name]


@pytest.mark.parametrize("argv", [[], ["--help"], ["-V"], ["lnt"], ["--install-completion"]])
def test_anything_else_runs_the_full_app(argv: list[str]) -> None:
    assert app_for(argv) is app is full_app()
    assert sorted(_names(app)) == sorted(GROUPS)


CASES = [[name, "--help"] for name in GROUPS] + [
    [group, sub, "--help"] for group, subs in SUBCOMMANDS.items() for sub in subs] + [
    ["lint", "--no-such-option"], ["lint", "--format", "yaml", "x.md"], ["probe"], ["schema", "nope"],
    ["simulate", "user-claimed"], ["init", "--profile", "v9"], ["serve", "--port", "70000"],
]


@pytest.mark.parametrize("argv", CASES, ids=" ".join)
def test_the_one_command_app_answers_as_the_full_app(runner: CliRunner, argv: list[str]) -> None:
    full = runner.invoke(app, argv, prog_name="authmd")
    one = runner.invoke(app_for(argv), argv, prog_name="authmd")
    assert (one.exit_code, one.stdout, one.stderr) == (full.exit_code, full.stdout, full.stderr)
    assert full.exit_code in (0, 2)  # help or a usage error: nothing ran
