"""`/oauth2/token` (RFC 7523 jwt-bearer; the v0.7-A claim grant) and `/oauth2/revoke` (RFC 7009),
plus the protected API's bearer check (RFC 6750, RFC 9728 §5.1). SPEC §6.7, §6.8, §9.2, §9.3."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from authmd_cli.protocol.profiles import CLAIM_GRANT_URN, JWT_BEARER_URN
from authmd_cli.sandbox import ids, shapes
from authmd_cli.sandbox.core import Core, Reply
from authmd_cli.sandbox.ids import iso
from authmd_cli.sandbox.store import Registration
from authmd_cli.sandbox.wire import ProtocolError, invalid_request

SLOW_DOWN_STEP = 5  # RFC 8628 §3.5: +5 s for this and all later polls


def _grant_error(code: str, message: str) -> ProtocolError:
    return ProtocolError(code, 400, message)


def token(core: Core, form: dict[str, str]) -> Reply:
    grant = form.get("grant_type")
    if grant == JWT_BEARER_URN:
        return jwt_bearer(core, form)
    if grant == CLAIM_GRANT_URN and CLAIM_GRANT_URN in core.settings.profile.grant_types:
        return claim_grant(core, form)
    # SPEC §6.7: a missing grant_type is `unsupported_grant_type` too (the reference's dispatch).
    raise ProtocolError("unsupported_grant_type", 400, "missing grant_type" if not grant
                        else "this grant type is not supported")


def jwt_bearer(core: Core, form: dict[str, str]) -> Reply:
    assertion = form.get("assertion")
    if not assertion:
        raise invalid_request("missing assertion")
    resource = form.get("resource")
    if resource is not None:
        parts = urlsplit(resource)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
            raise invalid_request("resource must be an absolute URL without a fragment (RFC 8707 §2)")
    try:
        reg, _ = core.verify_assertion(assertion)
    except ValueError as exc:
        raise _grant_error("invalid_grant", str(exc)) from None
    now = core.now()
    if reg.expired(now):
        raise _grant_error("invalid_grant", "the registration is expired or revoked")
    if reg.kind != "anonymous" and reg.claimed_at is None:
        raise _grant_error("invalid_grant", "the registration is not claimed")  # SPEC §10 (2352358)
    access, scope = core.issue_access_token(reg)
    return Reply(200, shapes.token_response(access, core.settings.access_token_ttl, scope))


def claim_grant(core: Core, form: dict[str, str]) -> Reply:
    """v0.7-A polling (SPEC §6.7, §14 D23). As the reference: an unknown claim token (or one a
    SET dropped, SPEC §10) is `expired_token`. Unlike it: `slow_down` is sent, and a claim token
    delivers the claimed identity once (later polls are `invalid_grant`)."""
    claim_token = form.get("claim_token")
    if not claim_token:
        raise invalid_request("missing claim_token")
    reg = core.store.registration_by_claim(ids.digest(claim_token))
    if reg is None:  # SPEC §6.7, §10: unknown (or dropped by a SET) claim_token → expired_token
        raise _grant_error("expired_token", "unknown claim_token; call the claim endpoint or register again")
    _pace(core, reg)
    now = core.now()
    if reg.expired(now):
        raise _grant_error("expired_token", "the registration expired; call the claim endpoint")
    if reg.claimed_at is not None:
        if reg.delivered_at is not None:
            raise _grant_error("invalid_grant", "this claim was already completed")
        with core.store.transaction():
            core.store.update_registration(reg.id, delivered_at=now)
            ident = core.mint_assertion(reg.id, reg.email)
            access, scope = core.issue_access_token(reg)
        body = {**shapes.token_response(access, core.settings.access_token_ttl, scope),
                "identity_assertion": ident.assertion, "assertion_expires": iso(ident.expires_at)}
        return Reply(200, body)
    att = core.store.current_attempt(reg.id)
    if att is None or att.state != "live" or now >= (att.code_expires_at or att.expires_at):
        raise _grant_error("expired_token", "no live claim attempt; start one at the claim endpoint")
    raise _grant_error("authorization_pending", "the user has not completed the claim yet")


def _pace(core: Core, reg: Registration) -> None:
    now = core.now()
    last = core.store.poll(reg.id)
    interval = float(core.settings.interval) if last is None else last[1]
    if last is not None and now - last[0] < interval - core.settings.poll_grace:
        interval += SLOW_DOWN_STEP
        core.store.set_poll(reg.id, now, interval)
        raise ProtocolError("slow_down", 400, f"poll at most every {int(interval)} seconds",
                            extra={"interval": int(interval)})
    core.store.set_poll(reg.id, now, interval)


def revoke(core: Core, form: dict[str, str]) -> Reply:
    """RFC 7009 §2.1-2.2: 200 for unknown or already revoked tokens; an unknown
    `token_type_hint` is ignored (the server searches every token type). An access token is
    revoked alone (SPEC §9.5 layer 1: its assertion survives); a refresh token takes its whole
    grant with it (RFC 7009 §2.1: the access tokens of the same grant; here also the assertions
    that mint them, else the agent would simply exchange again)."""
    tok = form.get("token")
    if not tok:
        raise invalid_request("missing token")
    digest = ids.digest(tok)
    if core.store.revoke_access_token(digest):
        return Reply(200, None)
    refresh = core.store.refresh_token(digest)
    if refresh is not None:
        core.revoke_grant(refresh.reg_id)
    return Reply(200, None)


@dataclass(frozen=True)
class ApiAccess:
    reg_id: str
    scopes: tuple[str, ...]


def bearer(core: Core, authorization: str | None) -> ApiAccess | None:
    """The RS check: a live, unrevoked token of a live registration, else None (→ 401)."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    tok = core.store.access_token(ids.digest(value.strip()))
    now = core.now()
    if tok is None or tok.revoked or now >= tok.expires_at:
        return None
    reg = core.store.registration(tok.reg_id)
    if reg is None or reg.expired(now):
        return None
    return ApiAccess(reg.id, tuple(tok.scope.split()))
