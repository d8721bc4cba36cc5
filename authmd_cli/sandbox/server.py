"""Running the sandbox: bind a socket, load or create keys, build the app, run uvicorn.

`start(...)` returns a `Sandbox` (app + bound socket + origin); `Sandbox.background()` runs it
in a thread for tests and for `simulate`, `Sandbox.run()` in the foreground for `authmd serve`.
The socket is bound before the app is built, so port 0 (ephemeral) yields the real origin the
documents are rendered for.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from authmd_cli.core.errors import ConfigError, InputError, UsageError
from authmd_cli.core.server import bind, in_thread, origin_of, serve_until_signal
from authmd_cli.core.tokens import (
    Clock,
    OffsetClock,
    SigningKey,
    generate_signing_key,
    read_private_key,
    signing_key_from_pem,
    signing_key_to_pem,
    system_clock,
    write_private_key,
)
from authmd_cli.core.urls import has_userinfo, is_loopback_host, is_wildcard_host, wildcard_host_problem
from authmd_cli.sandbox.settings import SUPPORTED_PROFILES, TrustedProvider
from authmd_cli.sandbox.store import DEFAULT_BUSY_TIMEOUT, Store, StoreBusy

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from authmd_cli.site.config import ServiceConfig

SERVICE_KEY = "service_key_pem"
PROVIDER_KEY = "provider_key_pem"


def is_loopback(host: str) -> bool:
    """The one loopback rule (urls.is_loopback_host) that lint and init apply too."""
    return is_loopback_host(host)


def is_wildcard(host: str) -> bool:
    """`0.0.0.0`, `::` or `""`: every interface. Such an address names no host a client can use."""
    return is_wildcard_host(host)


def check_origin(origin: str) -> None:
    """`--origin` must be what `ServiceConfig.with_origin` accepts: http(s)://host[:port], with no
    credentials (they would become the issuer and be printed in every banner URL)."""
    from urllib.parse import urlsplit

    from authmd_cli.core.display import scrub

    if has_userinfo(origin):
        raise UsageError(f"--origin {scrub(origin)!r}: credentials in the URL (user:password@) are not allowed; "
                         "expected http(s)://host[:port]")
    try:
        u = urlsplit(origin.rstrip("/"))
        u.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        u = None
    if u is None or u.scheme not in ("http", "https") or not u.hostname or u.path or u.query or u.fragment:
        raise UsageError(f"--origin {scrub(origin)!r}: expected http(s)://host[:port], with no path")


def make_private(db: Path, notice: Callable[[str], None]) -> None:
    """The database holds the service's and the test provider's private keys: an existing file
    (and its WAL companions, which SQLite creates with the file's mode) readable by others is
    tightened to 0600, with one notice, before any key is written into it."""
    import stat

    loose: list[int] = []
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        try:
            st = path.stat()
        except OSError:  # absent
            continue
        mode = stat.S_IMODE(st.st_mode)
        if not stat.S_ISREG(st.st_mode) or not mode & 0o077:
            continue
        try:
            os.chmod(path, 0o600)
        except OSError as exc:
            raise InputError(f"holds private keys but is readable by others (mode {mode:04o}) and cannot be "
                             f"made private: {exc.strerror or exc}", source=str(path)) from None
        loose.append(mode)
    if loose:
        notice(f"authmd: notice: {db} was readable by others (mode {loose[0]:04o}); tightened to 0600 "
               "because it holds private keys")


def open_store(db: Path | None, *, notice: Callable[[str], None] | None = None,
               busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Store:
    """The state database; a path that cannot hold one is the user's error (exit 2), not ours."""
    import sqlite3

    try:
        store = Store(db, busy_timeout=busy_timeout)
    except (OSError, sqlite3.Error) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"cannot use it as the sandbox database: {why}", source=str(db)) from None
    if db is not None:  # a sandbox database (Store checked its schema), before any key is written
        try:
            make_private(db, notice or (lambda _: None))
        except BaseException:
            store.close()
            raise
    return store


