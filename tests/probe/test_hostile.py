"""The hostile set: servers that drip, never end, hang, loop, lie about their content, fail or reset.
Each probe ends within its deadline with a named finding; the walk never raises and never hangs.
(No timing is asserted: "ends" means the call returns and names the failure.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from probe_sites import CACHED, Answer, F, Routes, Site, clean_routes, findings, probe

SiteFactory = Callable[[Callable[[str], Routes]], Site]
PRM = "/.well-known/oauth-protected-resource/api"
AS = "/.well-known/oauth-authorization-server"


@pytest.mark.parametrize(("behaviour", "kind"), [("drip", "timeout"), ("hang", "timeout"), ("reset", "reset")])
def test_slow_or_broken_prm_ends_with_a_named_failure(site: SiteFactory, behaviour: str, kind: str) -> None:
    hostile = Answer(behaviour=behaviour, headers={"Content-Type": "application/json"})
    s = site(lambda o: {**clean_routes(o), PRM: hostile})
    report = probe(f"{s.origin}/api", timeout=1.0)
    assert findings(report) == [F("PR001", "error", f"{s.origin}{PRM}", line=None)]
    assert report.discovery.prm_attempts[0].failure is not None
    assert report.discovery.prm_attempts[0].failure.kind == kind
    assert report.exit_code() == 1


def test_overall_deadline_stops_the_walk(site: SiteFactory) -> None:
    s = site(lambda o: {**clean_routes(o), "/api": Answer(behaviour="hang")})
    report = probe(f"{s.origin}/api", timeout=5.0, deadline=1.0)
    kinds = {e.failure.kind for e in report.discovery.exchanges if e.failure}
    assert kinds <= {"timeout", "deadline"} and "timeout" in kinds
    assert F("PR001", "error", f"{s.origin}/api", line=None) in findings(report)
    # one finding per kind of failure on the host, not one per request
    assert len([f for f in findings(report) if f[0] == "PR001"]) == len(kinds)


def test_invalid_json_is_lints_finding_at_its_line(site: SiteFactory) -> None:
    s = site(lambda o: {**clean_routes(o), PRM: Answer(200, '{"resource": "x",\n  oops}',
                                                       {"Content-Type": "application/json", **CACHED})})
    report = probe(f"{s.origin}/api")
    assert findings(report) == [F("TL002", "error", f"{s.origin}{PRM}", line=2)]


def test_wrong_content_type_is_named(site: SiteFactory) -> None:
    def build(o: str) -> Routes:
        routes = clean_routes(o)
        routes[PRM] = Answer(200, routes[PRM].body, {"Content-Type": "text/plain", **CACHED})
        return routes
    s = site(build)
    assert findings(probe(f"{s.origin}/api")) == [F("PR003", "warning", f"{s.origin}{PRM}", line=None)]


def test_server_error_everywhere_is_reachable_but_failing(site: SiteFactory) -> None:
    s = site(lambda o: {p: Answer(500, "no", {"Content-Type": "text/plain"}) for p in clean_routes(o)})
    report = probe(s.origin)
    assert report.discovery.reachable and report.exit_code() == 1
    assert {f[0] for f in findings(report)} == {"PR002"}


def test_nothing_listening_is_unreachable_exit_3(site: SiteFactory) -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    report = probe(f"http://127.0.0.1:{port}")
    assert not report.discovery.reachable and report.exit_code() == 3
    assert {f[0] for f in findings(report)} == {"PR001"}
    assert report.verdict == "unreachable: no request got an HTTP answer"


def _closed_port() -> int:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()  # nothing listens there now
    return port


def _dead_endpoint_host(origin: str, dead: str) -> Routes:
    import json

    routes = clean_routes(origin)
    body = routes[AS].body
    meta = json.loads(body if isinstance(body, str | bytes) else json.dumps(body))
    meta["token_endpoint"], meta["revocation_endpoint"] = f"{dead}/oauth2/token", f"{dead}/oauth2/revoke"
    meta["agent_auth"] = {**meta["agent_auth"], "identity_endpoint": f"{dead}/agent/identity",
                          "claim_endpoint": f"{dead}/agent/identity/claim",
                          "events_endpoint": f"{dead}/agent/event/notify"}
    routes[AS] = Answer(200, json.dumps(meta, indent=2), routes[AS].headers)
    return routes


DEAD_PATHS = ("/agent/identity", "/agent/identity/claim", "/agent/event/notify", "/oauth2/token", "/oauth2/revoke")


@pytest.mark.parametrize("check_endpoints", [False, True])
def test_a_dead_endpoint_host_is_one_finding_naming_every_endpoint_and_breaking_every_step(
        site: SiteFactory, check_endpoints: bool) -> None:
    dead = f"http://127.0.0.1:{_closed_port()}"
    s = site(lambda o: _dead_endpoint_host(o, dead))
    report = probe(f"{s.origin}/api", check_endpoints=check_endpoints)
    # one root cause, one finding: not one per endpoint, nor PR017/PR018/PR019 for the POSTs to it
    # (lint's XD005 says that the auth.md shows other endpoint URLs than the metadata)
    probe_findings = [f for f in findings(report) if f[0].startswith("PR")]
    assert probe_findings == [F("PR013", "error", f"{dead}/agent/identity", line=None)]
    diag = next(d for d in report.report.diagnostics if d.code == "PR013")
    assert diag.message.startswith(f"the identity, claim, events, token and revocation endpoints on {dead} gave no "
                                   "answer (connect): ")
    assert [r.source for r in diag.related] == [f"{dead}{p}" for p in DEAD_PATHS[1:]]
    steps = report.capabilities[0]["steps"]  # identity_assertion: register, exchange, claim, revoke, events
    assert {k for k, c in steps.items() if c and "PR013" in c["broken_by"]} == {
        "register", "exchange", "claim", "revoke", "events"}


def every_path(origin: str) -> list[str]:
    return [*clean_routes(origin), "/.well-known/oauth-protected-resource", "/.well-known/openid-configuration"]


def test_an_unresponsive_host_is_one_finding_not_one_per_url(site: SiteFactory) -> None:
    s = site(lambda o: {p: Answer(behaviour="hang") for p in every_path(o)})
    report = probe(f"{s.origin}/api", timeout=1.0)
    assert findings(report) == [F("PR001", "error", f"{s.origin}/api", line=None)]
    failed = [e for e in report.discovery.exchanges if e.failure is not None and e.step != "openid-configuration"]
    assert len(failed) >= 4 and {e.failure.kind for e in failed if e.failure} == {"timeout"}
    diag = report.report.diagnostics[0]
    assert diag.message.startswith(f"{len(failed)} requests to {s.origin} got no answer (timeout): no complete "
                                   "answer in time (GET challenge /api, GET auth.md /auth.md, ")
    assert [r.source for r in diag.related] == list(dict.fromkeys(e.url for e in failed))[1:]
    assert report.exit_code() == 3


def test_plain_http_to_a_server_that_closes_every_connection_says_to_probe_https(site: SiteFactory) -> None:
    # a TLS-only server spoken plain http to closes the connection without an HTTP answer
    s = site(lambda o: {p: Answer(behaviour="close") for p in every_path(o)})
    report = probe(f"{s.origin}/api")
    assert findings(report) == [F("PR001", "error", f"{s.origin}/api", line=None)]
    diag = report.report.diagnostics[0]
    failed = [e for e in report.discovery.exchanges if e.failure is not None and e.step != "openid-configuration"]
    assert len(failed) >= 4 and {e.failure.kind for e in failed if e.failure} == {"reset"}
    assert diag.message.startswith(f"{len(failed)} requests to {s.origin} got no answer (reset): ")
    assert diag.hint is not None and f"probe https://127.0.0.1:{s.port}/api" in diag.hint
