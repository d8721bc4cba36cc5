"""The flows of a well-behaved agent, as generators (pure; see `wire.py` for the protocol).

`user_claimed` runs anonymous (register → exchange → API with pre-claim scopes → optionally claim)
or service_auth (register with a login hint → claim ceremony); `agent_verified` presents an
ID-JAG and handles the clean match, `interaction_required` (the ceremony) and `login_required`.
Both then exchange (RFC 7523), call the API, refresh where the generation has it (v0.7-B) and
revoke (RFC 7009). The ceremony follows the generation (SPEC §7.3): read-back + `/complete`
(v0.7-B), show the code and poll the claim grant (v0.4-v0.7-A, SPEC §14 D23), or emailed OTP
(v0.1-v0.3). Every answer goes through `checks.check`; what a step finds lands in the `Recorder`.

A flow ends by returning; `StopFlow` ends it early with an outcome (the finding is recorded first).
"""

from __future__ import annotations

from collections.abc import Collection, Generator
from dataclasses import dataclass
from typing import Any

from authmd_cli.agent import shapes
from authmd_cli.agent.checks import Expect, challenge, check, envelope, error_code, error_text, transport
from authmd_cli.agent.codes import diag
from authmd_cli.agent.record import Recorder
from authmd_cli.agent.target import Target, supports_id_jag
from authmd_cli.agent.wire import (
    Consent,
    HandOff,
    HumanAnswer,
    NeedAssertion,
    NoAssertion,
    Request,
    Response,
    Wait,
)
from authmd_cli.core.diagnostics import Severity
from authmd_cli.core.display import is_hidden_key
from authmd_cli.protocol.profiles import ID_JAG_URN, JWT_BEARER_URN, PROFILES

Flow = Generator[Any, Any, Any]

SLOW_DOWN_STEP = 5  # RFC 8628 §3.5: +5 s for this and every later poll (SPEC §14 D23)
DEFAULT_INTERVAL = 5  # RFC 8628 §3.2 default when the service names none
DEFAULT_ATTEMPT_SECONDS = 600  # SPEC §7.2 reference attempt window, when the service names none
NOT_CONFIRMED_WAIT = 2.0  # v0.7-B 409 claim_not_confirmed: the user is still on the page
MAX_NOT_CONFIRMED = 30
MAX_CODE_TRIES = 3
# The reference's lossy classification (SPEC §8.3 quirk, §12-A 25): accepted against it (§14 D9).
LOSSY = frozenset({"expired"})


class StopFlow(Exception):  # noqa: N818 - control flow, not an error
    """End the flow now; `outcome` is failed | incomplete (the reason is already recorded)."""

    def __init__(self, outcome: str = "failed") -> None:
        super().__init__(outcome)
        self.outcome = outcome


@dataclass(frozen=True)
class Options:
    method: str  # anonymous | service_auth | identity_assertion
    login_hint: str | None = None  # service_auth (and the ceremony's account)
    claim_email: str | None = None  # anonymous: claim afterwards with this account
    email: str | None = None  # agent-verified: the identity's verified email (for the hand-off)
    refresh: bool = True
    revoke: bool = True


@dataclass
class Ctx:
    target: Target
    options: Options
    rec: Recorder

    @property
    def profile(self) -> str:
        return self.target.profile


# ------------------------------------------------------------------ one request


