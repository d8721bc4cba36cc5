"""`authmd provider …` on hostile or mistaken input, through the real command line: URLs with
credentials, malformed URLs, a receiver that answers with terminal escapes, encrypted keys and
directories where a key file belongs. Each is one line on stderr and exit 2, never a traceback, and
nothing secret is echoed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from authmd_cli.cli.app import app

runner = CliRunner()


class Receiver(ThreadingHTTPServer):
    """A SET receiver on 127.0.0.1 that notes every request and answers `body` with a 400."""

    body = b""
    paths: list[str]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Receiver

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.server.paths.append(self.path)
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(400)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(("127.0.0.1", 0), Handler)
    server.paths = []
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "p.pem"
    assert runner.invoke(app, ["provider", "keygen", "--key", str(path)]).exit_code == 0
    return path


def one_error_line(out: object) -> str:
    stderr = out.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in stderr and "internal error" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("authmd: error: "), stderr
    return str(lines[0])


def test_revoke_refuses_a_password_in_the_events_url_without_sending_or_echoing_it(
        key: Path, receiver: Receiver) -> None:
    url = f"http://u:secretpw@127.0.0.1:{receiver.server_address[1]}/events"
    out = runner.invoke(app, ["provider", "revoke", "--key", str(key), "--events-url", url, "--aud", "x",
                              "--sub", "u"])
    assert out.exit_code == 2
    line = one_error_line(out)
    assert "--events-url" in line and "credentials" in line and "secretpw" not in out.output + out.stderr
    assert receiver.paths == []


@pytest.mark.parametrize("option", ["--aud", "--iss"])
def test_mint_refuses_a_password_in_an_identifier_url(key: Path, option: str) -> None:
    args = {"--aud": "http://as", "--iss": "http://provider", option: "https://u:secretpw@as.example/"}
    out = runner.invoke(app, ["provider", "mint", "--key", str(key), "--sub", "u", "--email", "u@example.com",
                              *[x for kv in args.items() for x in kv]])
    assert out.exit_code == 2 and option in one_error_line(out) and "secretpw" not in out.stderr


def encrypted_key(tmp_path: Path, fmt: str) -> Path:
    """A real P-256 key written encrypted (as `openssl pkcs8 -topk8 -passout …` or a legacy
    `openssl ec -aes256` would)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    form = serialization.PrivateFormat.PKCS8 if fmt == "pkcs8" else serialization.PrivateFormat.TraditionalOpenSSL
    path = tmp_path / f"enc-{fmt}.pem"
    path.write_bytes(private.private_bytes(serialization.Encoding.PEM, form,
                                           serialization.BestAvailableEncryption(b"passphrase")))
    return path


@pytest.mark.parametrize("fmt", ["pkcs8", "traditional"])
@pytest.mark.parametrize("command", [
    ["jwks"],
    ["mint", "--aud", "http://as", "--sub", "u", "--email", "u@example.com"],
    ["revoke", "--events-url", "http://127.0.0.1:9/events", "--aud", "http://as", "--sub", "u"],
    ["serve", "--port", "0"],
])
def test_an_encrypted_key_is_one_line_saying_so(tmp_path: Path, command: list[str], fmt: str) -> None:
    path = encrypted_key(tmp_path, fmt)
    out = runner.invoke(app, ["provider", command[0], "--key", str(path), *command[1:]])
    assert out.exit_code == 2
    line = one_error_line(out)
    assert str(path) in line and "encrypted key" in line and "openssl pkcs8" in line


def test_serve_with_an_encrypted_provider_key_is_one_line_saying_so(tmp_path: Path) -> None:
    path = encrypted_key(tmp_path, "pkcs8")
    out = runner.invoke(app, ["serve", "--port", "0", "--provider-key", str(path)])
    assert out.exit_code == 2
    line = one_error_line(out)
    assert str(path) in line and "encrypted key" in line and "openssl pkcs8" in line


@pytest.mark.parametrize(("url", "says"), [
    ("http://[::1/x", "IPv6"),
    ("http://[::1", "IPv6"),
    ("http://127.0.0.1:99999/x", "port"),  # was "connection refused", exit 3
    ("http://127.0.0.1:http/x", "port"),
])
def test_a_malformed_events_url_is_a_usage_error(key: Path, url: str, says: str) -> None:
    out = runner.invoke(app, ["provider", "revoke", "--key", str(key), "--events-url", url, "--aud", "x",
                              "--sub", "u"])
    assert out.exit_code == 2
    line = one_error_line(out)
    assert "--events-url" in line and "not a valid URL" in line and says in line


def test_a_malformed_issuer_is_a_usage_error(key: Path) -> None:
    out = runner.invoke(app, ["provider", "serve", "--key", str(key), "--port", "0", "--issuer", "http://[::1"])
    assert out.exit_code == 2 and "--issuer" in one_error_line(out)


def test_revoke_shows_the_receivers_control_characters_escaped(key: Path, receiver: Receiver) -> None:
    receiver.body = b'\x1b]0;owned\x07{"err":"invalid_request\x9b2J","description":"bad\x7f"}'
    url = f"http://127.0.0.1:{receiver.server_address[1]}/events"
    out = runner.invoke(app, ["provider", "revoke", "--key", str(key), "--events-url", url, "--aud", "x",
                              "--sub", "u"])
    assert out.exit_code == 1 and receiver.paths == ["/events"]
    assert not any(c in out.stdout for c in "\x1b\x07\x7f\x9b")
    assert "\\x1b]0;owned\\x07" in out.stdout and "HTTP 400" in out.stdout


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_keygen_refuses_a_directory_up_front(tmp_path: Path, force: list[str]) -> None:
    out = runner.invoke(app, ["provider", "keygen", "--key", str(tmp_path), *force])
    assert out.exit_code == 2
    line = one_error_line(out)
    assert "is a directory" in line and "--force" not in line
    assert list(tmp_path.iterdir()) == []
