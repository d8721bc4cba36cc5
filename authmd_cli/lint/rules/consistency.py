"""Rule family XD: cross-document consistency of one site (auth.md + PRM + AS metadata).

Sources: docs/protocol.md §3.1, §4.3, §5.1-§5.3, §13.5, D4, D12, D29, P6, P7, P9.
Locations: at the auth.md line where the drifting value is shown, else at the JSON pointer of
the metadata member. URL identity follows docs/protocol.md D4: exact first, a difference that vanishes
after normalisation is a warning. Placeholders in auth.md examples are skipped (D12).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from authmd_cli.core.diagnostics import Finding, Location, Severity
from authmd_cli.core.display import inline, show_value
from authmd_cli.core.urls import compare, has_template, host, is_loopback_host, is_placeholder, is_placeholder_host
from authmd_cli.lint.rules.base import RuleContext, at, escape_pointer_token, rule
from authmd_cli.lint.rules.memo import per_subject
from authmd_cli.protocol import metadata_shape as shape
from authmd_cli.protocol import vocab
from authmd_cli.protocol.detect import document_scan
from authmd_cli.protocol.markdown import split_lines
from authmd_cli.protocol.model import Document, HttpMessage, JsonDoc, Site
from authmd_cli.protocol.profiles import CLAIM_GRANT_URN

_VENDOR_CLAIM_RE = re.compile(r"^urn:[A-Za-z0-9.-]+:\S*grant-type:claim", re.IGNORECASE)


# ------------------------------------------------------------------------------ helpers


def _obj(doc: Document | None) -> dict[str, Any] | None:
    if doc is None or doc.json is None or not isinstance(doc.json.value, dict):
        return None
    return doc.json.value


def _agent_auth(asm: dict[str, Any] | None) -> dict[str, Any]:
    aa = asm.get("agent_auth") if asm else None
    return aa if isinstance(aa, dict) else {}


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def _skippable(url: str) -> bool:
    """Placeholders and templates in examples are not compared (docs/protocol.md D12, P12)."""
    return is_placeholder(url) or has_template(url) or is_placeholder_host(host(url)) or "<" in url


def _hosts(hosts: set[str]) -> str:
    return ", ".join(inline(h) for h in sorted(hosts))


def _registrable(h: str) -> str:
    """Approximate registrable domain: last two labels (three under a two-letter ccTLD SLD like co.uk)."""
    labels = h.lower().rstrip(".").split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and len(labels[-2]) <= 3:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _site_hosts(prm: dict[str, Any] | None, asm: dict[str, Any] | None) -> set[str]:
    urls: list[Any] = []
    if prm:
        urls.append(prm.get("resource"))
        servers = prm.get("authorization_servers")
        urls.extend(servers if isinstance(servers, list) else [])
    if asm:
        # The AS metadata's echo of the PRM (`resource`, `authorization_servers`) names the API
        # host too: a site linted without its PRM must not call that host foreign (SPEC §5.2).
        urls.extend(v for k, v in asm.items() if k in ("issuer", "resource") or k.endswith("_endpoint"))
        servers = asm.get("authorization_servers")
        urls.extend(servers if isinstance(servers, list) else [])
        urls.extend(_agent_auth(asm).values())
    return {h for u in urls if isinstance(u, str) and (h := host(u))}


def _md_json(doc: Document) -> list[JsonDoc]:
    if doc.auth is None:
        return []
    out = [b.doc for b in doc.auth.json_blocks if b.doc is not None]
    out += [m.json_body.doc for m in doc.auth.http_messages if m.json_body is not None and m.json_body.doc]
    return out


def _pos(doc: Document, jdoc: JsonDoc, ptr: str) -> Location:
    p = jdoc.position(ptr)
    return at(doc, p[0], p[1]) if p else at(doc, 1, 1)


def _ptr(*tokens: str | int) -> str:
    return "".join(f"/{escape_pointer_token(str(t))}" for t in tokens)


def _meta_loc(doc: Document, pointer: str) -> Location:
    return at(doc, pointer=pointer)


# ------------------------------------------------------------------------------ XD001


@rule("XD001", "skill-mismatch", Severity.WARNING, scope="site", spec="docs/protocol.md D29, §3.1, §5.3, P6")
def skill_mismatch(site: Site, ctx: RuleContext) -> Iterator[Finding]:
    """`agent_auth.skill` does not point at this site's auth.md.

    Why: `skill` is how an agent that starts from the metadata finds the prose (docs/protocol.md §5.3); it
    must be the absolute URL of the auth.md the site publishes (docs/protocol.md D29, warning when it
    names another URL). Offline, authmd checks that its host belongs to the site (the PRM
    `resource`, the issuer, the endpoints, or the same registrable domain) and that a `skill`
    shown in the auth.md examples is the same URL. (A path that does not end in `/auth.md` is
    reported on the AS document by DS007.)
    Bad: `"skill": "https://skills.example-catalogue.dev/quillnote.json"`
    Good: `"skill": "https://api.quillnote.io/auth.md"`
    Spec: docs/protocol.md §3.1, §5.3, D29.
    """
    asm = _obj(site.as_metadata)
    if site.as_metadata is None or site.auth_md is None or asm is None:
        return
    skill = _str(_agent_auth(asm).get("skill"))
    if skill is None or host(skill) is None:
        return  # a missing or non-URL skill is a discovery finding (DS), not a cross-document one
    loc = _meta_loc(site.as_metadata, "/agent_auth/skill")
    # A path not ending in /auth.md is DS007 (skill-url) on the AS document alone.
    # The site's hosts from everything but `skill` itself (it must not vouch for itself).
    hosts = _site_hosts(_obj(site.prm), {**asm, "agent_auth": {k: v for k, v in _agent_auth(asm).items()
                                                               if k != "skill"}})
    sh = host(skill) or ""
    if hosts and sh not in hosts and _registrable(sh) not in {_registrable(h) for h in hosts}:
        yield Finding(f"`agent_auth.skill` is on {inline(sh)}, outside this site's hosts ({_hosts(hosts)})",
                      loc, hint="serve the auth.md from the service's own origin and point `skill` at it")
    for jdoc in _md_json(site.auth_md):
        value = jdoc.value
        shown = _str(_agent_auth(value if isinstance(value, dict) else None).get("skill"))
        if shown and not _skippable(shown) and compare(shown, skill) == "different":
            yield Finding(f"the auth.md example shows `skill` {inline(shown)} but the metadata says {inline(skill)}",
                          _pos(site.auth_md, jdoc, "/agent_auth/skill"),
                          hint="keep the example identical to the served metadata")


# ------------------------------------------------------------------------------ XD002 / XD003


def issuer_for_metadata_url(url: str) -> str:
    """The issuer a well-known metadata URL was built from (RFC 8414 §3.1 insertion, or OIDC appending)."""
    parts = urlsplit(url)
    path = parts.path
    m = re.search(r"/\.well-known/[^/]+", path)
    if m:
        path = path[:m.start()] + path[m.end():]
    return urlunsplit((parts.scheme, parts.netloc, path.rstrip("/"), "", ""))


@rule("XD002", "issuer-mismatch", Severity.ERROR, scope="site", spec="RFC 8414 §3.3; docs/protocol.md §5.1, D4, P7")
def issuer_mismatch(site: Site, ctx: RuleContext) -> Iterator[Finding]:
    """The PRM's `authorization_servers` does not contain the AS metadata's `issuer`.

    Why: agents take `authorization_servers[0]`, build the metadata URL from it and must discard
    metadata whose `issuer` is not identical to it (RFC 8414 §3.3). A trailing-slash, host-case
    or default-port difference is a warning (docs/protocol.md D4: the canonical examples pair
    `https://auth.example.com/` with `https://auth.example.com`); anything else is an error.
    Bad: PRM `"authorization_servers": ["https://login.quillnote.io"]`, AS `"issuer": "https://auth.quillnote.io"`
    Good: both `https://auth.quillnote.io`
    Spec: RFC 8414 §3.3; docs/protocol.md §5.1, D4.
    """
    prm, asm = _obj(site.prm), _obj(site.as_metadata)
    if site.prm is None or prm is None or asm is None:
        return
    issuer = _str(asm.get("issuer"))
    servers = prm.get("authorization_servers")
    if issuer is None or not isinstance(servers, list):
        return
    entries = [(i, s) for i, s in enumerate(servers) if isinstance(s, str) and "/.well-known/" not in s]
    if not entries:
        return  # only metadata URLs: XD003 reports them
    verdicts = [(i, s, compare(s, issuer)) for i, s in entries]
    if any(v == "same" for _, _, v in verdicts):
        return
    near = next(((i, s) for i, s, v in verdicts if v == "normalised"), None)
    if near is not None:
        i, s = near
        yield Finding(f"`authorization_servers[{i}]` {inline(s)} differs from the AS `issuer` {inline(issuer)} only by "
                      "normalisation (trailing slash, case or default port)",
                      _meta_loc(site.prm, f"/authorization_servers/{i}"),
                      hint=f"use exactly {inline(issuer)} in both documents", severity=Severity.WARNING)
        return
    listed = ", ".join(inline(s) for _, s in entries)
    yield Finding(f"`authorization_servers` ({listed}) does not contain the AS `issuer` {inline(issuer)}",
                  _meta_loc(site.prm, f"/authorization_servers/{entries[0][0]}"),
                  hint="agents use authorization_servers[0] and discard metadata whose issuer differs")


@rule("XD003", "authorization-server-is-metadata-url", Severity.ERROR, scope="prm",
      spec="RFC 9728 §2; RFC 8414 §3.1; docs/protocol.md P7", embedded=True)
def authorization_server_is_metadata_url(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """An `authorization_servers` entry is a `.well-known` metadata URL instead of an issuer.

    Why: RFC 9728 §2 lists issuer identifiers; agents insert `/.well-known/oauth-authorization-server`
    into the entry (RFC 8414 §3.1), so a metadata URL yields a URL that does not exist. The PRM
    alone shows it, so the rule runs on a lone PRM and on a PRM example inside auth.md too.
    Bad: `"authorization_servers": ["https://auth.quillnote.io/.well-known/oauth-authorization-server"]`
    Good: `"authorization_servers": ["https://auth.quillnote.io"]`
    Spec: RFC 9728 §2; RFC 8414 §3.1; docs/protocol.md P7.
    """
    prm = _obj(doc)
    if prm is None:
        return
    issuer = _str((_obj(ctx.site.as_metadata if ctx.site else None) or {}).get("issuer"))
    servers = prm.get("authorization_servers")
    for i, s in enumerate(servers if isinstance(servers, list) else []):
        if isinstance(s, str) and "/.well-known/" in (urlsplit(s).path or ""):
            derived = issuer_for_metadata_url(s)
            # Name the AS's own `issuer` when it is the one meant: it must be copied exactly (RFC 8414 §3.3).
            want = issuer if issuer and compare(derived, issuer) != "different" else derived
            yield Finding(f"`authorization_servers[{i}]` {inline(s)} is a metadata URL, not an issuer",
                          _meta_loc(doc, f"/authorization_servers/{i}"),
                          hint=f"list the issuer instead: {inline(want)}")


# ------------------------------------------------------------------------------ XD004


def _as_set(v: Any) -> set[str] | None:
    if not isinstance(v, list):
        return None
    return {x for x in v if isinstance(x, str)}


def _set_diff(shown: set[str], served: set[str]) -> str:
    parts = []
    if shown - served:
        parts.append("extra " + ", ".join(f"`{inline(x)}`" for x in sorted(shown - served)))
    if served - shown:
        parts.append("missing " + ", ".join(f"`{inline(x)}`" for x in sorted(served - shown)))
    return "; ".join(parts)


@rule("XD004", "resource-mismatch", Severity.ERROR, scope="site",
      spec="docs/protocol.md §5.2, D4; RFC 9728 §3.3")
def resource_mismatch(site: Site, ctx: RuleContext) -> Iterator[Finding]:
    """The AS metadata's echo of the PRM (`resource`, scopes, bearer methods, servers) disagrees with the PRM.

    Why: in auth.md the outer AS fields restate the PRM (docs/protocol.md §5.2); an agent that reads only the
    AS metadata (AuthKit's client does) then asks for another resource or scope set. URL
    differences that vanish after normalisation are warnings (docs/protocol.md D4).
    Bad: PRM `"scopes_supported": ["notes.read", "notes.write"]`, AS `"scopes_supported": ["notes.read"]`
    Good: the same values in both documents.
    Spec: docs/protocol.md §5.2; RFC 9728 §3.3; docs/protocol.md D4.
    """
    prm, asm = _obj(site.prm), _obj(site.as_metadata)
    if site.as_metadata is None or prm is None or asm is None:
        return
    a, b = _str(asm.get("resource")), _str(prm.get("resource"))
    if a and b:
        verdict = compare(a, b)
        if verdict != "same":
            yield Finding(f"AS `resource` {inline(a)} differs from the PRM `resource` {inline(b)}"
                          + (" only by normalisation" if verdict == "normalised" else ""),
                          _meta_loc(site.as_metadata, "/resource"), hint=f"use exactly {inline(b)}",
                          severity=Severity.WARNING if verdict == "normalised" else None)
    for key in ("scopes_supported", "bearer_methods_supported"):
        sa, sb = _as_set(asm.get(key)), _as_set(prm.get(key))
        if sa is not None and sb is not None and sa != sb:
            yield Finding(f"AS `{key}` differs from the PRM: {_set_diff(sa, sb)}",
                          _meta_loc(site.as_metadata, f"/{key}"), hint="restate the PRM values exactly")
    la, lb = asm.get("authorization_servers"), prm.get("authorization_servers")
    if isinstance(la, list) and isinstance(lb, list):
        na = [x for x in la if isinstance(x, str)]
        nb = [x for x in lb if isinstance(x, str)]
        if na != nb:
            pairs = list(zip(na, nb, strict=False))
            normalised_only = len(na) == len(nb) and all(compare(x, y) != "different" for x, y in pairs)
            yield Finding(f"AS `authorization_servers` {show_value(na)} differs from the PRM's {show_value(nb)}"
                          + (" only by normalisation" if normalised_only else ""),
                          _meta_loc(site.as_metadata, "/authorization_servers"),
                          hint="restate the PRM values exactly",
                          severity=Severity.WARNING if normalised_only else None)


# ------------------------------------------------------------------------------ XD005 / XD006


@dataclass(frozen=True)
class _Drift:
    message: str
    line: int | None
    column: int | None
    severity: Severity | None = None
    host: str | None = None


_AS_URL_KEYS = ("issuer", "token_endpoint", "revocation_endpoint", "resource")
_AA_URL_KEYS = ("identity_endpoint", "claim_endpoint", "events_endpoint", "register_uri", "claim_uri",
                "revocation_uri")
_PRM_URL_KEYS = ("resource",)


def _url_drift(shown: Any, served: Any, what: str, jdoc: JsonDoc, ptr: str, *, out: list[_Drift]) -> None:
    # A placeholder in the *served* value is DS006's error; comparing the example with it is noise.
    if not isinstance(shown, str) or not isinstance(served, str) or _skippable(shown) or _skippable(served):
        return
    verdict = compare(shown, served)
    if verdict == "same":
        return
    pos = jdoc.position(ptr) or (None, None)
    out.append(_Drift(f"the example shows `{what}` {inline(shown)} but the metadata says {inline(served)}"
                      + (" (differs only by normalisation)" if verdict == "normalised" else ""),
                      pos[0], pos[1], Severity.WARNING if verdict == "normalised" else None, host(shown)))


def _set_drift(shown: Any, served: Any, what: str, jdoc: JsonDoc, ptr: str, *, out: list[_Drift]) -> None:
    a, b = _as_set(shown), _as_set(served)
    if a is None or not b:  # an empty served list is DS005's ("omit it"), not a drift of the example
        return
    a = {x for x in a if not is_placeholder(x)}
    if what.endswith("identity_types_supported"):
        # `refresh` is never required in metadata (SPEC §14 D8): listed on one side only is no drift.
        a, b = a - {"refresh"}, b - {"refresh"}
    if a != b:
        pos = jdoc.position(ptr) or (None, None)
        out.append(_Drift(f"the example's `{what}` differs from the metadata: {_set_diff(a, b)}", pos[0], pos[1]))


def _known_scopes(prm: dict[str, Any] | None, asm: dict[str, Any] | None) -> set[str] | None:
    scopes: set[str] = set()
    found = False
    for d in (prm, asm):
        s = _as_set(d.get("scopes_supported")) if d else None
        if s is not None:
            scopes |= s
            found = True
    return scopes if found else None


_SCOPE_KEYS = ("scopes", "pre_claim_scopes", "post_claim_scopes", "pre_claim", "post_claim")


def _json_drifts(jdoc: JsonDoc, prm: dict[str, Any] | None, asm: dict[str, Any] | None, out: list[_Drift]) -> None:
    root = jdoc.value
    aa = _agent_auth(asm)
    if isinstance(root, dict):
        looks_as = "agent_auth" in root or "issuer" in root or "token_endpoint" in root
        looks_prm = not looks_as and "resource" in root and "authorization_servers" in root
        if looks_as and asm is not None:
            for k in _AS_URL_KEYS:
                if k in root and k in asm:
                    _url_drift(root[k], asm[k], k, jdoc, _ptr(k), out=out)
            for k in ("grant_types_supported", "scopes_supported", "bearer_methods_supported"):
                if k in root and k in asm:
                    _set_drift(root[k], asm[k], k, jdoc, _ptr(k), out=out)
            raa = root.get("agent_auth")
            if isinstance(raa, dict):
                for k in _AA_URL_KEYS:
                    if k in raa and k in aa:
                        _url_drift(raa[k], aa[k], f"agent_auth.{k}", jdoc, _ptr("agent_auth", k), out=out)
                if "identity_types_supported" in raa and "identity_types_supported" in aa:
                    _set_drift(raa["identity_types_supported"], aa["identity_types_supported"],
                               "agent_auth.identity_types_supported", jdoc,
                               _ptr("agent_auth", "identity_types_supported"), out=out)
                ria, sia = raa.get("identity_assertion"), aa.get("identity_assertion")
                if isinstance(ria, dict) and isinstance(sia, dict) and "assertion_types_supported" in ria \
                        and "assertion_types_supported" in sia:
                    _set_drift(ria["assertion_types_supported"], sia["assertion_types_supported"],
                               "identity_assertion.assertion_types_supported", jdoc,
                               _ptr("agent_auth", "identity_assertion", "assertion_types_supported"), out=out)
            return
        if looks_prm and prm is not None:
            for k in _PRM_URL_KEYS:
                if k in root and k in prm:
                    _url_drift(root[k], prm[k], k, jdoc, _ptr(k), out=out)
            for k in ("scopes_supported", "bearer_methods_supported"):
                if k in root and k in prm:
                    _set_drift(root[k], prm[k], k, jdoc, _ptr(k), out=out)
            return
    _body_drifts(jdoc, prm, asm, out)


def _body_drifts(jdoc: JsonDoc, prm: dict[str, Any] | None, asm: dict[str, Any] | None, out: list[_Drift]) -> None:
    """Request/response bodies: claim URLs and scopes agents act on (docs/protocol.md §6)."""
    claim_ep = _str(_agent_auth(asm).get("claim_endpoint"))
    scopes = _known_scopes(prm, asm)
    if not claim_ep and scopes is None:
        return  # nothing to compare the body with: the walk below would find nothing
    stack: list[tuple[Any, str, str | None]] = [(jdoc.value, "", None)]
    while stack:
        v, ptr, key = stack.pop()
        if isinstance(v, dict):
            for k, c in v.items():
                stack.append((c, f"{ptr}/{escape_pointer_token(str(k))}", str(k)))
            if claim_ep:
                if isinstance(v.get("claim_url"), str):
                    _url_drift(v["claim_url"], claim_ep, "claim_url", jdoc, f"{ptr}/claim_url", out=out)
                if key == "claim" and isinstance(v.get("url"), str):
                    _url_drift(v["url"], claim_ep, "claim.url", jdoc, f"{ptr}/url", out=out)
        elif isinstance(v, list):
            if scopes is not None and key in _SCOPE_KEYS:
                for i, s in enumerate(v):
                    if isinstance(s, str) and not is_placeholder(s) and s not in scopes:
                        pos = jdoc.position(f"{ptr}/{i}") or (None, None)
                        out.append(_Drift(f"scope `{inline(s)}` in the example is not in `scopes_supported`",
                                          pos[0], pos[1]))
            else:
                stack.extend((c, f"{ptr}/{i}", key) for i, c in enumerate(v))
        elif isinstance(v, str) and key == "scope" and scopes is not None and not is_placeholder(v):
            for s in v.split():
                if s not in scopes:
                    pos = jdoc.position(ptr) or (None, None)
                    out.append(_Drift(f"scope `{inline(s)}` in the example is not in `scopes_supported`",
                                      pos[0], pos[1]))


def _request_url(m: HttpMessage, scheme: str = "https") -> tuple[str | None, str]:
    """(absolute URL or None, path) of a request example. An origin-form request line with a
    `Host` header carries no scheme (RFC 9112 §3.2.1): the caller says which one to assume."""
    target = m.target or ""
    if "://" in target:
        return target, urlsplit(target).path
    h = m.header("Host")
    path = target.split("?")[0]
    return (f"{scheme}://{h.strip()}{path}" if h else None), path


def _role(path: str) -> tuple[str, str] | None:
    """(metadata location, suffix) of the endpoint a request path stands for."""
    p = path.rstrip("/")
    if p.endswith("/claim/complete"):
        return "agent_auth.claim_endpoint", "/complete"
    if p.endswith("/agent/auth/revoke") or p.endswith("/event/notify"):
        return "agent_auth.events_endpoint", ""
    if p.endswith("/claim"):
        return "agent_auth.claim_endpoint", ""
    if p.endswith("/agent/identity") or p.endswith("/agent/auth"):
        return "agent_auth.identity_endpoint", ""
    if p.endswith("/token"):
        return "token_endpoint", ""
    if p.endswith("/revoke"):
        return "revocation_endpoint", ""
    return None


def _served(where: str, asm: dict[str, Any] | None) -> str | None:
    if asm is None:
        return None
    if where.startswith("agent_auth."):
        aa = _agent_auth(asm)
        key = where.split(".", 1)[1]
        alias = {"identity_endpoint": "register_uri", "claim_endpoint": "claim_uri",
                 "events_endpoint": "revocation_uri"}[key]
        return _str(aa.get(key)) or _str(aa.get(alias))
    return _str(asm.get(where))


def _http_drifts(m: HttpMessage, prm: dict[str, Any] | None, asm: dict[str, Any] | None, ctx: RuleContext,
                 out: list[_Drift]) -> bool:
    """Drift of one request example; True when it was matched to a metadata endpoint."""
    _, path = _request_url(m)
    role = _role(path)
    if role is None:
        return False
    where, suffix = role
    served = _served(where, asm)
    if served is None or _skippable(served):
        return False
    expected = served.rstrip("/") + suffix
    # `POST /agent/identity` + `Host:` says nothing about the scheme: take the metadata's, so a
    # plain-http loopback sandbox (authmd serve) is not "drift" (the scheme itself is DS006's).
    url, _ = _request_url(m, urlsplit(expected).scheme or "https")
    if url is not None and _skippable(url):
        return False
    line = m.fence.content_line
    if url is not None:
        verdict = compare(url, expected)
        if verdict != "same":
            plus = f" + {suffix}" if suffix else ""
            near = " only by normalisation" if verdict == "normalised" else ""
            out.append(_Drift(f"{m.method} {inline(url)} in the example differs from `{where}`{plus} "
                              f"{inline(expected)}{near}",
                              line, 1, Severity.WARNING if verdict == "normalised" else None, host(url)))
    elif path.rstrip("/") != (urlsplit(expected).path.rstrip("/")):
        out.append(_Drift(f"{m.method} {inline(path)} in the example differs from the path of `{where}` "
                          f"{inline(expected)}", line, 1))
    form = dict(m.form or ())
    grants = _as_set(asm.get("grant_types_supported")) if asm else None
    gt = form.get("grant_type")
    if gt and grants is not None and not is_placeholder(gt) and gt not in grants:
        out.append(_Drift(f"grant_type `{inline(gt)}` in the example is not in `grant_types_supported`",
                          m.body_line or line, 1))
    res = form.get("resource")
    if res and prm and isinstance(prm.get("resource"), str) and not _skippable(res):
        verdict = compare(res, prm["resource"])
        if verdict != "same":
            out.append(_Drift(f"`resource={inline(res)}` in the example differs from the PRM `resource` "
                              f"{inline(prm['resource'])}",
                              m.body_line or line, 1, Severity.WARNING if verdict == "normalised" else None))
    body = m.json_body.doc if m.json_body is not None else None
    if body is not None and isinstance(body.value, dict) and where == "agent_auth.identity_endpoint":
        _registration_body(body, asm, ctx, out)
    return True


def _registration_body(body: JsonDoc, asm: dict[str, Any] | None, ctx: RuleContext, out: list[_Drift]) -> None:
    aa = _agent_auth(asm)
    types = _as_set(aa.get("identity_types_supported"))
    typ = body.value.get("type")
    allowed = (types or set()) | ({"refresh"} if ctx.profile.has_refresh else set())  # SPEC §14 D8
    if types is not None and isinstance(typ, str) and not is_placeholder(typ) and typ not in allowed:
        pos = body.position("/type") or (None, None)
        out.append(_Drift(f"registration type `{inline(typ)}` in the example is not in `identity_types_supported`",
                          pos[0], pos[1]))
    ia = aa.get("identity_assertion")
    atypes = _as_set(ia.get("assertion_types_supported")) if isinstance(ia, dict) else None
    at_ = body.value.get("assertion_type")
    if atypes is not None and isinstance(at_, str) and not is_placeholder(at_) and at_ not in atypes:
        pos = body.position("/assertion_type") or (None, None)
        out.append(_Drift(f"assertion_type `{inline(at_)}` in the example is not in `assertion_types_supported`",
                          pos[0], pos[1]))


def _without_stubs(asm: dict[str, Any] | None) -> dict[str, Any] | None:
    """The served AS metadata without the endpoint members that endpoint-collapse (DS008) reports
    as stubs (the auth.md itself, a page, one URL for several roles): comparing every example
    with a stub would repeat that one root cause once per example (docs/protocol.md P5)."""
    if asm is None:
        return None
    block = _agent_auth(asm)
    skill = _str(block.get("skill"))
    members: list[tuple[str, str, Any, str]] = [
        ("", k, v, vocab.TOP_ENDPOINTS[k]) for k, v in asm.items() if k in vocab.TOP_ENDPOINTS]
    members += [("agent_auth", k, v, vocab.AGENT_AUTH_ENDPOINTS[k]) for k, v in block.items()
                if k in vocab.AGENT_AUTH_ENDPOINTS]
    roles: dict[str, set[str]] = {}
    for _, _, v, role in members:
        if isinstance(v, str):
            roles.setdefault(shape.normalised(v), set()).add(role)
    stubs = {(where, k) for where, k, v, _ in members if isinstance(v, str) and (
        shape.page_reason(v, skill) or len(roles[shape.normalised(v)]) > 1)}
    if not stubs:
        return asm
    out = {k: v for k, v in asm.items() if ("", k) not in stubs}
    if block:
        out["agent_auth"] = {k: v for k, v in block.items() if ("agent_auth", k) not in stubs}
    return out


@per_subject  # XD005 and XD006 both read it: compared once per site
def _drifts(site: Site, ctx: RuleContext) -> tuple[list[_Drift], set[int]]:
    """Example drift findings and the lines of request examples matched to a metadata endpoint."""
    out: list[_Drift] = []
    matched: set[int] = set()
    doc = site.auth_md
    prm, asm = _obj(site.prm), _without_stubs(_obj(site.as_metadata))
    if doc is None or doc.auth is None or (prm is None and asm is None):
        return out, matched
    for b in doc.auth.json_blocks:
        if b.doc is not None:
            _json_drifts(b.doc, prm, asm, out)
    for m in doc.auth.http_messages:
        if m.kind == "request" and _http_drifts(m, prm, asm, ctx, out):
            matched.add(m.fence.content_line)
        if m.json_body is not None and m.json_body.doc is not None:
            _body_drifts(m.json_body.doc, prm, asm, out)
    return out, matched


@rule("XD005", "example-drift", Severity.ERROR, scope="site", spec="docs/protocol.md §13.5, D12, P9")
def example_drift(site: Site, ctx: RuleContext) -> Iterator[Finding]:
    """A value agents act on differs between the auth.md examples and the served metadata.

    Why: agents copy endpoints, identity types, grant types and scopes from the auth.md
    examples; when they differ from the PRM / AS metadata the agent calls the wrong URL or asks
    for something the service does not offer (docs/protocol.md P9). Placeholders (`"<…>"`, `"…"`,
    example.com hosts, templates) are skipped (docs/protocol.md D12); a difference that vanishes after
    URL normalisation is a warning (D4). Reported at the auth.md line.
    Bad: the auth.md shows `POST /agent/register` while `identity_endpoint` is `…/agent/identity`.
    Good: examples generated from the same values as the metadata (`authmd init`).
    Spec: docs/protocol.md §13.5, D4, D12, P9.
    """
    doc = site.auth_md
    if doc is None:
        return
    drifts, _ = _drifts(site, ctx)
    seen: set[tuple[str, int | None]] = set()
    for d in drifts:
        if (d.message, d.line) in seen:
            continue
        seen.add((d.message, d.line))
        yield Finding(d.message, at(doc, d.line, d.column),
                      hint="make the example identical to the served metadata", severity=d.severity)


_URL_RE = re.compile(r"https?://([A-Za-z0-9.-]+)(?::\d+)?")
_BARE_HOST_RE = re.compile(r"`([a-z0-9-]+(?:\.[a-z0-9-]+)+)`", re.IGNORECASE)
_FILE_EXT = (".md", ".json", ".yaml", ".yml", ".txt", ".html", ".js", ".py", ".png")


@rule("XD006", "host-drift", Severity.WARNING, scope="site", spec="docs/protocol.md §3.2, §13.5, P9")
def host_drift(site: Site, ctx: RuleContext) -> Iterator[Finding]:
    """A host named in the auth.md intro or request examples is not one of the metadata's hosts.

    Why: the intro must name the real resource-server and authorization-server hosts (docs/protocol.md
    §3.2), and agents send requests to the hosts in the examples; a different domain there
    (a copy from another service, a staging host) sends them elsewhere (docs/protocol.md P9).
    Request hosts must be one of the PRM `resource`, issuer or endpoint hosts; intro hosts may
    also be another host of the same registrable domain (a homepage or docs host).
    Requests matched to a metadata endpoint are left to `example-drift`.
    Bad: intro names `api.quillnote.com` while the PRM says `https://api.quillnote.io`.
    Good: the intro and examples use the metadata's hosts.
    Spec: docs/protocol.md §3.2, §13.5, P9.
    """
    doc = site.auth_md
    prm, asm = _obj(site.prm), _obj(site.as_metadata)
    if doc is None or doc.auth is None:
        return
    hosts = _site_hosts(prm, asm)
    if not hosts:
        return
    domains = {_registrable(h) for h in hosts}
    _, matched = _drifts(site, ctx)
    reported: set[str] = set()

    def ok(h: str, lenient: bool) -> bool:
        return (h in hosts or is_placeholder_host(h) or is_loopback_host(h) or h in reported
                or (lenient and _registrable(h) in domains))

    auth = doc.auth
    start = auth.intro_line
    for n, text in enumerate(split_lines(auth.intro)):
        found = [m.group(1).lower() for m in _URL_RE.finditer(text)]
        found += [m.group(1).lower() for m in _BARE_HOST_RE.finditer(text)
                  if not m.group(1).lower().endswith(_FILE_EXT)]
        for h in found:
            if not ok(h, lenient=True):
                reported.add(h)
                yield Finding(f"the intro names {inline(h)}, which is not a host of the metadata "
                              f"({_hosts(hosts)})", at(doc, _intro_line(auth.lines, start, text, n), 1),
                              hint="name the PRM `resource` host and the AS `issuer` host")
    for m in auth.http_messages:
        if m.kind != "request" or m.fence.content_line in matched:
            continue
        url, _ = _request_url(m)
        h = host(url) if url else None
        if h and not ok(h, lenient=False):
            reported.add(h)
            yield Finding(f"the example sends {m.method} to {inline(h)}, which is not a host of the metadata "
                          f"({_hosts(hosts)})", at(doc, m.fence.content_line, 1),
                          hint="use the PRM `resource` host or the AS `issuer` host")


def _intro_line(lines: tuple[str, ...], start: int, text: str, fallback: int) -> int:
    for i in range(max(start, 1), len(lines) + 1):
        if lines[i - 1] == text:
            return i
    return start + fallback


# ------------------------------------------------------------------------------ XD007


_POLL_WORD_RE = re.compile(r"\bpoll(s|ing|ed)?\b", re.IGNORECASE)


def _claim_urn(g: Any) -> bool:
    return isinstance(g, str) and (g == CLAIM_GRANT_URN or bool(_VENDOR_CLAIM_RE.match(g)))


@rule("XD007", "ceremony-drift", Severity.ERROR, scope="auth.md", spec="docs/protocol.md §7.3, D17, P9")
def ceremony_drift(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """The claim ceremony the auth.md describes does not match the grant types the AS advertises.

    Why: v0.4-v0.7-A agents poll `token_endpoint` with the claim grant; v0.7-B agents complete
    at `<claim_endpoint>/complete` with the code the user reads back (docs/protocol.md §7.3). Prose that
    says "poll" while `grant_types_supported` lacks the claim URN (or the reverse) leaves the
    agent waiting forever or calling a grant the server rejects (docs/protocol.md P9).
    Bad: `### 4c. Poll for completion` with `"grant_types_supported": ["urn:ietf:params:oauth:grant-type:jwt-bearer"]`
    Good: polling prose together with `urn:workos:agent-auth:grant-type:claim` in the metadata,
    or read-back completion without it.
    Spec: docs/protocol.md §7.3, D17, P9.
    """
    # The served AS metadata of the site, else the auth.md's own AS metadata example: prose and
    # example in one file contradict each other just the same.
    asm = _obj(ctx.site.as_metadata) if ctx.site is not None else None
    if asm is None:
        asm = next((j.value for j in _md_json(doc) if isinstance(j.value, dict)
                    and isinstance(j.value.get("grant_types_supported"), list)
                    and ("issuer" in j.value or "agent_auth" in j.value)), None)
    if doc.auth is None or asm is None:
        return
    grants = asm.get("grant_types_supported")
    if not isinstance(grants, list):
        return
    meta_polls = any(_claim_urn(g) for g in grants)
    poll: list[int] = []
    complete: list[int] = []
    for sig in document_scan(doc.kind, doc.auth, None).signals:
        if sig.line is None:
            continue
        if sig.construct == "claim-poll":
            poll.append(sig.line)
        elif sig.construct in ("claim-complete", "complete-user_code", "otp"):
            complete.append(sig.line)
    for m in doc.auth.http_messages:
        if m.kind == "request" and _claim_urn(dict(m.form or ()).get("grant_type")):
            poll.append(m.body_line or m.fence.content_line)
    claim = doc.auth.section("claim")
    if claim is not None:
        for ln in range(claim.heading.line, claim.end_line + 1):
            if ln not in doc.auth.code_lines and ln <= len(doc.auth.lines) \
                    and _POLL_WORD_RE.search(doc.auth.lines[ln - 1]):
                poll.append(ln)
    loc_grants = "grant_types_supported"
    if poll and not meta_polls:
        yield Finding(f"the auth.md tells agents to poll for the claim (line {min(poll)}) but `{loc_grants}` "
                      "lacks the claim-grant URN", at(doc, min(poll), 1),
                      hint="advertise `urn:workos:agent-auth:grant-type:claim` (v0.4-v0.7-A) or describe the "
                           "v0.7-B read-back completion at `<claim_endpoint>/complete`")
    elif meta_polls and complete and not poll:
        yield Finding(f"the auth.md describes completing the claim without polling (line {min(complete)}) but "
                      f"`{loc_grants}` advertises the claim-polling grant", at(doc, min(complete), 1),
                      hint="describe polling the token endpoint with the claim grant, or remove the URN (v0.7-B)")


# ------------------------------------------------------------------------------ XD008


@rule("XD008", "registration-contradiction", Severity.ERROR, scope="site",
      spec="docs/protocol.md D13, P9, P10")
def registration_contradiction(site: Site, ctx: RuleContext) -> Iterator[Finding]:
    """The auth.md says no agent registration is offered, but the metadata advertises it.

    Why: agents trust the metadata: an `agent_auth` block with a registration endpoint makes them
    register, whatever the prose says (docs/protocol.md P9). A site without registration publishes
    no `agent_auth` block (docs/protocol.md D13); a site with registration does not say it has none.
    Bad: "This service does not offer agent registration." next to
    `"agent_auth": {"identity_endpoint": "https://auth.quillnote.io/agent/identity", …}`
    Good: either the declaration without `agent_auth`, or working registration without the declaration.
    Spec: docs/protocol.md D13, P9, P10.
    """
    from authmd_cli.protocol.detect import said_no_registration

    doc, asm = site.auth_md, _obj(site.as_metadata)
    if doc is None or doc.auth is None or asm is None or site.as_metadata is None:
        return
    block = _agent_auth(asm)
    endpoint = next((k for k in ("identity_endpoint", "register_uri") if _str(block.get(k))), None)
    line = said_no_registration(doc.auth)
    if endpoint is None or line is None:
        return
    yield Finding(f"the auth.md says no agent registration is offered, but the metadata advertises "
                  f"`agent_auth.{endpoint}` {inline(str(block[endpoint]))}", at(doc, line, 1),
                  hint="remove the `agent_auth` block if nothing can be registered, or correct the prose",
                  related=(_meta_loc(site.as_metadata, f"/agent_auth/{endpoint}"),))


# ------------------------------------------------------------------------------ XD009

_WELL_KNOWN_URL_RE = re.compile(r"https?://[^\s`\"'<>()\[\]]+?/\.well-known/(oauth-authorization-server|"
                                r"oauth-protected-resource)[^\s`\"'<>()\[\],;]*")
_WELL_KNOWN_PATH_RE = re.compile(r"/\.well-known/(oauth-authorization-server|oauth-protected-resource)")


def _identifiers(doc: Document, ctx: RuleContext) -> dict[str, str]:
    """The AS `issuer` and PRM `resource` the auth.md's discovery URLs must be built from:
    the served documents of its site first, else the auth.md's own metadata examples."""
    out: dict[str, str] = {}
    site = ctx.site
    served_as, served_prm = _obj(site.as_metadata if site else None), _obj(site.prm if site else None)
    shown = [j.value for j in _md_json(doc) if isinstance(j.value, dict)]
    for value in ([served_as] if served_as else []) + shown:
        if "oauth-authorization-server" not in out and ("agent_auth" in value or "token_endpoint" in value) \
                and _str(value.get("issuer")) and not _skippable(value["issuer"]):
            out["oauth-authorization-server"] = value["issuer"]
    for value in ([served_prm] if served_prm else []) + shown:
        if "oauth-protected-resource" not in out and "issuer" not in value and _str(value.get("resource")) \
                and not _skippable(value["resource"]):
            out["oauth-protected-resource"] = value["resource"]
    return out


def _discovery_urls(doc: Document, ids: dict[str, str]) -> Iterator[tuple[str, str, int]]:
    """(URL, well-known name, line) of every discovery URL the auth.md tells agents to fetch."""
    auth = doc.auth
    if auth is None:
        return
    for m in auth.http_messages:
        if m.kind != "request" or not m.target or (m.method or "GET") not in ("GET", "HEAD"):
            continue
        found = _WELL_KNOWN_PATH_RE.search(urlsplit(m.target).path if "://" in m.target else m.target)
        if found is None:
            continue
        # An origin-form request (`GET /.well-known/…` + `Host:`) takes the identifier's scheme.
        scheme = urlsplit(ids.get(found.group(1), "https://x")).scheme or "https"
        url, _ = _request_url(m, scheme)
        if url:
            yield url, found.group(1), m.fence.content_line
    in_http = {n for m in auth.http_messages for n in range(m.fence.content_line, m.fence.end_line + 1)}
    for n, text in enumerate(auth.lines, start=1):
        if n < auth.body_start_line or n in in_http:
            continue
        if "/.well-known/" not in text:
            continue  # every match has it (matched case-sensitively): spares the regex on most lines
        for u in _WELL_KNOWN_URL_RE.finditer(text):
            yield u.group(0).rstrip("."), u.group(1), n


@rule("XD009", "discovery-url", Severity.WARNING, scope="auth.md", spec="RFC 8414 §3.1, §3.3; RFC 9728 §3.1; "
      "docs/protocol.md D4, D22")
def discovery_url(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """A discovery URL in the auth.md is not the one RFC 8414 / RFC 9728 build from the identifier.

    Why: the AS metadata URL is built by *inserting* `/.well-known/oauth-authorization-server`
    between the host and the path of the `issuer` (RFC 8414 §3.1), and the returned `issuer`
    must equal the one used (§3.3); the PRM URL likewise from the `resource` (RFC 9728 §3.1).
    Appending the suffix to an issuer with a path, or fetching the metadata from another host
    than the issuer's, gives agents a URL that does not exist or a document they must discard
    (docs/protocol.md D4, D22). The identifiers come from the served metadata of the site, else from
    the auth.md's own examples.
    Bad: issuer `https://quillnote.io/auth`, auth.md fetches
    `https://quillnote.io/auth/.well-known/oauth-authorization-server`
    Good: `https://quillnote.io/.well-known/oauth-authorization-server/auth`
    Spec: RFC 8414 §3.1, §3.3; RFC 9728 §3.1; docs/protocol.md D4, D22.
    """
    from authmd_cli.core.urls import insert_well_known

    ids = _identifiers(doc, ctx)
    reported: set[str] = set()
    for url, name, line in _discovery_urls(doc, ids):
        ident = ids.get(name)
        if ident is None or _skippable(url) or url in reported:
            continue
        want = insert_well_known(ident, f"/.well-known/{name}")
        if compare(url, want) != "different":
            continue
        reported.add(url)
        what = "issuer" if name == "oauth-authorization-server" else "resource"
        if (host(url) or "") != (host(ident) or ""):
            why = f"is on {inline(host(url) or '')}, not on the {what}'s host {inline(host(ident) or '')}"
        elif compare(url, ident.rstrip("/") + f"/.well-known/{name}") != "different":
            why = f"appends the well-known suffix to the {what} {inline(ident)} instead of inserting it"
        else:
            why = f"is not the metadata URL of the {what} {inline(ident)}"
        yield Finding(f"discovery URL {inline(url)} {why}", at(doc, line, 1),
                      hint=f"fetch {inline(want)} (RFC 8414 §3.1 / RFC 9728 §3.1 insertion)")