def _stored_key(store: Store, name: str, db: Path | None = None) -> SigningKey:
    """Keys live in the database so a `--db` sandbox keeps verifying its earlier assertions."""
    import sqlite3

    try:
        pem = store.get_meta(name)
        if pem is not None:
            return signing_key_from_pem(pem.encode("ascii"))
        key = generate_signing_key()
        store.set_meta(name, signing_key_to_pem(key).decode("ascii"))
    except StoreBusy:
        raise InputError("the database is locked by another program; stop it or use another --db",
                         source=str(db)) from None
    except (sqlite3.Error, ValueError, UnicodeError) as exc:  # another program's SQLite file
        raise InputError(f"not an authmd serve database ({exc})", source=str(db)) from None
    return key


def provider_key_from(path: Path | None, store: Store, db: Path | None = None) -> SigningKey:
    """The built-in provider's key: `--provider-key PATH` (created 0600 when missing), else the
    database's. A path that cannot hold or give a key is the user's error: one line, exit 2."""
    if path is None:
        return _stored_key(store, PROVIDER_KEY, db)
    if not path.exists() and not path.is_symlink():
        key = generate_signing_key()
        try:
            write_private_key(path, key)
        except FileExistsError:  # another `authmd serve` created it a moment ago: use that key
            pass
        except OSError as exc:
            raise UsageError(f"--provider-key: cannot create the key file: {exc.strerror or exc}",
                             source=str(path)) from None
        else:
            return key
    return _read_provider_key(path)


def _read_provider_key(path: Path) -> SigningKey:
    try:
        return read_private_key(path)
    except TypeError:  # cryptography: "Password was not given but private key is encrypted"
        raise UsageError(f"--provider-key: is an encrypted key; authmd reads unencrypted PKCS#8 PEM (decrypt it "
                         f"with `openssl pkcs8 -topk8 -nocrypt -in {path} -out plain.pem`)", source=str(path)) from None
    except (OSError, ValueError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"--provider-key: not a usable ES256 private key: {why}", source=str(path)) from None


def check_provider_key(path: Path) -> None:
    """`--provider-key` checked before the database is created or filled: an existing file must
    hold a usable key, and a missing one must be creatable where it is named."""
    if path.exists() or path.is_symlink():
        _read_provider_key(path)
        return
    parent = path.parent
    if not parent.is_dir():
        why = "is not a directory" if parent.exists() else "does not exist"
        raise UsageError(f"--provider-key: cannot create the key file: {parent} {why}", source=str(path))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"--provider-key: cannot create the key file: {parent} is not writable", source=str(path))


@dataclass
class Sandbox:
    app: Starlette
    sock: socket.socket
    origin: str
    store: Store
    clock: Clock
    provider_key: SigningKey | None
    provider_issuer: str | None
    origin_given: bool = False  # --origin, rather than the listening address

    def _server(self, *, log_level: str = "warning", access_log: bool = False) -> Any:
        import uvicorn

        config = uvicorn.Config(self.app, log_level=log_level, access_log=access_log, lifespan="off",
                                server_header=False, timeout_keep_alive=30, limit_concurrency=4096)
        return uvicorn.Server(config)

    def run(self, *, log_level: str = "warning", on_ready: Callable[[], None] | None = None) -> str | None:
        """Serve in the foreground until Ctrl-C or SIGTERM; returns the signal's name (None if
        the server stopped by itself). Either way the database is closed."""
        server = self._server(log_level=log_level)
        if on_ready is not None:
            # Announcing before uvicorn runs is safe: `bind()` already called listen(), so the
            # kernel queues any connection made after the banner (backlog 2048) and uvicorn
            # accepts it once it runs; nobody who read the banner gets "connection refused".
            on_ready()
        try:
            return serve_until_signal(server, self.sock)
        finally:
            self.close()

    @contextmanager
    def background(self) -> Iterator[str]:
        """Serve in a daemon thread; yields the origin; stops and closes on exit."""
        try:
            with in_thread(self.app, self.sock):
                yield self.origin
        finally:
            self.close()

    def close(self) -> None:
        try:
            self.sock.close()
        finally:
            self.store.close()


