"""ID-JAG checks of SPEC §8.3 as pure functions (the signature check and replay cache are the
caller's; here: header, issuer trust, and every claim rule with an injected `now`).

Each failure maps to its documented code (SPEC §8.4) — never the reference's lossy
`expired` for a wrong `aud` (SPEC §12-A 25). Decisions: `typ` and `exp` are required
(SPEC §14 D21); `aud` must be the issuer, the PRM `resource` is also accepted (SPEC §14 D5).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from authmd_cli.core.tokens import ID_JAG_TYP, audience_matches, is_number, not_yet_valid
from authmd_cli.sandbox.settings import SandboxSettings, TrustedProvider
from authmd_cli.sandbox.wire import ProtocolError, has_control_characters, www_authenticate_agent

FUTURE_IAT_ALLOWANCE = 120  # SPEC §8.3 guidance: accept `iat` up to 1-2 min in the future
# The longest ID-JAG accepted (`exp - iat`). Providers mint ~5 min (SPEC §8.2, §13.2); an
# assertion valid for days is a bearer credential nobody can revoke. The replay cache keeps a
# `jti` until `exp` + skew, so this also bounds how long it must remember one.
MAX_LIFETIME = 3600


@dataclass(frozen=True)
class IdJag:
    iss: str
    sub: str
    aud: str
    jti: str
    exp: float
    auth_time: float
    email: str | None
    email_verified: bool
    phone_verified: bool


def fail(code: str, message: str) -> ProtocolError:
    return ProtocolError(code, 400, message)


def login_required(settings: SandboxSettings, message: str) -> ProtocolError:
    max_age = str(settings.max_auth_age)
    return ProtocolError(
        "login_required", 401, message,
        headers={"WWW-Authenticate": www_authenticate_agent("login_required", message, max_age=max_age)},
        extra={"max_age": settings.max_auth_age},
    )


def trusted_issuer(payload: Mapping[str, Any], settings: SandboxSettings) -> TrustedProvider:
    """SPEC §8.3 step 1: the unverified `iss` must be on the trust list."""
    iss = payload.get("iss")
    if not isinstance(iss, str) or iss not in settings.trusted:
        raise fail("invalid_issuer", "the assertion's issuer is not trusted by this service")
    return settings.trusted[iss]


def check_header(header: Mapping[str, Any]) -> None:
    """SPEC §8.3 step 2 and §14 D21: `typ` must be present and exactly `oauth-id-jag+jwt`."""
    if header.get("typ") != ID_JAG_TYP:
        raise fail("invalid_request", f"the assertion's typ must be {ID_JAG_TYP}")


def check_claims(claims: Mapping[str, Any], *, now: float, settings: SandboxSettings) -> IdJag:
    """SPEC §8.3 steps 3-7 after the signature verified (replay is checked by the caller
    between the structural checks and the email/auth_time checks, as the reference does)."""
    skew = settings.skew
    if not audience_matches(claims.get("aud"), settings.accepted_audiences):
        raise fail("invalid_audience", "the assertion's aud is not this service")
    exp = claims.get("exp")
    if not is_number(exp):
        raise fail("invalid_request", "the assertion has no numeric exp (required)")
    if float(exp) + skew <= now:
        raise fail("expired", "the assertion has expired")
    iat = claims.get("iat")
    if not is_number(iat):
        raise fail("invalid_request", "the assertion has no numeric iat (required)")
    if float(iat) > now + FUTURE_IAT_ALLOWANCE:
        raise fail("invalid_request", "the assertion's iat is in the future")
    if float(exp) - float(iat) > MAX_LIFETIME:
        raise fail("invalid_request", f"the assertion is valid for longer than {MAX_LIFETIME} seconds")
    if not_yet_valid(claims, now=now, leeway=skew):
        raise fail("invalid_request", "the assertion is not valid yet (nbf, RFC 7519 §4.1.5)")
    for name in ("jti", "sub"):
        value = claims.get(name)
        if not isinstance(value, str) or not value or len(value) > 1024:
            raise fail("invalid_request", f"the assertion has no {name}")
    email = claims.get("email")
    if isinstance(email, str) and (len(email) > 320 or has_control_characters(email)):
        raise fail("invalid_request", "the assertion's email is not an address (control characters)")
    aud = claims["aud"]
    aud_value = aud if isinstance(aud, str) else next(a for a in aud if a in settings.accepted_audiences)
    return IdJag(
        iss=str(claims["iss"]), sub=str(claims["sub"]), aud=str(aud_value), jti=str(claims["jti"]),
        exp=float(exp), auth_time=float(claims["auth_time"]) if is_number(claims.get("auth_time")) else -1.0,
        email=email if isinstance(email, str) and email else None,
        email_verified=claims.get("email_verified") is True,
        phone_verified=claims.get("phone_number_verified") is True,
    )


def check_identity(jag: IdJag, claims: Mapping[str, Any], *, now: float, settings: SandboxSettings) -> None:
    """SPEC §8.3 steps 6-7: a verified email or phone; a fresh `auth_time` (→ 401 login_required)."""
    if not (jag.email_verified and jag.email) and not jag.phone_verified:
        raise fail("missing_verified_email", "the assertion carries no verified email or phone")
    auth_time = claims.get("auth_time")
    if not is_number(auth_time):
        raise login_required(settings, "auth_time is missing; re-authenticate the user at the provider")
    if now - float(auth_time) > settings.max_auth_age + settings.skew:
        raise login_required(settings, "auth_time is too old; re-authenticate the user at the provider")
    if float(auth_time) > now + settings.skew:
        raise login_required(settings, "auth_time is in the future")
