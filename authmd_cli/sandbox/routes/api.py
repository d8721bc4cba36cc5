"""The protected API (RFC 6750 bearer; RFC 9728 §5.1 challenge). GET needs any live token;
other methods need the post-claim-only scope, so a pre-claim token is visibly limited."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from authmd_cli.sandbox import oauth
from authmd_cli.sandbox.routes._http import AppContext, guarded, json_response, off_loop

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def routes(ctx: AppContext) -> list[Route]:
    from starlette.routing import Route

    core, s = ctx.core, ctx.settings
    prm_url = s.url(s.paths.prm)
    challenge = f'Bearer resource_metadata="{prm_url}"'

    async def api(request: Request) -> Response:
        access = await off_loop(oauth.bearer, core, request.headers.get("authorization"))
        if access is None:
            return json_response(401, {"error": "unauthorized", "message": "a valid Bearer access token is "
                                       "required"}, {"WWW-Authenticate": challenge})
        needed = s.write_scopes if request.method != "GET" else ()
        missing = [sc for sc in needed if sc not in access.scopes]
        if missing:
            header = (f'Bearer error="insufficient_scope", scope="{" ".join(missing)}", '
                      f'resource_metadata="{prm_url}"')
            return json_response(403, {"error": "insufficient_scope", "message": "this token lacks "
                                       f"{' '.join(missing)}; claim the registration first"},
                                 {"WWW-Authenticate": header})
        return json_response(200, {"ok": True, "registration": access.reg_id, "scopes": list(access.scopes),
                                   "method": request.method, "path": request.url.path})

    endpoint = guarded("profile", api)
    out = [Route(s.paths.api, endpoint, methods=METHODS)]
    prefix = urlsplit(s.resource).path.rstrip("/")
    if prefix and prefix != s.paths.api:
        out.append(Route(prefix + "/{rest:path}", endpoint, methods=METHODS))
        out.append(Route(prefix, endpoint, methods=METHODS))
    return out
