"""`authmd migrate SNAPSHOT --draft-config FILE`: a v0.7-A service probed and saved becomes a draft
authmd.yaml for the latest profile, and `authmd init` turns the draft into a site that lints clean."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from authmd_cli.cli.app import app
from authmd_cli.lint.engine import LintOptions, lint_paths
from authmd_cli.sandbox.defaults import default_config
from authmd_cli.sandbox.server import start

pytestmark = pytest.mark.e2e


@pytest.fixture
def legacy_service() -> Iterator[str]:
    sandbox = start(default_config("v0.7-A"), port=0)
    with sandbox.background() as origin:
        yield origin
    sandbox.close()


def test_a_probe_snapshot_becomes_a_draft_config_and_a_clean_site(
        legacy_service: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    saved = runner.invoke(app, ["probe", legacy_service, "--allow-private", "--save", "snap"])
    assert saved.exit_code == 0, saved.output
    migrated = runner.invoke(app, ["migrate", "snap", "--draft-config", "authmd.yaml"])
    assert migrated.exit_code == 0, migrated.output
    assert "wrote authmd.yaml" in migrated.stdout
    assert "profile: v0.7-B" in (tmp_path / "authmd.yaml").read_text()
    assert runner.invoke(app, ["init", "--config", "authmd.yaml", "--out", "site"]).exit_code == 0
    report = lint_paths([str(tmp_path / "site")], LintOptions(profile="v0.7-B"))
    assert len(report.documents) == 3
    assert [d.code for d in report.diagnostics if d.severity.value != "info"] == []


def test_a_snapshot_without_draft_config_is_a_usage_error(
        legacy_service: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["probe", legacy_service, "--allow-private", "--save", "snap"]).exit_code == 0
    refused = runner.invoke(app, ["migrate", "snap", "--diff"])
    assert refused.exit_code == 2 and "--draft-config" in refused.stderr
