"""`POST /agent/identity`: anonymous, service_auth, identity_assertion, refresh (SPEC §6.1, §6.2,
§8.3-§8.5, §9.4). Input is the parsed JSON object; output a `Reply` or a `ProtocolError`."""

from __future__ import annotations

from typing import Any

from authmd_cli.core.tokens import TokenError, peek, verify_signature
from authmd_cli.protocol.profiles import ID_JAG_URN
from authmd_cli.sandbox import ids, shapes
from authmd_cli.sandbox.core import Core, Reply
from authmd_cli.sandbox.idjag import IdJag, check_claims, check_header, check_identity, fail, trusted_issuer
from authmd_cli.sandbox.store import Registration
from authmd_cli.sandbox.wire import (
    ProtocolError,
    email_key,
    invalid_request,
    is_email,
    string_member,
    www_authenticate_agent,
)


def disabled(core: Core, method: str) -> ProtocolError:
    """The opt-out codes of the profile (SPEC §1.2 rename map; §3.4)."""
    if method == "identity_assertion":
        return ProtocolError("issuer_not_enabled", 403, "identity_assertion registration is not enabled")
    if core.nested:
        return ProtocolError(f"{method}_registration_disabled", 403, f"{method} registration is disabled")
    return ProtocolError(f"{method}_not_enabled", 403, f"{method} registration is not enabled")


def register(core: Core, body: dict[str, Any]) -> Reply:
    kind = body.get("type")
    types = sorted(core.settings.methods) + (["refresh"] if core.settings.profile.has_refresh else [])
    if kind == "refresh" and core.settings.profile.has_refresh:
        return refresh(core, body)
    if kind not in ("anonymous", "service_auth", "identity_assertion"):
        raise invalid_request(f"member 'type' must be one of {', '.join(types)}")
    if kind not in core.settings.methods:
        raise disabled(core, kind)
    if kind == "anonymous":
        return anonymous(core)
    if kind == "service_auth":
        return service_auth(core, body)
    assertion_type = string_member(body, "assertion_type")
    if assertion_type != ID_JAG_URN:
        raise invalid_request(f"assertion_type must be {ID_JAG_URN}")
    return identity_assertion(core, string_member(body, "assertion", max_len=16384))


def anonymous(core: Core) -> Reply:
    now = core.now()
    reg = Registration(ids.registration_id(), "anonymous", now, None, None, None, None, None, None, None,
                       None, None, None, None)
    with core.store.transaction():
        core.store.add_registration(reg)
        token, exp = core.new_claim_token(reg.id)
        ident = core.mint_assertion(reg.id)
    s = core.settings
    body = shapes.anonymous(core.nested, reg.id, ident, core.claim_materials(token, exp),
                            pre=list(s.pre_claim_scopes), post=list(s.post_claim_scopes))
    return Reply(200, body)


def login_hint_of(body: dict[str, Any]) -> str:
    """The request's `login_hint`, in the one normalised form (`wire.email_key`)."""
    hint = string_member(body, "login_hint", max_len=320)
    if not is_email(hint):  # also refuses control and format characters
        raise ProtocolError("invalid_login_hint", 400, "login_hint must be an email address")  # SPEC §14 D26
    return email_key(hint)


def service_auth(core: Core, body: dict[str, Any]) -> Reply:
    hint = login_hint_of(body)
    now = core.now()
    reg = Registration(ids.registration_id(), "service_auth", now, None, None, hint, None, None, None, None,
                       None, None, None, None)
    with core.store.transaction():
        core.store.add_registration(reg)
        token, exp = core.new_claim_token(reg.id)
        att = core.start_attempt(reg, hint)
    body_out = shapes.pending(core.nested, "service_auth", reg.id, core.claim_materials(token, exp), att,
                              post=list(core.settings.post_claim_scopes))
    return Reply(200, body_out)


def verify_id_jag(core: Core, token: str) -> tuple[IdJag, dict[str, Any]]:
    """SPEC §8.3 in order; each failure its own code (SPEC §8.4)."""
    try:
        header, payload = peek(token)
    except TokenError:
        raise fail("invalid_request", "the assertion is not a compact JWS") from None
    provider = trusted_issuer(payload, core.settings)
    check_header(header)
    try:
        verify_signature(token, core.keysets.get(provider.issuer))
    except TokenError:
        raise fail("invalid_signature", "the assertion's signature does not verify") from None
    now = core.now()
    jag = check_claims(payload, now=now, settings=core.settings)
    keep_until = max(jag.exp, now) + core.settings.skew
    if not core.store.remember_jti(f"{jag.iss}|{jag.jti}", keep_until, now):
        raise fail("replay_detected", "this assertion was already presented")
    check_identity(jag, payload, now=now, settings=core.settings)
    return jag, payload


