"""The few read-only fetches a flow needs before it can start (a generator, like the flows).

This is not the probe: it runs no rules on what it fetches and reports only what stops a flow
(no answer, no metadata, no `agent_auth`). The order is the protocol's (SPEC §4.1, §5.1, §14
D22): the API's 401 `resource_metadata`, else the RFC 9728 §3.1 inserted PRM URL, else the
origin-root one; then the RFC 8414 §3.1 AS metadata of `authorization_servers[0]`; then the
`skill` document, which only helps tell sibling generations apart. When `probe` has walked the
service, the CLI builds the `Target` from its documents instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from authmd_cli.agent.codes import diag
from authmd_cli.agent.flows import Flow, StopFlow
from authmd_cli.agent.record import Recorder
from authmd_cli.agent.wire import NOT_JSON, Request, Response
from authmd_cli.core.urls import insert_well_known

PRM_SUFFIX = "/.well-known/oauth-protected-resource"
AS_SUFFIX = "/.well-known/oauth-authorization-server"
_RESOURCE_METADATA = re.compile(r'resource_metadata\s*=\s*"([^"]+)"', re.IGNORECASE)


@dataclass(frozen=True)
class Discovered:
    as_url: str
    as_meta: dict[str, Any]
    as_text: str
    prm_url: str | None = None
    prm: dict[str, Any] | None = None
    api_url: str | None = None
    auth_md: tuple[str, str] | None = None


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _fetch(rec: Recorder, step: str, url: str, *, accept: str = "application/json") -> Flow:
    req = Request.get(step, url, family="discovery", accept=accept)
    resp: Response = yield req
    found = []
    if resp.error is not None:
        found.append(diag("SM001", f"GET {url} got no answer: {resp.error}", url))
    rec.step(step, req, resp, found)
    return resp


def _json_object(resp: Response) -> dict[str, Any] | None:
    if not resp.ok:
        return None
    body = resp.json()
    return body if body is not NOT_JSON and isinstance(body, dict) else None


def discover(rec: Recorder, url: str, *, api_url: str | None = None) -> Flow:
    """Returns `Discovered`; raises `StopFlow("unreachable")` when the first request got no answer at
    all, `StopFlow("failed")` when nothing leads to an `agent_auth` block."""
    origin = origin_of(url)
    path = urlsplit(url).path
    api = api_url or (url if path not in ("", "/") else None)
    candidates: list[str] = []
    if api:
        resp = yield from _fetch(rec, "discover: the API without a token", api)
        if resp.error is not None:
            raise StopFlow("unreachable")
        m = _RESOURCE_METADATA.search(resp.header("www-authenticate") or "")
        if resp.status == 401 and m:
            candidates.append(m.group(1))
        elif resp.status == 401:
            rec.add(diag("SM019", "the API's 401 has no WWW-Authenticate resource_metadata; falling back to the "
                                  "well-known PRM URL", api))
        candidates.append(insert_well_known(api, PRM_SUFFIX))
    candidates.append(origin + PRM_SUFFIX)
    prm = prm_url = None
    for candidate in dict.fromkeys(candidates):
        resp = yield from _fetch(rec, "discover: protected resource metadata", candidate)
        if resp.error is not None and len(rec.steps) == 1:
            raise StopFlow("unreachable")
        prm = _json_object(resp)
        if prm is not None:
            prm_url = candidate
            break
    servers = prm.get("authorization_servers") if prm else None
    issuer = servers[0] if isinstance(servers, list) and servers and isinstance(servers[0], str) else origin
    as_url = insert_well_known(issuer, AS_SUFFIX)
    resp = yield from _fetch(rec, "discover: authorization server metadata", as_url)
    if resp.error is not None and len(rec.steps) == 1:
        raise StopFlow("unreachable")
    as_meta = _json_object(resp)
    as_text = resp.body.decode("utf-8", "replace")
    if as_meta is None:
        rec.add(diag("SM018", f"no authorization server metadata at {as_url} (answered "
                              f"{resp.status or 'nothing'})", as_url,
                     hint="publish RFC 8414 metadata with an agent_auth block"))
        raise StopFlow("failed")
    echoed = as_meta.get("resource")  # SPEC §5.2: the AS metadata restates the PRM
    if prm is None and isinstance(echoed, str) and echoed.startswith(("https://", "http://")):
        candidate = insert_well_known(echoed, PRM_SUFFIX)
        if candidate not in candidates:
            found = yield from _fetch(rec, "discover: PRM (from the AS resource)", candidate)
            prm = _json_object(found)
            prm_url = candidate if prm is not None else None
    auth_md = None
    agent_auth = as_meta.get("agent_auth")
    skill = agent_auth.get("skill") if isinstance(agent_auth, dict) else None
    if isinstance(skill, str) and skill.startswith(("https://", "http://")):
        md = yield from _fetch(rec, "discover: auth.md", skill, accept="text/markdown, text/plain;q=0.9")
        if md.ok and md.body:
            auth_md = (skill, md.body.decode("utf-8", "replace"))
    return Discovered(as_url, as_meta, as_text, prm_url, prm,
                      api or (prm.get("resource") if prm and isinstance(prm.get("resource"), str) else None),
                      auth_md)
