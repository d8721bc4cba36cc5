"""The claim ceremony (SPEC §6.4, §6.5, §7): start or re-mint an attempt, the user's side on
the `/claim` page, and the agent's completion (v0.7-B) — with the reference's faults fixed:

- a claim attempt's `login_hint` must match the registration's (no re-targeting);
- a claim token completes once (`already_claimed` / `claimed_or_in_flight` afterwards);
- wrong user codes lock the attempt after `max_code_failures` (SPEC §14 D23);
- completion supersedes every earlier assertion and revokes pre-claim tokens (`Core.finish_claim`).
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, replace
from typing import Any

from authmd_cli.sandbox import ids, shapes
from authmd_cli.sandbox.core import Core, Reply
from authmd_cli.sandbox.registration import login_hint_of, match_user, verify_id_jag
from authmd_cli.sandbox.store import Attempt, Registration, User
from authmd_cli.sandbox.wire import ProtocolError, email_key, invalid_request, is_email, string_member

# SPEC §6.5, §7.2: six ASCII digits. Not `^\d{6}$`: `\d` also matches Arabic-Indic or fullwidth digits
# and `$` matches before a trailing newline, so such a code passed the shape check, failed the
# hash compare and burned one of the few attempts the lockout allows (SPEC §14 D23).
USER_CODE = re.compile(r"[0-9]{6}")


def _already_claimed(core: Core) -> ProtocolError:
    code = "already_claimed" if core.nested else "claimed_or_in_flight"
    return ProtocolError(code, 409, "this registration is already claimed")


def _registration_for_claim(core: Core, claim_token: str, *, unknown_code: str, unknown_status: int
                            ) -> Registration:
    reg = core.store.registration_by_claim(ids.digest(claim_token))
    if reg is None:
        raise ProtocolError(unknown_code, unknown_status, "unknown claim_token")
    if reg.revoked_at is not None:
        code = "claim_revoked" if core.nested and unknown_code == "invalid_claim_token" else "claim_expired"
        raise ProtocolError(code, 410, "the registration was revoked; register again")
    if reg.claimed_at is not None:
        raise _already_claimed(core)
    if not core.claim_window_open(reg):
        raise ProtocolError("claim_expired", 410, "the claim window has passed; register again")
    return reg


# ------------------------------------------------------------------ agent: start / re-mint


def start(core: Core, body: dict[str, Any]) -> Reply:
    kind = body.get("type")
    allowed = ("service_auth",) if core.nested else ("login_hint", "identity_assertion")
    if kind not in allowed:
        raise invalid_request(f"member 'type' must be {' or '.join(allowed)}")
    claim_token = string_member(body, "claim_token", max_len=256)
    if kind == "identity_assertion":
        return _start_with_id_jag(core, claim_token, string_member(body, "assertion", max_len=16384))
    hint = login_hint_of(body)
    reg = _registration_for_claim(core, claim_token, unknown_code="invalid_claim_token", unknown_status=401)
    if reg.login_hint is not None and email_key(reg.login_hint) != hint:
        # The reference lets a later attempt re-target another account; we bind the first email.
        raise ProtocolError("invalid_login_hint", 400, "login_hint must match the registration's account")
    if core.store.count_attempts(reg.id) >= core.settings.max_attempts:
        code = "too_many_attempts" if core.nested else "rate_limited"
        raise ProtocolError(code, 429, "too many claim attempts for this registration")
    with core.store.transaction():
        if reg.login_hint is None:
            core.store.update_registration(reg.id, login_hint=hint)
        att = core.start_attempt(reg, hint)
    return Reply(200, shapes.claim_started(core.nested, reg.id, att))


def _start_with_id_jag(core: Core, claim_token: str, assertion: str) -> Reply:
    """v0.7-A 4a-alt: claim an anonymous registration with an ID-JAG (SPEC §6.4).

    An email an earlier `login_hint` attempt bound to the registration stays bound (SPEC §7.1:
    the hint binds the ceremony to one account): an ID-JAG whose user is another account is
    refused with the profile's defensive 409 `ceremony_in_flight` instead of re-targeting the
    ceremony or claiming the registration for someone else."""
    reg = _registration_for_claim(core, claim_token, unknown_code="invalid_claim_token", unknown_status=401)
    if reg.kind != "anonymous":
        raise _already_claimed(core)
    jag, _ = verify_id_jag(core, assertion)
    with core.store.transaction():  # a refusal below rolls back match_user's JIT account too
        user_id, step_up = match_user(core, jag)
        user = core.store.user_by_id(user_id)
        if user is None:  # cannot happen: match_user returned an existing or new user
            raise ProtocolError("invalid_request", 400, "unknown user")
        if reg.login_hint is not None and email_key(reg.login_hint) != email_key(user.email):
            raise ProtocolError("ceremony_in_flight", 409, "a claim for another account is in flight on this "
                                                           "registration; finish it or register again")
        core.store.update_registration(reg.id, iss=jag.iss, sub=jag.sub, aud=jag.aud, login_hint=user.email)
        reg = core.store.registration(reg.id) or reg
        if step_up:
            att = core.start_attempt(reg, user.email)  # names the provider: reg now carries iss/sub
            return Reply(200, shapes.step_up_started_a(reg.id, att))
        fresh = core.finish_claim(reg, user_id, None)
        core.store.update_registration(reg.id, delivered_at=core.now())  # the claim token is spent
        ident = core.mint_assertion(reg.id, fresh.email)
    return Reply(200, shapes.claimed_by_id_jag_a(reg.id, ident))


# ------------------------------------------------------------------ agent: complete (v0.7-B)


def complete_agent(core: Core, body: dict[str, Any]) -> Reply:
    claim_token = string_member(body, "claim_token", max_len=256)
    code = string_member(body, "user_code", max_len=16)
    if not USER_CODE.fullmatch(code):
        raise invalid_request("user_code must be six ASCII digits")
    reg = _registration_for_claim(core, claim_token, unknown_code="invalid_claim", unknown_status=400)
    att = core.store.current_attempt(reg.id)
    now = core.now()
    expired = ProtocolError("user_code_expired", 410, "the code has expired; start a new attempt at the "
                                                      "claim endpoint")
    if att is None or att.state != "live" or now >= (att.code_expires_at or att.expires_at):
        if att is not None and att.state == "locked":
            raise ProtocolError("user_code_expired", 410, "too many wrong codes; start a new attempt")
        raise expired
    if att.confirmed_at is None or att.code_hash is None or att.confirmed_user is None:
        raise ProtocolError("claim_not_confirmed", 409, "the user has not confirmed yet; retry shortly")
    if not _code_ok(core, att, code):
        raise ProtocolError("invalid_user_code", 401, "wrong user_code")
    fresh = core.finish_claim(reg, att.confirmed_user, att.id)
    with core.store.transaction():
        ident = core.mint_assertion(reg.id, fresh.email)
        refresh, refresh_exp = core.issue_refresh_token(reg.id)
    return Reply(200, shapes.completed_b(reg.id, ident, refresh, refresh_exp))


def _code_ok(core: Core, att: Attempt, code: str) -> bool:
    """Constant-time compare of hashes; count failures and lock (SPEC §14 D23)."""
    if att.code_hash is not None and hmac.compare_digest(att.code_hash, ids.digest(code)):
        return True
    failures = att.failures + 1
    state = "locked" if failures >= core.settings.max_code_failures else att.state
    core.store.update_attempt(att.id, failures=failures, state=state)
    return False


# ------------------------------------------------------------------ the user's side (pages)


@dataclass(frozen=True)
class PageState:
    """What the `/claim` page shows. `status` is the HTTP status; `view` picks the template."""

    status: int
    view: str  # form | claimed | error | code | done
    message: str = ""
    attempt: Attempt | None = None
    registration: Registration | None = None
    provider_name: str | None = None
    advisories: tuple[str, ...] = ()
    user_code: str | None = None


def page_state(core: Core, user: User, attempt_token: str) -> PageState:
    """SPEC §7.3 steps 4: 404 unknown, 410 expired, 200 already claimed, 403 wrong account."""
    att = core.store.attempt_by_token(ids.digest(attempt_token))
    if att is None:
        return PageState(404, "error", "This link is not valid.")
    reg = core.store.registration(att.reg_id)
    if reg is None:
        return PageState(404, "error", "This link is not valid.")
    if reg.claimed_at is not None or att.state == "completed":
        return PageState(200, "claimed", "Already claimed: this agent is linked to your account.")
    now = core.now()
    if reg.expired(now) or att.state != "live" or now >= att.expires_at:
        msg = "Too many wrong codes." if att.state == "locked" else "This link has expired."
        return PageState(410, "error", msg + " Ask the agent to start again.")
    if email_key(user.email) != email_key(att.login_hint):  # one normalisation (wire.email_key)
        return PageState(403, "error", "Wrong account: this request is for another account. "
                                       "Sign out and sign in with the account the agent named.")
    provider = core.settings.trusted.get(att.provider) if att.provider else None
    advisories = []
    if att.provider and not core.store.user_has_provider(user.id, att.provider):
        advisories.append("first_time_provider")  # SPEC §7.5
    if not core.store.user_has_claimed(user.id):
        advisories.append("first_time_account")
    return PageState(200, "form", attempt=att, registration=reg,
                     provider_name=provider.name if provider else None, advisories=tuple(advisories))


def confirm(core: Core, user: User, attempt_token: str) -> PageState:
    """v0.7-B `POST /claim/confirm`: record the confirming user and reveal a fresh code; only
    its hash is kept (SPEC §7.3 line B step 5)."""
    state = page_state(core, user, attempt_token)
    if state.view != "form" or state.attempt is None:
        return state
    code = ids.user_code()
    now = core.now()
    core.store.update_attempt(state.attempt.id, code_hash=ids.digest(code),
                              code_expires_at=min(now + core.settings.user_code_ttl, state.attempt.expires_at),
                              confirmed_at=now, confirmed_user=user.id)
    return PageState(200, "code", attempt=state.attempt, registration=state.registration, user_code=code)


def submit_code(core: Core, user: User, attempt_token: str, code: str) -> PageState:
    """v0.4-v0.7-A form action: the user types the code the agent showed (SPEC §6.5)."""
    if not USER_CODE.fullmatch(code):  # refused before the attempt counts a failure
        return PageState(400, "error", "The code is six digits (0-9).")
    state = page_state(core, user, attempt_token)
    if state.view == "claimed":
        return PageState(409, "error", "previously_claimed: this agent is already linked.")
    if state.view != "form" or state.attempt is None or state.registration is None:
        return state
    att = state.attempt
    if att.code_expires_at is not None and core.now() >= att.code_expires_at:
        return PageState(410, "error", "user_code_expired: ask the agent for a new code.")
    if not _code_ok(core, att, code):
        locked = att.failures + 1 >= core.settings.max_code_failures
        if locked:
            return PageState(429, "error", "Too many wrong codes: ask the agent to start again.")
        # the form again, with the reason: a typo must not strand the user on an error page
        return replace(state, status=401, message="user_code_invalid: that code is not right; check it and "
                                                  "try again.")
    core.finish_claim(state.registration, user.id, att.id)
    return PageState(200, "done", "All set: the agent can continue.")


def hook_complete(core: Core, attempt_token: str, email: str | None, code: str | None) -> dict[str, Any]:
    """`--test-hooks`: sign the attempt's user in and confirm, so CI needs no browser."""
    if email is not None and not is_email(email):
        raise invalid_request("email must be an email address")
    att = core.store.attempt_by_token(ids.digest(attempt_token))
    if att is None:
        raise ProtocolError("not_found", 404, "unknown claim_attempt_token")
    uid = core.find_or_create_user(email or att.login_hint)
    user = core.store.user_by_id(uid)
    assert user is not None
    if core.nested:
        state = confirm(core, user, attempt_token)
        if state.view != "code":
            raise ProtocolError("claim_failed", state.status, state.message)
        return {"status": "confirmed", "user_code": state.user_code}
    if code is None:
        st = page_state(core, user, attempt_token)
        if st.view != "form" or st.registration is None:
            raise ProtocolError("claim_failed", st.status, st.message)
        core.finish_claim(st.registration, user.id, att.id)
        return {"status": "claimed"}
    state = submit_code(core, user, attempt_token, code)
    if state.view != "done":
        raise ProtocolError("claim_failed", state.status, state.message)
    return {"status": "claimed"}
