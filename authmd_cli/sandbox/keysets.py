"""JWK Sets of trusted providers (SPEC §8.3 step 3, "Verifying ID-JAGs" guidance).

The built-in test provider's keys are held in memory (no fetch). Other providers' JWKS are
fetched from their `jwks_uri` (default `<iss>/.well-known/jwks.json`) before the synchronous
verification runs, cached for `ttl` seconds, and refetched at most once per `refetch_gap`
seconds when a token names an unknown `kid`. Only `prepare()` does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from authmd_cli.core.tokens import Clock, TokenError, peek
from authmd_cli.sandbox.settings import SandboxSettings

MAX_JWKS_BYTES = 64 * 1024


class KeySets:
    def __init__(self, settings: SandboxSettings, clock: Clock, builtin: Mapping[str, Mapping[str, Any]],
                 *, ttl: float = 600.0, refetch_gap: float = 30.0, timeout: float = 5.0) -> None:
        self._settings = settings
        self._clock = clock
        self._builtin = dict(builtin)  # issuer -> JWK Set
        self._cache: dict[str, tuple[float, Mapping[str, Any]]] = {}
        self._ttl = ttl
        self._gap = refetch_gap
        self._timeout = timeout

    def get(self, issuer: str) -> Mapping[str, Any]:
        if issuer in self._builtin:
            return self._builtin[issuer]
        hit = self._cache.get(issuer)
        return hit[1] if hit else {"keys": []}

    async def prepare(self, token: Any) -> None:
        """Make sure the keys for the token's (trusted, remote) issuer are cached. Never raises:
        a fetch failure leaves the cache empty and verification reports `invalid_signature`."""
        try:
            header, payload = peek(token)
        except TokenError:
            return
        iss = payload.get("iss")
        if not isinstance(iss, str) or iss in self._builtin:
            return
        provider = self._settings.trusted.get(iss)
        if provider is None:
            return
        now = self._clock()
        hit = self._cache.get(iss)
        if hit is not None:
            fetched_at, key_set = hit
            kids = {k.get("kid") for k in key_set.get("keys", []) if isinstance(k, Mapping)}
            fresh = now - fetched_at < self._ttl
            if fresh and (header.get("kid") in kids or now - fetched_at < self._gap):
                return
        fetched = await self._fetch(provider.resolved_jwks_uri)
        if fetched is not None:
            self._cache[iss] = (now, fetched)

    async def _fetch(self, url: str) -> Mapping[str, Any] | None:
        import json

        from authmd_cli.core import net

        try:  # net bounds the body: a larger JWKS fails while it is read, as ResponseTooLarge
            async with net.async_client(timeout=self._timeout, max_bytes=MAX_JWKS_BYTES) as client:
                resp = await client.get(url, headers={"Accept": "application/json"})
        except net.HTTPError:
            return None
        if resp.status_code != 200:
            return None
        try:
            data = json.loads(resp.content)
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            return None
        return data
