"""TLS through core.net against a real https server on 127.0.0.1: the CA bundle is loaded lazily
(on the first https request, never for plain http), and certificates are verified all the same.

Each case runs in a fresh interpreter: the trust store is loaded once per process, so the
environment a case sets (SSL_CERT_FILE) must be the one that process starts with."""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _self_signed(dirpath: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "authmd test CA")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = dirpath / "cert.pem", dirpath / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


def _serve(server: ThreadingHTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def https_origin(cert: tuple[Path, Path]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*cert)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    yield from (f"https://{hostport}" for hostport in _serve(server))


@pytest.fixture(scope="module")
def http_origin() -> Iterator[str]:
    yield from (f"http://{hostport}" for hostport in _serve(ThreadingHTTPServer(("127.0.0.1", 0), _Hello)))


# One request through each client kind, then what the process loaded: prints the status or the
# error's text, then whether the trust store was loaded.
_CHILD = """
import asyncio, sys
from authmd_cli.core import net
url, kind = sys.argv[1], sys.argv[2]
try:
    if kind == "sync":
        with net.client() as c:
            print(c.get(url).status_code)
    else:
        async def go():
            async with net.async_client() as c:
                hops = await net.fetch(c, "GET", url, limits=net.FetchLimits(allow_private=True))
                last = hops[-1]
                return last.status if last.error is None else last.error.kind + ": " + last.error.message
        print(asyncio.run(go()))
except net.HTTPError as exc:
    print("error:", exc)
print("trusted" if net._trusted else "untrusted")
"""


def _child(url: str, kind: str, **env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    done = subprocess.run([sys.executable, "-c", _CHILD, url, kind], capture_output=True, text=True,
                          env={**clean, **env}, timeout=60, check=True)
    return done.stdout.strip().splitlines()


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_plain_http_never_loads_the_trust_store(http_origin: str, kind: str) -> None:
    assert _child(http_origin + "/", kind) == ["200", "untrusted"]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_an_untrusted_certificate_is_refused(https_origin: str, kind: str) -> None:
    answer, trust = _child(https_origin + "/", kind)
    assert "certificate" in answer.lower()  # CERTIFICATE_VERIFY_FAILED, not a 200
    assert not answer.startswith("200")
    assert trust == "trusted"


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_ssl_cert_file_is_honoured_as_httpx_does(https_origin: str, cert: tuple[Path, Path], kind: str) -> None:
    assert _child(https_origin + "/", kind, SSL_CERT_FILE=str(cert[0])) == ["200", "trusted"]
