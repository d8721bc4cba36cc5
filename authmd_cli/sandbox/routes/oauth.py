"""`/oauth2/token` and `/oauth2/revoke`: form bodies, RFC 6749 §5.2 errors, `no-store` on every
answer (SPEC §6 conventions, §6.7, §6.8)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from authmd_cli.sandbox import oauth
from authmd_cli.sandbox.routes._http import AppContext, guarded, off_loop, read_form, reply_response

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route


def routes(ctx: AppContext) -> list[Route]:
    from starlette.routing import Route

    core, s = ctx.core, ctx.settings

    async def token(request: Request) -> Response:
        form = await read_form(request, s.max_body)
        return reply_response(await off_loop(oauth.token, core, form))

    async def revoke(request: Request) -> Response:
        form = await read_form(request, s.max_body)
        return reply_response(await off_loop(oauth.revoke, core, form))

    return [Route(s.paths.token, guarded("oauth", token), methods=["POST"]),
            Route(s.paths.revoke, guarded("oauth", revoke), methods=["POST"])]
