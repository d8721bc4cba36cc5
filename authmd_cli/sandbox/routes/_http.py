"""HTTP plumbing shared by the routes: bounded body reading, JSON answers, `off_loop` (the
handlers' SQLite work runs in a worker thread, so a slow or locked database never stalls the
event loop, and with it discovery), and `guarded`, which turns a `ProtocolError` into the endpoint
family's envelope (SPEC §14 D10), a locked database into 503 with `Retry-After`, and any
unexpected exception into a logged 500 (the hypothesis test asserts it never happens)."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from authmd_cli.sandbox.core import Core, Reply
from authmd_cli.sandbox.store import StoreBusy
from authmd_cli.sandbox.wire import ProtocolError, error_body, parse_form, parse_json_object

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from authmd_cli.core.tokens import Clock, OffsetClock, SigningKey
    from authmd_cli.sandbox.settings import SandboxSettings

log = logging.getLogger("authmd.serve")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # RFC 6749 §5.1
RETRY_AFTER = "1"  # seconds (RFC 9110 §10.2.3): about the database's busy timeout
P = ParamSpec("P")
T = TypeVar("T")

Endpoint = Callable[["Request"], Awaitable["Response"]]


@dataclass(frozen=True)
class Documents:
    prm: Mapping[str, Any]
    as_metadata: Mapping[str, Any]
    auth_md: str


@dataclass(frozen=True)
class BuiltinProvider:
    key: SigningKey
    issuer: str


@dataclass(frozen=True)
class AppContext:
    core: Core
    documents: Documents
    test_hooks: bool
    clock: Clock
    builtin: BuiltinProvider | None
    offset_clock: OffsetClock | None = None

    @property
    def settings(self) -> SandboxSettings:
        return self.core.settings


def json_response(status: int, body: Mapping[str, Any] | None, headers: Mapping[str, str] | None = None
                  ) -> Response:
    from starlette.responses import Response

    if body is None:
        return Response(status_code=status, headers=dict(headers or {}))
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(content, status_code=status, headers=dict(headers or {}), media_type="application/json")


def reply_response(reply: Reply, extra_headers: Mapping[str, str] | None = None) -> Response:
    return json_response(reply.status, reply.body, {**(extra_headers or {}), **reply.headers})


async def read_json(request: Request, limit: int) -> dict[str, object]:
    """A profile endpoint's JSON object body (SPEC §6: `application/json`)."""
    return parse_json_object(await read_body(request, limit), request.headers.get("content-type"))


async def read_form(request: Request, limit: int) -> dict[str, str]:
    """An OAuth endpoint's form body (RFC 6749 §3.2: `application/x-www-form-urlencoded`)."""
    return parse_form(await read_body(request, limit), request.headers.get("content-type"))


async def read_body(request: Request, limit: int) -> bytes:
    """The body, at most `limit` bytes (413 beyond: a client error, not a crash)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ProtocolError("invalid_request", 413, "request body too large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ProtocolError("invalid_request", 413, "request body too large")
        chunks.append(chunk)
    return b"".join(chunks)


async def off_loop(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run blocking work (every handler that touches the SQLite store) in a worker thread."""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn, *args, **kwargs)


def busy() -> ProtocolError:
    """A locked database (`StoreBusy`): 503 and when to retry, a state the client can act on."""
    return ProtocolError("temporarily_unavailable", 503, "the service's database is busy; retry shortly",
                         headers={"Retry-After": RETRY_AFTER})


def guarded(family: str, handler: Endpoint) -> Endpoint:
    """Wrap an endpoint: `family` is profile | oauth | events (the error envelope)."""
    from starlette.requests import ClientDisconnect

    extra = NO_STORE if family in ("oauth", "profile") else {}

    async def endpoint(request: Request) -> Response:
        try:
            response = await handler(request)
        except (ProtocolError, StoreBusy) as exc:
            err = exc if isinstance(exc, ProtocolError) else busy()
            headers = {**extra, **err.headers}
            return json_response(err.status, error_body(err, family), headers)
        except ClientDisconnect:  # the client went away mid-body: nobody to answer, nothing to log
            return json_response(400, None)
        except Exception:  # a bug: log it, answer a generic 500 without internals
            log.exception("unhandled error on %s %s", request.method, request.url.path)
            body = {"error": "internal_error"} if family != "events" else {"err": "internal_error"}
            return json_response(500, body, extra)
        for k, v in extra.items():
            response.headers.setdefault(k, v)
        return response

    return endpoint
