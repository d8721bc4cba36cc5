"""Starting servers in a thread: a server that never starts is an error, never a silent go-ahead."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sandbox_harness import fixed_clock

from authmd_cli.core.server import ServerStartError, bind, in_thread, wait_started
from authmd_cli.core.tokens import generate_signing_key
from authmd_cli.provider.issuer import provider_app
from authmd_cli.sandbox.defaults import default_config
from authmd_cli.sandbox.server import start


class NeverStarts:
    started = False


def test_wait_started_times_out_instead_of_going_on() -> None:
    stop = threading.Event()
    alive = threading.Thread(target=stop.wait, daemon=True)
    alive.start()
    try:
        with pytest.raises(ServerStartError, match=r"did not start serving within 0\.2 s"):
            wait_started(NeverStarts(), alive, timeout=0.2)
    finally:
        stop.set()
        alive.join()


def test_in_thread_reports_why_the_server_died() -> None:
    sock = bind("127.0.0.1", 0)
    sock.close()  # uvicorn cannot serve a closed socket: its thread ends before `started`
    app = provider_app(generate_signing_key(), "http://127.0.0.1:1")
    with pytest.raises(ServerStartError, match="stopped before it started serving: OSError"), in_thread(app, sock):
        pytest.fail("the body must not run when the server did not start")


@pytest.mark.e2e
def test_sandbox_accepts_connections_before_uvicorn_runs() -> None:
    """Why `Sandbox.run` may print its banner before uvicorn starts: the socket already listens,
    so a connection made at once is queued by the kernel, then served."""
    import socket

    sandbox = start(default_config(), port=0, clock=fixed_clock())
    early = socket.create_connection(sandbox.sock.getsockname()[:2], timeout=10)  # no server loop yet
    try:
        with sandbox.background():
            early.sendall(b"GET /auth.md HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            assert early.recv(12) == b"HTTP/1.1 200"
    finally:
        early.close()


def test_two_sandboxes_creating_one_provider_key_at_once_share_it(tmp_path: Path) -> None:
    """Two `authmd serve --provider-key K` started together: both use the one key that was written
    (the loser of the create race reads the winner's file, never a half-written one)."""
    import stat
    from concurrent.futures import ThreadPoolExecutor

    from authmd_cli.sandbox.server import provider_key_from
    from authmd_cli.sandbox.store import Store

    for attempt in range(20):
        path = tmp_path / f"provider-{attempt}.pem"
        stores = [Store(None), Store(None)]
        with ThreadPoolExecutor(max_workers=2) as pool:
            keys = list(pool.map(provider_key_from, [path, path], stores))
        assert keys[0].kid == keys[1].kid
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"provider-{i}.pem" for i in range(20))


def test_a_new_provider_key_is_never_written_through_a_symlink(tmp_path: Path) -> None:
    from authmd_cli.core.errors import UsageError
    from authmd_cli.sandbox.server import provider_key_from
    from authmd_cli.sandbox.store import Store

    victim = tmp_path / "victim"
    (tmp_path / "key.pem").symlink_to(victim)  # dangling: a plain open(O_CREAT) would create `victim`
    with pytest.raises(UsageError):
        provider_key_from(tmp_path / "key.pem", Store(None))
    assert not victim.exists()
