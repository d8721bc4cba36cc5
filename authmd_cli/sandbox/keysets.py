"""JWK Sets of trusted providers (SPEC §8.3 step 3, "Verifying ID-JAGs" guidance).

The built-in test provider's keys are held in memory (no fetch). Other providers' JWKS are
fetched from their `jwks_uri` (default `<iss>/.well-known/jwks.json`) before the synchronous
verification runs, cached for `ttl` seconds, and refetched at most once per `refetch_gap`
seconds when a token names an unknown `kid`. A failed fetch is cached like a successful one
(at most one fetch per issuer per gap), and concurrent requests share one fetch. Only
`prepare()` does I/O.
"""

from __future__ import annotations

import asyncio
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
        # issuer -> (time of the last fetch attempt, the JWK Set in use). A failed fetch is
        # recorded too (keeping the last good set, else an empty one): otherwise every token
        # naming the issuer fetches again, and a provider that is down is hit once per request
        # (an amplifier for anyone who can send us tokens). So: at most one fetch per issuer
        # per `refetch_gap`.
        self._cache: dict[str, tuple[float, Mapping[str, Any]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}  # one fetch per issuer at a time, shared by waiters
        self._ttl = ttl
        self._gap = refetch_gap
        self._timeout = timeout

    def get(self, issuer: str) -> Mapping[str, Any]:
        if issuer in self._builtin:
            return self._builtin[issuer]
        hit = self._cache.get(issuer)
        return hit[1] if hit else {"keys": []}

    def _needs_fetch(self, iss: str, kid: Any) -> bool:
        hit = self._cache.get(iss)
        if hit is None:
            return True
        fetched_at, key_set = hit
        age = self._clock() - fetched_at
        if age < self._gap:  # fetched (or tried) moments ago, whatever the outcome
            return False
        kids = {k.get("kid") for k in key_set.get("keys", []) if isinstance(k, Mapping)}
        return age >= self._ttl or kid not in kids  # stale, or an unknown `kid` (key rotation)

    async def prepare(self, token: Any) -> None:
        """Make sure the keys for the token's (trusted, remote) issuer are cached. Never raises:
        after a failed fetch verification uses the last good keys, if any (else it reports
        `invalid_signature`).
        Concurrent requests for one issuer wait for the same fetch instead of starting their own."""
        try:
            header, payload = peek(token)
        except TokenError:
            return
        iss = payload.get("iss")
        if not isinstance(iss, str) or iss in self._builtin:
            return
        provider = self._settings.trusted.get(iss)
        if provider is None or not self._needs_fetch(iss, header.get("kid")):
            return
        lock = self._locks.setdefault(iss, asyncio.Lock())
        async with lock:
            if not self._needs_fetch(iss, header.get("kid")):  # a concurrent request just fetched
                return
            fetched = await self._fetch(provider.resolved_jwks_uri)
            if fetched is None:  # keep the keys we had (a provider outage must not drop them)
                previous = self._cache.get(iss)
                fetched = previous[1] if previous is not None else {"keys": []}
            self._cache[iss] = (self._clock(), fetched)

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
