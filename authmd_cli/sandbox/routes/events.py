"""`/agent/event/notify`: the RFC 8935 SET receiver (SPEC §6.9)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from authmd_cli.sandbox import events
from authmd_cli.sandbox.routes._http import AppContext, guarded, off_loop, read_body, reply_response
from authmd_cli.sandbox.wire import ProtocolError, media_type

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route


def routes(ctx: AppContext) -> list[Route]:
    from starlette.routing import Route

    core, s = ctx.core, ctx.settings

    async def notify(request: Request) -> Response:
        if media_type(request.headers.get("content-type")) != events.SET_MEDIA_TYPE:
            raise ProtocolError("invalid_request", 400, f"Content-Type must be {events.SET_MEDIA_TYPE}")
        raw = await read_body(request, s.max_body)
        with contextlib.suppress(UnicodeDecodeError):  # `receive` reports it
            await core.keysets.prepare(raw.decode("ascii").strip())
        return reply_response(await off_loop(events.receive, core, raw))

    if not s.events:
        return []
    return [Route(s.paths.events, guarded("events", notify), methods=["POST"])]
