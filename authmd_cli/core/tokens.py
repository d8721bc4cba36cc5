"""JWT minting and verification for the sandbox and the test provider (SPEC §8, §9.1, §9.6).

Everything time-related takes `now` (seconds since the epoch) from an injected clock:
pyjwt is used only for JWS signing and signature checking (`PyJWS`), never for its own
`exp`/`iat` checks, which read the system time. Claim checks live in the callers, so each
failure maps to the exact protocol error code (a wrong `aud` is never reported as `expired`,
the reference's fault, SPEC §12-A 25).

Keys are ES256 (P-256); `kid` is the RFC 7638 thumbprint of the public JWK (SPEC §8.1, §9.1).
`jwt` and `cryptography` are imported inside functions so importing this module stays cheap.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from authmd_cli.core import strict_json

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey

Clock = Callable[[], float]
ALG = "ES256"
ID_JAG_TYP = "oauth-id-jag+jwt"  # SPEC §8.1; also the service assertion's typ (SPEC §9.1)
SET_TYP = "secevent+jwt"  # SPEC §9.6, RFC 8417 §2.3


def system_clock() -> float:
    """The only place the wall clock is read; everything else receives a `Clock`."""
    return time.time()


class OffsetClock:
    """A clock that a test hook can move forward (never backwards), for expiry tests."""

    def __init__(self, base: Clock = system_clock) -> None:
        self._base = base
        self.offset = 0.0

    def advance(self, seconds: float) -> None:
        self.offset += max(0.0, seconds)

    def __call__(self) -> float:
        return self._base() + self.offset


class TokenError(Exception):
    """Why a compact JWS could not be accepted. `kind` is one of `malformed`, `alg`,
    `unknown_kid`, `signature`; callers map kinds to protocol codes."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    pad = "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(text + pad)


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 §3: SHA-256 over the required members in lexicographic order, no whitespace."""
    kty = jwk.get("kty")
    required: tuple[str, ...]
    if kty == "EC":
        required = ("crv", "kty", "x", "y")
    elif kty == "RSA":
        required = ("e", "kty", "n")
    elif kty == "OKP":
        required = ("crv", "kty", "x")
    else:
        raise ValueError(f"unsupported kty {kty!r}")
    canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


@dataclass(frozen=True)
class SigningKey:
    """An ES256 private key with its public JWK; `kid` = RFC 7638 thumbprint."""

    private_key: EllipticCurvePrivateKey
    public_jwk: Mapping[str, str]

    @property
    def kid(self) -> str:
        return self.public_jwk["kid"]


def _public_jwk(private_key: EllipticCurvePrivateKey) -> dict[str, str]:
    numbers = private_key.public_key().public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
    }
    jwk["kid"] = jwk_thumbprint(jwk)
    jwk["alg"] = ALG
    jwk["use"] = "sig"
    return jwk


def generate_signing_key() -> SigningKey:
    from cryptography.hazmat.primitives.asymmetric import ec

    priv = ec.generate_private_key(ec.SECP256R1())
    return SigningKey(priv, _public_jwk(priv))


def signing_key_from_pem(pem: bytes) -> SigningKey:
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    priv = load_pem_private_key(pem, password=None)
    if not isinstance(priv, ec.EllipticCurvePrivateKey) or priv.curve.name != "secp256r1":
        raise ValueError("not a P-256 (ES256) private key")
    return SigningKey(priv, _public_jwk(priv))


def signing_key_to_pem(key: SigningKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def write_private_key(path: Path, key: SigningKey, *, overwrite: bool = False) -> None:
    """Write the PEM with mode 0600 from the start, never through a symlink.

    A new file is created with O_CREAT|O_EXCL and the mode (no chmod race; O_EXCL also refuses a
    symlink, even a dangling one). `overwrite` writes a 0600 temporary file beside `path` and
    renames it over `path`: the rename replaces a symlink instead of following it (O_TRUNC would
    have overwritten whatever the link points at)."""
    pem = signing_key_to_pem(key)
    if overwrite:
        from authmd_cli.core.files import atomic_write

        atomic_write(path, pem.decode("ascii"), mode=0o600)
        return
    # A complete 0600 file beside `path`, then link(2) it into place: link never replaces an existing
    # name (FileExistsError, as O_EXCL) and never follows a symlink at `path`, and a second process
    # starting at the same moment reads either no file or the whole key, never a half-written one.
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(pem)
        os.link(tmp, path)
    finally:
        os.unlink(tmp)


MAX_KEY_BYTES = 64 * 1024  # a PEM key is a few hundred bytes; never read a device or a log without bound


def read_private_key(path: Path) -> SigningKey:
    with path.open("rb") as stream:
        pem = stream.read(MAX_KEY_BYTES + 1)
    if len(pem) > MAX_KEY_BYTES:
        raise ValueError(f"larger than {MAX_KEY_BYTES // 1024} KiB, not a PEM key")
    return signing_key_from_pem(pem)


def jwks(keys: Sequence[SigningKey]) -> dict[str, Any]:
    return {"keys": [dict(k.public_jwk) for k in keys]}


def sign(key: SigningKey, header: Mapping[str, Any], payload: Mapping[str, Any]) -> str:
    """The one place a JWS is signed: compact serialisation with exactly the header given.

    pyjwt's encoder would add `typ: JWT` and take the signing algorithm from the header, so a
    negative test could not omit `typ` or lie about `kid`/`alg`. Here the header is serialised
    verbatim (member order kept) and the signature is always ES256 (`ALG`) by this key, using
    pyjwt's algorithm object; `verify_signature` checks the result with pyjwt's decoder.
    """
    import jwt

    def part(value: Mapping[str, Any]) -> str:
        return b64url(json.dumps(dict(value), separators=(",", ":")).encode("utf-8"))

    signing_input = part(header) + "." + part(payload)
    signature = jwt.get_algorithm_by_name(ALG).sign(signing_input.encode("ascii"), key.private_key)
    return signing_input + "." + b64url(signature)


def mint(key: SigningKey, claims: Mapping[str, Any], *, typ: str,
         extra_headers: Mapping[str, Any] | None = None) -> str:
    """A well-formed token: header `alg` ES256, `typ`, `kid` (plus `extra_headers`)."""
    return sign(key, {"alg": ALG, "typ": typ, "kid": key.kid, **(extra_headers or {})}, claims)


def peek(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload WITHOUT verification (to pick the issuer's keys, SPEC §8.3 step 1).

    Strict JSON (`core.strict_json`): a claim set with `NaN`, `Infinity`, `1e999` or a lone
    surrogate is malformed, so no claim check ever compares with a non-finite number (every
    comparison with NaN is false: `exp: NaN` would never expire)."""
    if not isinstance(token, str) or token.count(".") != 2 or len(token) > 16384:
        raise TokenError("malformed", "not a compact JWS")
    head_b64, payload_b64, _ = token.split(".")
    try:
        header = strict_json.loads(_b64url_decode(head_b64))
        payload = strict_json.loads(_b64url_decode(payload_b64))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise TokenError("malformed", "header or payload is not base64url-encoded strict JSON") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise TokenError("malformed", "header or payload is not a JSON object")
    return header, payload


