"""Deliberately broken services: the real sandbox app behind an ASGI middleware that violates the
protocol in one named way (a header dropped, a body rewritten, an endpoint that accepts what it
must refuse). Each broken server is one fault, so a test can name the step and code that catch it."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]
Transform = Callable[[int, Headers, bytes], tuple[int, Headers, bytes]]


def tamper(app: Any, path: str, transform: Transform, *, method: str = "POST",
           when: Callable[[bytes], bool] | None = None) -> App:
    """Buffer the answer to `method path` (when the request body satisfies `when`) and rewrite it."""
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != path or scope["method"] != method:
            await app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            msg = await receive()
            chunks.append(msg.get("body", b""))
            more = msg.get("more_body", False)
        body_in = b"".join(chunks)
        if when is not None and not when(body_in):
            await app(scope, _replay(body_in), send)
            return
        started: dict[str, Any] = {}
        out: list[bytes] = []

        async def capture(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                started.update(msg)
            else:
                out.append(msg.get("body", b""))

        await app(scope, _replay(body_in), capture)
        status, headers, body = transform(started["status"], list(started.get("headers", [])), b"".join(out))
        headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
    return wrapped


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}
    return receive


def drop_header(app: Any, path: str, name: str) -> App:
    def t(status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        return status, [(k, v) for k, v in headers if k.lower() != name.lower().encode()], body
    return tamper(app, path, t)


def rewrite_json(app: Any, path: str, fn: Callable[[Any], Any], *, method: str = "GET",
                 when: Callable[[bytes], bool] | None = None) -> App:
    def t(status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        return status, headers, json.dumps(fn(json.loads(body))).encode()
    return tamper(app, path, t, method=method, when=when)


def answer(app: Any, path: str, status: int, body: bytes, content_type: bytes = b"application/json", *,
           method: str = "POST", when: Callable[[bytes], bool] | None = None) -> App:
    """Answer `method path` itself (the sandbox still sees and handles the request)."""
    def t(_s: int, _h: Headers, _b: bytes) -> tuple[int, Headers, bytes]:
        return status, [(b"content-type", content_type), (b"cache-control", b"no-store")], body
    return tamper(app, path, t, method=method, when=when)


def swallow(app: Any, path: str, status: int = 200, *, method: str = "POST") -> App:
    """Answer `method path` WITHOUT letting the sandbox see it (a revocation that revokes nothing)."""
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == path and scope["method"] == method:
            await send({"type": "http.response.start", "status": status,
                        "headers": [(b"cache-control", b"no-store"), (b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        await app(scope, receive, send)
    return wrapped


def accept_all_bearers(app: Any, path: str) -> App:
    """The API answers 200 to any bearer token: revoked and pre-claim tokens keep working."""
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", []))
        if scope["type"] == "http" and scope["path"] == path and b"authorization" in headers:
            body = b'{"ok":true}'
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)
    return wrapped


def accept_everything(app: Any, identity_path: str, token_path: str, events_path: str) -> App:
    """A service that accepts what it must refuse: every registration body gets a clean 200 with a
    real-looking assertion, unsupported grants get a token, SETs are taken — the negative checks'
    failing case. Good requests still reach the sandbox, so the flow itself runs."""
    import base64

    jwt = ".".join(base64.urlsafe_b64encode(p).rstrip(b"=").decode()
                   for p in (b'{"alg":"ES256","typ":"oauth-id-jag+jwt"}', b'{"sub":"reg_x"}', b"s" * 64))
    ok = json.dumps({"id": "reg_x", "type": "identity_assertion", "identity": {
        "assertion": jwt, "expires_at": "2030-01-01T00:00:00.000Z"}, "scopes": ["api.read"]}).encode()
    token = json.dumps({"access_token": "at_accepted_everything", "token_type": "Bearer", "expires_in": 3600,
                        "scope": "api.read"}).encode()

    def t_ok(status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        if status >= 400:
            return 200, [(b"content-type", b"application/json"), (b"cache-control", b"no-store")], ok
        return status, headers, body

    def t_token(status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        if status >= 400:
            return 200, [(b"content-type", b"application/json"), (b"cache-control", b"no-store")], token
        return status, headers, body

    def t_set(status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        return (202, [], b"") if status >= 400 else (status, headers, body)

    def is_not_refresh(body: bytes) -> bool:
        return b'"refresh"' not in body

    return tamper(tamper(tamper(app, identity_path, t_ok, when=is_not_refresh), token_path, t_token),
                  events_path, t_set)
