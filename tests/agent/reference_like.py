"""A small service that behaves like the published reference implementation of an older generation,
written for these tests from the protocol's facts (not copied from it): flat envelope, and

- "v0.6": the claim body `{claim_token, email}` (no `type`), the agent polls the claim grant and gets
  `authorization_pending` until the user finishes; the claim grant keeps minting after success;
- "v0.3": the e-mailed one-time code: `/claim` "sends" a code (readable at `/_mail?email=…`, the test's
  inbox) and the agent completes with `{claim_token, otp}`; the e-mail path is an `identity_assertion`
  of type `verified_email`.

The user's side is `POST /_human/complete {user_code, after_polls}` (v0.6: the code typed on the page,
effective after that many more polls). State is in memory; one app per test."""

from __future__ import annotations

import json
import secrets
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from authmd_cli.protocol.profiles import CLAIM_GRANT_URN, ID_JAG_URN, JWT_BEARER_URN

EXP = "2030-01-01T00:00:00.000Z"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _jwt() -> str:
    return "eyJhbGciOiJFUzI1NiIsInR5cCI6Im9hdXRoLWlkLWphZytqd3QifQ." + secrets.token_urlsafe(24) + "." + \
        secrets.token_urlsafe(32)


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status, headers=headers, media_type="application/json")


