"""Config → the three artefacts an agent reads (pure: no I/O besides reading templates).

`render_prm` and `render_as_metadata` build the discovery documents as dicts (insertion order
is the published key order); `render_auth_md` renders the Markdown through Jinja2 templates
with the *same* dicts and example bodies, so every URL, type, scope and timing in the prose
equals the metadata (IN-THE-WILD P9). `render_site` returns the whole site layout. `serve`
imports these functions, so what it serves cannot drift from what `init` writes.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit, urlunsplit

from authmd_cli.core.urls import AS_SUFFIX, PRM_SUFFIX, insert_well_known
from authmd_cli.protocol import profiles
from authmd_cli.site.config import (
    INIT_PROFILES,
    AuthorizationServer,
    ServiceConfig,
    load_config,
)

if TYPE_CHECKING:
    import jinja2

__all__ = [
    "INIT_PROFILES",
    "ServiceConfig",
    "as_metadata_url",
    "dump_json",
    "examples",
    "load_config",
    "prm_url",
    "render_as_metadata",
    "render_auth_md",
    "render_prm",
    "render_site",
    "site_paths",
]

# Example timestamps are computed from one fixed instant so the output is deterministic and
# the lifetimes shown equal the configured ones (SPEC §14 D28: ISO-8601 UTC with milliseconds).
EXAMPLE_NOW = datetime(2026, 7, 1, 12, 0, 0, tzinfo=UTC)
EXAMPLE_USER_CODE = "482915"
EXAMPLE_EMAIL = "<the user's email>"


# ---------------------------------------------------------------------------- URLs


def prm_url(cfg: ServiceConfig) -> str:
    # RFC 9728 §3.1 / RFC 8414 §3.1: inserted between host and path, never appended (SPEC §14 D4).
    return insert_well_known(cfg.resource_server.resource, PRM_SUFFIX)


def as_metadata_url(cfg: ServiceConfig) -> str:
    asrv = _as(cfg)
    return insert_well_known(asrv.issuer, AS_SUFFIX)


def site_paths(cfg: ServiceConfig) -> dict[str, str]:
    """Artefact → relative path in the site layout: `auth.md`, and each well-known document at
    its RFC-inserted path (`.well-known/oauth-protected-resource[/<resource path>]`)."""
    out = {"auth.md": "auth.md", "prm": urlsplit(prm_url(cfg)).path.lstrip("/")}
    if cfg.registration:
        out["as"] = urlsplit(as_metadata_url(cfg)).path.lstrip("/")
    return out


def _as(cfg: ServiceConfig) -> AuthorizationServer:
    if cfg.authorization_server is None:
        raise ValueError("this config has no authorization server")
    return cfg.authorization_server


def _host(url: str) -> str:
    return urlsplit(url).netloc


def _path(url: str) -> str:
    u = urlsplit(url)
    return (u.path or "/") + (f"?{u.query}" if u.query else "")


# ---------------------------------------------------------------------------- JSON documents


def dump_json(value: Any) -> str:
    """The one JSON style of every generated file: insertion order, 2-space indent, UTF-8,
    trailing newline (stable across runs, so `init --check` can compare text)."""
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def render_prm(cfg: ServiceConfig) -> dict[str, Any]:
    """Protected Resource Metadata (RFC 9728 §2; SPEC §4.2). Empty members are omitted
    (RFC 9728 §3.2; SPEC §14 D16)."""
    svc, rs = cfg.service, cfg.resource_server
    prm: dict[str, Any] = {"resource": rs.resource, "resource_name": svc.name}
    if svc.logo_uri:
        prm["resource_logo_uri"] = svc.logo_uri  # profile extension (SPEC §14 D15)
    if cfg.authorization_server is not None:
        prm["authorization_servers"] = [cfg.authorization_server.issuer]  # exact issuer (SPEC §14 D4)
    if cfg.scopes:
        prm["scopes_supported"] = list(cfg.scope_names)
    prm["bearer_methods_supported"] = list(rs.bearer_methods)
    if svc.docs_url:
        prm["resource_documentation"] = svc.docs_url
    if svc.privacy_url:
        prm["resource_policy_uri"] = svc.privacy_url
    if svc.tos_url:
        prm["resource_tos_uri"] = svc.tos_url
    return prm


def grant_types(cfg: ServiceConfig) -> list[str]:
    """jwt-bearer always; the claim-polling grant where the profile polls and a ceremony
    exists (SPEC §5.2, §14 D17)."""
    prof = cfg.profile_info
    out = [profiles.JWT_BEARER_URN]
    if profiles.CLAIM_GRANT_URN in prof.grant_types and cfg.methods.claim_capable:
        out.append(profiles.CLAIM_GRANT_URN)
    return out


def render_as_metadata(cfg: ServiceConfig) -> dict[str, Any]:
    """Authorization Server metadata with the `agent_auth` block (RFC 8414 §2; SPEC §5.2-§5.3).
    The outer resource fields restate the PRM (SPEC §5.2)."""
    if not cfg.registration:
        raise ValueError("profile no-registration publishes no agent_auth metadata (docs/protocol.md D13)")
    asrv, prm = _as(cfg), render_prm(cfg)
    doc: dict[str, Any] = {
        "issuer": asrv.issuer,
        "token_endpoint": asrv.token_endpoint,
        "revocation_endpoint": asrv.revocation_endpoint,
        "grant_types_supported": grant_types(cfg),
    }
    for key in ("resource", "authorization_servers", "scopes_supported", "bearer_methods_supported"):
        if key in prm:
            doc[key] = prm[key]
    agent: dict[str, Any] = {"skill": cfg.skill, "identity_endpoint": asrv.identity_endpoint}
    if cfg.methods.claim_capable:
        agent["claim_endpoint"] = asrv.claim_endpoint
    if cfg.events:
        agent["events_endpoint"] = asrv.events_endpoint
    agent["identity_types_supported"] = list(cfg.methods.enabled)
    if cfg.methods.identity_assertion:
        agent["identity_assertion"] = {"assertion_types_supported": [profiles.ID_JAG_URN]}
    if cfg.events:
        agent["events_supported"] = [profiles.REVOKED_EVENT_URI]
    doc["agent_auth"] = agent
    return doc


# ---------------------------------------------------------------------------- example bodies


def _at(seconds: int) -> str:
    return (EXAMPLE_NOW + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _verification_uri(cfg: ServiceConfig) -> str:
    # Opaque to agents (SPEC §14 D24); shaped like the reference's sign-in redirect (SPEC §6.2).
    issuer = _as(cfg).issuer
    return issuer + "/login?return_to=" + quote("/claim?claim_attempt_token=cvt_...", safe="")


def _scope_str(names: tuple[str, ...]) -> str:
    return " ".join(names)


def examples(cfg: ServiceConfig) -> dict[str, Any]:
    """Every request/response body shown in auth.md, per profile envelope (SPEC §6.1-§6.8).
    Placeholders live only inside strings (SPEC §14 D12)."""
    prof = cfg.profile_info
    asrv = _as(cfg)
    nested = prof.envelope == "nested"
    post, pre = list(cfg.post_claim_scopes), list(cfg.pre_claim_scopes)
    max_age = cfg.id_jag.max_auth_age
    claim_exp = _at(cfg.ceremony.claim_window)
    attempt_exp = _at(cfg.ceremony.attempt_ttl)
    assertion_exp = _at(cfg.tokens.assertion_ttl)
    vu = _verification_uri(cfg)
    ex: dict[str, Any] = {}

    ex["idjag_request"] = {"type": "identity_assertion", "assertion_type": profiles.ID_JAG_URN,
                           "assertion": "<ID-JAG from your provider>"}
    ex["service_auth_request"] = {"type": "service_auth", "login_hint": EXAMPLE_EMAIL}
    ex["anonymous_request"] = {"type": "anonymous"}
    ex["login_required"] = {"error": "login_required",
                            "error_description": "auth_time is older than max_age; sign the user in again "
                                                 "at your provider", "max_age": max_age}
    idjag_desc = "This account already exists; the user must link it once."
    if nested:
        attempt = {"verification_uri": vu, "expires_at": attempt_exp}
        claim = {"token": "clm_...", "expires_at": claim_exp, "url": asrv.claim_endpoint, "attempt": attempt}
        ex["idjag_ok"] = {"id": "reg_...", "type": "identity_assertion",
                          "identity": {"assertion": "<service-signed JWT>", "expires_at": assertion_exp},
                          "scopes": post}
        ex["interaction_required"] = {"error": "interaction_required", "error_description": idjag_desc,
                                      "id": "reg_...", "type": "identity_assertion",
                                      "scopes": {"post_claim": post}, "claim": claim}
        ex["service_auth_ok"] = {"id": "reg_...", "type": "service_auth", "scopes": {"post_claim": post},
                                 "claim": claim}
        ex["anonymous_ok"] = {"id": "reg_...", "type": "anonymous",
                              "identity": {"assertion": "<service-signed JWT>", "expires_at": assertion_exp},
                              "scopes": {"pre_claim": pre, "post_claim": post},
                              "claim": {"token": "clm_...", "expires_at": claim_exp, "url": asrv.claim_endpoint}}
        ex["claim_request"] = {"type": "service_auth", "claim_token": "clm_...", "login_hint": EXAMPLE_EMAIL}
        ex["claim_ok"] = {"id": "reg_...", "type": "service_auth", "attempt": attempt}
        refresh = {"value": "art_...", "expires_at": _at(cfg.ceremony.refresh_token_ttl)}
        ex["complete_request"] = {"claim_token": "clm_...", "user_code": EXAMPLE_USER_CODE}
        ex["complete_ok"] = {"id": "reg_...", "status": "claimed",
                             "identity": {"assertion": "<service-signed JWT>", "expires_at": assertion_exp,
                                          "refresh_token": refresh}}
        ex["complete_pending"] = {"error": "claim_not_confirmed",
                                  "message": "The user has not confirmed on the claim page yet."}
        ex["refresh_request"] = {"type": "refresh", "refresh_token": "art_..."}
        ex["refresh_ok"] = {"id": "reg_...", "type": "refresh",
                            "identity": {"assertion": "<service-signed JWT>", "expires_at": assertion_exp,
                                         "refresh_token": refresh}}
    else:
        ceremony = {"user_code": EXAMPLE_USER_CODE, "expires_in": cfg.ceremony.user_code_ttl,
                    "verification_uri": vu, "interval": cfg.ceremony.interval}
        claim_common = {"claim_url": asrv.claim_endpoint, "claim_token": "clm_...",
                        "claim_token_expires": claim_exp, "post_claim_scopes": post}
        ex["idjag_ok"] = {"registration_id": "reg_...", "registration_type": "identity_assertion",
                          "identity_assertion": "<service-signed JWT>", "assertion_expires": assertion_exp,
                          "scopes": post}
        ex["interaction_required"] = {"error": "interaction_required", "error_description": idjag_desc,
                                      "registration_id": "reg_...", "registration_type": "identity_assertion",
                                      **claim_common, "claim": ceremony}
        ex["service_auth_ok"] = {"registration_id": "reg_...", "registration_type": "service_auth",
                                 **claim_common, "claim": ceremony}
        ex["anonymous_ok"] = {"registration_id": "reg_...", "registration_type": "anonymous",
                              "identity_assertion": "<service-signed JWT>", "assertion_expires": assertion_exp,
                              "pre_claim_scopes": pre, **claim_common}
        if _claim_body(cfg) == "union":
            ex["claim_request"] = {"type": "login_hint", "claim_token": "clm_...", "login_hint": EXAMPLE_EMAIL}
        else:
            ex["claim_request"] = {"claim_token": "clm_...", "email": EXAMPLE_EMAIL}
        ex["claim_ok"] = {"registration_id": "reg_...", "claim_attempt_id": "cla_...", "status": "initiated",
                          "expires_at": _at(cfg.ceremony.user_code_ttl), "claim_attempt": ceremony}
        ex["claim_idjag_request"] = {"type": "identity_assertion", "claim_token": "clm_...",
                                     "assertion": "<ID-JAG from your provider>"}
        ex["claim_idjag_ok"] = {"registration_id": "reg_...", "registration_type": "identity_assertion",
                                "status": "claimed", "identity_assertion": "<service-signed JWT>",
                                "assertion_expires": assertion_exp}
        ex["poll_pending"] = {"error": "authorization_pending",
                              "error_description": "The user has not completed the claim yet."}
        ex["poll_ok"] = {"access_token": "at_...", "token_type": "Bearer",
                         "expires_in": cfg.tokens.access_token_ttl, "scope": _scope_str(cfg.post_claim_scopes),
                         "identity_assertion": "<service-signed JWT>", "assertion_expires": assertion_exp}
    ex["token_ok"] = {"access_token": "at_...", "token_type": "Bearer",
                      "expires_in": cfg.tokens.access_token_ttl, "scope": _scope_str(cfg.post_claim_scopes)}
    ex["token_error"] = {"error": "invalid_grant", "error_description": "The assertion is expired or revoked."}
    return ex


def _claim_body(cfg: ServiceConfig) -> str:
    """The `/agent/identity/claim` body shape (SPEC §6.4): v0.4-v0.6 `{claim_token, email}`;
    v0.7-A a union on `type`; v0.7-B `{type:"service_auth", …}`. Not (yet) a Profile field."""
    prof = cfg.profile_info
    if prof.envelope == "nested":
        return "typed"
    return "union" if prof.label == "v0.7-A" else "email"


# ---------------------------------------------------------------------------- errors table

# Where each code is met and what the agent does (SPEC §6, §11, §11.7). Places: "identity",
# "claim", "complete" (v0.7-B agent-facing /complete), "token", "grant" (the claim-polling grant
# at the token endpoint), "any". Only codes the profile defines are written (SPEC §14 D9).
_ERROR_ROWS: dict[str, tuple[tuple[str, ...], str]] = {
    "invalid_request": (("any",), "Fix the request body; do not resend the same payload."),
    "anonymous_registration_disabled": (("identity",), "Anonymous registration is off here; pick another method."),
    "anonymous_not_enabled": (("identity",), "Anonymous registration is off here; pick another method."),
    "service_auth_registration_disabled": (("identity",), "Email registration is off here; pick another method."),
    "service_auth_not_enabled": (("identity",), "Email registration is off here; pick another method."),
    "issuer_not_enabled": (("identity",), "Your provider is not trusted here; use another method."),
    "invalid_issuer": (("identity",), "Your provider is not trusted here; use another method."),
    "invalid_signature": (("identity",), "The ID-JAG's signature does not verify; have your provider mint a new one."),
    "invalid_audience": (("identity",), "Mint the ID-JAG with `aud` set to this service's `issuer`."),
    "expired": (("identity",), "The ID-JAG has expired; mint a fresh one."),
    "replay_detected": (("identity",), "An ID-JAG works once; mint a fresh one for every request."),
    "missing_verified_email": (("identity",), "Mint the ID-JAG with `email` and `email_verified: true` "
                                              "(or a verified phone number)."),
    "interaction_required": (("identity",), "Run the claim ceremony (Step 4) with the returned claim materials."),
    "login_required": (("identity",), "Have the user sign in again at your provider, then mint a fresh ID-JAG."),
    "invalid_login_hint": (("identity", "claim"), "Send the user's real email address as `login_hint`; use one "
                                                  "address for every call."),
    "invalid_refresh_token": (("identity",), "The refresh token is spent or expired; register again (Step 3)."),
    "invalid_claim_token": (("claim", "complete"), "The claim_token is unknown; register again (Step 3)."),
    "invalid_claim": (("complete",), "The claim_token is unknown; register again (Step 3)."),
    "claim_expired": (("claim", "complete"), "The claim window closed; register again (Step 3)."),
    "already_claimed": (("claim", "complete"), "The registration is already claimed; exchange its assertion."),
    "claimed_or_in_flight": (("claim",), "Already claimed, or a ceremony is running; use the existing one."),
    "too_many_attempts": (("claim",), "Too many claim attempts for this registration; register again (Step 3)."),
    "claim_not_confirmed": (("complete",), "The user has not confirmed yet; wait a few seconds and retry."),
    "invalid_user_code": (("complete",), "Ask the user to read the code on the page again, then retry."),
    "user_code_expired": (("complete",), "Start a new attempt at the claim endpoint (Step 4a)."),
    "authorization_pending": (("grant",), "The user has not finished yet; keep polling every `interval` seconds."),
    "slow_down": (("grant",), "Add 5 seconds to your polling interval for all later polls."),
    "expired_token": (("grant",), "The code expired; start a new attempt at the claim endpoint (Step 4a)."),
    "invalid_grant": (("token",), "The assertion is expired or revoked; register again (Step 3)."),
    "rate_limit_exceeded": (("any",), "Wait for `Retry-After` (or the `retry_after` member), then retry."),
    "rate_limited": (("any",), "Wait for `Retry-After`, then retry."),
}
_CLAIM_PLACES = frozenset({"claim", "complete", "grant"})
_ID_JAG_CODES = frozenset({"invalid_issuer", "invalid_signature", "invalid_audience", "expired", "replay_detected",
                           "missing_verified_email"})


def error_rows(cfg: ServiceConfig) -> list[tuple[str, str, str]]:
    """(code, where, what to do) rows: the profile's canonical table (errors_table_expected)
    plus codes that apply to the enabled methods, ordered as the flow meets them. Codes met
    only during a claim ceremony are left out when no method can lead to one."""
    prof, asrv = cfg.profile_info, _as(cfg)
    codes = set(prof.errors_table_expected)
    if cfg.methods.service_auth and "invalid_login_hint" in prof.errors_registration:
        codes.add("invalid_login_hint")
    if cfg.methods.claim_capable and "invalid_login_hint" in prof.errors_claim:
        codes.add("invalid_login_hint")  # the claim endpoint takes a login_hint too (SPEC §6.4)
    if cfg.methods.identity_assertion:
        # SPEC §8.4 / §14 D9: the granular ID-JAG codes a verifier (the reference, `authmd serve`)
        # returns; the umbrella `invalid_request` alone leaves an agent guessing what to fix.
        codes |= _ID_JAG_CODES & set(prof.errors_registration)
    if cfg.methods.claim_capable and "too_many_attempts" in prof.errors_claim:
        codes.add("too_many_attempts")  # attempt limits (SPEC §12; `serve` enforces one)
    if prof.ceremony == "complete" and cfg.methods.claim_capable:
        codes.add("invalid_claim")
    if not (cfg.methods.identity_assertion and cfg.methods.step_up):
        codes.discard("interaction_required")  # no first-link step-up: never returned (SPEC §8.5)
    missing = codes - set(_ERROR_ROWS)
    if missing:  # a profile table gained a code this module does not describe yet
        raise ValueError(f"no Errors-table text for {sorted(missing)}")
    where_text = {
        "any": "any endpoint",
        "identity": f"`{_path(asrv.identity_endpoint)}`",
        "claim": f"`{_path(asrv.claim_endpoint)}`",
        "complete": f"`{_path(asrv.claim_complete_endpoint)}`",
        "token": f"`{_path(asrv.token_endpoint)}`",
        "grant": f"`{_path(asrv.token_endpoint)}` (claim grant)",
    }
    rows = []
    for code, (places, action) in _ERROR_ROWS.items():
        if code not in codes:
            continue
        kept = [p for p in places if p != "complete" or prof.ceremony == "complete"]
        if code == "invalid_login_hint" and not cfg.methods.service_auth:
            kept = [p for p in kept if p != "identity"]  # only service_auth sends a login_hint there
        if not cfg.methods.claim_capable and kept and all(p in _CLAIM_PLACES for p in kept):
            continue
        if not cfg.methods.claim_capable:
            kept = [p for p in kept if p not in _CLAIM_PLACES]
        rows.append((code, ", ".join(where_text[p] for p in kept), action))
    return rows


# ---------------------------------------------------------------------------- auth.md


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    import jinja2

    from authmd_cli.core.resources import templates_dir

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=False,  # Markdown, not HTML
        undefined=jinja2.StrictUndefined,  # a missing value fails loudly
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["json"] = lambda v: json.dumps(v, indent=2, ensure_ascii=False)
    env.filters["host"] = _host
    env.filters["path"] = _path
    env.filters["code"] = code_span
    env.filters["cell"] = lambda v: str(v).replace("|", "\\|")  # a Markdown table cell (GFM: also in code)
    env.filters["md"] = md_text
    env.globals.update(json_block=json_block, request=http_request, response=http_response,
                       challenge=_agentauth_challenge)
    return env


_MD_INLINE = re.compile(r"[\\`*\[\]<>|~]|&(?=#?\w+;)|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_MD_BLOCK_START = re.compile(r"[#>+\-=]|\d{1,9}(?=[.)])")


def md_text(value: object) -> str:
    """A config value (service name, description, provider name) as literal Markdown inline
    text: characters that would open emphasis, code, links, HTML or a table cell are
    backslash-escaped (CommonMark §2.4), and so is a line start that would open a heading,
    list, quote or thematic break. Plain names come out unchanged."""
    text = _MD_INLINE.sub(lambda m: "\\" + m.group(0), " ".join(str(value).split()))
    start = _MD_BLOCK_START.match(text)
    if start is not None:
        at = start.end() if start.group(0)[0].isdigit() else 0
        text = text[:at] + "\\" + text[at:]
    return text


def code_span(value: object) -> str:
    """A CommonMark code span that survives backticks in the value (RFC 6749 scope tokens may
    contain them): the fence is one backtick longer than the longest run inside."""
    text = str(value)
    runs = [len(r) for r in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _family(cfg: ServiceConfig) -> str:
    """Template tree: one per profile family (SPEC §3.2)."""
    if not cfg.registration:
        return "no-registration"
    return "nested" if cfg.profile_info.envelope == "nested" else "flat"


def _contact_link(contact: str | None) -> str | None:
    if not contact:
        return None
    return f"[{contact}](mailto:{contact})" if "@" in contact and "://" not in contact else f"<{contact}>"


def _context(cfg: ServiceConfig) -> dict[str, Any]:
    prof = cfg.profile_info
    ctx: dict[str, Any] = {
        "cfg": cfg,
        "svc": cfg.service,
        "profile": prof,
        "prm": render_prm(cfg),
        "prm_url": prm_url(cfg),
        "resource_host": _host(cfg.resource_server.resource),
        "example_url": urlunsplit((*urlsplit(cfg.resource_server.resource)[:2],
                                   cfg.resource_server.example_path, "", "")),
        "scopes": cfg.scopes,
        "contact_link": _contact_link(cfg.service.contact),
    }
    if cfg.registration:
        asrv = _as(cfg)
        ctx.update({
            "asrv": asrv,
            "as_host": _host(asrv.issuer),
            "as_meta": render_as_metadata(cfg),
            "as_url": as_metadata_url(cfg),
            "ex": examples(cfg),
            "m": cfg.methods,
            "grant_types": grant_types(cfg),
            "claim_grant": profiles.CLAIM_GRANT_URN,
            "jwt_bearer": profiles.JWT_BEARER_URN,
            "id_jag_urn": profiles.ID_JAG_URN,
            "claim_body": _claim_body(cfg),
            # the code a claim call with another account's email gets, where the profile names one
            "hint_error": "invalid_login_hint" if "invalid_login_hint" in prof.errors_claim else None,
            "error_rows": error_rows(cfg),
            "token_form": _token_form(cfg),
        })
    return ctx


def _token_form(cfg: ServiceConfig) -> str:
    # RFC 6749 form bodies are shown over several lines starting with `&` (SPEC §3.3).
    return (f"grant_type={profiles.JWT_BEARER_URN}\n&assertion=<identity assertion>"
            f"\n&resource={cfg.resource_server.resource}")


# ---------------------------------------------------------------------------- fenced blocks

_REASONS = {200: "OK", 202: "Accepted", 400: "Bad Request", 401: "Unauthorized", 409: "Conflict",
            410: "Gone"}


def json_block(value: Any) -> str:
    """A ```json block: strict RFC 8259 (SPEC §3.3, §14 D12)."""
    return "```json\n" + json.dumps(value, indent=2, ensure_ascii=False) + "\n```"


def http_request(method: str, url: str, *, json_body: Any = None, form: str | None = None,
                 headers: tuple[str, ...] = ()) -> str:
    """A ```http request block: request line with the path, `Host`, headers, blank line, body."""
    lines = [f"{method} {_path(url)} HTTP/1.1", f"Host: {_host(url)}", *headers]
    if json_body is not None:
        lines += ["Content-Type: application/json", "", json.dumps(json_body, indent=2, ensure_ascii=False)]
    elif form is not None:
        lines += ["Content-Type: application/x-www-form-urlencoded", "", form]
    return "```http\n" + "\n".join(lines) + "\n```"


def http_response(status: int, *, json_body: Any = None, headers: tuple[str, ...] = (),
                  no_store: bool = False) -> str:
    """A ```http response block (status line, headers, blank line, JSON body)."""
    lines = [f"HTTP/1.1 {status} {_REASONS[status]}", *headers]
    if json_body is not None:
        lines.append("Content-Type: application/json")
    if no_store:  # RFC 6749 §5.1: token responses are never cached
        lines += ["Cache-Control: no-store", "Pragma: no-cache"]
    if json_body is not None:
        lines += ["", json.dumps(json_body, indent=2, ensure_ascii=False)]
    return "```http\n" + "\n".join(lines) + "\n```"


def _agentauth_challenge(error: str, description: str, max_age: int | None = None) -> str:
    """`WWW-Authenticate: AgentAuth …` (SPEC §13.1): quotes and backslashes escaped."""
    esc = description.replace("\\", "\\\\").replace('"', '\\"')
    age = f', max_age="{max_age}"' if max_age is not None else ""
    return f'WWW-Authenticate: AgentAuth error="{error}"{age}, error_description="{esc}"'


_BLANKS = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    """Blank lines around headings and fences (outside code), no trailing spaces, no runs of
    blank lines, one final newline: templates stay readable without whitespace tricks."""
    out: list[str] = []
    in_fence = False
    for raw in text.split("\n"):
        line = raw.rstrip()
        fence = line.startswith("```")
        if in_fence:
            out.append(line)
            if fence:
                in_fence = False
                out.append("")
            continue
        if (fence or line.startswith("#")) and out and out[-1] != "":
            out.append("")
        out.append(line)
        if fence:
            in_fence = True
        elif line.startswith("#"):
            out.append("")
    return _BLANKS.sub("\n\n", "\n".join(out)).strip("\n") + "\n"


def render_auth_md(cfg: ServiceConfig) -> str:
    """The auth.md text for the config's profile (SPEC §3.2; §13.6 output rules)."""
    template = _environment().get_template(f"auth.md/{_family(cfg)}/auth.md.j2")
    return _tidy(template.render(**_context(cfg)))


def render_site(cfg: ServiceConfig) -> dict[str, str]:
    """Relative path → file text for the site layout (auth.md + the well-known documents)."""
    paths = site_paths(cfg)
    out = {paths["auth.md"]: render_auth_md(cfg), paths["prm"]: dump_json(render_prm(cfg))}
    if "as" in paths:
        if paths["as"] in out:  # cannot happen: the suffixes differ
            raise ValueError(f"two artefacts map to {paths['as']}")
        out[paths["as"]] = dump_json(render_as_metadata(cfg))
    return out
