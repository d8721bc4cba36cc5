"""A test identity provider: ES256 keys, its JWKS, ID-JAG minting and SET sending (SPEC §8, §9.6).

`authmd provider …` and the sandbox's built-in test provider both use this module. ID-JAGs
follow SPEC §14 D21 exactly (header `typ: oauth-id-jag+jwt`, `alg: ES256`, `kid`; claims
`iss`, `sub`, `aud`, `client_id`, `jti`, `iat`, `exp = iat + 300`, `auth_time`, `email`,
`email_verified: true`), with switches to omit or spoil any of them for negative tests.
Pure except `keygen` (writes the key, mode 0600), `post_set` (HTTP) and `provider_app`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from authmd_cli.core.tokens import (
    ALG,
    ID_JAG_TYP,
    SET_TYP,
    SigningKey,
    generate_signing_key,
    jwks,
    mint,
    sign,
    write_private_key,
)
from authmd_cli.protocol.profiles import REVOKED_EVENT_URI

if TYPE_CHECKING:
    from starlette.applications import Starlette

DEFAULT_ISSUER = "http://127.0.0.1:4000"  # SPEC §13.2: the reference provider's port
ID_JAG_TTL = 300  # SPEC §8.2, §14 D21
SET_MEDIA_TYPE = "application/secevent+jwt"

# What `--omit` can drop: claims, plus the header members `typ` and `kid`.
OMITTABLE = ("iss", "sub", "aud", "client_id", "jti", "iat", "exp", "auth_time", "email", "email_verified",
             "typ", "kid")
# What `--spoil` can break, and how (each maps to one documented error code at the service).
SPOILABLE: dict[str, str] = {
    "typ": "header typ JWT instead of oauth-id-jag+jwt (→ invalid_request)",
    "signature": "a corrupted signature (→ invalid_signature)",
    "kid": "a kid the provider's JWKS does not have (→ invalid_signature)",
    "iss": "an issuer the service does not trust (→ invalid_issuer)",
    "aud": "an audience that is not the service (→ invalid_audience)",
    "exp": "expired an hour ago (→ expired)",
    "iat": "issued an hour in the future (→ invalid_request)",
    "auth_time": "the user signed in a day ago (→ 401 login_required)",
    "email_verified": "email_verified false (→ missing_verified_email)",
}


@dataclass(frozen=True)
class IdJagRequest:
    """Everything one ID-JAG needs. `aud` is the service's AS issuer (SPEC §14 D5); the PRM
    `resource` goes into the optional `resource` claim."""

    issuer: str
    aud: str
    sub: str
    email: str | None = None
    client_id: str | None = None  # default: the issuer (SPEC §8.2 "iss or CIMD URL")
    resource: str | None = None
    auth_age: int = 0  # seconds since the user's last sign-in at the provider
    ttl: int = ID_JAG_TTL
    jti: str | None = None
    omit: frozenset[str] = field(default_factory=frozenset)
    spoil: frozenset[str] = field(default_factory=frozenset)
    extra: Mapping[str, Any] = field(default_factory=dict)


def check_switches(omit: Iterable[str], spoil: Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
    o, s = frozenset(omit), frozenset(spoil)
    bad = sorted(o - set(OMITTABLE)) + sorted(s - set(SPOILABLE))
    if bad:
        raise ValueError(f"unknown claim switch {', '.join(bad)} (omit: {', '.join(OMITTABLE)}; "
                         f"spoil: {', '.join(SPOILABLE)})")
    return o, s


def id_jag_claims(req: IdJagRequest, now: float) -> dict[str, Any]:
    iat = int(now)
    claims: dict[str, Any] = {
        "iss": req.issuer,
        "sub": req.sub,
        "aud": req.aud,
        "client_id": req.client_id or req.issuer,
        "jti": req.jti or "jti_" + secrets.token_hex(16),
        "iat": iat,
        "exp": iat + req.ttl,
        "auth_time": iat - max(0, req.auth_age),
    }
    if req.email is not None:
        claims["email"] = req.email
        claims["email_verified"] = True
    if req.resource:
        claims["resource"] = req.resource
    claims.update(req.extra)
    spoil = req.spoil
    if "iss" in spoil:
        claims["iss"] = "https://untrusted-provider.invalid"
    if "aud" in spoil:
        claims["aud"] = "https://not-this-service.invalid"
    if "exp" in spoil:
        claims["iat"], claims["exp"] = iat - 3600 - req.ttl, iat - 3600
    if "iat" in spoil:
        claims["iat"] = iat + 3600
    if "auth_time" in spoil:
        claims["auth_time"] = iat - 86400
    if "email_verified" in spoil:
        claims["email_verified"] = False
    for name in req.omit:
        claims.pop(name, None)
    return claims


def _corrupt(token: str) -> str:
    head, payload, sig = token.split(".")
    mid = len(sig) // 2
    flipped = "A" if sig[mid] != "A" else "B"
    return f"{head}.{payload}.{sig[:mid]}{flipped}{sig[mid + 1:]}"


def mint_id_jag(key: SigningKey, req: IdJagRequest, now: float) -> str:
    return mint_id_jag_with_claims(key, req, now)[0]


def mint_id_jag_with_claims(key: SigningKey, req: IdJagRequest, now: float) -> tuple[str, dict[str, Any]]:
    """The ID-JAG and the exact claim set it carries (one `jti`, so a printed claim set is the
    token's own)."""
    header: dict[str, Any] = {"alg": ALG, "typ": ID_JAG_TYP, "kid": key.kid}
    if "typ" in req.spoil:
        header["typ"] = "JWT"
    if "kid" in req.spoil:
        header["kid"] = "unknown-" + key.kid[:8]
    for name in ("typ", "kid"):
        if name in req.omit:
            header.pop(name)
    claims = id_jag_claims(req, now)
    token = sign(key, header, claims)  # the header as built, spoils included
    return (_corrupt(token) if "signature" in req.spoil else token), claims


def build_set(key: SigningKey, *, issuer: str, aud: str, sub: str, now: float, jti: str | None = None,
              events: Mapping[str, Any] | None = None) -> str:
    """An RFC 8417 SET announcing the revocation event (SPEC §9.6): typ `secevent+jwt`."""
    claims = {
        "iss": issuer,
        "aud": aud,
        "sub": sub,
        "jti": jti or "set_" + secrets.token_hex(16),
        "iat": int(now),
        "events": dict(events) if events is not None else {REVOKED_EVENT_URI: {}},
    }
    return mint(key, claims, typ=SET_TYP)


@dataclass(frozen=True)
class Delivery:
    status: int
    body: str
    content_type: str

    @property
    def accepted(self) -> bool:
        return self.status == 202 or (200 <= self.status < 300)


def post_set(url: str, token: str, *, timeout: float = 10.0) -> Delivery:
    """RFC 8935 §2: POST the SET as `application/secevent+jwt`; 202 means accepted.
    Raises `net.HTTPError` when the receiver cannot be reached (or answers too much)."""
    from authmd_cli.core import net

    with net.client(timeout=timeout) as http:
        resp = http.post(url, content=token.encode("ascii"),
                         headers={"Content-Type": SET_MEDIA_TYPE, "Accept": "application/json"})
    return Delivery(resp.status_code, resp.text[:2000], resp.headers.get("content-type", ""))


def keygen(path: Path, *, overwrite: bool = False) -> SigningKey:
    key = generate_signing_key()
    write_private_key(path, key, overwrite=overwrite)
    return key


def provider_jwks(key: SigningKey) -> dict[str, Any]:
    return jwks([key])


def provider_app(key: SigningKey, issuer: str) -> Starlette:
    """`authmd provider serve`: the JWKS at `/.well-known/jwks.json` (SPEC §8.6)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    body = provider_jwks(key)

    async def jwks_endpoint(request: Request) -> JSONResponse:
        return JSONResponse(body, headers={"Cache-Control": "public, max-age=600"})

    async def root(request: Request) -> JSONResponse:
        return JSONResponse({"issuer": issuer, "jwks_uri": issuer.rstrip("/") + "/.well-known/jwks.json"})

    return Starlette(routes=[Route("/.well-known/jwks.json", jwks_endpoint, methods=["GET"]),
                             Route("/", root, methods=["GET"])])


def load_key_file(path: Path) -> SigningKey:
    """The provider's ES256 private key from a PEM file; a missing or unusable file is the user's
    input error (one line, exit 2), for `authmd provider …` and `authmd simulate --provider-key`."""
    from authmd_cli.core.errors import InputError
    from authmd_cli.core.tokens import read_private_key

    try:
        return read_private_key(path)
    except FileNotFoundError:
        raise InputError("no such key file (create one with `authmd provider keygen`)", source=str(path)) from None
    except TypeError:  # cryptography: "Password was not given but private key is encrypted"
        raise InputError(f"is an encrypted key; authmd reads unencrypted PKCS#8 PEM (decrypt it with "
                         f"`openssl pkcs8 -topk8 -nocrypt -in {path} -out plain.pem`)", source=str(path)) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"not a usable ES256 private key: {exc}", source=str(path)) from None