def app(generation: str, origin_box: list[str]) -> Starlette:
    """`origin_box[0]` is filled in once the socket is bound (the documents name the origin)."""
    regs: dict[str, dict[str, Any]] = {}  # claim_token -> registration
    assertions: dict[str, dict[str, Any]] = {}  # assertion -> registration
    tokens: dict[str, dict[str, Any]] = {}  # access token -> {reg, scope, revoked}
    mail: dict[str, str] = {}
    poll_v06 = generation == "v0.6"

    def o() -> str:
        return origin_box[0]

    def prm(_r: Request) -> Response:
        return _json(200, {"resource": o(), "resource_name": "Reference-like", "authorization_servers": [o()],
                           "scopes_supported": ["api.read", "api.write"], "bearer_methods_supported": ["header"]})

    def as_meta(_r: Request) -> Response:
        block: dict[str, Any] = {"skill": o() + "/auth.md", "identity_endpoint": o() + "/agent/identity",
                                 "claim_endpoint": o() + "/agent/identity/claim",
                                 "events_endpoint": o() + "/agent/event/notify",
                                 "events_supported": ["https://schemas.workos.com/events/agent/auth/identity/"
                                                      "assertion/revoked"]}
        if poll_v06:
            block["identity_types_supported"] = ["anonymous", "service_auth"]
        else:
            block["identity_types_supported"] = ["anonymous", "identity_assertion"]
            block["identity_assertion"] = {"assertion_types_supported": [ID_JAG_URN, "verified_email"]}
        grants = [JWT_BEARER_URN, CLAIM_GRANT_URN] if poll_v06 else [JWT_BEARER_URN]
        return _json(200, {"issuer": o(), "token_endpoint": o() + "/oauth2/token",
                           "revocation_endpoint": o() + "/oauth2/revoke", "grant_types_supported": grants,
                           "agent_auth": block})

    def attempt(reg: dict[str, Any]) -> dict[str, Any]:
        reg["user_code"] = f"{secrets.randbelow(10**6):06d}"
        reg["polls_left"] = None
        return {"user_code": reg["user_code"], "expires_in": 600, "interval": 5,
                "verification_uri": o() + "/login?return_to=%2Fclaim%3Fclaim_attempt_token%3Dcvt_" +
                secrets.token_urlsafe(8)}

    def new_reg(kind: str, email: str | None) -> dict[str, Any]:
        reg = {"id": "reg_" + secrets.token_hex(8), "kind": kind, "email": email, "claimed": False,
               "claim_token": "clm_" + secrets.token_urlsafe(19)}
        regs[reg["claim_token"]] = reg
        return reg

    async def identity(r: Request) -> Response:
        body = json.loads(await r.body())
        base = {"claim_url": o() + "/agent/identity/claim", "claim_token_expires": EXP,
                "post_claim_scopes": ["api.read", "api.write"]}
        if body.get("type") == "anonymous":
            reg = new_reg("anonymous", None)
            a = _jwt()
            assertions[a] = reg
            return _json(200, {"registration_id": reg["id"], "registration_type": "anonymous",
                               "identity_assertion": a, "assertion_expires": EXP, "pre_claim_scopes": ["api.read"],
                               "claim_token": reg["claim_token"], **base})
        if poll_v06 and body.get("type") == "service_auth":
            reg = new_reg("service_auth", body["login_hint"])
            return _json(200, {"registration_id": reg["id"], "registration_type": "service_auth",
                               "claim_token": reg["claim_token"], "claim": attempt(reg), **base})
        if not poll_v06 and body.get("assertion_type") == "verified_email":
            reg = new_reg("email-verification", body["assertion"])
            mail[body["assertion"]] = reg["otp"] = f"{secrets.randbelow(10**6):06d}"
            return _json(200, {"registration_id": reg["id"], "registration_type": "email-verification",
                               "claim_token": reg["claim_token"], **base})
        return _json(400, {"error": "invalid_request", "message": "unsupported body"})

    async def claim(r: Request) -> Response:
        body = json.loads(await r.body())
        if set(body) != {"claim_token", "email"}:  # the older generations' strict shape
            return _json(400, {"error": "invalid_request", "message": "expected {claim_token, email}"})
        reg = regs.get(body["claim_token"])
        if reg is None:
            return _json(401, {"error": "invalid_claim_token", "message": "unknown"})
        reg["email"] = body["email"]
        out = {"registration_id": reg["id"], "claim_attempt_id": "cla_" + secrets.token_hex(8),
               "status": "initiated", "expires_at": EXP}
        if poll_v06:
            return _json(200, {**out, "claim_attempt": attempt(reg)})
        mail[body["email"]] = reg["otp"] = f"{secrets.randbelow(10**6):06d}"
        return _json(200, out)

    async def complete(r: Request) -> Response:  # v0.3: the agent submits the e-mailed code
        body = json.loads(await r.body())
        reg = regs.get(body.get("claim_token", ""))
        if reg is None:
            return _json(401, {"error": "invalid_claim_token", "message": "unknown"})
        if body.get("otp") != reg.get("otp"):
            return _json(401, {"error": "otp_invalid", "message": "wrong code"})
        reg["claimed"] = True
        out: dict[str, Any] = {"registration_id": reg["id"], "status": "claimed"}
        if reg["kind"] != "anonymous":
            a = _jwt()
            assertions[a] = reg
            out |= {"identity_assertion": a, "assertion_expires": EXP}
        return _json(200, out)

    def issue(reg: dict[str, Any]) -> dict[str, Any]:
        at = "at_" + secrets.token_urlsafe(24)
        scope = "api.read api.write" if reg["claimed"] or reg["kind"] != "anonymous" else "api.read"
        tokens[at] = {"reg": reg, "scope": scope, "revoked": False}
        return {"access_token": at, "token_type": "Bearer", "expires_in": 3600, "scope": scope}

    async def token(r: Request) -> Response:
        from urllib.parse import parse_qsl

        form = dict(parse_qsl((await r.body()).decode()))
        if form.get("grant_type") == JWT_BEARER_URN:
            reg = assertions.get(form.get("assertion", ""))
            if reg is None:
                return _json(400, {"error": "invalid_grant", "error_description": "unknown"}, NO_STORE)
            return _json(200, issue(reg), NO_STORE)
        if poll_v06 and form.get("grant_type") == CLAIM_GRANT_URN:
            reg = regs.get(form.get("claim_token", ""))
            if reg is None:
                return _json(400, {"error": "expired_token", "error_description": "unknown"}, NO_STORE)
            if not reg["claimed"] and reg.get("polls_left") is not None:
                reg["polls_left"] -= 1
                if reg["polls_left"] < 0:
                    reg["claimed"] = True
                    for t in tokens.values():  # completing the claim revokes pre-claim tokens
                        if t["reg"] is reg:
                            t["revoked"] = True
            if not reg["claimed"]:
                return _json(400, {"error": "authorization_pending", "error_description": "wait"}, NO_STORE)
            a = _jwt()
            assertions[a] = reg
            return _json(200, {**issue(reg), "identity_assertion": a, "assertion_expires": EXP}, NO_STORE)
        return _json(400, {"error": "unsupported_grant_type", "error_description": "no"}, NO_STORE)

    async def revoke(r: Request) -> Response:
        from urllib.parse import parse_qsl

        form = dict(parse_qsl((await r.body()).decode()))
        if form.get("token") in tokens:
            tokens[form["token"]]["revoked"] = True
        return Response(status_code=200, headers=NO_STORE)

    def api(r: Request) -> Response:
        auth = r.headers.get("authorization", "")
        t = tokens.get(auth.removeprefix("Bearer "))
        if t is None or t["revoked"]:
            return _json(401, {"error": "unauthorized", "message": "token"},
                         {"WWW-Authenticate": f'Bearer resource_metadata="{o()}/.well-known/oauth-protected-resource"'})
        return _json(200, {"ok": True, "scope": t["scope"]})

    async def human(r: Request) -> Response:  # the user types the code on the claim page (v0.6)
        body = json.loads(await r.body())
        for reg in regs.values():
            if reg.get("user_code") == body.get("user_code"):
                reg["polls_left"] = int(body.get("after_polls", 0))
                return _json(200, {"status": "typed"})
        return _json(404, {"error": "no such code"})

    def inbox(r: Request) -> Response:
        return _json(200, {"otp": mail.get(r.query_params.get("email", ""), "")})

    return Starlette(routes=[
        Route("/.well-known/oauth-protected-resource", prm), Route("/.well-known/oauth-authorization-server", as_meta),
        Route("/agent/identity", identity, methods=["POST"]), Route("/agent/identity/claim", claim, methods=["POST"]),
        Route("/agent/identity/claim/complete", complete, methods=["POST"]),
        Route("/oauth2/token", token, methods=["POST"]), Route("/oauth2/revoke", revoke, methods=["POST"]),
        Route("/", api), Route("/_human/complete", human, methods=["POST"]), Route("/_mail", inbox),
    ])
