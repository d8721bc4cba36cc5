"""The sandbox's shared machinery: minting the service's own assertions and tokens, verifying
them, and the one state transition every claim path ends in. No HTTP here: handlers in
`registration.py`, `ceremony.py`, `oauth.py`, `events.py` call these and return `Reply`s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from authmd_cli.core.tokens import (
    ID_JAG_TYP,
    Clock,
    SigningKey,
    TokenError,
    is_number,
    jwks,
    mint,
    not_yet_valid,
    verify_signature,
)
from authmd_cli.sandbox import ids
from authmd_cli.sandbox.keysets import KeySets
from authmd_cli.sandbox.settings import SandboxSettings
from authmd_cli.sandbox.shapes import AttemptMaterials, ClaimMaterials, Identity
from authmd_cli.sandbox.store import AccessToken, Attempt, RefreshToken, Registration, Store
from authmd_cli.sandbox.wire import email_key


@dataclass(frozen=True)
class Reply:
    status: int
    body: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


class Core:
    def __init__(self, settings: SandboxSettings, store: Store, clock: Clock, service_key: SigningKey,
                 keysets: KeySets) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.key = service_key
        self.keysets = keysets

    @property
    def nested(self) -> bool:
        return self.settings.nested

    def now(self) -> float:
        return self.clock()

    def service_jwks(self) -> dict[str, Any]:
        return jwks([self.key])

    # ------------------------------------------------------------ the service's assertion (SPEC §9.1)

    def mint_assertion(self, reg_id: str, email: str | None = None) -> Identity:
        now = self.now()
        exp = now + self.settings.assertion_ttl
        jti = ids.jti()
        claims: dict[str, Any] = {"iss": self.settings.issuer, "sub": reg_id, "aud": self.settings.issuer,
                                  "jti": jti, "iat": int(now), "exp": int(exp)}
        if email and not ids.is_jit_email(email):  # never assert a made-up address as verified
            claims["email"] = email
            claims["email_verified"] = True
        token = mint(self.key, claims, typ=ID_JAG_TYP)
        self.store.add_assertion(jti, reg_id, exp)
        return Identity(token, float(int(exp)))

    def verify_assertion(self, token: str) -> tuple[Registration, str]:
        """SPEC §9.2. Returns (registration, reason-free ok) or raises ValueError(reason)."""
        try:
            header, claims = verify_signature(token, self.service_jwks())
        except TokenError as exc:
            raise ValueError(exc.detail) from None
        if header.get("typ") != ID_JAG_TYP:
            raise ValueError("the assertion's typ is wrong")
        issuer = self.settings.issuer
        if claims.get("iss") != issuer or claims.get("aud") != issuer:
            raise ValueError("the assertion was not issued for this service")
        exp, now = claims.get("exp"), self.now()
        if not is_number(exp) or float(exp) + self.settings.skew <= now:
            raise ValueError("the assertion has expired")
        if not_yet_valid(claims, now=now, leeway=self.settings.skew):  # RFC 7519 §4.1.5
            raise ValueError("the assertion is not valid yet")
        jti, sub = claims.get("jti"), claims.get("sub")
        if not isinstance(jti, str) or not isinstance(sub, str):
            raise ValueError("the assertion lacks jti or sub")
        reg = self.store.registration(sub)
        if reg is None:
            raise ValueError("unknown registration")
        if not self.store.assertion_live(jti, sub):
            raise ValueError("the assertion was superseded or revoked")
        return reg, jti

    # ------------------------------------------------------------ tokens (SPEC §9.3, §9.4)

    def scopes_for(self, reg: Registration) -> tuple[str, ...]:
        if reg.kind == "anonymous" and reg.claimed_at is None:
            return self.settings.pre_claim_scopes
        return self.settings.post_claim_scopes

    def issue_access_token(self, reg: Registration) -> tuple[str, str]:
        token = ids.access_token()
        scope = " ".join(self.scopes_for(reg))
        self.store.add_access_token(AccessToken(ids.digest(token), reg.id, scope,
                                                self.now() + self.settings.access_token_ttl, 0, reg.iss, reg.sub))
        return token, scope

    def issue_refresh_token(self, reg_id: str) -> tuple[str, float]:
        token = ids.refresh_token()
        exp = self.now() + self.settings.refresh_ttl
        self.store.add_refresh_token(RefreshToken(ids.digest(token), reg_id, exp, None, 0))
        return token, exp

    # ------------------------------------------------------------ claim materials (SPEC §7.2)

    def claim_materials(self, token: str, expires_at: float) -> ClaimMaterials:
        return ClaimMaterials(token, expires_at, self.settings.url(self.settings.paths.claim))

    def verification_uri(self, attempt_token: str) -> str:
        # The reference's shape (SPEC §12-A 11): sign-in first, then the claim page. Opaque to
        # agents (SPEC §14 D24); it never carries the code.
        return_to = "/claim?claim_attempt_token=" + attempt_token
        return self.settings.url("/login?return_to=" + quote(return_to, safe=""))

    def start_attempt(self, reg: Registration, login_hint: str) -> AttemptMaterials:
        """Mint a new attempt (earlier URL and code die). v0.7-A mints the code now (the agent shows
        it); v0.7-B mints it when the signed-in user confirms (the page reveals it), so both keep
        only its hash.

        The attempt names the provider whenever completing it links one: `finish_claim` links
        the registration's (iss, sub), so a registration carrying them always gets a provider
        attempt, however the attempt was started (step-up, or a re-mint through the claim
        endpoint): the page then names the provider and shows `first_time_provider` (SPEC §7.5,
        §8.5: never link an account silently)."""
        provider = reg.iss if reg.iss and reg.sub else None
        now = self.now()
        s = self.settings
        cvt = ids.attempt_token()
        code = None if self.nested else ids.user_code()
        att = Attempt(
            id=ids.attempt_id(), reg_id=reg.id, token_hash=ids.digest(cvt), login_hint=login_hint,
            created_at=now, expires_at=now + s.attempt_ttl,
            code_hash=ids.digest(code) if code else None,
            code_expires_at=now + s.user_code_ttl if code else None,
            confirmed_at=None, confirmed_user=None, failures=0, state="live", provider=provider)
        self.store.add_attempt(att)
        return AttemptMaterials(att.id, self.verification_uri(cvt), att.expires_at, code,
                                s.user_code_ttl, s.interval)

    def new_claim_token(self, reg_id: str) -> tuple[str, float]:
        token = ids.claim_token()
        exp = self.now() + self.settings.claim_window
        self.store.update_registration(reg_id, claim_hash=ids.digest(token), claim_expires_at=exp)
        return token, exp

    def finish_claim(self, reg: Registration, user_id: str, attempt_id: str | None) -> Registration:
        """The one completion transition (SPEC §7.4): bind the user, link the provider for a
        step-up, revoke pre-claim tokens, and supersede every earlier assertion."""
        now = self.now()
        user = self.store.user_by_id(user_id)
        with self.store.transaction():
            if attempt_id:
                self.store.update_attempt(attempt_id, state="completed")
            self.store.kill_attempts(reg.id)
            if reg.iss and reg.sub:
                self.store.set_delegation(reg.iss, reg.sub, user_id, now)
            self.store.revoke_access_tokens_of(reg.id)
            self.store.supersede_assertions(reg.id)
            self.store.update_registration(reg.id, claimed_at=now, user_id=user_id, revoked_at=None,
                                           email=user.email if user else reg.email, delivered_at=None)
        fresh = self.store.registration(reg.id)
        assert fresh is not None
        return fresh

    def find_or_create_user(self, email: str) -> str:
        """Users are keyed by `email_key(email)`, the one normalisation every comparison uses."""
        key = email_key(email)
        user = self.store.user_by_email(key)
        if user is None:
            user = self.store.add_user(ids.user_id(), key, self.now())
        return user.id

    def revoke_grant(self, reg_id: str) -> None:
        """Revoke everything issued from a registration's grant: refresh tokens, the service
        assertions and the access tokens. RFC 7009 §2.1 (revoking a refresh token SHOULD also
        invalidate the access tokens of the same grant) and RFC 9700 §4.14.2 (refresh token reuse:
        the server cannot tell the legitimate client from the thief, so it revokes the grant)."""
        with self.store.transaction():
            self.store.revoke_refresh_tokens_of(reg_id)
            self.store.supersede_assertions(reg_id)
            self.store.revoke_access_tokens_of(reg_id)

    def claim_window_open(self, reg: Registration) -> bool:
        return reg.claim_expires_at is None or self.now() < reg.claim_expires_at
