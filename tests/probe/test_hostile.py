"""The hostile set: servers that drip, never end, hang, loop, lie about their content, fail or reset.
Each probe ends within its deadline with a named finding; the walk never raises and never hangs.
(No timing is asserted: "ends" means the call returns and names the failure.)"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
from probe_sites import CACHED, Answer, F, Routes, Site, clean_routes, findings, json_of, probe

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
    # one finding for the host: its timeouts and the requests its slowness left no time for
    assert len([f for f in findings(report) if f[0] == "PR001"]) == 1


def test_requests_the_deadline_stopped_join_their_slow_hosts_finding(site: SiteFactory) -> None:
    # Review: the endpoints timing out gave a PR013, and the POSTs the deadline then stopped a second
    # error (PR001 "were not sent") for the same root cause.
    s = site(lambda o: {**clean_routes(o), **{p: Answer(behaviour="hang") for p in DEAD_PATHS}})
    report = probe(f"{s.origin}/api", timeout=1.0, deadline=2.0, check_endpoints=True)
    kinds = {e.failure.kind for e in report.discovery.exchanges if e.failure}
    assert kinds == {"timeout", "deadline"}
    assert [f for f in findings(report) if f[0].startswith("PR")] == [
        F("PR013", "error", f"{s.origin}/agent/identity", line=None)]
    # the count of requests with side effects is what the service received, not what was planned
    assert report.side_effects == sum(1 for method, _ in s.requests if method == "POST")
    assert any(e.side_effect for e in report.discovery.exchanges if e.failure and e.failure.kind == "deadline")


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


@pytest.mark.parametrize("location", ["http://127.0.0.1:99999/x", "http://127.0.0.1:70000/x", "http://[::1/x",
                                      "//evil.invalid:abc/x"])
def test_a_redirect_to_no_usable_url_is_pr005_with_the_3xx_kept(site: SiteFactory, location: str) -> None:
    # Port 99999 reached socket.connect (an uncaught OverflowError: "internal error", exit 2);
    # `http://[::1/x` was called a reset and the 302 vanished from the trace.
    s = site(lambda o: {**clean_routes(o), PRM: Answer(302, "", {"Location": location})})
    report = probe(f"{s.origin}/api")
    prm = report.discovery.prm_attempts[0]
    assert [h.status for h in prm.hops] == [302, None]
    assert prm.failure is not None and prm.failure.kind == "redirect-location"
    assert prm.trace_dict()["redirects"][0]["location"] == location
    assert F("PR005", "error", f"{s.origin}{PRM}", line=None) in findings(report)


def test_one_bad_redirect_does_not_cost_the_other_targets_their_reports(site: SiteFactory) -> None:
    from authmd_cli.core.net import FetchLimits
    from authmd_cli.probe.run import ProbeOptions, probe_targets
    from authmd_cli.probe.target import parse_target

    bad = site(lambda o: {**clean_routes(o), PRM: Answer(302, "", {"Location": "http://127.0.0.1:99999/x"})})
    good = site(clean_routes)
    opts = ProbeOptions(limits=FetchLimits(allow_private=True, timeout=5.0), deadline_s=20.0, concurrency=2)
    reports = probe_targets([parse_target(f"{bad.origin}/api"), parse_target(f"{good.origin}/api")], opts)
    assert [r.discovery.target.origin for r in reports] == [bad.origin, good.origin]
    assert findings(reports[1]) == []


@pytest.mark.parametrize("value", ["http://[::1/x", "http://[zzz]/x", "http://127.0.0.1:70000/prm"])
def test_a_resource_metadata_that_is_no_url_is_pr008(site: SiteFactory, value: str) -> None:
    # `http://[::1/x` raised ValueError from urljoin in the walk (and from urlsplit in the rule).
    challenge = f'Bearer resource_metadata="{value}"'
    s = site(lambda o: {**clean_routes(o), "/api": Answer(401, "", {"WWW-Authenticate": challenge})})
    report = probe(f"{s.origin}/api")
    assert report.discovery.prm is not None  # found at the well-known URL instead
    assert [f for f in findings(report) if f[0] == "PR008"] == [F("PR008", "warning", f"{s.origin}/api", line=None)]
    assert any("malformed resource_metadata" in d.message for d in report.report.diagnostics)


@pytest.mark.parametrize("resource", ["http://[::1/x", "http://[zzz]/x"])
@pytest.mark.parametrize("bare", [False, True])
def test_a_served_resource_that_does_not_split_is_judged_not_raised(site: SiteFactory, resource: str,
                                                                    bare: bool) -> None:
    # A served `resource` reached urlsplit in within_resource/_inside: ValueError, no report.
    def build(o: str) -> Routes:
        routes = clean_routes(o)
        prm = {**json_of(routes, PRM), "resource": resource}
        routes[PRM if not bare else "/.well-known/oauth-protected-resource"] = Answer(
            200, json.dumps(prm), {"Content-Type": "application/json", **CACHED})
        return routes
    s = site(build)
    report = probe(s.origin if bare else f"{s.origin}/api")
    assert report.discovery.prm is not None
    assert "PR009" in {f[0] for f in findings(report)}


def test_retry_after_and_the_retry_are_cut_to_the_deadline(site: SiteFactory) -> None:
    # 1 s to answer 503 "Retry-After: 2": within --timeout 3 and the Retry-After cap, so the probe
    # waited 2 s and asked again (another 1 s): ~4 s against a 3 s --deadline.
    busy = Answer(503, "busy", {"Retry-After": "2", "Content-Type": "text/plain"}, delay=1.0)
    s = site(lambda o: {**clean_routes(o), "/api": busy})
    started = time.monotonic()
    report = probe(f"{s.origin}/api", timeout=3.0, deadline=3.0)
    elapsed = time.monotonic() - started
    assert s.requests.count(("GET", "/api")) == 1  # no retry that could not finish in time
    assert report.discovery.challenge is not None and report.discovery.challenge.status == 503
    assert elapsed < 3.0 + 1.5, elapsed  # the deadline and a margin for judging on a busy machine


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


def test_one_dead_endpoint_asked_twice_is_named_once_in_the_singular(site: SiteFactory) -> None:
    dead = f"http://127.0.0.1:{_closed_port()}"

    def build(o: str) -> Routes:
        routes = clean_routes(o)
        meta = json.loads(routes[AS].payload())
        meta["token_endpoint"] = f"{dead}/oauth2/token"
        routes[AS] = Answer(200, json.dumps(meta, indent=2), routes[AS].headers)
        return routes

    report = probe(f"{site(build).origin}/api", check_endpoints=True)  # a GET and a POST to the token endpoint
    diag = next(d for d in report.report.diagnostics if d.code == "PR013")
    assert diag.message.startswith(f"the token endpoint on {dead} gave no answer (connect): ")


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
