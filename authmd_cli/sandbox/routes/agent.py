"""Agent-facing profile endpoints (JSON in, JSON out): `/agent/identity`, `/agent/identity/claim`
and, in v0.7-B, `/agent/identity/claim/complete` (SPEC §6.1-§6.5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from authmd_cli.sandbox import ceremony, registration
from authmd_cli.sandbox.routes._http import AppContext, guarded, off_loop, read_json, reply_response

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route


def routes(ctx: AppContext) -> list[Route]:
    from starlette.routing import Route

    core, s = ctx.core, ctx.settings

    async def identity(request: Request) -> Response:
        body = await read_json(request, s.max_body)
        if body.get("type") == "identity_assertion":
            await core.keysets.prepare(body.get("assertion"))
        return reply_response(await off_loop(registration.register, core, body))

    async def claim(request: Request) -> Response:
        body = await read_json(request, s.max_body)
        if body.get("type") == "identity_assertion":
            await core.keysets.prepare(body.get("assertion"))
        return reply_response(await off_loop(ceremony.start, core, body))

    async def complete(request: Request) -> Response:
        body = await read_json(request, s.max_body)
        return reply_response(await off_loop(ceremony.complete_agent, core, body))

    out = [Route(s.paths.identity, guarded("profile", identity), methods=["POST"]),
           Route(s.paths.claim, guarded("profile", claim), methods=["POST"])]
    if s.nested:  # v0.4-v0.7-A: the same path is the user's HTML form action (routes/pages.py)
        out.append(Route(s.paths.complete, guarded("profile", complete), methods=["POST"]))
    return out
