"""`authmd schema list` / `authmd schema show NAME [--profile P]`."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from authmd_cli.cli.app import app
from authmd_cli.lint.config import schema_path


def test_list_text_has_the_lint_config_schema(runner: CliRunner) -> None:
    result = runner.invoke(app, ["schema", "list"])
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert "lint-config" in names
    assert "prm" in names


def test_list_json(runner: CliRunner) -> None:
    result = runner.invoke(app, ["schema", "list", "--format", "json"])
    assert result.exit_code == 0
    entries = {e["name"]: e for e in json.loads(result.stdout)}
    assert entries["lint-config"]["id"] == "https://authmd.dev/schemas/lint-config.schema.json"


def test_show_prints_the_bundled_file(runner: CliRunner) -> None:
    result = runner.invoke(app, ["schema", "show", "lint-config"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads(schema_path().read_text(encoding="utf-8"))


def test_show_by_kind_and_profile(runner: CliRunner) -> None:
    result = runner.invoke(app, ["schema", "show", "registration-request", "--profile", "v0.2"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["$id"].endswith("registration-request-v0.2-v0.5.schema.json")


def test_show_unknown_name_suggests(runner: CliRunner) -> None:
    result = runner.invoke(app, ["schema", "show", "regstration-request"])
    assert result.exit_code == 2
    assert result.stderr.startswith("authmd: error: unknown schema 'regstration-request'")
    assert "did you mean 'registration-request'" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_show_unknown_profile_is_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(app, ["schema", "show", "prm", "--profile", "v9"])
    assert result.exit_code == 2
    assert result.stderr.startswith("authmd: error: ")


def test_list_rejects_other_formats(runner: CliRunner) -> None:
    assert runner.invoke(app, ["schema", "list", "--format", "sarif"]).exit_code == 2
