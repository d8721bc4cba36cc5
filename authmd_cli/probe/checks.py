"""Requests beyond the read-only walk, each marked as having possible side effects in the trace.

* `check_endpoints` (`--check-endpoints`): POSTs every live endpoint must refuse, so they change
  nothing on a correct service (SPEC §13.5 item 6): an unsupported grant at the token endpoint
  (RFC 6749 §5.2: 400 `unsupported_grant_type`, `Cache-Control: no-store`), an empty body
  at the registration endpoint (a 4xx JSON profile error; not even `{}`, which a lenient service
  might take for an anonymous registration), a body that is not a SET at the
  events endpoint (RFC 8935 §2.4: 400 `{err, description}`).
* `active_flow` (`--active`): registers anonymously (when offered), exchanges the assertion
  (RFC 7523), calls the API with the token (RFC 6750) and revokes it (RFC 7009). It never starts
  or completes a claim (IN-THE-WILD §4.2: no claim without a human).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from authmd_cli.core.diagnostics import Finding, Location
from authmd_cli.core.display import inline
from authmd_cli.probe.discovery import Discovery, fetchable
from authmd_cli.probe.fetch import Fetcher
from authmd_cli.probe.model import Exchange
from authmd_cli.probe.transport import looks_html
from authmd_cli.protocol.profiles import JWT_BEARER_URN

Found = tuple[str, Finding]
FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
JSON = {"Content-Type": "application/json", "Accept": "application/json"}
UNSUPPORTED_GRANT = "urn:authmd:probe:grant-type:unsupported"


def _json(ex: Exchange) -> Any:
    try:
        return json.loads(ex.body)
    except ValueError:
        return None


def _answer(ex: Exchange) -> str:
    if ex.failure is not None:
        return f"no answer ({ex.failure.kind})"
    body = _json(ex)
    code = body.get("error") or body.get("err") if isinstance(body, dict) else None
    shown = f" {inline(str(code))}" if isinstance(code, str) else (" an HTML page" if looks_html(ex) else "")
    return f"{ex.status}{shown}"


def _reported(d: Discovery, ex: Exchange) -> bool:
    """The POST's outcome is another rule's finding, one finding for one fact: no answer at all is
    the transport's (PR001/PR013, one per host), a 404/410 to an endpoint whose GET got an answer
    is PR013's (not served)."""
    if ex.failure is not None:
        return True
    return ex.status in (404, 410) and any(g.url == ex.url and g.failure is None for _, g in d.served)


async def check_endpoints(d: Discovery, fetcher: Fetcher) -> list[Found]:
    out: list[Found] = []
    e = d.endpoints
    after = d.servers[0].exchange if d.servers else None
    if fetchable(e.token):
        ex = await fetcher.fetch("check:token", str(e.token), method="POST", headers=FORM,
                                 content=urlencode({"grant_type": UNSUPPORTED_GRANT}).encode(), side_effect=True,
                                 after=after, note="unsupported grant: must be refused")
        body = _json(ex)
        problems = []
        if ex.status != 400 or not isinstance(body, dict) or body.get("error") != "unsupported_grant_type":
            problems.append(f"answered {_answer(ex)}, not 400 unsupported_grant_type")
        if ex.failure is None and "no-store" not in (ex.header("cache-control") or "").lower():
            problems.append("without Cache-Control: no-store")
        if problems and not _reported(d, ex):
            out.append(("PR017", Finding(f"the token endpoint {inline(ex.url, width=100)}, sent an unsupported grant, "
                                         + " and ".join(problems), Location(ex.url),
                                         hint="answer RFC 6749 §5.2 errors with 400, a JSON `error` and no-store")))
    if fetchable(e.identity):
        ex = await fetcher.fetch("check:registration", str(e.identity), method="POST", headers=JSON,
                                 content=b"", side_effect=True, after=after,
                                 note="empty body: must be refused")
        body = _json(ex)
        ok = (ex.status is not None and 400 <= ex.status < 500 and isinstance(body, dict)
              and isinstance(body.get("error"), str) and not looks_html(ex))
        if not ok and not _reported(d, ex):
            out.append(("PR018", Finding(f"the registration endpoint {inline(ex.url, width=100)}, sent an empty body, "
                                         f"answered {_answer(ex)}, not a 4xx JSON error", Location(ex.url),
                                         hint="refuse a request without a JSON body with 400 "
                                              "{\"error\": \"invalid_request\", \"message\": …}")))
    if fetchable(e.events):
        ex = await fetcher.fetch("check:events", str(e.events), method="POST",
                                 headers={"Content-Type": "application/secevent+jwt", "Accept": "application/json"},
                                 content=b"not-a-security-event-token", side_effect=True, after=after,
                                 note="not a SET: must be refused")
        body = _json(ex)
        ok = ex.status == 400 and isinstance(body, dict) and isinstance(body.get("err"), str)
        if not ok and not _reported(d, ex):
            out.append(("PR019", Finding(f"the events endpoint {inline(ex.url, width=100)}, sent a body that is not a "
                                         f"SET, answered {_answer(ex)}, not 400 {{err, description}}",
                                         Location(ex.url),
                                         hint="answer RFC 8935 §2.4 errors with 400 {\"err\": …, "
                                              "\"description\": …}")))
    return out


