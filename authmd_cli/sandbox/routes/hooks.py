"""Test hooks, mounted only with `--test-hooks`: finish a ceremony without a browser, move the
clock forward, and mint ID-JAGs / SETs with the built-in test provider. Never on by default:
they sign users in without a password."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from authmd_cli.core.tokens import is_number
from authmd_cli.provider.issuer import IdJagRequest, build_set, check_switches, mint_id_jag
from authmd_cli.sandbox import ceremony
from authmd_cli.sandbox.routes._http import AppContext, guarded, json_response, off_loop, read_json
from authmd_cli.sandbox.wire import ProtocolError, invalid_request, optional_string

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

PREFIX = "/_test"


def attempt_token_from(verification_uri: str) -> str | None:
    """SPEC §14 D24: only a harness that drives this sandbox parses the verification URI."""
    parts = urlsplit(verification_uri)
    query = parse_qs(parts.query)
    if "claim_attempt_token" in query:
        return query["claim_attempt_token"][0]
    inner = query.get("return_to", [""])[0]
    token = parse_qs(urlsplit(inner).query).get("claim_attempt_token")
    return token[0] if token else None


def _strings(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid_request(f"{name} must be a list of strings")
    return list(value)


def routes(ctx: AppContext) -> list[Route]:
    from starlette.routing import Route

    core, s = ctx.core, ctx.settings

    async def claim(request: Request) -> Response:
        body = await read_json(request, s.max_body)
        token = optional_string(body, "claim_attempt_token")
        uri = optional_string(body, "verification_uri")
        if token is None and uri is not None:
            token = attempt_token_from(uri)
        if not token:
            raise invalid_request("give claim_attempt_token or verification_uri")
        result = await off_loop(ceremony.hook_complete, core, token, optional_string(body, "email"),
                                optional_string(body, "user_code"))
        return json_response(200, result)

    async def clock(request: Request) -> Response:
        body = await read_json(request, s.max_body)
        seconds = body.get("advance")
        if not is_number(seconds) or not 0 <= float(seconds) <= 10 * 365 * 86400:
            raise invalid_request("advance must be a number of seconds >= 0")
        if ctx.offset_clock is None:
            raise ProtocolError("not_supported", 409, "this server's clock cannot be moved")
        ctx.offset_clock.advance(float(seconds))
        return json_response(200, {"now": core.now()})

    async def id_jag(request: Request) -> Response:
        if ctx.builtin is None:
            raise ProtocolError("not_supported", 409, "the built-in test provider is off")
        body = await read_json(request, s.max_body)
        try:
            omit, spoil = check_switches(_strings(body, "omit"), _strings(body, "spoil"))
        except ValueError as exc:
            raise invalid_request(str(exc)) from None
        age = body.get("auth_age", 0)
        if not isinstance(age, int) or isinstance(age, bool) or age < 0:
            raise invalid_request("auth_age must be a non-negative integer")
        req = IdJagRequest(
            issuer=ctx.builtin.issuer, aud=optional_string(body, "aud") or s.issuer,
            sub=optional_string(body, "sub") or "user-1", email=optional_string(body, "email"),
            resource=s.resource, auth_age=age, jti=optional_string(body, "jti"), omit=omit, spoil=spoil)
        return json_response(200, {"assertion": mint_id_jag(ctx.builtin.key, req, core.now())})

    async def set_token(request: Request) -> Response:
        if ctx.builtin is None:
            raise ProtocolError("not_supported", 409, "the built-in test provider is off")
        body = await read_json(request, s.max_body)
        sub = optional_string(body, "sub") or "user-1"
        token = build_set(ctx.builtin.key, issuer=ctx.builtin.issuer, aud=optional_string(body, "aud") or s.issuer,
                          sub=sub, now=core.now(), jti=optional_string(body, "jti"))
        return json_response(200, {"set": token})

    async def state(request: Request) -> Response:
        return json_response(200, {"counts": await off_loop(core.store.counts), "now": core.now()})

    if not ctx.test_hooks:
        return []
    return [
        Route(PREFIX + "/claim", guarded("profile", claim), methods=["POST"]),
        Route(PREFIX + "/clock", guarded("profile", clock), methods=["POST"]),
        Route(PREFIX + "/id-jag", guarded("profile", id_jag), methods=["POST"]),
        Route(PREFIX + "/set", guarded("profile", set_token), methods=["POST"]),
        Route(PREFIX + "/state", guarded("profile", state), methods=["GET"]),
    ]
