"""Turn one response into diagnostics (pure): status, transport, media type, the profile's schema,
`Cache-Control: no-store`, the error envelope and code, the 401 challenge.

A check says what it saw and quotes values through `core.display`, so a token in a wrong place is
never printed. One finding per root cause: a 5xx is reported as such and nothing else is checked
on it; a body that is not JSON is not also schema-checked.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from authmd_cli.agent.codes import diag
from authmd_cli.agent.wire import NOT_JSON, Request, Response
from authmd_cli.core.diagnostics import Diagnostic, Severity
from authmd_cli.core.display import inline, show_value, violation_message

MAX_SCHEMA_FINDINGS = 5


@dataclass(frozen=True)
class Expect:
    """What a good service answers at this step.

    `ok` are the statuses of the path the flow wants; `refusals` the statuses a documented refusal
    may have (the flow branches on them, they are not findings); `schema` a schema kind
    (`protocol/schemas` catalogue) for a 2xx body; `codes` the error codes acceptable for a refusal
    (None: any code of the profile's set for the endpoint); `empty_ok` a 2xx may have no body
    (RFC 7009 revocation, a 202 SET receipt).
    """

    ok: tuple[int, ...] = (200,)
    refusals: tuple[int, ...] = ()
    schema: str | None = None
    codes: Collection[str] | None = None
    empty_ok: bool = False
    json_ok: bool = True


def error_code(body: Any) -> str | None:
    if isinstance(body, dict):
        for key in ("error", "err"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return None


def error_text(body: Any) -> str:
    """`code: description` of an error body, for a message (secrets scrubbed, short)."""
    code = error_code(body)
    if code is None:
        return ""
    desc = ""
    if isinstance(body, dict):
        for key in ("error_description", "message", "description"):
            if isinstance(body.get(key), str):
                desc = body[key]
                break
    return inline(f"{code}: {desc}" if desc else code, width=120)


def transport(req: Request, resp: Response) -> list[Diagnostic]:
    """Findings that end the step: no answer, a redirect, a 5xx."""
    if resp.error is not None:
        return [diag("SM001", f"{req.method} {inline(req.url)} got no answer: {resp.error}", req.url,
                     hint="check the URL, that the service is running, and --timeout")]
    if 300 <= resp.status < 400:
        where = inline(resp.header("location") or "(no Location)")
        return [diag("SM024", f"{req.method} answered {resp.status} to {where}; protocol endpoints answer "
                              "directly", req.url, hint="serve the endpoint at the advertised URL")]
    if resp.status >= 500:
        body = resp.json()
        said = f" ({error_text(body)})" if error_text(body) else ""
        return [diag("SM009", f"{req.method} answered {resp.status}{said}", req.url,
                     hint="a malformed or unexpected request must get a 4xx with a documented code, never a 5xx")]
    return []


def check(req: Request, resp: Response, expect: Expect, profile: str) -> tuple[list[Diagnostic], Any]:
    """All checks of one answer; returns (diagnostics, parsed JSON body or NOT_JSON)."""
    found = transport(req, resp)
    if found:
        return found, NOT_JSON
    body = resp.json() if resp.body else None
    if resp.status not in expect.ok and resp.status not in expect.refusals:
        said = error_text(body)
        wanted = " or ".join(str(s) for s in expect.ok)
        return [diag("SM002", f"{req.method} answered {resp.status}{f' ({said})' if said else ''}; expected "
                              f"{wanted}", req.url, hint=_status_hint(resp.status))], body
    if resp.ok:
        found += _success(req, resp, body, expect, profile)
    else:
        found += _refusal(req, resp, body, expect, profile)
    if req.family == "oauth":
        found += no_store(req, resp)
    return found, body


def _status_hint(status: int) -> str | None:
    return {404: "the endpoint is not served at the advertised URL",
            405: "the endpoint does not take this method",
            415: "the endpoint does not take this Content-Type"}.get(status)


def _success(req: Request, resp: Response, body: Any, expect: Expect, profile: str) -> list[Diagnostic]:
    if not resp.body:
        if expect.empty_ok or not expect.json_ok:
            return []
        return [diag("SM003", f"{req.method} answered {resp.status} with an empty body; expected JSON", req.url)]
    if not expect.json_ok:
        return []
    if body is NOT_JSON or not _json_type(resp.media_type):
        what = "a body that is not JSON" if body is NOT_JSON else f"Content-Type {inline(resp.media_type or '(none)')}"
        return [diag("SM003", f"{req.method} answered {resp.status} with {what}", req.url,
                     hint="answer with application/json")]
    return schema_findings(req.url, body, expect.schema, profile)


def _json_type(media_type: str) -> bool:
    return media_type == "application/json" or (media_type.startswith("application/") and
                                                media_type.endswith("+json"))


def schema_findings(url: str, body: Any, kind: str | None, profile: str) -> list[Diagnostic]:
    if kind is None:
        return []
    from authmd_cli.protocol.schemas import schema_for, validate

    try:
        name = schema_for(kind, profile)
    except KeyError:
        return []
    out = []
    for v in validate(body, name)[:MAX_SCHEMA_FINDINGS]:
        message = violation_message(v.message, v.value, body, v.pointer)
        out.append(diag("SM004", f"{message} ({name})", url, pointer=v.pointer or "/"))
    return out


def _refusal(req: Request, resp: Response, body: Any, expect: Expect, profile: str) -> list[Diagnostic]:
    found = envelope(req, resp, body)
    if found:
        return found
    code = error_code(body)
    if expect.codes is not None and code not in expect.codes:
        wanted = ", ".join(sorted(expect.codes))
        found.append(diag("SM007", f"refused with {show_value(code)}; this case is documented as {wanted}",
                          req.url, pointer="/error"))
    return found


def envelope(req: Request, resp: Response, body: Any) -> list[Diagnostic]:
    """SPEC §14 D10: profile endpoints `{error, message|error_description}`, OAuth RFC 6749 §5.2
    `{error[, error_description]}`, the SET receiver RFC 8935 §2.4 `{err, description}`."""
    if req.family == "api":
        return []
    if body is NOT_JSON or not isinstance(body, dict):
        return [diag("SM006", f"the {resp.status} error body is not a JSON object", req.url,
                     hint="send the error envelope as application/json")]
    key = "err" if req.family == "events" else "error"
    if not isinstance(body.get(key), str):
        return [diag("SM006", f"the {resp.status} error body has no {key!r} member", req.url,
                     severity=Severity.ERROR)]
    if req.family == "profile" and not any(isinstance(body.get(k), str) for k in ("message", "error_description")):
        return [diag("SM006", f"the {resp.status} error body has no message or error_description", req.url,
                     pointer="")]
    return []


def no_store(req: Request, resp: Response) -> list[Diagnostic]:
    """RFC 6749 §5.1 (success) and the reference's every-response rule (SPEC §6): a token answer must
    not be cached."""
    cache = (resp.header("cache-control") or "").lower()
    if "no-store" in [part.strip() for part in cache.split(",")]:
        return []
    shown = f"Cache-Control {inline(cache)!s}" if cache else "no Cache-Control header"
    return [diag("SM005", f"{req.method} {resp.status} has {shown}; OAuth responses must say no-store",
                 req.url, hint="send Cache-Control: no-store and Pragma: no-cache (RFC 6749 §5.1)")]


def challenge(req: Request, resp: Response, scheme: str) -> list[Diagnostic]:
    """A 401 carries `WWW-Authenticate` of the scheme (RFC 9728 §5.1 `Bearer resource_metadata=…` at the
    API; `AgentAuth error=…` for the step-up and login_required answers, SPEC §6.1)."""
    header = resp.header("www-authenticate") or ""
    if header.lower().startswith(scheme.lower()):
        if scheme == "Bearer" and "resource_metadata=" not in header:
            return [diag("SM019", "the 401 challenge has no resource_metadata parameter", req.url,
                         hint='send WWW-Authenticate: Bearer resource_metadata="<PRM URL>" (RFC 9728 §5.1)')]
        return []
    shown = f"WWW-Authenticate {inline(header)}" if header else "no WWW-Authenticate header"
    return [diag("SM019", f"the {resp.status} has {shown}; expected the {scheme} scheme", req.url)]
