"""`authmd init` through the real CLI: exit codes 0 / 1 (--check drift) / 2, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from init_inputs import EXAMPLE
from typer.testing import CliRunner

from authmd_cli.cli.app import app


def test_init_check_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "site"
    ok = runner.invoke(app, ["init", "--config", str(EXAMPLE), "--out", str(out)])
    assert ok.exit_code == 0, ok.output
    assert runner.invoke(app, ["init", "-c", str(EXAMPLE), "-o", str(out), "--check"]).exit_code == 0
    drift = runner.invoke(app, ["init", "-c", str(EXAMPLE), "-o", str(out), "--check", "-p", "v0.6"])
    assert drift.exit_code == 1
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"service:\n  name: caf\xe9\n")
    res = runner.invoke(app, ["init", "-c", str(bad), "-o", str(tmp_path / "other")])
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1 and f"{bad}:2:12:" in res.stderr
    assert not (tmp_path / "other").exists()
    unknown = runner.invoke(app, ["init", "-c", str(EXAMPLE), "-o", str(out), "-p", "v0.9"])
    assert unknown.exit_code == 2 and "v0.9" in unknown.stderr


def test_lint_of_written_site_is_clean(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "site"
    assert runner.invoke(app, ["init", "-c", str(EXAMPLE), "-o", str(out)]).exit_code == 0
    res = runner.invoke(app, ["lint", "--no-config", "--format", "json", str(out)])
    assert res.exit_code == 0, res.output
    assert '"errors": 0' in res.stdout and '"warnings": 0' in res.stdout and '"infos": 0' in res.stdout


def test_a_bad_profile_fails_before_the_wizard_writes_anything(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no authmd.yaml here: init would start the wizard
    res = CliRunner().invoke(app, ["init", "--profile", "v9", "--yes"])
    assert res.exit_code == 2
    assert '--profile: expected one of: v0.7-B, v0.7-A, v0.6, no-registration, latest; got "v9"' in res.stderr
    assert list(tmp_path.iterdir()) == []
