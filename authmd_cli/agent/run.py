"""One simulate run: discovery → Target → the flow → `--negative` (the library entry point).

The CLI builds the `Driver` (client, human, consent, sleep) and renders the `Recorder`; this
module only sequences. `target_info` is what the report says about the service.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from authmd_cli.agent.codes import diag
from authmd_cli.agent.driver import Driver
from authmd_cli.agent.flows import Ctx, Options, agent_verified, user_claimed
from authmd_cli.agent.negative import negative
from authmd_cli.agent.record import Recorder
from authmd_cli.agent.target import Discovered, Target, TargetError, target_from_documents

FLOWS = ("user-claimed", "agent-verified")


@dataclass
class Plan:
    flow: str  # user-claimed | agent-verified
    url: str
    options: Options
    api_url: str | None = None
    profile: str | None = None
    negative: bool = False
    # A URL the run may not send to (private address without --allow-private): its reason, or None.
    url_refused: Callable[[str], str | None] = lambda _u: None
    before_flow: Callable[[Target], None] | None = None  # e.g. build the ID-JAG source once `aud` is known


@dataclass
class Result:
    rec: Recorder
    target: Target | None = None
    target_info: dict[str, Any] = field(default_factory=dict)


def target_of(d: Discovered, plan: Plan) -> Target:
    if d.as_meta is None:
        if d.as_problem:
            raise TargetError(f"the authorization server metadata at {d.as_url} is unusable: {d.as_problem}")
        raise TargetError(f"no authorization server metadata at {d.as_url}")
    return target_from_documents(d.prm, d.as_meta, as_url=d.as_url, api_url=plan.api_url or d.api_url,
                                 pinned=plan.profile, detected=d.profile)


def record_discovery(rec: Recorder, d: Discovered) -> None:
    """Discovery's requests as the report's first steps (its findings are probe's to make; here only
    a request with no answer at all is one)."""
    for req, resp in d.trace:
        found = []
        if resp.error is not None:
            found.append(diag("SM001", f"GET {req.url} got no answer: {resp.error}", req.url))
        missed = resp.error is None and resp.status >= 400 and resp.status != 401
        rec.step(req.step, req, resp, found, note=f"{resp.status}: not there; discovery went on" if missed else "")


def info(target: Target | None, url: str) -> dict[str, Any]:
    if target is None:
        return {"url": url, "issuer": url, "profile": None, "profile_origin": None, "notes": []}
    return {"url": url, "issuer": target.issuer, "profile": target.profile, "profile_origin": target.profile_origin,
            "ceremony": target.ceremony, "resource": target.resource, "notes": list(target.notes)}


def _endpoints(t: Target) -> list[str]:
    return [u for u in (t.identity_endpoint, t.claim_endpoint, t.token_endpoint, t.revocation_endpoint,
                        t.events_endpoint, t.api_url) if u]


def simulate(plan: Plan, driver: Driver, discovered: Discovered) -> Result:
    rec = Recorder(plan.flow)
    record_discovery(rec, discovered)
    if not discovered.reachable:
        rec.outcome = "unreachable"
        return Result(rec, None, info(None, plan.url))
    try:
        target = target_of(discovered, plan)
    except TargetError as exc:
        code = "SM023" if "no agent_auth" in str(exc) else "SM018"
        if code == "SM018":
            exc = TargetError(f"{exc} (run `authmd probe` for the details)")
        rec.add(diag(code, str(exc), discovered.as_url))
        rec.outcome = "nothing" if code == "SM023" else "failed"
        return Result(rec, None, info(None, plan.url))
    for url in _endpoints(target):
        why = plan.url_refused(url)
        if why:
            rec.add(diag("SM018", f"the metadata points at {url}, {why}", discovered.as_url,
                         hint="rerun with --allow-private if that is intended"))
            rec.outcome = "failed"
            return Result(rec, target, info(target, plan.url))
    if plan.before_flow is not None:
        plan.before_flow(target)
    ctx = Ctx(target, plan.options, rec)
    flow = agent_verified(ctx) if plan.flow == "agent-verified" else user_claimed(ctx)
    driver.run(flow, rec)
    if plan.negative and rec.outcome not in ("interrupted",):
        outcome = rec.outcome
        rec.outcome = "passed"
        driver.run(negative(ctx), rec)
        if rec.outcome == "passed":
            rec.outcome = outcome
    if rec.outcome == "passed" and rec.failed:
        rec.outcome = "failed"
    return Result(rec, target, info(target, plan.url))
