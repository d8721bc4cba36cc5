"""`authmd serve` and `authmd provider serve` refuse bad options before writing anything or
binding a port, and never echo a password given in a URL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from authmd_cli.cli.app import app
from authmd_cli.core.tokens import generate_signing_key, write_private_key


def _authmd(*args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI in a process: a command that wrongly starts serving is killed by the hang
    guard (TimeoutExpired fails the test) instead of blocking the suite."""
    return subprocess.run([sys.executable, "-m", "authmd_cli", *args], capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.mark.parametrize("key", ["bad.pem", "nodir/key.pem", "afile/key.pem"])
def test_a_bad_provider_key_leaves_no_database_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      key: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.pem").write_text("not a key\n", encoding="utf-8")
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    res = CliRunner().invoke(app, ["serve", "--port", "0", "--db", "fresh.db", "--provider-key", key])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1, res.output
    assert f"{key}: --provider-key:" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "bad.pem"]  # no fresh.db (nor -wal, -shm)


def test_a_good_provider_key_and_a_new_one_still_start(tmp_path: Path) -> None:
    from authmd_cli.sandbox.defaults import default_config
    from authmd_cli.sandbox.server import start

    write_private_key(tmp_path / "given.pem", generate_signing_key())
    for key in ("given.pem", "new.pem"):
        sandbox = start(default_config("v0.7-B"), port=0, db=tmp_path / f"{key}.db",
                        provider_key_path=tmp_path / key)
        sandbox.close()
        assert (tmp_path / key).is_file() and (tmp_path / f"{key}.db").is_file()


@pytest.mark.parametrize("url", ["http://u:hunter2pass@127.0.0.1:9", "http://:hunter2pass@127.0.0.1:9",
                                 "https://u:hunter2pass@example.org/path"])
def test_serve_origin_with_credentials_is_refused_without_echoing_them(url: str) -> None:
    res = _authmd("serve", "--port", "0", "--origin", url)
    assert res.returncode == 2 and res.stderr.count("\n") == 1, res.stderr
    assert "credentials in " in res.stderr and "hunter2pass" not in res.stdout + res.stderr


def test_provider_serve_issuer_with_credentials_is_refused_without_echoing_them(tmp_path: Path) -> None:
    write_private_key(tmp_path / "k.pem", generate_signing_key())
    res = _authmd("provider", "serve", "--key", str(tmp_path / "k.pem"), "--port", "0",
                  "--issuer", "http://u:hunter2pass@127.0.0.1:9")
    assert res.returncode == 2 and res.stderr.count("\n") == 1, res.stderr
    assert "credentials in " in res.stderr and "hunter2pass" not in res.stdout + res.stderr


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_provider_serve_on_every_interface_needs_an_issuer_like_serve_needs_an_origin(
        tmp_path: Path, host: str) -> None:
    write_private_key(tmp_path / "k.pem", generate_signing_key())
    provider = _authmd("provider", "serve", "--key", str(tmp_path / "k.pem"), "--port", "0", "--host", host)
    serve = _authmd("serve", "--port", "0", "--host", host)
    assert provider.returncode == serve.returncode == 2
    assert f"--host {host} listens on every interface" in provider.stderr and "pass --issuer" in provider.stderr
    assert f"--host {host} listens on every interface" in serve.stderr and "pass --origin" in serve.stderr
    assert "http://0.0.0.0" not in provider.stdout
