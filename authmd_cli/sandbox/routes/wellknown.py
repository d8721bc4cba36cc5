"""Discovery documents, auth.md, the service's JWKS and the built-in provider's JWKS
(SPEC §3.1, §4, §5, §14 D20). The documents are rendered once by `generate` for the served
origin and served as-is."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from authmd_cli.core.tokens import jwks
from authmd_cli.sandbox.routes._http import AppContext, json_response
from authmd_cli.sandbox.settings import BUILTIN_PROVIDER_PATH

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

PUBLIC = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}


def routes(ctx: AppContext) -> list[Route]:
    from starlette.responses import Response
    from starlette.routing import Route

    s, docs = ctx.settings, ctx.documents

    def static_json(body: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            return json_response(200, body, PUBLIC)
        return endpoint

    auth_md = docs.auth_md.encode("utf-8")

    async def auth_md_endpoint(request: Request) -> Response:
        return Response(auth_md, headers=PUBLIC, media_type="text/markdown; charset=utf-8")

    out = [
        Route(s.paths.prm, static_json(docs.prm), methods=["GET"]),
        Route(s.paths.as_metadata, static_json(docs.as_metadata), methods=["GET"]),
        Route(s.paths.auth_md, auth_md_endpoint, methods=["GET"]),
        Route(s.paths.jwks, static_json(ctx.core.service_jwks()), methods=["GET"]),
    ]
    if ctx.builtin is not None:
        out.append(Route(BUILTIN_PROVIDER_PATH + "/.well-known/jwks.json",
                         static_json(jwks([ctx.builtin.key])), methods=["GET"]))
    return out
