"""The verdict as a capability table, not a score (issue 8).

For each method the protocol defines (identity_assertion = "agent verified", service_auth and
anonymous = "user claimed") and each step an agent takes (discover, register, exchange, claim,
refresh, revoke, events): is it advertised in the metadata, documented in the auth.md, verified
live (`--active` only; otherwise null), and which error findings break it. A step that does not
exist for a method or a generation is null (e.g. `events` outside identity_assertion, `refresh`
before v0.7-B, `exchange` in v0.1). Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from authmd_cli.core.diagnostics import Diagnostic, Location, Report, Severity
from authmd_cli.probe.discovery import Discovery
from authmd_cli.protocol.profiles import CLAIM_GRANT_URN, JWT_BEARER_URN, LATEST, PROFILES, Profile

METHODS = ("identity_assertion", "service_auth", "anonymous")
STEPS = ("discover", "register", "exchange", "claim", "refresh", "revoke", "events")

# Which step a finding on a metadata member breaks (JSON pointer prefix -> step).
_POINTER_STEPS: tuple[tuple[str, str], ...] = (
    ("/agent_auth/identity_assertion", "register"),
    ("/agent_auth/identity_endpoint", "register"),
    ("/agent_auth/register_uri", "register"),
    ("/agent_auth/identity_types_supported", "register"),
    ("/agent_auth/claim_endpoint", "claim"),
    ("/agent_auth/claim_uri", "claim"),
    ("/agent_auth/events_endpoint", "events"),
    ("/agent_auth/events_supported", "events"),
    ("/agent_auth/revocation_uri", "events"),
    ("/token_endpoint", "exchange"),
    ("/grant_types_supported", "exchange"),
    ("/revocation_endpoint", "revoke"),
)
# Which step a finding on an exchange breaks (trace step -> capability step).
_EXCHANGE_STEPS = {"endpoint:identity": "register", "endpoint:claim": "claim", "endpoint:token": "exchange",
                   "endpoint:revocation": "revoke", "endpoint:events": "events", "check:token": "exchange",
                   "check:registration": "register", "check:events": "events", "active:register": "register",
                   "active:exchange": "exchange", "active:api": "exchange", "active:revoke": "revoke"}
_CODE_STEPS = {"PR017": "exchange", "PR018": "register", "PR019": "events"}
_DOCUMENTED_TITLES = {"identity_assertion": ("identity_assertion", "id-jag", "agent verified"),
                      "service_auth": ("service_auth", "email"), "anonymous": ("anonymous",)}


def _profile(d: Discovery) -> Profile:
    return PROFILES.get(d.profile or "", PROFILES[LATEST])


def applies(profile: Profile, method: str, step: str) -> bool:
    if step in {"exchange", "revoke"}:
        return profile.top_level_oauth
    if step == "claim":
        return method != "identity_assertion" or profile.has_step_up
    if step == "refresh":
        return profile.has_refresh and method != "identity_assertion"
    if step == "events":
        return method == "identity_assertion"
    return True


def _advertised(d: Discovery, profile: Profile, method: str, step: str) -> bool:
    e = d.endpoints
    offered = method in e.identity_types
    if step == "discover":
        return d.prm is not None and d.agent_auth is not None
    if not offered:
        return False
    if step == "register":
        return e.identity is not None
    if step == "exchange":
        return e.token is not None and JWT_BEARER_URN in e.grant_types
    if step == "claim":
        needs_grant = profile.ceremony == "poll"
        return e.claim is not None and (not needs_grant or any(g == CLAIM_GRANT_URN or g.endswith(":claim")
                                                                or g.endswith("claim_token") for g in e.grant_types))
    if step == "refresh":
        return e.identity is not None  # implied by the v0.7-B profile; never required in metadata
    if step == "revoke":
        return e.revocation is not None
    if step == "events":
        block = d.agent_auth or {}
        return e.events is not None and bool(block.get("events_supported"))
    return False


def _documented(d: Discovery, method: str, step: str) -> bool:
    doc = d.documents.get("auth.md") or d.documents.get("skill")
    auth = doc.auth if doc is not None else None
    if auth is None:
        return False
    if step == "discover":
        return auth.section("discover") is not None
    if step == "register":
        sec = auth.section("register")
        if sec is None:
            return False
        titles = " ".join(c.heading.text.lower() for c in sec.children)
        return any(word in titles for word in _DOCUMENTED_TITLES[method])
    if step in ("exchange", "claim"):
        return auth.section(step) is not None
    if step == "refresh":
        return '"refresh"' in auth.text or "refresh_token" in auth.text
    if step == "revoke":
        return auth.section("revocation") is not None
    if step == "events":
        return "events_endpoint" in auth.text or "secevent" in auth.text
    return False


def breaking_step(diag: Diagnostic, steps_by_url: Mapping[str, str], as_url: str | None,
                  prm_url: str | None) -> str | None:
    """The capability step an error finding breaks, or None (prose findings break nothing)."""
    if diag.code in _CODE_STEPS:
        return _CODE_STEPS[diag.code]
    return _step_at(diag.location, steps_by_url, as_url, prm_url)


def breaking_steps(diag: Diagnostic, steps_by_url: Mapping[str, str], as_url: str | None,
                   prm_url: str | None) -> list[str]:
    """Every capability step an error finding breaks: its location's and those of its related
    locations (one finding for a dead host names every endpoint on it)."""
    first = breaking_step(diag, steps_by_url, as_url, prm_url)
    steps = [first] if first is not None else []
    if diag.code not in _CODE_STEPS:
        steps += [s for loc in diag.related if (s := _step_at(loc, steps_by_url, as_url, prm_url)) is not None]
    return list(dict.fromkeys(steps))


def _step_at(loc: Location, steps_by_url: Mapping[str, str], as_url: str | None, prm_url: str | None) -> str | None:
    src = loc.source
    step = steps_by_url.get(src)
    if step in _EXCHANGE_STEPS:
        return _EXCHANGE_STEPS[step]
    if src == as_url:
        pointer = loc.pointer or ""
        for prefix, s in _POINTER_STEPS:
            if pointer == prefix or pointer.startswith(prefix + "/"):
                return s
        return "discover"
    if src == prm_url or step in ("prm", "as-metadata", "challenge"):
        return "discover"
    return None


def capability_table(d: Discovery, report: Report, verified: Mapping[str, bool] | None = None,
                     ) -> list[dict[str, Any]]:
    """One row per method: {"method", "offered", "steps": {step: cell | None}}; a cell is
    {"advertised", "documented", "verified", "broken_by": [codes]}. `verified` maps a step of the
    anonymous method to its live result (`--active`)."""
    profile = _profile(d)
    steps_by_url = {e.url: e.step for e in d.exchanges}
    broken: dict[str, list[str]] = {}
    for diag in report.diagnostics:
        if diag.severity is not Severity.ERROR:
            continue
        for step in breaking_steps(diag, steps_by_url, d.endpoints.as_metadata, d.endpoints.prm):
            if diag.code not in broken.setdefault(step, []):
                broken[step].append(diag.code)
    rows: list[dict[str, Any]] = []
    for method in METHODS:
        offered = method in d.endpoints.identity_types
        cells: dict[str, dict[str, Any] | None] = {}
        for step in STEPS:
            if not applies(profile, method, step):
                cells[step] = None
                continue
            live = (verified or {}).get(step) if method == "anonymous" else None
            cells[step] = {
                "advertised": _advertised(d, profile, method, step),
                "documented": _documented(d, method, step),
                "verified": live,
                "broken_by": sorted(broken.get(step, [])) if offered or step == "discover" else [],
            }
        rows.append({"method": method, "offered": offered, "steps": cells})
    return rows


def verdict(d: Discovery, report: Report, table: list[dict[str, Any]]) -> str:
    """One line: generation, what is offered, and what breaks it (never a score)."""
    if not d.reachable:
        return "unreachable: no request got an HTTP answer"
    gen = d.profile or "unknown generation"
    if d.dialect:
        gen += f" ({d.dialect} dialect)"
    if d.gaps:  # what is offered is not known: say what could not be read, not "not offered"
        return f"{gen}: could not be assessed: {', '.join(g.describe() for g in d.gaps)}"
    errors = report.count(Severity.ERROR)
    if d.no_registration:
        state = "no errors" if errors == 0 else f"{errors} error{'s' if errors != 1 else ''}"
        return f"{gen}: no agent registration offered; {state}"
    offered = [r["method"] for r in table if r["offered"]]
    broken = sorted({code for r in table if r["offered"] for c in r["steps"].values() if c
                     for code in c["broken_by"]} | {code for r in table for s, c in r["steps"].items()
                                                    if s == "discover" and c for code in c["broken_by"]})
    steps = sorted({s for r in table if r["offered"] for s, c in r["steps"].items() if c and c["broken_by"]},
                   key=STEPS.index)
    what = ", ".join(offered) if offered else "no registration method"
    if errors == 0:
        return f"{gen}: {what} advertised; no errors"
    if steps:
        return f"{gen}: {what} advertised; broken at {', '.join(steps)} ({', '.join(broken)})"
    return f"{gen}: {what} advertised; {errors} error{'s' if errors != 1 else ''} in the documents"
