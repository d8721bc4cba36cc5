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
