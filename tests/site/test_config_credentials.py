"""A URL in authmd.yaml with a password in it is refused, and the message never repeats the password."""

from __future__ import annotations

from pathlib import Path

import pytest
from init_inputs import EXAMPLE
from typer.testing import CliRunner

from authmd_cli.cli.app import app


@pytest.mark.parametrize("url", ["https://u:hunter2pass@api.example.com/v1", "http://u:hunter2pass@example.com/v1"])
def test_init_refuses_credentials_in_a_config_url_without_echoing_them(tmp_path: Path, url: str) -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("resource:"))
    lines[at] = lines[at].split("resource:")[0] + f"resource: {url}\n"
    cfg = tmp_path / "creds.yaml"
    cfg.write_text("".join(lines), encoding="utf-8")
    res = CliRunner().invoke(app, ["init", "-c", str(cfg), "--out", str(tmp_path / "site"), "--dry-run"])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1, res.output
    assert f"{cfg}:{at + 1}:" in res.stderr and "…@" in res.stderr and "hunter2pass" not in res.output
