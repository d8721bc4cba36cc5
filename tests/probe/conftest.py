"""Fixtures for probe tests: purpose-built sites (`site`), the sandbox (`sandbox`), and a guard that
keeps every test on 127.0.0.1. The sites themselves are in probe_sites.py."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from probe_sites import Routes, Site, SiteHandler, SiteServer

from authmd_cli.sandbox.defaults import default_config
from authmd_cli.sandbox.server import start

_real_getaddrinfo = socket.getaddrinfo


def _local_only(host: Any, *args: Any, **kwargs: Any) -> Any:
    if host not in ("127.0.0.1", "localhost", "::1", b"127.0.0.1", None):
        raise socket.gaierror(socket.EAI_NONAME, f"tests/probe resolve only loopback names, not {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def _no_outside_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """A probe test that followed a URL off 127.0.0.1 fails here instead of sending traffic out."""
    monkeypatch.setattr(socket, "getaddrinfo", _local_only)


@pytest.fixture
def site() -> Iterator[Callable[[Callable[[str], Routes]], Site]]:
    """`site(lambda origin: {path: Answer, …})` -> a running purpose-built site."""
    running: list[SiteServer] = []

    def factory(build: Callable[[str], Routes]) -> Site:
        server = SiteServer(("127.0.0.1", 0), SiteHandler)
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        server.routes = build(origin)
        server.requests = []
        server.stopping = threading.Event()
        threading.Thread(target=server.serve_forever, daemon=True).start()
        running.append(server)
        return Site(origin, server)

    yield factory
    for server in running:
        server.stopping.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def sandbox() -> Iterator[Callable[[str], str]]:
    """`sandbox(profile)` -> the origin of a running `authmd serve` sandbox for that profile."""
    contexts: list[Any] = []

    def factory(profile: str = "v0.7-B") -> str:
        box = start(default_config(profile), host="127.0.0.1", port=0)
        ctx = box.background()
        origin: str = ctx.__enter__()
        contexts.append(ctx)
        return origin

    yield factory
    for ctx in reversed(contexts):
        ctx.__exit__(None, None, None)


