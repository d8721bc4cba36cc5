"""`POST /agent/event/notify`: the RFC 8935 SET receiver (SPEC §6.9, §9.6, §10).

Errors are RFC 8935 §2.4 codes with their documented meaning — a wrong `aud` is
`invalid_audience`, not the reference's `authentication_failed` (SPEC §12-A 25).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from authmd_cli.core.tokens import (
    SET_TYP,
    TokenError,
    audience_matches,
    is_number,
    not_yet_valid,
    peek,
    verify_signature,
)
from authmd_cli.protocol.profiles import REVOKED_EVENT_URI
from authmd_cli.sandbox.core import Core, Reply
from authmd_cli.sandbox.wire import ProtocolError

SET_MEDIA_TYPE = "application/secevent+jwt"
# How long a SET's `jti` is remembered, and so how old a SET may be. A SET whose `iat` is older
# is refused: its `jti` may already have left the replay cache, so accepting it would accept a
# replay (RFC 8417 §2.2 `iat`, RFC 8935 §2.2: the receiver detects duplicates by `jti`).
REPLAY_WINDOW = 7 * 86400


def _err(code: str, message: str) -> ProtocolError:
    return ProtocolError(code, 400, message)


def receive(core: Core, body: bytes) -> Reply:
    try:
        token = body.decode("ascii").strip()
        header, payload = peek(token)
    except (UnicodeDecodeError, TokenError):
        raise _err("invalid_request", "the body is not a compact JWS") from None
    iss = payload.get("iss")
    if not isinstance(iss, str) or iss not in core.settings.trusted:
        raise _err("invalid_issuer", "the SET issuer is not trusted")
    if header.get("typ") != SET_TYP:
        raise _err("invalid_request", f"the SET typ must be {SET_TYP}")
    try:
        verify_signature(token, core.keysets.get(iss))
    except TokenError:
        raise _err("authentication_failed", "the SET signature does not verify") from None
    if not audience_matches(payload.get("aud"), core.settings.accepted_audiences):
        raise _err("invalid_audience", "the SET audience is not this service")
    now = core.now()
    exp = payload.get("exp")
    if exp is not None and (not is_number(exp) or float(exp) + core.settings.skew <= now):
        raise _err("authentication_failed", "the SET has expired")
    iat = payload.get("iat")
    if not is_number(iat):
        raise _err("invalid_request", "the SET has no numeric iat")
    # SPEC §6.9: a replay is `invalid_request`; so is a SET too old to be checked for one, or
    # issued in the future (the window would start later than its real issue time)
    if float(iat) < now - REPLAY_WINDOW or float(iat) > now + core.settings.skew:
        raise _err("invalid_request", "the SET's iat is outside the replay window (older than 7 days, "
                                      "or in the future)")
    if not_yet_valid(payload, now=now, leeway=core.settings.skew):
        raise _err("invalid_request", "the SET is not valid yet (nbf, RFC 7519 §4.1.5)")
    jti, sub, events = payload.get("jti"), payload.get("sub"), payload.get("events")
    if not isinstance(jti, str) or not jti or not isinstance(sub, str) or not sub:
        raise _err("invalid_request", "the SET needs jti and sub")
    if not isinstance(events, dict) or not events or not all(isinstance(v, Mapping) for v in events.values()):
        raise _err("invalid_request", "events must be a non-empty JSON object of objects")
    # kept until the SET leaves the window (and the iat check above takes over)
    if not core.store.remember_jti(f"set|{iss}|{jti}", float(iat) + REPLAY_WINDOW + core.settings.skew, now):
        raise _err("invalid_request", "this SET was already delivered (jti replay)")
    if REVOKED_EVENT_URI in events:  # unknown event schemas are ignored (RFC 8417 §2.2)
        revoke_subject(core, iss, sub)
    return Reply(202, None)


def revoke_subject(core: Core, iss: str, sub: str) -> dict[str, Any]:
    """SPEC §10 (b53c9ed): revoke tokens for (iss, sub), revoke the registrations, drop their
    claim handles and the delegation, so the next ID-JAG goes through the step-up again."""
    now = core.now()
    with core.store.transaction():
        tokens = core.store.revoke_access_tokens_for(iss, sub)
        regs = core.store.registrations_for(iss, sub)
        for reg in regs:
            core.store.update_registration(reg.id, revoked_at=now, claim_hash=None)
            core.store.supersede_assertions(reg.id)
            core.store.revoke_refresh_tokens_of(reg.id)
            core.store.revoke_access_tokens_of(reg.id)
            core.store.kill_attempts(reg.id)
        core.store.drop_delegation(iss, sub)
    return {"tokens": tokens, "registrations": len(regs)}
