"""Read the protocol's answers into one shape whatever the generation (pure).

v0.7-B nests (`id`, `identity{assertion}`, `claim{token, attempt{verification_uri}}`, SPEC §6.1);
v0.2-v0.7-A are flat (`registration_id`, `identity_assertion`, `claim_token`, `claim{user_code,
verification_uri, interval}`, SPEC §6.2); v0.1 returns a credential (SPEC §6.3). The flows read
whichever shape came (IN-THE-WILD P13) and say so when it is not the generation discovery named.
Bodies are untrusted: every accessor checks types and returns None rather than raising.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Attempt:
    verification_uri: str | None
    user_code: str | None = None  # v0.4-v0.7-A: the agent shows it
    interval: int | None = None
    expires_in: float | None = None
    expires_at: str | None = None


@dataclass(frozen=True)
class Registered:
    reg_id: str | None
    kind: str | None
    nested: bool
    assertion: str | None = None
    credential: str | None = None  # v0.1: the credential itself (SPEC §6.3)
    claim_token: str | None = None
    attempt: Attempt | None = None
    scopes: tuple[str, ...] = ()  # the ID-JAG clean match's array
    pre_claim: tuple[str, ...] = ()
    post_claim: tuple[str, ...] = ()
    refresh_token: str | None = None
    error: str | None = None
    max_age: int | None = None


def _s(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strs(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):  # a space-separated scope string (RFC 6749 §3.3)
        return tuple(value.split())
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


_FLAT_SIGNALS = ("registration_id", "registration_type", "identity_assertion", "claim_token", "claim_attempt")


def envelope_of(body: Any) -> str | None:
    """"nested" | "flat" | None when the body carries no envelope member (an error body)."""
    b = _obj(body)
    if any(k in b for k in _FLAT_SIGNALS):
        return "flat"
    return "nested" if is_nested(b) else None


def is_nested(body: Any) -> bool:
    """The v0.7-B envelope: `id` / an `identity` or `claim` object, no `registration_id`."""
    b = _obj(body)
    if "registration_id" in b:
        return False
    return "id" in b or isinstance(b.get("identity"), dict) or isinstance(b.get("attempt"), dict) or \
        isinstance(_obj(b.get("claim")).get("token"), str)


def attempt_of(block: Any) -> Attempt | None:
    """A ceremony block: v0.7-B `attempt{verification_uri, expires_at}`, or the flat
    `claim`/`claim_attempt{user_code, expires_in, verification_uri, interval}`."""
    b = _obj(block)
    uri, code = _s(b.get("verification_uri")), _s(b.get("user_code"))
    if uri is None and code is None:
        return None
    expires_in = _int(b.get("expires_in"))
    return Attempt(uri, code, _int(b.get("interval")),
                   float(expires_in) if expires_in is not None else None, _s(b.get("expires_at")))


def registration(body: Any) -> Registered:
    b = _obj(body)
    if is_nested(b):
        ident, claim, scopes = _obj(b.get("identity")), _obj(b.get("claim")), b.get("scopes")
        sc = _obj(scopes)
        return Registered(
            reg_id=_s(b.get("id")), kind=_s(b.get("type")), nested=True, assertion=_s(ident.get("assertion")),
            claim_token=_s(claim.get("token")), attempt=attempt_of(claim.get("attempt")),
            scopes=_strs(scopes) if isinstance(scopes, list) else (), pre_claim=_strs(sc.get("pre_claim")),
            post_claim=_strs(sc.get("post_claim")),
            refresh_token=_s(_obj(ident.get("refresh_token")).get("value")),
            error=_s(b.get("error")), max_age=_int(b.get("max_age")))
    flat_claim = b.get("claim")
    return Registered(
        reg_id=_s(b.get("registration_id")), kind=_s(b.get("registration_type")), nested=False,
        assertion=_s(b.get("identity_assertion")), credential=_s(b.get("credential")),
        claim_token=_s(b.get("claim_token")), attempt=attempt_of(flat_claim),
        scopes=_strs(b.get("scopes")), pre_claim=_strs(b.get("pre_claim_scopes")),
        post_claim=_strs(b.get("post_claim_scopes")), error=_s(b.get("error")), max_age=_int(b.get("max_age")))


def claim_started(body: Any) -> Attempt | None:
    """`/claim` 200: v0.7-B `attempt`, v0.4-v0.7-A `claim_attempt`; v0.1-v0.3 none (emailed)."""
    b = _obj(body)
    return attempt_of(b.get("attempt")) or attempt_of(b.get("claim_attempt"))


@dataclass(frozen=True)
class Claimed:
    """What the ceremony ended with: an assertion to exchange, or (claim grant) a token already."""

    assertion: str | None = None
    access_token: str | None = None
    scope: tuple[str, ...] = ()
    refresh_token: str | None = None


def claimed(body: Any) -> Claimed:
    """`/complete` (v0.7-B nested, v0.1-v0.3 flat), the claim grant's token answer, or the v0.7-A
    ID-JAG claim's `status: claimed`."""
    b = _obj(body)
    ident = _obj(b.get("identity"))
    return Claimed(
        assertion=_s(ident.get("assertion")) or _s(b.get("identity_assertion")),
        access_token=_s(b.get("access_token")) or _s(b.get("credential")), scope=_strs(b.get("scope")),
        refresh_token=_s(_obj(ident.get("refresh_token")).get("value")))


def token(body: Any) -> tuple[str | None, tuple[str, ...]]:
    b = _obj(body)
    return _s(b.get("access_token")), _strs(b.get("scope"))


def refreshed(body: Any) -> tuple[str | None, str | None]:
    ident = _obj(_obj(body).get("identity"))
    return _s(ident.get("assertion")), _s(_obj(ident.get("refresh_token")).get("value"))
