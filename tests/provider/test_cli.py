"""`authmd provider …` and `authmd serve` through the real command line."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from authmd_cli.cli.app import app
from authmd_cli.core.tokens import peek
from authmd_cli.sandbox.defaults import default_config
from authmd_cli.sandbox.server import start

runner = CliRunner()
READ_TIMEOUT = 20.0  # seconds a `serve` subprocess may take to print its next line


def unused_port() -> int:
    """A port nothing listens on: bound ephemerally, then released (the kernel hands ephemeral
    ports out in turn, so it is not reused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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


def test_mint_json_prints_the_claims_the_token_carries(tmp_path: Path) -> None:
    # Regression: --json printed a second, freshly built claim set (another jti) beside the token.
    key = tmp_path / "p.pem"
    assert runner.invoke(app, ["provider", "keygen", "--key", str(key)]).exit_code == 0
    out = runner.invoke(app, ["provider", "mint", "--key", str(key), "--aud", "http://as", "--sub", "u1",
                              "--email", "u@example.com", "--spoil", "exp", "--json"])
    assert out.exit_code == 0
    printed = json.loads(out.stdout)
    header, claims = peek(printed["assertion"])
    assert header["typ"] == "oauth-id-jag+jwt"
    assert printed["claims"] == claims and claims["jti"].startswith("jti_")
    assert set(claims) >= {"iss", "sub", "aud", "client_id", "jti", "iat", "exp", "auth_time", "email",
                           "email_verified"}


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
                               "--events-url", f"http://127.0.0.1:{unused_port()}/agent/event/notify"])
    assert gone.exit_code == 3


class ServeProcess:
    """`python -m authmd_cli serve …` in a subprocess. A thread reads stdout into a queue, so
    every read has a deadline (a silent server fails the test instead of hanging the suite:
    there is no pytest-timeout), and leaving the `with` block always ends the process."""

    def __init__(self, cwd: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "authmd_cli", "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, cwd=cwd, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._pump_thread = threading.Thread(target=self._pump, daemon=True)
        self._pump_thread.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)  # end of output: the process closed stdout (it exited)

    def readline(self, timeout: float = READ_TIMEOUT) -> str:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"`authmd serve` printed nothing for {timeout:g} s") from None
        assert line is not None, f"`authmd serve` exited early: {self.stop(signal.SIGKILL)[1]}"
        return line

    def origin(self) -> str:
        """Read the banner's first line; the socket is listening before it is printed."""
        first = self.readline()
        assert first.startswith("authmd sandbox (") and " at http://127.0.0.1:" in first, first
        return first.split(" at ")[1].strip()

    def stop(self, signum: int) -> tuple[int, str]:
        """Send `signum`, wait (killing after a deadline); return the exit code and stderr."""
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"`authmd serve` ignored signal {signum}") from None
        err = self.proc.stderr.read() if self.proc.stderr is not None else ""
        return self.proc.returncode, err

    def __enter__(self) -> ServeProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._pump_thread.join(timeout=10)  # it sees end-of-file once the process is gone
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.e2e
def test_serve_command_prints_urls_and_serves(tmp_path: Path) -> None:
    with ServeProcess(tmp_path, "--port", "0", "--profile", "v0.7-A") as serve:
        origin = serve.origin()
        lines = [serve.readline() for _ in range(6)]
        assert any("auth.md" in line for line in lines)
        r = httpx.get(f"{origin}/auth.md", timeout=10)  # no retry: bound and listening before the banner
        assert r.status_code == 200 and origin.split("//")[1] in r.text
        code, err = serve.stop(signal.SIGINT)
    # Ctrl-C is the documented way to stop: exit 0 (not 130), one line, no traceback
    assert code == 0 and err.strip() == "authmd: stopped (SIGINT)"