def _secrets_in(rec: Recorder, value: Any, key: str | None = None) -> None:
    if is_hidden_key(key) and isinstance(value, str):
        rec.secret(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            _secrets_in(rec, v, str(k))
    elif isinstance(value, list):
        for v in value:
            _secrets_in(rec, v, key)


_ENVELOPE_KINDS = frozenset({"registration-response", "claim-response", "claim-complete-response"})


def _schema_profile(ctx: Ctx, resp: Response, expect: Expect) -> str:
    """The profile whose schema judges this answer: the target's, unless the answer came in the other
    v0.7 line's envelope — then the flow follows it (SM025, once) and judges it by that line, so one
    root cause is not also reported as a string of schema violations (IN-THE-WILD P13)."""
    if expect.schema not in _ENVELOPE_KINDS or ctx.target.envelope == "v0.1" or not resp.body:
        return ctx.profile
    shape = shapes.envelope_of(resp.json())
    if shape is None or (shape == "nested") == ctx.target.nested:
        return ctx.profile
    return "v0.7-B" if shape == "nested" else "v0.7-A"


def send(ctx: Ctx, req: Request, expect: Expect) -> Flow:
    """Yield one request, check the answer, record the step; returns (response, JSON body)."""
    resp: Response = yield req
    found, body = check(req, resp, expect, _schema_profile(ctx, resp, expect))
    _secrets_in(ctx.rec, body)
    ctx.rec.step(req.step, req, resp, found)
    if resp.error is not None or resp.status >= 500 or 300 <= resp.status < 400:
        raise StopFlow("failed")
    return resp, body


def _fail(ctx: Ctx, code: str, message: str, url: str, *, hint: str | None = None, outcome: str = "failed") -> StopFlow:
    ctx.rec.add(diag(code, message, url, hint=hint))
    return StopFlow(outcome)


def _need_ok(ctx: Ctx, resp: Response) -> None:
    """The step recorded a finding for an unexpected status already; the flow cannot go on."""
    if not resp.ok:
        raise StopFlow("failed")


def refuse(ctx: Ctx, req: Request, *, codes: Collection[str], what: str, code: str = "SM008",
           statuses: Collection[int] = (400,), accepting: Collection[str] = ()) -> Flow:
    """A request a good service refuses: a 2xx is `code` (SM008 by default), a 5xx SM009, a 4xx with
    another status or code SM007 (refused, but not as documented). `accepting` are error codes that
    mean the request got through anyway (an ID-JAG answered `interaction_required` passed every
    check and reached user matching, SPEC §8.5). Returns the response."""
    resp: Response = yield req
    found = transport(req, resp)
    body = resp.json() if resp.body else None
    if not found and (resp.ok or error_code(body) in accepting):
        how = f"{resp.status} {error_code(body)}" if not resp.ok else str(resp.status)
        found = [diag(code, f"{what} was accepted ({how}); the service must refuse it", req.url)]
    elif not found:
        found = envelope(req, resp, body)
        got = error_code(body)
        if not found and (resp.status not in statuses or got not in codes):
            wanted = f"{'/'.join(str(s) for s in statuses)} {' or '.join(sorted(codes))}"
            found = [diag("SM007", f"{what} was refused with {resp.status} {got or '(no code)'}; expected {wanted}",
                          req.url)]
    ctx.rec.step(req.step, req, resp, found)
    return resp


# ------------------------------------------------------------------ registration


def registration_body(ctx: Ctx, method: str, *, assertion: str | None = None) -> dict[str, Any]:
    """SPEC §6.1-§6.3: the request body of the generation."""
    prof = PROFILES[ctx.profile]
    body: dict[str, Any]
    if method == "anonymous":
        body = {"type": "anonymous"}
    elif method == "service_auth":
        hint = ctx.options.login_hint or ""
        if "service_auth" in prof.identity_types:
            body = {"type": "service_auth", "login_hint": hint}
        else:  # v0.1-v0.5: the email path is an identity_assertion of type verified_email
            body = {"type": "identity_assertion", "assertion_type": "verified_email", "assertion": hint}
    else:
        body = {"type": "identity_assertion", "assertion_type": ID_JAG_URN, "assertion": assertion}
    if prof.envelope == "v0.1":
        body["requested_credential_type"] = "api_key" if method == "anonymous" else "access_token"
    return body


def register(ctx: Ctx, body: dict[str, Any], *, step: str) -> Flow:
    """POST the identity endpoint; returns (response, Registered)."""
    t = ctx.target
    refusals = (401,) if body.get("type") == "identity_assertion" and t.has_step_up else ()
    resp, raw = yield from send(ctx, Request.json(step, t.identity_endpoint, body),
                                Expect(ok=(200, 201), refusals=refusals, schema="registration-response",
                                       codes={"interaction_required", "login_required"}))
    if resp.status == 201:
        ctx.rec.add(diag("SM002", "registration answered 201; the protocol answers 200 (accepted)", t.identity_endpoint,
                         severity=Severity.WARNING))
    reg = shapes.registration(raw)
    if reg.claim_token:
        ctx.rec.never_shown.add(reg.claim_token)  # SPEC §12: in memory only, never in a file
    if (resp.ok or resp.status == 401) and shapes.envelope_of(raw) is not None:
        _note_envelope(ctx, reg, t.identity_endpoint)
    if reg.reg_id:
        ctx.rec.registration = reg.reg_id
    if not resp.ok and resp.status != 401:
        raise StopFlow("failed")  # the step recorded why
    return resp, reg


def _note_envelope(ctx: Ctx, reg: shapes.Registered, url: str) -> None:
    """IN-THE-WILD P13: follow the shape that came, and say so when discovery named another."""
    if reg.nested != ctx.target.nested and ctx.target.envelope != "v0.1":
        shape = "nested (v0.7-B)" if reg.nested else "flat (v0.2-v0.7-A)"
        ctx.rec.add(diag("SM025", f"the service answered in the {shape} envelope although discovery named "
                                  f"{ctx.profile}; the flow follows the answer", url))


# ------------------------------------------------------------------ exchange, API, revoke


def exchange(ctx: Ctx, assertion: str, *, step: str, expect_scopes: Collection[str] = ()) -> Flow:
    """RFC 7523 jwt-bearer at the token endpoint (SPEC §6.7); returns (access token, scopes)."""
    t = ctx.target
    if not t.token_endpoint:
        raise _fail(ctx, "SM018", "the metadata has no token_endpoint; the assertion cannot be exchanged",
                    t.issuer)
    form = {"grant_type": JWT_BEARER_URN, "assertion": assertion}
    if t.resource:
        form["resource"] = t.resource  # RFC 8707: optional but recommended (SPEC §6.7)
    resp, body = yield from send(ctx, Request.form(step, t.token_endpoint, form),
                                 Expect(schema="token-response"))
    _need_ok(ctx, resp)
    token, scopes = shapes.token(body)
    if token is None:
        raise StopFlow("failed")  # the schema finding says what is missing
    ctx.rec.token_issued(token, "access token")
    extra = sorted(set(scopes) - set(expect_scopes)) if expect_scopes else []
    if extra:
        ctx.rec.add(diag("SM013", f"the token carries {', '.join(extra)} beyond the registration's "
                                  f"{', '.join(expect_scopes)}", t.token_endpoint, pointer="/scope"))
    return token, scopes


def call_api(ctx: Ctx, token: str, *, step: str) -> Flow:
    """GET the protected resource with the token (RFC 6750 §2.1); a 401/403 is SM010. A 404 says the
    URL is no endpoint (a bare `resource`), not that the token failed: noted, and the later liveness
    checks are inconclusive (give --api URL)."""
    url = ctx.target.api_url
    if not url:
        ctx.rec.note("no API URL (the PRM has no resource; give --api URL): API calls skipped")
        return None
    req = Request.get(step, url, bearer=token)
    resp: Response = yield req
    note = ""
    if resp.status in (401, 403):
        found = [diag("SM010", f"the API answered {resp.status} to a token the service just issued", url,
                      hint="the resource server must accept the authorization server's access tokens")]
    else:
        found = check(req, resp, Expect(ok=(200, 201, 204, 404), json_ok=False), ctx.profile)[0]
        note = "404: this URL is no API endpoint; give --api URL for token checks" if resp.status == 404 else ""
    ctx.rec.step(step, req, resp, found, note=note)
    return resp


def expect_dead(ctx: Ctx, token: str, *, step: str, code: str, what: str) -> Flow:
    """A token that must no longer work: the API answers 401 with its challenge (RFC 6750 §3.1)."""
    url = ctx.target.api_url
    if not url:
        return None
    req = Request.get(step, url, bearer=token)
    resp: Response = yield req
    found = []
    note = ""
    if resp.ok:
        found.append(diag(code, f"the {what} still works: the API answered {resp.status}", url))
        ctx.rec.live_tokens[token] = what  # whatever the service said, it is alive
    elif resp.status == 401:
        found += challenge(req, resp, "Bearer")
    elif resp.status == 404:
        note = "inconclusive: the API URL answers 404 whatever the token (give --api URL)"
    elif resp.error is not None or resp.status >= 500:
        found += check(req, resp, Expect(), ctx.profile)[0]
    ctx.rec.step(step, req, resp, found, note=note)
    if not resp.ok and not note:
        ctx.rec.token_gone(token)
    return resp


def revoke(ctx: Ctx, token: str, *, prove: bool = True, step: str = "revoke access token") -> Flow:
    """RFC 7009 at `revocation_endpoint`, then prove the token is dead (SPEC §6.8, §9.5)."""
    t = ctx.target
    if not t.revocation_endpoint:
        ctx.rec.note("no revocation_endpoint advertised: revocation skipped")
        return None
    resp, _ = yield from send(ctx, Request.form(step, t.revocation_endpoint,
                                                {"token": token, "token_type_hint": "access_token"}),
                              Expect(empty_ok=True, json_ok=False))
    if resp.ok:
        ctx.rec.token_gone(token)  # the service says so; the API call below checks it
        if prove:
            yield from expect_dead(ctx, token, step="API with the revoked token", code="SM012",
                                   what="revoked access token")
    return None


# ------------------------------------------------------------------ claim ceremony


def claim_body(ctx: Ctx, claim_token: str, email: str, shape: str) -> dict[str, Any]:
    """SPEC §6.4: v0.7-B `{type: service_auth}`, v0.7-A `{type: login_hint}`, older `{claim_token, email}`."""
    if shape == "v0.7-B":
        return {"type": "service_auth", "claim_token": claim_token, "login_hint": email}
    if shape == "v0.7-A":
        return {"type": "login_hint", "claim_token": claim_token, "login_hint": email}
    return {"claim_token": claim_token, "email": email}


def _claim_shape(profile: str) -> str:
    return profile if profile in ("v0.7-A", "v0.7-B") else "legacy"


def start_claim(ctx: Ctx, claim_token: str, email: str, *, step: str = "start claim attempt") -> Flow:
    """POST the claim endpoint (first attempt, or a re-mint); returns the Attempt (None when the
    service e-mails the user instead, v0.1-v0.3). v0.6 and v0.7-A cannot be told apart from the
    metadata alone: on 400 `invalid_request` the sibling body is tried once (SM025)."""
    t = ctx.target
    if not t.claim_endpoint:
        raise _fail(ctx, "SM018", "the metadata has no claim_endpoint; the registration cannot be claimed",
                    t.issuer)
    prof = PROFILES[ctx.profile]
    expect = Expect(schema="claim-response", codes=prof.errors_claim)
    shape = _claim_shape(ctx.profile)
    resp, body = yield from send(ctx, Request.json(step, t.claim_endpoint, claim_body(ctx, claim_token, email, shape)),
                                 Expect(ok=(200,), refusals=(400,), schema="claim-response"))
    if resp.status == 400 and error_code(body) == "invalid_request" and ctx.profile in ("v0.6", "v0.7-A"):
        other = "legacy" if shape == "v0.7-A" else "v0.7-A"
        resp, body = yield from send(ctx, Request.json(step + " (sibling body)", t.claim_endpoint,
                                                       claim_body(ctx, claim_token, email, other)), expect)
        if resp.ok:
            ctx.rec.add(diag("SM025", f"the claim endpoint took the {'v0.6' if other == 'legacy' else 'v0.7-A'} "
                                      "body; the flow follows it", t.claim_endpoint))
    elif resp.status == 400:
        ctx.rec.add(diag("SM002", f"the claim endpoint refused the claim ({error_text(body)})", t.claim_endpoint))
    _need_ok(ctx, resp)
    ctx.rec.claim_pending = True
    return shapes.claim_started(body)


def ceremony(ctx: Ctx, claim_token: str, attempt: shapes.Attempt | None, email: str | None, *,
             nested: bool) -> Flow:
    """Run the generation's ceremony to the end; returns `shapes.Claimed`."""
    if attempt is not None and attempt.user_code is not None:
        return (yield from ceremony_poll(ctx, claim_token, attempt, email))
    if attempt is not None and (nested or ctx.target.ceremony == "complete"):
        return (yield from ceremony_read_back(ctx, claim_token, attempt, email))
    if ctx.target.ceremony == "otp" or attempt is None:
        return (yield from ceremony_otp(ctx, claim_token, email))
    return (yield from ceremony_read_back(ctx, claim_token, attempt, email))


def _handoff(ctx: Ctx, direction: str, attempt: shapes.Attempt | None, email: str | None, n: int, *,
             retry: str | None = None) -> HandOff:
    return HandOff(direction, attempt.verification_uri if attempt else None, attempt.user_code if attempt else None,
                   email, ctx.target.issuer, attempt.expires_in if attempt else None,
                   attempt.expires_at if attempt else None, n, retry)


def _ask(ctx: Ctx, handoff: HandOff) -> Flow:
    answer: HumanAnswer = yield handoff
    ctx.rec.step("hand-off to the user" if handoff.attempt == 1 and not handoff.retry else "ask the user again",
                 note=answer.note)
    if answer.gave_up or (handoff.direction != "show" and not answer.code):
        code = "SM015" if not answer.note.startswith("gave up") else "SM014"
        raise _fail(ctx, code, f"the ceremony needs a person: {answer.note or 'no code was given'}",
                    handoff.verification_uri or ctx.target.claim_endpoint or ctx.target.issuer,
                    hint="run on a terminal, or give --user-code, --human-command, or --auto-confirm "
                         "(authmd serve --test-hooks)", outcome="incomplete")
    return answer


def ceremony_poll(ctx: Ctx, claim_token: str, attempt: shapes.Attempt, email: str | None) -> Flow:
    """v0.4-v0.7-A (SPEC §6.7, §7.3, §14 D23): show the code, then poll the claim grant, honouring
    `interval`, `slow_down` (+5 s for this and later polls), re-minting once on `expired_token`."""
    t = ctx.target
    grant = t.claim_grant
    if not t.token_endpoint or not grant:
        raise _fail(ctx, "SM018", "the service shows a user_code but advertises no claim grant to poll with "
                                  "(grant_types_supported)", t.token_endpoint or t.issuer)
    yield from _ask(ctx, _handoff(ctx, "show", attempt, email, 1))
    interval = float(attempt.interval or DEFAULT_INTERVAL)
    window = attempt.expires_in or DEFAULT_ATTEMPT_SECONDS
    waited, reminted, first = 0.0, False, True
    codes = PROFILES[ctx.profile].errors_token | {"authorization_pending", "slow_down", "expired_token",
                                                   "access_denied"}
    while True:
        if not first:
            yield Wait(interval, "poll interval")
            waited += interval
        first = False
        resp, body = yield from send(ctx, Request.form("poll claim grant", t.token_endpoint,
                                                       {"grant_type": grant, "claim_token": claim_token}),
                                     Expect(ok=(200,), refusals=(400, 401), schema="claim-grant-response",
                                            codes=codes))
        if resp.ok:
            ctx.rec.claim_pending = False
            got = shapes.claimed(body)
            if got.access_token:
                ctx.rec.token_issued(got.access_token, "post-claim access token")
            return got
        code = error_code(body)
        if code in ("authorization_pending", "slow_down") and waited >= window:
            raise _fail(ctx, "SM014", f"the attempt's {int(window)} s passed without the user finishing",
                        t.token_endpoint, outcome="incomplete")
        if code == "authorization_pending":
            continue
        if code == "slow_down":
            if waited > 0:  # we waited the full interval: the service is stricter than it said
                ctx.rec.add(diag("SM021", f"slow_down although {interval:g} s were waited between polls",
                                 t.token_endpoint))
            interval += SLOW_DOWN_STEP
            named = body.get("interval") if isinstance(body, dict) else None
            if isinstance(named, int) and not isinstance(named, bool) and named > interval:
                interval = float(named)
            continue
        if code == "expired_token" and not reminted and email:
            reminted = True
            fresh = yield from start_claim(ctx, claim_token, email, step="re-mint claim attempt")
            if fresh is None or fresh.user_code is None:
                raise _fail(ctx, "SM014", "the re-minted attempt has no user_code", t.claim_endpoint or t.issuer)
            yield from _ask(ctx, _handoff(ctx, "show", fresh, email, 2))
            interval, window, waited, first = float(fresh.interval or interval), \
                fresh.expires_in or DEFAULT_ATTEMPT_SECONDS, 0.0, True
            continue
        what = {"expired_token": "the attempt expired" + (" again after a re-mint" if reminted else ""),
                "access_denied": "the user denied the request"}.get(
            code or "", f"the poll was refused ({error_text(body)})")
        raise _fail(ctx, "SM014", what, t.token_endpoint)


def ceremony_read_back(ctx: Ctx, claim_token: str, attempt: shapes.Attempt, email: str | None) -> Flow:
    """v0.7-B (SPEC §6.5, §7.3): the user confirms on the page and reads the code back; the agent
    completes at `<claim_endpoint>/complete`. 409 `claim_not_confirmed` → wait and retry; 401
    `invalid_user_code` → ask again (at most 3 codes); 410 `user_code_expired` → re-mint once."""
    t = ctx.target
    url = t.complete_endpoint or ""
    answer = yield from _ask(ctx, _handoff(ctx, "read_back", attempt, email, 1))
    tries, not_confirmed, reminted, n = 1, 0, False, 1
    codes = PROFILES["v0.7-B"].errors_complete
    while True:
        resp, body = yield from send(ctx, Request.json("complete claim", url,
                                                       {"claim_token": claim_token, "user_code": answer.code}),
                                     Expect(ok=(200,), refusals=(400, 401, 403, 409, 410),
                                            schema="claim-complete-response", codes=codes))
        if resp.ok:
            ctx.rec.claim_pending = False
            return shapes.claimed(body)
        code = error_code(body)
        if code == "claim_not_confirmed" and not_confirmed < MAX_NOT_CONFIRMED:
            not_confirmed += 1
            yield Wait(NOT_CONFIRMED_WAIT, "the user has not confirmed on the page yet")
            continue
        if code == "invalid_user_code" and tries < MAX_CODE_TRIES:
            tries += 1
            answer = yield from _ask(ctx, _handoff(ctx, "read_back", attempt, email, n,
                                                   retry="the service did not accept that code"))
            continue
        if code == "user_code_expired" and not reminted and email:
            reminted, n, tries = True, 2, 1
            fresh = yield from start_claim(ctx, claim_token, email, step="re-mint claim attempt")
            attempt = fresh or attempt
            answer = yield from _ask(ctx, _handoff(ctx, "read_back", attempt, email, n))
            continue
        raise _fail(ctx, "SM014", f"the claim could not be completed ({error_text(body)})", url)


def ceremony_otp(ctx: Ctx, claim_token: str, email: str | None) -> Flow:
    """v0.1-v0.3 (SPEC §6.5, §7.3): the service e-mailed the user a link whose page shows a one-time
    code; the user reads it back and the agent submits `{claim_token, otp}`."""
    t = ctx.target
    url = t.complete_endpoint or ""
    answer = yield from _ask(ctx, _handoff(ctx, "otp", None, email, 1))
    tries, reminted = 1, False
    while True:
        resp, body = yield from send(ctx, Request.json("complete claim (OTP)", url,
                                                       {"claim_token": claim_token, "otp": answer.code}),
                                     Expect(ok=(200,), refusals=(400, 401, 409, 410),
                                            schema="claim-complete-response"))
        if resp.ok:
            ctx.rec.claim_pending = False
            return shapes.claimed(body)
        code = error_code(body)
        if code == "otp_invalid" and tries < MAX_CODE_TRIES:
            tries += 1
            answer = yield from _ask(ctx, _handoff(ctx, "otp", None, email, 1,
                                                   retry="the service did not accept that code"))
            continue
        if code in ("otp_expired", "otp_not_generated") and not reminted and email:
            reminted = True
            yield from start_claim(ctx, claim_token, email, step="send the e-mail again")
            answer = yield from _ask(ctx, _handoff(ctx, "otp", None, email, 2))
            continue
        raise _fail(ctx, "SM014", f"the claim could not be completed ({error_text(body)})", url)


# ------------------------------------------------------------------ after the claim


def finish(ctx: Ctx, assertion: str | None, *, access: str | None, scopes: Collection[str],
           refresh_token: str | None, step: str) -> Flow:
    """Exchange the assertion (SPEC §6.7; also when the claim grant already gave a token: the v2
    assertion must work too), call the API, refresh (v0.7-B), revoke."""
    token = access
    if assertion is not None:
        if access is not None and ctx.options.revoke:
            yield from revoke(ctx, access, prove=False, step="revoke the claim grant's token")
        token, got = yield from exchange(ctx, assertion, step=step, expect_scopes=scopes)
        missing = sorted(set(scopes) - set(got)) if scopes and got else []
        if missing:
            ctx.rec.add(diag("SM013", f"the post-claim token lacks {', '.join(missing)} of the registration's "
                                      f"{', '.join(scopes)}", ctx.target.token_endpoint or "", pointer="/scope"))
    if token is None:
        raise _fail(ctx, "SM004", "the flow ended with neither an assertion nor an access token",
                    ctx.target.token_endpoint or ctx.target.issuer)
    yield from call_api(ctx, token, step="call API")
    if refresh_token and ctx.options.refresh and ctx.target.has_refresh:
        yield from refresh(ctx, refresh_token)
    if ctx.options.revoke:
        yield from revoke(ctx, token)
    return token


def refresh(ctx: Ctx, refresh_token: str) -> Flow:
    """v0.7-B rotating refresh (SPEC §9.4): a new assertion and refresh token; the spent one must be
    refused (`invalid_refresh_token`; a reuse is a theft signal, RFC 9700 §4.14.2)."""
    t = ctx.target
    ctx.rec.secret(refresh_token)
    resp, body = yield from send(ctx, Request.json("refresh", t.identity_endpoint,
                                                   {"type": "refresh", "refresh_token": refresh_token}),
                                 Expect(schema="registration-response"))
    if not resp.ok:
        return None
    assertion, new = shapes.refreshed(body)
    if not assertion or not new:
        ctx.rec.add(diag("SM020", "the refresh answer lacks identity.assertion or identity.refresh_token.value",
                         t.identity_endpoint, pointer="/identity"))
        return None
    if new == refresh_token:
        ctx.rec.add(diag("SM020", "the refresh token did not rotate", t.identity_endpoint,
                         pointer="/identity/refresh_token/value"))
    ctx.rec.secret(new)
    yield from refuse(ctx, Request.json("reuse the spent refresh token", t.identity_endpoint,
                                        {"type": "refresh", "refresh_token": refresh_token}),
                      codes={"invalid_refresh_token"}, what="a spent refresh token", code="SM026")
    return None


# ------------------------------------------------------------------ the two flows


def _consent(ctx: Ctx, method: str, identity: str | None) -> Flow:
    t = ctx.target
    agreed = yield Consent(method, identity, t.resource_name, t.logo_uri, t.scopes_supported)
    ctx.rec.step("consent gate", note="the user agreed" if agreed else "the user declined")
    if not agreed:
        raise StopFlow("incomplete")


def _offered(ctx: Ctx, method: str) -> bool:
    """v0.1-v0.5 offer the e-mail path as an `identity_assertion` of type `verified_email` (SPEC §1.2)."""
    t = ctx.target
    if method == "service_auth" and "service_auth" not in PROFILES[ctx.profile].identity_types:
        return t.offers("identity_assertion") and (not t.assertion_types or "verified_email" in t.assertion_types)
    return t.offers(method)


def user_claimed(ctx: Ctx) -> Flow:
    t, o = ctx.target, ctx.options
    if not _offered(ctx, o.method):
        raise _fail(ctx, "SM017", f"the service does not list {o.method} in identity_types_supported "
                                  f"({', '.join(t.identity_types) or 'none'})", t.issuer)
    if o.method == "service_auth":
        return (yield from _service_auth(ctx))
    _, reg = yield from register(ctx, registration_body(ctx, "anonymous"), step="register (anonymous)")
    if reg.credential and not reg.assertion:  # v0.1: the credential is the bearer (SPEC §6.3)
        ctx.rec.token_issued(reg.credential, "v0.1 credential")
        yield from call_api(ctx, reg.credential, step="call API (pre-claim)")
        pre = reg.credential
    else:
        if not reg.assertion:
            raise StopFlow("failed")
        pre, _ = yield from exchange(ctx, reg.assertion, step="exchange (pre-claim)",
                                     expect_scopes=reg.pre_claim or ())
        yield from call_api(ctx, pre, step="call API (pre-claim)")
    if not o.claim_email:
        if o.revoke and not reg.credential:
            yield from revoke(ctx, pre)
        return None
    if not reg.claim_token:
        raise _fail(ctx, "SM004", "the anonymous registration returned no claim token", t.identity_endpoint)
    yield from _consent(ctx, "claim", o.claim_email)
    attempt = yield from start_claim(ctx, reg.claim_token, o.claim_email)
    got = yield from ceremony(ctx, reg.claim_token, attempt, o.claim_email, nested=reg.nested)
    if reg.credential and not got.assertion and not got.access_token:
        # v0.1 upgraded the credential's scopes in place (SPEC §7.4); there is nothing to exchange or revoke
        yield from call_api(ctx, reg.credential, step="call API (claimed credential)")
        return None
    # SPEC §7.4: completing the claim revokes every pre-claim token (v0.4+).
    if PROFILES[ctx.profile].order >= PROFILES["v0.4"].order:
        yield from expect_dead(ctx, pre, step="API with the pre-claim token", code="SM011",
                               what="pre-claim access token")
    assertion = got.assertion or (reg.assertion if ctx.target.ceremony == "otp" else None)
    yield from finish(ctx, assertion, access=got.access_token, scopes=reg.post_claim or (),
                      refresh_token=got.refresh_token, step="exchange (post-claim)")
    return None


def _service_auth(ctx: Ctx) -> Flow:
    t, o = ctx.target, ctx.options
    hint = o.login_hint or ""
    yield from _consent(ctx, "service_auth", hint)
    _, reg = yield from register(ctx, registration_body(ctx, "service_auth"), step="register (service_auth)")
    if not reg.claim_token:
        raise _fail(ctx, "SM004", "the service_auth registration returned no claim token", t.identity_endpoint)
    ctx.rec.claim_pending = True
    got = yield from ceremony(ctx, reg.claim_token, reg.attempt, hint, nested=reg.nested)
    yield from finish(ctx, got.assertion, access=got.access_token, scopes=reg.post_claim or (),
                      refresh_token=got.refresh_token, step="exchange")
    return None


def agent_verified(ctx: Ctx) -> Flow:
    t, o = ctx.target, ctx.options
    if not t.offers("identity_assertion") or not supports_id_jag(t):
        raise _fail(ctx, "SM017", "the service does not take ID-JAGs (agent_auth.identity_assertion."
                                  "assertion_types_supported lacks the id-jag type)", t.issuer,
                    hint="a conforming agent stops here: provider trust cannot be discovered by trial")
    yield from _consent(ctx, "identity_assertion", o.email)
    jwt = yield NeedAssertion("good")
    if isinstance(jwt, NoAssertion):  # a source was given and failed: say how, not "give one"
        raise _fail(ctx, "SM015", f"no ID-JAG to present: {jwt.why}", t.issuer,
                    hint="the command must exit 0 and print a fresh ID-JAG on stdout (it gets AUTHMD_AUD and "
                         "AUTHMD_RESOURCE)", outcome="incomplete")
    if not jwt:
        raise _fail(ctx, "SM015", "no ID-JAG to present", t.issuer,
                    hint="give --provider-key, --assertion or --assertion-command", outcome="incomplete")
    ctx.rec.secret(jwt)
    resp, reg = yield from register(ctx, registration_body(ctx, "identity_assertion", assertion=jwt),
                                    step="register (ID-JAG)")
    if resp.status == 401:
        return (yield from _step_up(ctx, resp, reg))
    if not reg.assertion:
        raise StopFlow("failed")
    yield from finish(ctx, reg.assertion, access=None, scopes=reg.scopes, refresh_token=reg.refresh_token,
                      step="exchange")
    return None


def _step_up(ctx: Ctx, resp: Response, reg: shapes.Registered) -> Flow:
    t = ctx.target
    req = ctx.rec.steps[-1].request
    if req is not None:
        for d in challenge(req, resp, "AgentAuth"):
            ctx.rec.add(d)
    if reg.error == "login_required":
        age = f" (max_age {reg.max_age} s)" if reg.max_age is not None else ""
        raise _fail(ctx, "SM016", f"the provider must re-authenticate the user{age}; mint a new ID-JAG after a "
                                  "fresh sign-in", t.identity_endpoint, outcome="incomplete",
                    hint="the service is right to refuse a stale auth_time; nothing at the service helps")
    if reg.error != "interaction_required" or not reg.claim_token:
        raise _fail(ctx, "SM002", f"a 401 that is neither interaction_required with a claim nor login_required "
                                  f"({reg.error or 'no error member'})", t.identity_endpoint)
    ctx.rec.note("interaction_required: the user must confirm linking this provider account (step-up)")
    ctx.rec.claim_pending = True
    got = yield from ceremony(ctx, reg.claim_token, reg.attempt, ctx.options.email, nested=reg.nested)
    token = yield from finish(ctx, got.assertion, access=got.access_token, scopes=reg.post_claim or (),
                              refresh_token=got.refresh_token, step="exchange")
    # SPEC §8.5: after the link, the same provider identity is a clean match.
    again = yield NeedAssertion("good")
    if again:
        resp2, _reg2 = yield from register(ctx, registration_body(ctx, "identity_assertion", assertion=again),
                                          step="register again (now linked)")
        if resp2.status == 401:
            ctx.rec.add(diag("SM014", "after the claim the same provider identity still needs a ceremony",
                             t.identity_endpoint))
    else:
        ctx.rec.add(diag("SM028", "no second ID-JAG: the linked-identity check was skipped", t.identity_endpoint))
    return token