def match_user(core: Core, jag: IdJag) -> tuple[str, bool]:
    """SPEC §8.5: (user id, needs step-up). Delegation → clean; verified email of an existing
    user without delegation → step-up (never bind silently); no match → JIT user + delegation.
    A JIT account for an identity without a verified email is keyed on (iss, sub)
    (`ids.jit_email`), so another issuer's identity with the same `sub` never finds it."""
    linked = core.store.delegation(jag.iss, jag.sub)
    if linked is not None:
        return linked, False
    if jag.email and jag.email_verified:
        existing = core.store.user_by_email(email_key(jag.email))
        if existing is not None:
            return existing.id, True
    email = jag.email if jag.email and jag.email_verified else ids.jit_email(jag.iss, jag.sub)
    uid = core.find_or_create_user(email)
    core.store.set_delegation(jag.iss, jag.sub, uid, core.now())
    return uid, False


def identity_assertion(core: Core, token: str) -> Reply:
    jag, _ = verify_id_jag(core, token)
    now = core.now()
    reg_id = ids.id_jag_registration_id(jag.iss, jag.sub, jag.aud)
    with core.store.transaction():
        user_id, step_up = match_user(core, jag)
        if step_up and not core.settings.step_up:  # config `step_up: false`: never bind silently
            raise invalid_request("an account with this verified email exists; linking it is disabled here")
        reg = core.store.registration(reg_id)
        if reg is None:
            verified = email_key(jag.email) if jag.email and jag.email_verified else None  # never an unverified one
            reg = Registration(reg_id, "identity_assertion", now, None, None, None, None, None, None, None,
                               jag.iss, jag.sub, jag.aud, verified)
            core.store.add_registration(reg)
        if not step_up:
            return clean_match(core, reg, user_id)
        return step_up_reply(core, reg, user_id)


def clean_match(core: Core, reg: Registration, user_id: str) -> Reply:
    user = core.store.user_by_id(user_id)
    core.store.kill_attempts(reg.id)
    # A clean match (re)binds and revives a SET-revoked registration (SPEC §10, b53c9ed)
    core.store.update_registration(reg.id, claimed_at=reg.claimed_at or core.now(), user_id=user_id,
                                   revoked_at=None, claim_hash=None)
    ident = core.mint_assertion(reg.id, user.email if user else None)
    return Reply(200, shapes.clean_match(core.nested, reg.id, ident, list(core.settings.post_claim_scopes)))


def step_up_reply(core: Core, reg: Registration, user_id: str) -> Reply:
    """401 interaction_required with fresh ceremony materials (SPEC §6.1, §6.2, §8.5). A repeat
    presentation re-issues them, so earlier URLs, codes and claim tokens die."""
    user = core.store.user_by_id(user_id)
    if user is None:  # cannot happen: match_user returned an existing user
        raise ProtocolError("invalid_request", 400, "unknown user")
    core.store.supersede_assertions(reg.id)
    core.store.update_registration(reg.id, claimed_at=None, revoked_at=None, user_id=None,
                                   login_hint=user.email)
    token, exp = core.new_claim_token(reg.id)
    fresh = core.store.registration(reg.id) or reg
    att = core.start_attempt(fresh, user.email)  # a provider attempt: the registration carries iss/sub
    message = "link this provider account: the user must confirm at verification_uri"
    body = shapes.pending(core.nested, "identity_assertion", reg.id, core.claim_materials(token, exp), att,
                          post=list(core.settings.post_claim_scopes))
    body = {"error": "interaction_required", "error_description": message, **body}
    header = www_authenticate_agent("interaction_required", message)
    return Reply(401, body, {"WWW-Authenticate": header})


def refresh(core: Core, body: dict[str, Any]) -> Reply:
    """v0.7-B rotating refresh (SPEC §9.4). A spent token presented again is a reuse signal: the
    whole grant is revoked, refresh tokens, assertions and access tokens (`Core.revoke_grant`,
    RFC 9700 §4.14.2)."""
    presented = string_member(body, "refresh_token", max_len=512)
    digest = ids.digest(presented)
    bad = ProtocolError("invalid_refresh_token", 400, "the refresh token is unknown, spent or expired")
    tok = core.store.refresh_token(digest)
    now = core.now()
    if tok is None or tok.revoked or now >= tok.expires_at:
        raise bad
    reg = core.store.registration(tok.reg_id)
    if reg is None or reg.expired(now) or reg.claimed_at is None:
        raise bad
    if tok.spent_at is not None or not core.store.spend_refresh_token(digest, now):
        core.revoke_grant(reg.id)
        raise bad
    with core.store.transaction():
        ident = core.mint_assertion(reg.id, reg.email)
        value, exp = core.issue_refresh_token(reg.id)
    return Reply(200, shapes.refreshed(reg.id, ident, value, exp))