@pytest.mark.e2e
def test_sigterm_stops_cleanly_and_db_persists(tmp_path: Path) -> None:
    """Regression: SIGTERM killed the process (exit 143) before the database was closed.
    Now it is a clean stop (exit 0), and `--db` state (keys, registrations) survives it."""
    db = tmp_path / "state.db"
    port = str(unused_port())  # the same origin both times: assertions name it as iss/aud
    with ServeProcess(tmp_path, "--port", port, "--db", str(db)) as serve:
        origin = serve.origin()
        reg = httpx.post(f"{origin}/agent/identity", json={"type": "anonymous"}, timeout=10).json()
        code, err = serve.stop(signal.SIGTERM)
    assert code == 0 and err.strip() == "authmd: stopped (SIGTERM)"
    with ServeProcess(tmp_path, "--port", port, "--db", str(db)) as serve:
        origin = serve.origin()
        token = httpx.post(f"{origin}/oauth2/token", timeout=10, data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": reg["identity"]["assertion"]})
        assert token.status_code == 200 and token.json()["scope"]
        assert serve.stop(signal.SIGTERM)[0] == 0


def test_serve_refuses_other_profiles() -> None:
    out = runner.invoke(app, ["serve", "--profile", "v0.6", "--port", "0"])
    assert out.exit_code == 2 and "v0.7-B" in out.stderr


def _one_error_line(out: object) -> str:
    stderr = out.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in stderr and "internal error" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("authmd: error: ")
    return str(lines[0])


def test_serve_bad_db_is_a_usage_error_not_an_internal_error(tmp_path: Path) -> None:
    """Regression: a missing directory, a directory, a non-SQLite file or another program's
    SQLite file as `--db` ended in `internal error: …` (FileNotFoundError, DatabaseError)."""
    import sqlite3

    garbage = tmp_path / "garbage.db"
    garbage.write_text("not a database\n")
    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE users (x)")
    conn.commit()
    conn.close()
    for db in (tmp_path / "missing" / "x.db", tmp_path, garbage, foreign):
        out = runner.invoke(app, ["serve", "--port", "0", "--db", str(db)])
        assert out.exit_code == 2, out.stderr
        assert str(db) in _one_error_line(out)


def test_serve_bad_origin_is_a_usage_error() -> None:
    for origin in ("notaurl", "http://h:99999", "https://h/path", "ftp://h"):
        out = runner.invoke(app, ["serve", "--port", "0", "--origin", origin])
        assert out.exit_code == 2 and "--origin" in _one_error_line(out)


def test_provider_bad_urls_and_missing_email_are_usage_errors(tmp_path: Path) -> None:
    key = tmp_path / "p.pem"
    assert runner.invoke(app, ["provider", "keygen", "--key", str(key)]).exit_code == 0
    out = runner.invoke(app, ["provider", "revoke", "--key", str(key), "--aud", "http://as", "--sub", "u",
                              "--events-url", "notaurl"])
    assert out.exit_code == 2 and "--events-url" in _one_error_line(out)  # was 3 "unreachable"
    out = runner.invoke(app, ["provider", "mint", "--key", str(key), "--aud", "http://as", "--sub", "u"])
    assert out.exit_code == 2 and "--email" in _one_error_line(out)
    out = runner.invoke(app, ["provider", "mint", "--key", str(key), "--aud", "http://as", "--sub", "u",
                              "--omit", "email"])
    assert out.exit_code == 0
    assert "email" not in peek(out.stdout.strip())[1]


def test_banner_says_how_to_mint_without_a_provider_key_file() -> None:
    from authmd_cli.sandbox.server import banner

    sandbox = start(default_config(), port=0)
    try:
        lines = banner(sandbox, test_hooks=True, provider_key_path=None)
    finally:
        sandbox.close()
    assert any("--provider-key FILE" in line and "/_test/id-jag" in line for line in lines)


def test_serve_bad_log_level_is_a_usage_error() -> None:
    """Regression: `--log-level bogus` reached uvicorn and ended in `internal error: KeyError`."""
    out = runner.invoke(app, ["serve", "--port", "0", "--log-level", "bogus"])
    assert out.exit_code == 2 and "--log-level" in _one_error_line(out)


def test_keygen_force_replaces_a_symlink_instead_of_writing_through_it(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    link = tmp_path / "p.pem"
    link.symlink_to(victim)
    out = runner.invoke(app, ["provider", "keygen", "--key", str(link), "--force"])
    assert out.exit_code == 0, out.stderr
    assert victim.read_text() == "precious\n"  # the target is untouched
    assert not link.is_symlink() and stat.S_IMODE(link.stat().st_mode) == 0o600
    assert "PRIVATE KEY" in link.read_text()


def test_serve_bad_provider_key_path_is_a_usage_error(tmp_path: Path) -> None:
    """Regression: a `--provider-key` in a missing directory ended in `internal error: …`."""
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("hello\n")
    for key in (tmp_path / "missing" / "k.pem", tmp_path, not_pem):
        out = runner.invoke(app, ["serve", "--port", "0", "--provider-key", str(key)])
        assert out.exit_code == 2, out.stderr
        line = _one_error_line(out)
        assert "--provider-key" in line and str(key) in line


def test_serve_on_every_interface_needs_an_origin() -> None:
    """`--host 0.0.0.0` used to advertise http://0.0.0.0:PORT as the issuer and every endpoint;
    now it is one usage line (checked before anything listens)."""
    for host in ("0.0.0.0", "::", ""):
        out = runner.invoke(app, ["serve", "--port", "0", "--host", host])
        assert out.exit_code == 2
        assert "--origin" in _one_error_line(out)


def test_serve_on_a_locked_database_is_one_line_not_an_internal_error(tmp_path: Path) -> None:
    import sqlite3

    from authmd_cli.sandbox.store import Store

    db = tmp_path / "state.db"
    Store(db).close()  # a sandbox database with no keys yet
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program writes to it
    try:
        done = subprocess.run([sys.executable, "-m", "authmd_cli", "serve", "--port", "0", "--db", str(db)],
                              check=False, capture_output=True, text=True, timeout=READ_TIMEOUT,
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert done.returncode == 2
    assert done.stderr.strip() == (f"authmd: error: {db}: the database is locked by another program; "
                                   "stop it or use another --db")
