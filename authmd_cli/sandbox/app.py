"""`create_app`: the sandbox as a Starlette application (no network, no files: the caller
passes the store, clock and keys, so tests and `authmd serve` build it the same way)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from authmd_cli.core.tokens import Clock, OffsetClock, SigningKey, jwks
from authmd_cli.core.urls import is_loopback_host
from authmd_cli.sandbox.core import Core
from authmd_cli.sandbox.keysets import KeySets
from authmd_cli.sandbox.routes import agent, api, events, hooks, oauth, pages, wellknown
from authmd_cli.sandbox.routes._http import AppContext, BuiltinProvider, Documents
from authmd_cli.sandbox.settings import BUILTIN_PROVIDER_PATH, TrustedProvider, settings_from_config
from authmd_cli.sandbox.store import Store

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from authmd_cli.site.config import ServiceConfig

BUILTIN_PROVIDER_NAME = "authmd test provider"


def builtin_issuer(origin: str) -> str:
    return origin.rstrip("/") + BUILTIN_PROVIDER_PATH


def create_app(cfg: ServiceConfig, *, origin: str, store: Store, clock: Clock, keys: SigningKey,
               test_hooks: bool = False, provider_key: SigningKey | None = None,
               trusted: Mapping[str, TrustedProvider] | None = None) -> Starlette:
    """`cfg` is re-based on `origin` (what the sandbox is served on); `keys` signs the service's
    assertions; `provider_key`, when given, is the built-in test provider (trusted, its JWKS
    served at `<origin>/test-provider/.well-known/jwks.json`). `clock` should be an
    `OffsetClock` when `test_hooks` is on, so `/_test/clock` can move it."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    from authmd_cli.site.generate import render_as_metadata, render_auth_md, render_prm

    served = cfg.with_origin(origin)
    trust: dict[str, TrustedProvider] = dict(trusted or {})
    builtin = None
    if provider_key is not None and served.methods.identity_assertion:
        issuer = builtin_issuer(origin)
        trust[issuer] = TrustedProvider(issuer, BUILTIN_PROVIDER_NAME, builtin=True)
        builtin = BuiltinProvider(provider_key, issuer)
    settings = settings_from_config(served, trusted=trust)
    keysets = KeySets(settings, clock, {builtin.issuer: jwks([builtin.key])} if builtin else {})
    core = Core(settings, store, clock, keys, keysets)
    docs = Documents(render_prm(served), render_as_metadata(served), render_auth_md(served))
    ctx = AppContext(core=core, documents=docs, test_hooks=test_hooks, clock=clock, builtin=builtin,
                     offset_clock=clock if isinstance(clock, OffsetClock) else None)
    routes = []
    for module in (wellknown, agent, oauth, events, api, pages, hooks):
        routes.extend(module.routes(ctx))
    # Host must name the origin: a web page on another name that resolves to this address (DNS
    # rebinding) must not reach the endpoints, above all the test hooks (RFC 9110 §7.2 Host).
    app = Starlette(routes=routes, middleware=[
        Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(origin), www_redirect=False)])
    app.state.ctx = ctx
    return app


def allowed_hosts(origin: str) -> list[str]:
    """The origin's host name; a loopback origin also answers to the other loopback names (no
    one can rebind those). IPv6 literals keep their brackets, as the Host header writes them."""
    host = (urlsplit(origin).hostname or "").lower()
    names = {f"[{host}]" if ":" in host else host}
    if is_loopback_host(host):
        names |= {"localhost", "127.0.0.1", "[::1]"}
    return sorted(names)