def verify_signature(token: str, key_set: Mapping[str, Any], *,
                     algorithms: Sequence[str] = (ALG,)) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check the JWS signature against a JWK Set; return (header, payload). No claim checks."""
    import jwt

    header, payload = peek(token)
    alg = header.get("alg")
    if alg not in algorithms:
        raise TokenError("alg", f"alg {alg!r} is not accepted")
    keys = [k for k in key_set.get("keys", []) if isinstance(k, Mapping)]
    kid = header.get("kid")
    candidates = [k for k in keys if k.get("kid") == kid] if kid is not None else keys
    if not isinstance(alg, str):
        raise TokenError("alg", "alg missing")
    if not candidates:
        raise TokenError("unknown_kid", f"no key with kid {kid!r}")
    for jwk in candidates:
        try:
            pyjwk = jwt.PyJWK(dict(jwk), algorithm=alg)
            jwt.PyJWS().decode_complete(token, pyjwk.key, algorithms=[alg])
        except jwt.InvalidSignatureError:
            continue
        except (jwt.PyJWKError, jwt.InvalidTokenError, ValueError, TypeError) as exc:
            raise TokenError("signature", f"cannot verify: {type(exc).__name__}") from None
        return header, payload
    raise TokenError("signature", "signature does not verify")


def audience_matches(aud: Any, accepted: Sequence[str]) -> bool:
    """`aud` may be a string or an array of strings (RFC 7519 §4.1.3)."""
    values = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    return any(isinstance(v, str) and v in accepted for v in values)


def not_yet_valid(claims: Mapping[str, Any], *, now: float, leeway: float) -> bool:
    """RFC 7519 §4.1.5: a token MUST NOT be accepted before its `nbf` (a small leeway for clock
    skew is allowed). An `nbf` that is not a NumericDate counts as not valid: never accepted."""
    nbf = claims.get("nbf")
    if nbf is None:
        return False
    return not is_number(nbf) or float(nbf) > now + leeway


def is_number(value: Any) -> TypeGuard[int | float]:
    """A JSON number usable as a NumericDate (RFC 7519 §2): finite, and convertible to a float
    (`float(10**400)` raises OverflowError)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False