def start(cfg: ServiceConfig, *, host: str = "127.0.0.1", port: int = 8000, db: Path | None = None,
          test_hooks: bool = False, builtin_provider: bool = True, provider_key_path: Path | None = None,
          trusted: Mapping[str, TrustedProvider] | None = None, clock: Clock | None = None,
          origin: str | None = None, notice: Callable[[str], None] | None = None,
          busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Sandbox:
    """Bind, open the database, build the app. `notice` receives one-line notices (a database
    file made private); `busy_timeout` is how long a request waits for a locked database."""
    from authmd_cli.sandbox.app import builtin_issuer, create_app

    if cfg.profile not in SUPPORTED_PROFILES:
        raise ConfigError(f"serve plays profiles {', '.join(SUPPORTED_PROFILES)}; the config says "
                          f"{cfg.profile!r}")
    if origin is not None:
        check_origin(origin)
    elif is_wildcard(host):
        # `http://0.0.0.0:8000` would become the issuer, every endpoint URL and the `aud` agents
        # must use: no client can reach it, so the documents would be wrong for everyone.
        raise UsageError(wildcard_host_problem(host, "--origin", "the sandbox"))
    if builtin_provider and provider_key_path is not None:
        check_provider_key(provider_key_path)  # before the database exists: a refusal leaves no file behind
    sock = bind(host, port)
    store: Store | None = None
    try:
        served_origin = (origin or origin_of(sock, host)).rstrip("/")
        store = open_store(db, notice=notice, busy_timeout=busy_timeout)
        run_clock: Clock = clock or (OffsetClock() if test_hooks else system_clock)
        service_key = _stored_key(store, SERVICE_KEY, db)
        provider_key = provider_key_from(provider_key_path, store, db) if builtin_provider else None
        app = create_app(cfg, origin=served_origin, store=store, clock=run_clock, keys=service_key,
                         test_hooks=test_hooks, provider_key=provider_key, trusted=trusted)
    except BaseException:
        sock.close()
        if store is not None:
            store.close()
        raise
    issuer = builtin_issuer(served_origin) if provider_key is not None and cfg.methods.identity_assertion else None
    return Sandbox(app, sock, served_origin, store, run_clock, provider_key, issuer, origin_given=origin is not None)


def banner(sandbox: Sandbox, *, test_hooks: bool, provider_key_path: Path | None) -> list[str]:
    """What `authmd serve` prints: URLs and how to sign in. No secret is printed."""
    s = sandbox.app.state.ctx.settings
    lines = [
        f"authmd sandbox ({s.profile.label}) at {sandbox.origin}",
        "  origin           " + (f"{sandbox.origin} (from --origin; requests must name it in Host)"
                                 if sandbox.origin_given else
                                 f"{sandbox.origin} (the listening address; requests must name it in Host)"),
        f"  auth.md          {s.url(s.paths.auth_md)}",
        f"  PRM              {s.url(s.paths.prm)}",
        f"  AS metadata      {s.url(s.paths.as_metadata)}",
        f"  service JWKS     {s.url(s.paths.jwks)}",
        f"  protected API    {s.url(s.paths.api)}",
        f"  methods          {', '.join(sorted(s.methods))}",
        "  test accounts    any email signs in at " + s.url("/login") + " (unknown emails are created)",
    ]
    if sandbox.provider_issuer:
        lines.append(f"  test provider    issuer {sandbox.provider_issuer} (trusted; JWKS served here)")
        if provider_key_path is not None:
            lines.append(f"                   mint: authmd provider mint --key {provider_key_path} "
                         f"--iss {sandbox.provider_issuer} --aud {s.issuer} --sub USER --email EMAIL")
        else:  # the key lives only in the database: say how to get an ID-JAG anyway
            how = "POST /_test/id-jag, or restart" if test_hooks else "restart"
            lines.append(f"                   mint: {how} with --provider-key FILE and use "
                         "`authmd provider mint --key FILE`")
    for iss, prov in s.trusted.items():
        if not prov.builtin:
            lines.append(f"  trusted provider {prov.name}: {iss}")
    for name in s.named_only:
        lines.append(f"  trusted provider {name}: named only (no issuer in the config, so its ID-JAGs "
                     "cannot be verified here)")
    lines.append("  test hooks       " + ("ON under /_test (never expose this)" if test_hooks else "off"))
    return lines
