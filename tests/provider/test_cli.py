"""`authmd provider …` and `authmd serve` through the real command line."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from authmd_cli.cli import app
from authmd_cli.sandbox.defaults import default_config
from authmd_cli.sandbox.server import start
from authmd_cli.tokens import peek

runner = CliRunner()


def test_keygen_jwks_mint(tmp_path: Path) -> None:
    key = tmp_path / "p.pem"
    out = runner.invoke(app, ["provider", "keygen", "--key", str(key)])
    assert out.exit_code == 0 and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert runner.invoke(app, ["provider", "keygen", "--key", str(key)]).exit_code == 2
    jwks = runner.invoke(app, ["provider", "jwks", "--key", str(key)])
    assert jwks.exit_code == 0 and '"kty": "EC"' in jwks.stdout and '"d"' not in jwks.stdout
    mint = runner.invoke(app, ["provider", "mint", "--key", str(key), "--aud", "http://as", "--sub", "u1",
                               "--email", "u@example.com", "--omit", "exp", "--spoil", "aud"])
    assert mint.exit_code == 0
    header, claims = peek(mint.stdout.strip())
    assert header["typ"] == "oauth-id-jag+jwt" and "exp" not in claims and claims["aud"] != "http://as"
    bad = runner.invoke(app, ["provider", "mint", "--key", str(key), "--aud", "a", "--sub", "s", "--spoil", "x"])
    assert bad.exit_code == 2
    missing = runner.invoke(app, ["provider", "jwks", "--key", str(tmp_path / "none.pem")])
    assert missing.exit_code == 2


@pytest.mark.e2e
def test_revoke_posts_a_set_and_reports(tmp_path: Path) -> None:
    key = tmp_path / "p.pem"
    sandbox = start(default_config(), port=0, provider_key_path=key)
    assert sandbox.provider_issuer is not None
    with sandbox.background() as origin:
        ok = runner.invoke(app, ["provider", "revoke", "--key", str(key), "--iss", sandbox.provider_issuer,
                                 "--aud", origin, "--sub", "u1", "--events-url", f"{origin}/agent/event/notify"])
        assert ok.exit_code == 0 and "HTTP 202" in ok.stdout
        refused = runner.invoke(app, ["provider", "revoke", "--key", str(key), "--aud", origin, "--sub", "u1",
                                      "--events-url", f"{origin}/agent/event/notify"])
        assert refused.exit_code == 1 and "invalid_issuer" in refused.stdout
    gone = runner.invoke(app, ["provider", "revoke", "--key", str(key), "--aud", "http://x", "--sub", "u",
                               "--events-url", "http://127.0.0.1:9/agent/event/notify"])
    assert gone.exit_code == 3


@pytest.mark.e2e
def test_serve_command_prints_urls_and_serves(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "authmd_cli", "serve", "--port", "0", "--profile", "v0.7-A"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("authmd sandbox (v0.7-A) at http://127.0.0.1:")
        origin = first.split(" at ")[1].strip()
        lines = [proc.stdout.readline() for _ in range(6)]
        assert any("auth.md" in line for line in lines)
        deadline = time.monotonic() + 10
        while True:
            try:
                r = httpx.get(f"{origin}/auth.md")
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert r.status_code == 200 and origin.split("//")[1] in r.text
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_serve_refuses_other_profiles() -> None:
    out = runner.invoke(app, ["serve", "--profile", "v0.6", "--port", "0"])
    assert out.exit_code == 2 and "v0.7-B" in out.stderr
