"""`--negative`: the conformance requests a good service must refuse, each with the error code the
generation documents (SPEC §8.3-§8.4, §11, §14 D9) — a generator like the flows.

A check passes when the service refuses with the documented status and code; a 2xx is SM008
(accepted what it must refuse), a 5xx SM009, another 4xx or code SM007 (refused, not as
documented). The reference's lossy `expired` for a wrong `aud` is accepted (SPEC §12-A 25).
Checks that need the test issuer's key are skipped (SM022) when the run has none.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import dataclass

from authmd_cli.agent.checks import Expect, no_store
from authmd_cli.agent.codes import diag
from authmd_cli.agent.flows import Ctx, Flow, StopFlow, refuse, registration_body, send
from authmd_cli.agent.wire import NeedAssertion, Request, Response
from authmd_cli.protocol.profiles import IDJAG_CODES, PROFILES

RFC8935_CODES = frozenset({"invalid_request", "invalid_key", "invalid_issuer", "invalid_audience",
                           "authentication_failed", "access_denied"})


@dataclass(frozen=True)
class IdJagCheck:
    name: str
    variant: str
    codes: frozenset[str]
    statuses: tuple[int, ...] = (400,)
    since_step_up: bool = False  # needs auth_time rules (v0.5+)


_UMBRELLA = frozenset({"invalid_request"})
ID_JAG_CHECKS = (
    IdJagCheck("wrong aud", "aud", frozenset({"invalid_audience", "expired"}) | _UMBRELLA),
    IdJagCheck("expired ID-JAG", "expired", frozenset({"expired"}) | _UMBRELLA),
    IdJagCheck("alg none", "alg_none", frozenset({"invalid_signature"}) | _UMBRELLA),
    IdJagCheck("a foreign key under the issuer's kid", "foreign_key", frozenset({"invalid_signature"}) | _UMBRELLA),
    IdJagCheck("missing auth_time", "no_auth_time", frozenset({"login_required"}), (401,), since_step_up=True),
    IdJagCheck("auth_time NaN", "nan_auth_time", frozenset({"login_required"}) | _UMBRELLA, (400, 401),
               since_step_up=True),
    IdJagCheck("exp Infinity", "infinite_exp", IDJAG_CODES, (400,)),
    IdJagCheck("nbf in the future", "nbf_future", IDJAG_CODES, (400,)),
)


def _skip(ctx: Ctx, name: str, why: str) -> None:
    ctx.rec.step(f"negative: {name}", note="skipped",
                 diagnostics=[diag("SM022", f"{name}: skipped ({why})", ctx.target.identity_endpoint)])


def _fresh_sub() -> str:
    return "simulate-neg-" + secrets.token_hex(6)


def _present(ctx: Ctx, name: str, jwt: str, *, codes: Collection[str], statuses: Collection[int]) -> Flow:
    body = registration_body(ctx, "identity_assertion", assertion=jwt)
    resp = yield from refuse(ctx, Request.json(f"negative: {name}", ctx.target.identity_endpoint, body),
                             codes=codes, what=f"an ID-JAG with {name}", statuses=statuses,
                             accepting={"interaction_required"})
    return resp


def idjag_checks(ctx: Ctx) -> Flow:
    step_up = PROFILES[ctx.profile].has_step_up
    for c in ID_JAG_CHECKS:
        if c.since_step_up and not step_up:
            continue
        sub = _fresh_sub()  # a fresh user: no account matches, so acceptance is a clean 200
        jwt = yield NeedAssertion(c.variant, sub=sub, email=f"{sub}@example.com")
        if not jwt:
            _skip(ctx, c.name, "needs the test issuer's key: --provider-key")
            continue
        ctx.rec.secret(jwt)
        yield from _present(ctx, c.name, jwt, codes=c.codes, statuses=c.statuses)
    yield from replay_check(ctx)


def replay_check(ctx: Ctx) -> Flow:
    """The same `jti` twice: the second presentation is `replay_detected` (SPEC §8.3 step 5)."""
    name = "replayed jti"
    sub = _fresh_sub()
    jwt = yield NeedAssertion("good", sub=sub, email=f"{sub}@example.com")
    if not jwt:
        _skip(ctx, name, "needs the test issuer's key: --provider-key")
        return None
    ctx.rec.secret(jwt)
    body = registration_body(ctx, "identity_assertion", assertion=jwt)
    first, _ = yield from _setup(ctx, Request.json("negative: replayed jti (first presentation)",
                                                   ctx.target.identity_endpoint, body))
    if first.status not in (200, 401):
        _skip(ctx, name, f"the first presentation was answered {first.status}")
        return None
    yield from _present(ctx, name, jwt, codes={"replay_detected"} | _UMBRELLA, statuses=(400,))
    return None


def _setup(ctx: Ctx, req: Request) -> Flow:
    """A request a check needs first; judged only for transport and 5xx."""
    return (yield from send(ctx, req, Expect(ok=(200, 201), refusals=(400, 401, 403, 409, 410), codes=None)))


def request_checks(ctx: Ctx) -> Flow:
    """Body-level checks every generation must refuse with 400 `invalid_request` (SPEC §6, §11.1)."""
    t = ctx.target
    yield from refuse(ctx, Request.json("negative: unknown type", t.identity_endpoint, {"type": "not_a_type"}),
                      codes={"invalid_request"}, what="an unknown registration type")
    yield from refuse(ctx, Request.raw_json("negative: malformed JSON", t.identity_endpoint,
                                            '{"type": "anonymous",'),
                      codes={"invalid_request"}, what="a body that is not JSON")
    # A lone UTF-16 surrogate (RFC 8259 §8.2): must be a 400, never a 5xx.
    if t.offers("service_auth") and "service_auth" in PROFILES[ctx.profile].identity_types:
        text = '{"type":"service_auth","login_hint":"\\ud800@example.com"}'
        codes: Collection[str] = {"invalid_request", "invalid_login_hint"}
    else:
        text = '{"type":"identity_assertion","assertion_type":"urn:ietf:params:oauth:token-type:id-jag",' \
               '"assertion":"\\ud800"}'
        codes = IDJAG_CODES
    yield from refuse(ctx, Request.raw_json("negative: lone surrogate in a JSON string", t.identity_endpoint, text),
                      codes=codes, what="a lone \\ud800 surrogate")
    if t.token_endpoint:
        req = Request.form("negative: wrong grant type", t.token_endpoint,
                           {"grant_type": "urn:example:not-a-grant", "assertion": "x"})
        resp: Response = yield from refuse(ctx, req, codes={"unsupported_grant_type"},
                                           what="an unsupported grant_type")
        if resp.error is None and resp.status < 500:
            for d in no_store(req, resp):
                ctx.rec.add(d)
    return None


def set_check(ctx: Ctx) -> Flow:
    """A revocation SET older than the receiver's replay window must be refused, or a captured SET
    can be replayed once its `jti` has left the cache (RFC 8417 §2.2 `iat`; RFC 8935 §2.4)."""
    t = ctx.target
    name = "SET older than the replay window"
    if not t.events_endpoint:
        return None
    token = yield NeedAssertion("set_old", sub=_fresh_sub())
    if not token:
        _skip(ctx, name, "needs the test issuer's key: --provider-key")
        return None
    req = Request("negative: " + name, "POST", t.events_endpoint,
                  {"Content-Type": "application/secevent+jwt", "Accept": "application/json"},
                  token.encode("ascii"), family="events")
    yield from refuse(ctx, req, codes=RFC8935_CODES, what="a SET issued 8 days ago", statuses=(400,))
    return None


def second_issuer_check(ctx: Ctx) -> Flow:
    """Two trusted issuers, one `sub`, no email (a verified phone instead): the service must not make
    them one account silently (SPEC §8.5, §12 first-time linking)."""
    name = "same sub from a second trusted issuer"
    sub = _fresh_sub()
    first = yield NeedAssertion("phone_only", sub=sub, email=None)
    second = yield NeedAssertion("phone_only", sub=sub, email=None, issuer="second")
    if not first or not second:
        _skip(ctx, name, "needs --provider-key and --second-provider-key")
        return None
    t = ctx.target
    r1, b1 = yield from _setup(ctx, Request.json("negative: phone-only ID-JAG, first issuer", t.identity_endpoint,
                                                 registration_body(ctx, "identity_assertion", assertion=first)))
    r2, b2 = yield from _setup(ctx, Request.json("negative: " + name, t.identity_endpoint,
                                                 registration_body(ctx, "identity_assertion", assertion=second)))
    if r1.status == 200 and r2.status == 200:
        e1, e2 = _assertion_email(b1), _assertion_email(b2)
        if e1 is not None and e1 == e2:
            ctx.rec.add(diag("SM027", "both issuers' users were given the same account (the service "
                                      "assertions carry one email) without a confirmation", t.identity_endpoint,
                             hint="key made-up accounts by (issuer, sub), or send the second one through the "
                                  "claim ceremony"))
    return None


def _assertion_email(body: object) -> str | None:
    from authmd_cli.agent import shapes
    from authmd_cli.core.tokens import TokenError, peek

    reg = shapes.registration(body)
    if not reg.assertion:
        return None
    try:
        email = peek(reg.assertion)[1].get("email")
    except TokenError:
        return None
    return email if isinstance(email, str) else None


def negative(ctx: Ctx) -> Flow:
    """Every check; one that ends early (no answer, a 5xx in its setup) does not end the others."""
    checks = [request_checks]
    if ctx.target.offers("identity_assertion") and ctx.target.assertion_types:
        checks += [idjag_checks, second_issuer_check]
    checks.append(set_check)
    for check in checks:
        try:
            yield from check(ctx)
        except StopFlow:
            continue
    return None