@dataclass
class ActiveResult:
    findings: list[Found] = field(default_factory=list)
    verified: dict[str, bool] = field(default_factory=dict)  # capability step -> worked (anonymous)
    skipped: str | None = None  # why nothing was sent


def _assertion(body: Any) -> str | None:
    """The identity assertion of an anonymous registration, in any envelope (SPEC §6.1, §6.2)."""
    if not isinstance(body, dict):
        return None
    identity = body.get("identity")
    nested = identity.get("assertion") if isinstance(identity, dict) else None
    if isinstance(nested, str):
        return nested
    value = body.get("identity_assertion")
    return value if isinstance(value, str) else None


async def active_flow(d: Discovery, fetcher: Fetcher) -> ActiveResult:
    e = d.endpoints
    res = ActiveResult()
    if "anonymous" not in e.identity_types:
        res.skipped = "the service does not offer anonymous registration"
        return res
    if not fetchable(e.identity) or not fetchable(e.token):
        res.skipped = "the registration or token endpoint is not a usable URL"
        return res
    after = d.servers[0].exchange if d.servers else None

    def fail(step: str, ex: Exchange, what: str) -> ActiveResult:
        res.verified[step] = False
        res.findings.append(("PR020", Finding(f"--active {what}: {inline(ex.url, width=100)} answered {_answer(ex)}",
                                              Location(ex.url), hint="run the flow by hand with the auth.md steps")))
        return res

    reg = await fetcher.fetch("active:register", str(e.identity), method="POST", headers=JSON,
                              content=json.dumps({"type": "anonymous"}).encode(), side_effect=True, after=after,
                              note="anonymous registration")
    assertion = _assertion(_json(reg))
    if reg.status not in (200, 201) or assertion is None:
        return fail("register", reg, "anonymous registration")
    res.verified["register"] = True
    form: Mapping[str, str] = {"grant_type": JWT_BEARER_URN, "assertion": assertion}
    resource = (d.prm_metadata or {}).get("resource")
    if isinstance(resource, str):
        form = {**form, "resource": resource}
    tok = await fetcher.fetch("active:exchange", str(e.token), method="POST", headers=FORM,
                              content=urlencode(form).encode(), side_effect=True, after=reg,
                              note="jwt-bearer exchange of the assertion")
    body = _json(tok)
    token = body.get("access_token") if isinstance(body, dict) else None
    if tok.status != 200 or not isinstance(token, str):
        return fail("exchange", tok, "jwt-bearer exchange")
    api = e.api or (resource if isinstance(resource, str) else None)
    if fetchable(api):
        call = await fetcher.fetch("active:api", str(api), headers={"Authorization": f"Bearer {token}"},
                                   side_effect=True, after=tok, note="the API with the access token")
        if call.status is None or not 200 <= call.status < 300:
            return fail("exchange", call, "API call with the access token")
    res.verified["exchange"] = True
    if fetchable(e.revocation):
        rev = await fetcher.fetch("active:revoke", str(e.revocation), method="POST", headers=FORM,
                                  content=urlencode({"token": token, "token_type_hint": "access_token"}).encode(),
                                  side_effect=True, after=tok, note="RFC 7009 revocation of the token")
        if rev.status != 200:
            return fail("revoke", rev, "token revocation")
        res.verified["revoke"] = True
    res.verified["discover"] = True
    return res
