"""The human pages (SPEC §7.3): test sign-in at `/login` (any email), the claim page, the v0.7-B
confirmation that reveals the code, and the v0.7-A form where the user types it.

Sign-in state is a cookie holding a random session id (only its hash is stored), `HttpOnly`,
`SameSite=Lax`, `Secure` when served over https. Form posts with a foreign `Origin` are
refused; `return_to` must be a same-origin path (SPEC §12). Every page carries
`html.SECURITY_HEADERS` (no framing, no caching, no Referer, a strict CSP). Store work runs off
the event loop (`off_loop`); a locked database is a 503 page with `Retry-After`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from urllib.parse import quote

from authmd_cli.sandbox import ceremony, html, ids
from authmd_cli.sandbox.routes._http import RETRY_AFTER, AppContext, log, off_loop, read_form
from authmd_cli.sandbox.store import StoreBusy, User
from authmd_cli.sandbox.wire import ProtocolError, is_email

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

COOKIE = "authmd_session"


def safe_return_to(value: str | None) -> str:
    """A same-origin path: starts with '/', not '//' or '/\\', no control characters."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if any(ord(c) < 0x20 or c == "\\" for c in value) or len(value) > 2048:
        return "/"
    return value


def routes(ctx: AppContext) -> list[Route]:
    from starlette.requests import ClientDisconnect
    from starlette.responses import HTMLResponse, RedirectResponse, Response
    from starlette.routing import Route

    core, s = ctx.core, ctx.settings
    secure = s.issuer.startswith("https://")

    def current_user(request: Request) -> User | None:
        sid = request.cookies.get(COOKIE)
        if not sid or len(sid) > 256:
            return None
        return core.store.session_user(ids.digest(sid), core.now())

    def sign_in(email: str) -> str:
        """A new session for the (found or created) account; returns the cookie's session id."""
        uid = core.find_or_create_user(email)
        sid = ids.session_id()
        core.store.add_session(ids.digest(sid), uid, core.now() + s.session_ttl)
        return sid

    def to_login(request: Request, target: str | None = None) -> Response:
        target = target or request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?return_to=" + quote(target, safe=""), status_code=302)

    def guard(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            response = await answer(request)
            response.headers.update(html.SECURITY_HEADERS)
            return response

        async def answer(request: Request) -> Response:
            if request.method == "POST":
                origin = request.headers.get("origin")
                if origin and origin != s.origin:  # a cross-site form post (defence with SameSite=Lax)
                    return HTMLResponse(html.message("Refused", "Cross-site form post."), status_code=403)
            try:
                return await handler(request)
            except ProtocolError as err:
                return HTMLResponse(html.message("Bad request", err.message), status_code=err.status)
            except StoreBusy:
                return HTMLResponse(html.message("Busy", "The service is busy. Try again in a moment."),
                                    status_code=503, headers={"Retry-After": RETRY_AFTER})
            except ClientDisconnect:
                return Response(status_code=400)
            except Exception:
                log.exception("unhandled error on %s %s", request.method, request.url.path)
                return HTMLResponse(html.message("Error", "Something went wrong."), status_code=500)
        return endpoint

    async def home(request: Request) -> Response:
        user = await off_loop(current_user, request)
        links = [("auth.md", s.paths.auth_md), ("Protected resource metadata", s.paths.prm),
                 ("Authorization server metadata", s.paths.as_metadata), ("Sign in", "/login")]
        return HTMLResponse(html.home(s.service_name, links, user.email if user else None))

    async def login_get(request: Request) -> Response:
        return_to = safe_return_to(request.query_params.get("return_to"))
        if await off_loop(current_user, request) is not None:
            return RedirectResponse(return_to, status_code=302)
        return HTMLResponse(html.login_form(s.service_name, return_to))

    async def login_post(request: Request) -> Response:
        form = await read_form(request, s.max_body)
        return_to = safe_return_to(form.get("return_to"))
        email = form.get("email", "").strip()
        if not is_email(email):
            return HTMLResponse(html.login_form(s.service_name, return_to, "Enter a valid email address."),
                                status_code=400)
        sid = await off_loop(sign_in, email)
        response = RedirectResponse(return_to, status_code=302)
        response.set_cookie(COOKIE, sid, max_age=s.session_ttl, httponly=True, samesite="lax", secure=secure,
                            path="/")
        return response

    async def logout(request: Request) -> Response:
        sid = request.cookies.get(COOKIE)
        if sid:
            await off_loop(core.store.drop_session, ids.digest(sid))
        response = RedirectResponse("/login", status_code=302)
        response.delete_cookie(COOKIE, path="/")
        return response

    def render(state: ceremony.PageState, token: str, user: User) -> Response:
        action = "/claim/confirm" if s.nested else s.paths.complete
        body = html.claim_page(s.service_name, state, token, user.email, nested=s.nested, action=action)
        return HTMLResponse(body, status_code=state.status)

    async def claim_get(request: Request) -> Response:
        user = await off_loop(current_user, request)
        if user is None:
            return to_login(request)
        token = request.query_params.get("claim_attempt_token", "")
        if not token or len(token) > 256:
            return HTMLResponse(html.message("Bad request", "Missing claim_attempt_token."), status_code=400)
        return render(await off_loop(ceremony.page_state, core, user, token), token, user)

    async def claim_post(request: Request) -> Response:
        user = await off_loop(current_user, request)
        form = await read_form(request, s.max_body)
        token = form.get("claim_attempt_token", "")
        if user is None:  # signed out meanwhile: back to this attempt's page after sign-in (a GET
            # of the form's own action would be a dead end)
            page = "/claim?claim_attempt_token=" + quote(token, safe="") if 0 < len(token) <= 256 else None
            return to_login(request, page)
        if not token or len(token) > 256:
            return HTMLResponse(html.message("Bad request", "Missing claim_attempt_token."), status_code=400)
        if s.nested:
            state = await off_loop(ceremony.confirm, core, user, token)
        else:
            state = await off_loop(ceremony.submit_code, core, user, token, form.get("user_code", "").strip())
        return render(state, token, user)

    out = [
        Route("/login", guard(login_get), methods=["GET"]),
        Route("/login", guard(login_post), methods=["POST"]),
        Route("/logout", guard(logout), methods=["POST"]),
        Route("/claim", guard(claim_get), methods=["GET"]),
        Route("/claim/confirm" if s.nested else s.paths.complete, guard(claim_post), methods=["POST"]),
    ]
    if s.paths.api != "/":
        out.append(Route("/", guard(home), methods=["GET"]))
    return out
