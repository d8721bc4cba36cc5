"""Run an ASGI app with uvicorn on a socket we bind ourselves (the sandbox, the test provider, tests).

The socket is bound before the app is built, so port 0 (ephemeral) yields the real origin the app
is told about. uvicorn is imported only by the functions that run a server.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from authmd_cli.core.errors import UsageError


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when the
    # listening socket says TCP; with proto 0, Nagle + delayed ACK add ~40 ms to every answer.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def origin_of(sock: socket.socket, host: str) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def serve_until_signal(server: Any, sock: socket.socket) -> str | None:
    """Run a uvicorn server on `sock` in the foreground; a SIGINT/SIGTERM is a normal stop.

    uvicorn shuts down gracefully on either signal and then re-raises it with the handlers it
    found installed; with the defaults that kills the process (SIGTERM: exit 143, no cleanup)
    or surfaces as KeyboardInterrupt. Installing our own recording handlers first turns the
    re-raise into a note, so the caller closes the database and exits 0 as documented."""
    import signal

    caught: list[int] = []

    def note(signum: int, _frame: object) -> None:
        caught.append(signum)
        server.should_exit = True  # a signal before uvicorn installs its own handlers

    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for wanted in (signal.SIGINT, signal.SIGTERM):
            previous[wanted] = signal.signal(wanted, note)
    try:
        server.run(sockets=[sock])
    finally:
        for installed, handler in previous.items():
            signal.signal(installed, handler)
    return signal.Signals(caught[0]).name if caught else None


STARTUP_TIMEOUT = 10.0  # seconds for uvicorn to start serving a socket that is already listening


class ServerStartError(RuntimeError):
    """A background server did not start; the caller must not go on as if it had."""


def wait_started(server: Any, thread: threading.Thread, timeout: float = STARTUP_TIMEOUT,
                 failure: Sequence[BaseException] = ()) -> None:
    """Block until `server.started`; raise `ServerStartError` if the thread ended first (with
    the exception it recorded in `failure`, if any) or time ran out."""
    import time

    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            why = f": {type(failure[0]).__name__}: {failure[0]}" if failure else ""
            raise ServerStartError(f"the server stopped before it started serving{why}")
        if time.monotonic() >= deadline:
            raise ServerStartError(f"the server did not start serving within {timeout:g} s")
        thread.join(0.01)  # sleeps, and wakes at once if the thread ends


@contextmanager
def in_thread(app: Any, sock: socket.socket, *, startup_timeout: float = STARTUP_TIMEOUT) -> Iterator[None]:
    """Run any ASGI app on a bound socket in a daemon thread (tests, `simulate`, the bench).
    Raises `ServerStartError` (after stopping the thread) if it does not start serving."""
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", server_header=False,
                            limit_concurrency=4096, timeout_keep_alive=30)
    server = uvicorn.Server(config)
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported by wait_started, not lost inside the thread
            failure.append(exc)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        wait_started(server, thread, startup_timeout, failure)
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)
