"""ID-JAGs for the flows and the negative checks (pure: key and `now` are passed in).

The good one follows SPEC §14 D21 through the test issuer (`provider.issuer`): `aud` = the AS
issuer and the PRM `resource` in a `resource` claim (SPEC §14 D5). The spoiled variants are what
`--negative` sends; each names the rule a good service applies (SPEC §8.3, RFC 7519, RFC 8725).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from authmd_cli.core.tokens import ALG, ID_JAG_TYP, SigningKey, b64url, generate_signing_key, sign
from authmd_cli.provider.issuer import IdJagRequest, build_set, id_jag_claims, mint_id_jag

# variant -> what it breaks (the negative check's name says the same)
VARIANTS: dict[str, str] = {
    "good": "a well-formed ID-JAG",
    "aud": "aud names another service",
    "expired": "exp an hour ago",
    "alg_none": "alg none, no signature (RFC 8725 §3.1)",
    "foreign_key": "signed by a key the issuer does not publish, under the issuer's kid",
    "no_auth_time": "no auth_time (required since v0.5)",
    "nan_auth_time": "auth_time NaN (not a JSON number, RFC 8259 §6)",
    "infinite_exp": "exp Infinity (never expires)",
    "nbf_future": "nbf an hour from now (RFC 7519 §4.1.5)",
    "phone_only": "a verified phone number and no email",
    "set_old": "a revocation SET issued 8 days ago (beyond a 7-day replay window)",
}
SET_AGE = 8 * 86400


@dataclass(frozen=True)
class Issuer:
    key: SigningKey
    issuer: str


def _raw_token(header: dict[str, Any], payload: dict[str, Any], signature: str = "") -> str:
    """An unsigned compact JWS written by hand (`alg: none`)."""
    def part(value: dict[str, Any]) -> str:
        return b64url(json.dumps(value, separators=(",", ":")).encode("utf-8"))

    return f"{part(header)}.{part(payload)}.{signature}"


def mint(issuer: Issuer, variant: str, *, aud: str, sub: str, email: str | None, resource: str | None,
         now: float) -> str:
    if variant not in VARIANTS:
        raise ValueError(f"unknown ID-JAG variant {variant!r}")
    if variant == "set_old":
        return build_set(issuer.key, issuer=issuer.issuer, aud=aud, sub=sub, now=now - SET_AGE)
    spoil = {"aud": frozenset({"aud"}), "expired": frozenset({"exp"})}.get(variant, frozenset())
    omit = frozenset({"auth_time"}) if variant == "no_auth_time" else frozenset()
    extra: dict[str, Any] = {}
    if variant == "nbf_future":
        extra["nbf"] = int(now) + 3600
    if variant == "phone_only":
        email = None
        extra |= {"phone_number": "+15555550100", "phone_number_verified": True}
    req = IdJagRequest(issuer=issuer.issuer, aud=aud, sub=sub, email=email, resource=resource,
                       jti="jti_" + secrets.token_hex(16), omit=omit, spoil=spoil, extra=extra)
    if variant in ("good", "aud", "expired", "no_auth_time", "nbf_future", "phone_only"):
        return mint_id_jag(issuer.key, req, now)
    claims = id_jag_claims(req, now)
    header = {"alg": ALG, "typ": ID_JAG_TYP, "kid": issuer.key.kid}
    if variant == "alg_none":
        return _raw_token({**header, "alg": "none"}, claims)
    if variant == "foreign_key":
        return sign(generate_signing_key(), header, claims)
    if variant == "nan_auth_time":
        claims["auth_time"] = float("nan")
    else:  # infinite_exp
        claims["exp"] = float("inf")
    return sign(issuer.key, header, claims)  # json.dumps writes the bare NaN / Infinity words
