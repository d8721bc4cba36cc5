"""Response bodies per profile (pure). v0.7-B nests (SPEC §6.1, §6.4, §6.5); v0.7-A is flat
(SPEC §6.2, §6.4). Keeping both here makes the envelope difference one readable file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from authmd_cli.sandbox.ids import iso


@dataclass(frozen=True)
class Identity:
    assertion: str
    expires_at: float


@dataclass(frozen=True)
class ClaimMaterials:
    token: str
    expires_at: float
    url: str  # absolute claim endpoint


@dataclass(frozen=True)
class AttemptMaterials:
    attempt_id: str
    verification_uri: str
    expires_at: float
    user_code: str | None = None  # v0.7-A: the agent shows it to the user
    expires_in: int = 0
    interval: int = 5


def _attempt_b(att: AttemptMaterials) -> dict[str, Any]:
    return {"verification_uri": att.verification_uri, "expires_at": iso(att.expires_at)}


def _attempt_a(att: AttemptMaterials) -> dict[str, Any]:
    return {"user_code": att.user_code, "expires_in": att.expires_in,
            "verification_uri": att.verification_uri, "interval": att.interval}


def anonymous(nested: bool, reg_id: str, ident: Identity, claim: ClaimMaterials, *,
              pre: list[str], post: list[str]) -> dict[str, Any]:
    if nested:
        return {"id": reg_id, "type": "anonymous",
                "identity": {"assertion": ident.assertion, "expires_at": iso(ident.expires_at)},
                "scopes": {"pre_claim": pre, "post_claim": post},
                "claim": {"token": claim.token, "expires_at": iso(claim.expires_at), "url": claim.url}}
    return {"registration_id": reg_id, "registration_type": "anonymous",
            "identity_assertion": ident.assertion, "assertion_expires": iso(ident.expires_at),
            "pre_claim_scopes": pre, "claim_url": claim.url, "claim_token": claim.token,
            "claim_token_expires": iso(claim.expires_at), "post_claim_scopes": post}


def pending(nested: bool, reg_type: str, reg_id: str, claim: ClaimMaterials, att: AttemptMaterials, *,
            post: list[str]) -> dict[str, Any]:
    """service_auth 200 and the ID-JAG step-up 401 body (before the error members are added)."""
    if nested:
        return {"id": reg_id, "type": reg_type, "scopes": {"post_claim": post},
                "claim": {"token": claim.token, "expires_at": iso(claim.expires_at), "url": claim.url,
                          "attempt": _attempt_b(att)}}
    return {"registration_id": reg_id, "registration_type": reg_type, "claim_url": claim.url,
            "claim_token": claim.token, "claim_token_expires": iso(claim.expires_at),
            "post_claim_scopes": post, "claim": _attempt_a(att)}


def clean_match(nested: bool, reg_id: str, ident: Identity, scopes: list[str]) -> dict[str, Any]:
    if nested:
        return {"id": reg_id, "type": "identity_assertion",
                "identity": {"assertion": ident.assertion, "expires_at": iso(ident.expires_at)},
                "scopes": scopes}
    return {"registration_id": reg_id, "registration_type": "identity_assertion",
            "identity_assertion": ident.assertion, "assertion_expires": iso(ident.expires_at), "scopes": scopes}


def refreshed(reg_id: str, ident: Identity, refresh: str, refresh_expires: float) -> dict[str, Any]:
    return {"id": reg_id, "type": "refresh",
            "identity": {"assertion": ident.assertion, "expires_at": iso(ident.expires_at),
                         "refresh_token": {"value": refresh, "expires_at": iso(refresh_expires)}}}


def claim_started(nested: bool, reg_id: str, att: AttemptMaterials) -> dict[str, Any]:
    if nested:
        return {"id": reg_id, "type": "service_auth", "attempt": _attempt_b(att)}
    return {"registration_id": reg_id, "claim_attempt_id": att.attempt_id, "status": "initiated",
            "expires_at": iso(att.expires_at), "claim_attempt": _attempt_a(att)}


def claimed_by_id_jag_a(reg_id: str, ident: Identity) -> dict[str, Any]:
    """v0.7-A `/claim` with an ID-JAG, clean match (SPEC §6.4)."""
    return {"registration_id": reg_id, "registration_type": "identity_assertion", "status": "claimed",
            "identity_assertion": ident.assertion, "assertion_expires": iso(ident.expires_at)}


def step_up_started_a(reg_id: str, att: AttemptMaterials) -> dict[str, Any]:
    """v0.7-A `/claim` with an ID-JAG that needs a ceremony: 200, not 401 (SPEC §6.4)."""
    return {"registration_id": reg_id, "registration_type": "identity_assertion",
            "claim_attempt_id": att.attempt_id, "status": "initiated", "expires_at": iso(att.expires_at),
            "claim_attempt": _attempt_a(att)}


def completed_b(reg_id: str, ident: Identity, refresh: str, refresh_expires: float) -> dict[str, Any]:
    return {"id": reg_id, "status": "claimed",
            "identity": {"assertion": ident.assertion, "expires_at": iso(ident.expires_at),
                         "refresh_token": {"value": refresh, "expires_at": iso(refresh_expires)}}}


def token_response(access: str, expires_in: int, scope: str) -> dict[str, Any]:
    return {"access_token": access, "token_type": "Bearer", "expires_in": expires_in, "scope": scope}
