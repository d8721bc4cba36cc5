"""Identifiers, secrets, hashes and timestamps of the sandbox (SPEC §7.2, §13.3, §6.1 D28).

Secrets come from `secrets` (a CSPRNG); only their SHA-256 is stored (SPEC §12 "Token hashing").
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime


def token(prefix: str, nbytes: int) -> str:
    return prefix + secrets.token_urlsafe(nbytes)


def registration_id() -> str:
    return token("reg_", 12)


def id_jag_registration_id(iss: str, sub: str, aud: str) -> str:
    """SPEC §8.5: an ID-JAG registration is keyed on the triple, so a repeat presentation finds it."""
    return "reg_" + hashlib.sha256(f"{iss}|{sub}|{aud}".encode()).hexdigest()[:22]


JIT_DOMAIN = "jit.local"  # SPEC §8.5: a JIT account for an identity without an email


def jit_email(iss: str, sub: str) -> str:
    """The placeholder address of a JIT account for an identity with no verified email. Keyed on
    (iss, sub): the reference's `agent+<sub>@jit.local` ignores the issuer, so two trusted
    providers asserting the same `sub` landed on one account, bound without any confirmation
    (SPEC §8.5, §12). Hashed, so any `sub` yields a well-formed address."""
    return "agent+" + hashlib.sha256(f"{iss}|{sub}".encode()).hexdigest()[:32] + "@" + JIT_DOMAIN


def is_jit_email(email: str) -> bool:
    return email.endswith("@" + JIT_DOMAIN)


def claim_token() -> str:
    return token("clm_", 19)


def attempt_id() -> str:
    return token("cla_", 16)


def attempt_token() -> str:
    return token("cvt_", 24)


def access_token() -> str:
    return token("at_", 24)


def refresh_token() -> str:
    return token("art_", 24)


def session_id() -> str:
    return token("ses_", 24)


def user_id() -> str:
    return token("user_", 9)


def jti() -> str:
    return "jti_" + secrets.token_hex(16)


def user_code() -> str:
    """Six ASCII digits, zero-padded, uniformly drawn (SPEC §7.2)."""
    return f"{secrets.randbelow(1_000_000):06d}"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def iso(ts: float) -> str:
    """RFC 3339 UTC with milliseconds, like JavaScript's toISOString() (SPEC §6.1, §14 D28)."""
    dt = datetime.fromtimestamp(ts, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
