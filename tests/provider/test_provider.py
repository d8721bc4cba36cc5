"""The test identity provider: keys (0600), JWKS with RFC 7638 kids, ID-JAGs per SPEC §14 D21 with
omit/spoil switches, SETs, its JWKS server, and a sandbox that trusts it by issuer."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from pathlib import Path

import httpx
import pytest

from authmd_cli.core.server import bind, in_thread, origin_of
from authmd_cli.core.tokens import ALG, SET_TYP, mint, peek, read_private_key, sign, system_clock, verify_signature
from authmd_cli.protocol.profiles import ID_JAG_URN, REVOKED_EVENT_URI
from authmd_cli.provider.issuer import (
    IdJagRequest,
    build_set,
    check_switches,
    keygen,
    mint_id_jag,
    provider_app,
    provider_jwks,
)
from authmd_cli.sandbox.defaults import default_config
from authmd_cli.sandbox.server import start
from authmd_cli.sandbox.settings import TrustedProvider


def test_keygen_writes_0600_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    key = keygen(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_private_key(path).kid == key.kid
    with pytest.raises(FileExistsError):
        keygen(path)
    assert keygen(path, overwrite=True).kid != key.kid


def test_kid_is_the_rfc7638_thumbprint(tmp_path: Path) -> None:
    jwk = provider_jwks(keygen(tmp_path / "k.pem"))["keys"][0]
    canonical = json.dumps({"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"], "y": jwk["y"]},
                           separators=(",", ":"), sort_keys=True).encode()
    expected = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
    assert jwk["kid"] == expected and jwk["alg"] == "ES256" and "d" not in jwk


def test_id_jag_carries_every_d21_claim(tmp_path: Path) -> None:
    key = keygen(tmp_path / "k.pem")
    token = mint_id_jag(key, IdJagRequest(issuer="https://idp", aud="https://as", sub="u", email="u@x.io",
                                          resource="https://api/"), now=1000.0)
    header, claims = verify_signature(token, provider_jwks(key))
    assert header == {"alg": "ES256", "typ": "oauth-id-jag+jwt", "kid": key.kid}
    assert {k: claims[k] for k in ("iss", "sub", "aud", "client_id", "iat", "exp", "auth_time", "email",
                                   "email_verified", "resource")} == {
        "iss": "https://idp", "sub": "u", "aud": "https://as", "client_id": "https://idp", "iat": 1000,
        "exp": 1300, "auth_time": 1000, "email": "u@x.io", "email_verified": True, "resource": "https://api/"}
    assert claims["jti"].startswith("jti_")


def test_omit_and_spoil(tmp_path: Path) -> None:
    key = keygen(tmp_path / "k.pem")
    base = IdJagRequest(issuer="https://idp", aud="https://as", sub="u", email="u@x.io")
    header, claims = peek(mint_id_jag(key, IdJagRequest(**{**base.__dict__, "omit": frozenset({"typ", "exp"})}),
                                      now=1000.0))
    assert "typ" not in header and "exp" not in claims and "iat" in claims
    header, claims = peek(mint_id_jag(key, IdJagRequest(**{**base.__dict__, "spoil": frozenset(
        {"typ", "aud", "exp", "auth_time", "email_verified"})}), now=10_000.0))
    assert header["typ"] == "JWT" and claims["aud"] != "https://as" and claims["exp"] < 10_000
    assert claims["auth_time"] == 10_000 - 86400 and claims["email_verified"] is False
    with pytest.raises(ValueError, match="unknown claim switch"):
        check_switches(["nope"], [])


def test_set_shape(tmp_path: Path) -> None:
    key = keygen(tmp_path / "k.pem")
    header, claims = peek(build_set(key, issuer="https://idp", aud="https://as", sub="u", now=5.0))
    assert header["typ"] == "secevent+jwt"
    assert claims["events"] == {REVOKED_EVENT_URI: {}} and claims["iat"] == 5 and claims["sub"] == "u"


@pytest.mark.e2e
def test_sandbox_trusts_an_external_provider_by_issuer(tmp_path: Path) -> None:
    key = keygen(tmp_path / "k.pem")
    sock = bind("127.0.0.1", 0)
    issuer = origin_of(sock, "127.0.0.1")
    with in_thread(provider_app(key, issuer), sock):
        assert httpx.get(f"{issuer}/.well-known/jwks.json").json() == provider_jwks(key)
        sandbox = start(default_config(), port=0, builtin_provider=False,
                        trusted={issuer: TrustedProvider(issuer, "External IdP")})
        with sandbox.background() as origin:
            jag = mint_id_jag(key, IdJagRequest(issuer=issuer, aud=origin, sub="ext-1", email="ext@example.com"),
                              now=system_clock())
            r = httpx.post(f"{origin}/agent/identity", json={"type": "identity_assertion",
                                                              "assertion_type": ID_JAG_URN, "assertion": jag})
            assert r.status_code == 200, r.text
            other = keygen(tmp_path / "other.pem")  # right issuer, key not in its JWKS
            forged = mint_id_jag(other, IdJagRequest(issuer=issuer, aud=origin, sub="ext-2", email="e@x.io"),
                                 now=system_clock())
            bad = httpx.post(f"{origin}/agent/identity", json={"type": "identity_assertion",
                                                                "assertion_type": ID_JAG_URN, "assertion": forged})
            assert bad.status_code == 400 and bad.json()["error"] == "invalid_signature"
    sock.close()


@pytest.mark.e2e
def test_db_file_keeps_state_and_keys_across_restarts(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    first = start(default_config(), port=0, db=db)
    with first.background() as origin:
        reg = httpx.post(f"{origin}/agent/identity", json={"type": "anonymous"}).json()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    raw = db.read_bytes()
    assert reg["claim"]["token"].encode() not in raw  # only hashes are stored
    second = start(default_config(), port=0, db=db)
    with second.background() as origin2:
        # a different port, so a different issuer: the old assertion is not for this one,
        # but the registration and the claim token survived
        r = httpx.post(f"{origin2}/agent/identity/claim", json={"type": "service_auth",
                                                                "claim_token": reg["claim"]["token"],
                                                                "login_hint": "db@example.com"})
        assert r.status_code == 200 and r.json()["id"] == reg["id"]


def test_sign_keeps_the_exact_header_and_verifies(tmp_path: Path) -> None:
    """One signing function (tokens.sign) for well-formed tokens and deliberately spoiled ones."""
    key = keygen(tmp_path / "k.pem")
    token = sign(key, {"alg": ALG, "kid": key.kid}, {"sub": "u"})  # no typ: pyjwt's encoder would add one
    head_b64 = token.split(".")[0]
    assert base64.urlsafe_b64decode(head_b64 + "=" * (-len(head_b64) % 4)) == (
        b'{"alg":"ES256","kid":"' + key.kid.encode() + b'"}')
    assert verify_signature(token, provider_jwks(key)) == ({"alg": ALG, "kid": key.kid}, {"sub": "u"})
    lying = sign(key, {"alg": "none", "typ": "JWT"}, {"sub": "u"})  # the header may lie; ES256 signs anyway
    assert peek(lying)[0] == {"alg": "none", "typ": "JWT"} and lying.split(".")[2]
    minted = mint(key, {"sub": "u"}, typ=SET_TYP)
    assert verify_signature(minted, provider_jwks(key))[0] == {"alg": ALG, "typ": SET_TYP, "kid": key.kid}
