"""Each broken site is a purpose-built server on 127.0.0.1 that differs from a clean one in one way,
and each test asserts the exact findings (code, severity, URL, line) the probe reports for it.
One test per PR rule, named after its code (tests/lint/rules/test_registry.py checks that)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from probe_sites import (
    CACHED,
    ENDPOINT_PATHS,
    Answer,
    F,
    Routes,
    Site,
    clean_routes,
    findings,
    json_answer,
    json_of,
    probe,
)

if TYPE_CHECKING:
    from authmd_cli.probe.analyse import ProbeReport

SiteFactory = Callable[[Callable[[str], Routes]], Site]
PRM = "/.well-known/oauth-protected-resource/api"
AS = "/.well-known/oauth-authorization-server"


def with_changes(**changes: Answer | None) -> Callable[[str], Routes]:
    """Clean routes with some replaced (keys are paths with `/` written as `__`); None removes."""
    def build(origin: str) -> Routes:
        routes = clean_routes(origin)
        for key, answer in changes.items():
            path = key.replace("__", "/")
            if answer is None:
                routes.pop(path, None)
            else:
                routes[path] = answer
        return routes
    return build


def edit_auth_md(routes: Routes, old: str, new: str) -> None:
    body = routes["/auth.md"].body
    text = body.decode() if isinstance(body, bytes) else str(body)
    assert old in text
    routes["/auth.md"] = Answer(200, text.replace(old, new), routes["/auth.md"].headers)


def test_clean_site_has_no_findings_at_all(site: SiteFactory) -> None:
    s = site(clean_routes)
    report = probe(f"{s.origin}/api")
    assert findings(report) == []
    assert report.verdict == "v0.7-B: identity_assertion, service_auth, anonymous advertised; no errors"
    assert report.side_effects == 0 and {m for m, _ in s.requests} == {"GET"}


def test_pr001_connection_reset_is_named_unreachable_and_has_no_line(site: SiteFactory) -> None:
    s = site(lambda o: {**clean_routes(o), PRM: Answer(behaviour="reset")})
    report = probe(f"{s.origin}/api")
    assert findings(report) == [F("PR001", "error", f"{s.origin}{PRM}", line=None)]
    assert "reset" in report.report.diagnostics[0].message
    assert report.capabilities[2]["steps"]["discover"]["broken_by"] == ["PR001"]


def test_pr002_server_error_on_the_as_metadata_points_at_its_url_without_line(site: SiteFactory) -> None:
    s = site(lambda o: {**clean_routes(o), AS: Answer(503, "down", {"Content-Type": "text/plain"})})
    report = probe(f"{s.origin}/api")
    assert findings(report) == [F("PR002", "error", f"{s.origin}{AS}", line=None)]
    assert report.report.diagnostics[0].message == "the AS metadata URL answered 503"


def test_pr002_documents_found_nowhere_are_one_finding_listing_the_urls_tried_no_line(site: SiteFactory) -> None:
    s = site(with_changes(**{"__.well-known__oauth-authorization-server": None}))
    report = probe(f"{s.origin}/api")
    assert findings(report) == [F("PR002", "error", f"{s.origin}{AS}", line=None)]
    assert report.report.diagnostics[0].message == (
        f"no AS metadata for {s.origin}; tried {s.origin}{AS} (404)")


def test_pr003_json_served_as_html_and_markdown_as_octet_stream_no_line(site: SiteFactory) -> None:
    def build(o: str) -> Routes:
        routes = clean_routes(o)
        routes[AS] = Answer(200, routes[AS].body, {"Content-Type": "text/html; charset=utf-8", **CACHED})
        routes["/auth.md"] = Answer(200, routes["/auth.md"].body, {"Content-Type": "application/octet-stream",
                                                                  **CACHED})
        return routes
    s = site(build)
    report = probe(f"{s.origin}/api")
    assert findings(report) == [F("PR003", "error", f"{s.origin}{AS}", line=None),
                                F("PR003", "warning", f"{s.origin}/auth.md", line=None)]


def test_pr003_an_html_shell_at_the_prm_url_is_one_finding_not_an_invalid_json_too_no_line(
        site: SiteFactory) -> None:
    shell = "<!doctype html><html><body><div id=app></div></body></html>"
    s = site(lambda o: {**clean_routes(o), PRM: Answer(200, shell, {"Content-Type": "text/html", **CACHED})})
    report = probe(f"{s.origin}/api")
    mine = [f for f in findings(report) if f[2] == f"{s.origin}{PRM}"]
    assert mine == [F("PR003", "error", f"{s.origin}{PRM}", line=None)]


def test_pr004_two_redirects_warn_and_one_same_origin_redirect_is_info_no_line(site: SiteFactory) -> None:
    def build(o: str) -> Routes:
        routes = clean_routes(o)
        routes["/docs/auth.md"] = routes["/auth.md"]
        routes["/auth.md"] = Answer(301, "", {"Location": "/docs/auth.md"})
        routes["/as.json"] = routes[AS]
        routes["/as-moved"] = Answer(302, "", {"Location": "/as.json"})
        routes[AS] = Answer(302, "", {"Location": "/as-moved"})
        return routes
    s = site(build)
    report = probe(f"{s.origin}/api")
    assert findings(report) == [F("PR004", "warning", f"{s.origin}{AS}", line=None),
                                F("PR004", "info", f"{s.origin}/auth.md", line=None)]
    assert "through 2 redirects" in report.report.diagnostics[0].message


def test_pr005_redirect_loop_ends_with_a_named_finding_no_line(site: SiteFactory) -> None:
    s = site(lambda o: {**clean_routes(o), "/auth.md": Answer(302, "", {"Location": "/a"}),
                        "/a": Answer(302, "", {"Location": "/auth.md"})})
    report = probe(f"{s.origin}/api")
    assert findings(report) == [F("PR005", "error", f"{s.origin}/auth.md", line=None)]
    assert "redirect loop" in report.report.diagnostics[0].message


def test_pr007_metadata_without_caching_headers_is_info_no_line(site: SiteFactory) -> None:
    def build(o: str) -> Routes:
        routes = clean_routes(o)
        routes[PRM] = Answer(200, routes[PRM].body, {"Content-Type": "application/json"})
        return routes
    s = site(build)
    assert findings(probe(f"{s.origin}/api")) == [F("PR007", "info", f"{s.origin}{PRM}", line=None)]


def test_pr008_401_without_challenge_warns_and_falls_back_no_line(site: SiteFactory) -> None:
    s = site(lambda o: {**clean_routes(o), "/api": Answer(401, "{}", {"Content-Type": "application/json"})})
    report = probe(f"{s.origin}/api")
    assert findings(report) == [F("PR008", "warning", f"{s.origin}/api", line=None)]
    assert report.discovery.prm_via == "inserted"
    assert report.report.diagnostics[0].message.endswith(
        "has no WWW-Authenticate header (the probe fell back to the well-known URLs)")


@pytest.mark.parametrize(("value", "problem"), [
    ("https://<host>/.well-known/oauth-protected-resource/api",
     "names a placeholder resource_metadata https://<host>/.well-known/oauth-protected-resource/api"),
    ("https://h/{tenant}/prm", "names a URI template as resource_metadata https://h/{tenant}/prm"),
    ("mailto:x@y", "names a resource_metadata that is not an http(s) URL: mailto:x@y"),
    ("http://127.0.0.1:70000/prm", "names a malformed resource_metadata http://127.0.0.1:70000/prm"),
    ("http://[::1/prm", "names a malformed resource_metadata http://[::1/prm"),
])
def test_pr008_an_unusable_resource_metadata_warns_and_falls_back_no_line(
        site: SiteFactory, value: str, problem: str) -> None:
    """An agent that follows the header gets nowhere; the probe (like careful agents) falls back."""
    s = site(lambda o: {**clean_routes(o), "/api": Answer(401, "", {
        "WWW-Authenticate": f'Bearer resource_metadata="{value}"'})})
    report = probe(f"{s.origin}/api")
    assert findings(report) == [F("PR008", "warning", f"{s.origin}/api", line=None)]
    assert report.report.diagnostics[0].message == (
        f"the 401 from {s.origin}/api {problem} (the probe fell back to the well-known URLs)")
    assert report.discovery.prm_via == "inserted"
    assert not any(p.startswith(("/<", "/h/", "/prm")) for _, p in s.requests)


def _home_page_routes(o: str) -> Routes:
    """The v0.7-B fixture served as one origin whose resource identifier is the origin itself: the PRM
    at the origin-root well-known URL, a home page (200) at `/`, the API under `/notes`."""
    from pathlib import Path

    def _localised(text: str, o: str) -> str:  # the fixture names quillnote.io hosts; tests stay on 127.0.0.1
        host = o.split("://", 1)[1]
        return (text.replace("https://api.quillnote.io", o).replace("https://auth.quillnote.io", o)
                .replace("api.quillnote.io", host).replace("auth.quillnote.io", host))

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "profiles" / "v0.7-B"
    routes: Routes = {"/auth.md": Answer(200, _localised((fixture / "auth.md").read_text(encoding="utf-8"), o),
                                         {"Content-Type": "text/markdown; charset=utf-8", **CACHED})}
    for name in ("oauth-protected-resource", "oauth-authorization-server"):
        text = _localised((fixture / ".well-known" / name).read_text(encoding="utf-8"), o)
        routes[f"/.well-known/{name}"] = Answer(200, text, {"Content-Type": "application/json", **CACHED})
    routes["/"] = Answer(200, "<!doctype html><title>Quillnote</title>", {"Content-Type": "text/html"})
    routes["/notes"] = Answer(401, "", {
        "WWW-Authenticate": f'Bearer resource_metadata="{o}/.well-known/oauth-protected-resource"'})
    for path in ("/agent/identity", "/agent/identity/claim", "/agent/event/notify", "/oauth2/token", "/oauth2/revoke"):
        routes[path] = Answer(405, "", {"Allow": "POST"})
    return routes


def test_pr008_a_home_page_answering_200_on_a_bare_domain_is_not_a_missing_challenge(site: SiteFactory) -> None:
    """Probed as a bare domain, the PRM is found at the origin-root well-known URL before any API
    request: the GET of its `resource` (the origin: a public home page) only checks for a challenge,
    and a page that needs no token is not wrong."""
    s = site(_home_page_routes)
    report = probe(s.origin)
    assert findings(report) == []
    assert report.discovery.challenge.url == s.origin and report.discovery.challenge.status == 200
    assert report.exit_code(strict=True) == 0


def test_pr008_a_401_without_challenge_after_the_prm_was_found_does_not_claim_a_fallback(
        site: SiteFactory) -> None:
    s = site(lambda o: {**_home_page_routes(o), "/": Answer(401, "", {"Content-Type": "text/plain"})})
    report = probe(s.origin)
    assert findings(report) == [F("PR008", "warning", s.origin, line=None)]
    assert report.report.diagnostics[0].message == f"the 401 from {s.origin} has no WWW-Authenticate header"


def test_pr008_a_bearer_challenge_in_a_second_www_authenticate_field_is_found(site: SiteFactory) -> None:
    # RFC 9110 §5.3: two field lines of one name are one comma-separated list of challenges
    def build(o: str) -> Routes:
        routes = clean_routes(o)
        challenge = f'Bearer resource_metadata="{o}/.well-known/oauth-protected-resource/api"'
        routes["/api"] = Answer(401, '{"error": "unauthorized"}', {"Content-Type": "application/json"},
                                more=(("WWW-Authenticate", 'Basic realm="api"'), ("WWW-Authenticate", challenge)))
        return routes
    s = site(build)
    report = probe(f"{s.origin}/api")
    assert findings(report) == []
    assert report.discovery.prm_via == "challenge"


def test_pr009_prm_at_the_root_with_a_path_resource_is_the_lenient_warning_at_its_line(site: SiteFactory) -> None:
    def build(o: str) -> Routes:
        routes = clean_routes(o)
        routes["/.well-known/oauth-protected-resource"] = routes.pop(PRM)
        routes["/api"] = Answer(401, "{}", {"Content-Type": "application/json", "WWW-Authenticate":
                                           f'Bearer resource_metadata="{o}/.well-known/oauth-protected-resource"'})
        routes["/api/resource"] = routes["/api"]  # the API call the auth.md documents
        return routes
    s = site(build)
    # From the domain, agents build the origin-root URL by insertion (RFC 9728 §3.1): it describes the
    # origin, and strict clients discard a `resource` with a path there (D6: the lenient warning).
    report = probe(s.origin)
    assert findings(report) == [F("PR009", "warning", f"{s.origin}/.well-known/oauth-protected-resource", line=2)]
    assert report.report.diagnostics[0].message.startswith("the PRM at the origin-root well-known URL")
    assert "as the reference implementation serves it" in report.report.diagnostics[0].message
    # The documented call's 401 names the same PRM: that `resource` is also only a path prefix of the URL
    # that got the 401 is the same fact, not a second finding.
    assert report.discovery.challenge.url == f"{s.origin}/api/resource"
    assert report.discovery.prm_via == "challenge"
    # From the API, the challenge names that URL and `resource` is the URL that got the 401: RFC 9728
    # §3.3 holds, and no URL was built by insertion, so there is nothing to report.
    assert findings(probe(f"{s.origin}/api")) == []


def test_pr009_resource_for_another_api_is_an_error_at_its_line(site: SiteFactory) -> None:
    def build(o: str) -> Routes:
        routes = clean_routes(o)
        prm = json_of(routes, PRM)
        prm["resource"] = f"{o}/other"
        routes[PRM] = json_answer(prm, **CACHED)
        as_meta = json_of(routes, AS)
        as_meta["resource"] = f"{o}/other"
        routes[AS] = json_answer(as_meta, **CACHED)
        edit_auth_md(routes, f'"{o}/api"', f'"{o}/other"')  # the examples agree with the metadata
        edit_auth_md(routes, f"&resource={o}/api", f"&resource={o}/other")
        return routes
    s = site(build)
    report = probe(f"{s.origin}/api")
    got = findings(report)
    # One fact, one finding: the PRM URL came from the challenge, so RFC 9728 §3.3's challenge rule
    # decides; the well-known URL was not built by insertion. lint's XD009 adds that the auth.md shows
    # the PRM URL of `/api`, not of the served `resource`.
    assert got == [F("PR009", "error", f"{s.origin}{PRM}", line=1),
                   F("XD009", "warning", f"{s.origin}/auth.md", line=31)]
    assert [d.message for d in report.report.diagnostics if d.code == "PR009"] == [
        f"`resource` {s.origin}/other is not the URL that got the 401 challenge, {s.origin}/api"]


def test_pr009_is_judged_against_the_url_that_answered_the_401_after_a_redirect(site: SiteFactory) -> None:
    """`/v1/api` redirects to `/api`, which answers the 401: `resource` is the URL of that request."""
    s = site(lambda o: {**clean_routes(o), "/v1/api": Answer(308, "", {"Location": f"{o}/api"})})
    report = probe(f"{s.origin}/v1/api")
    assert findings(report) == [F("PR004", "info", f"{s.origin}/v1/api", line=None)]
    assert report.discovery.challenge.final_url == f"{s.origin}/api"


def test_pr009_a_resource_not_the_redirected_401_url_names_both_urls(site: SiteFactory) -> None:
    s = site(lambda o: {**clean_routes(o), "/v1/api": Answer(308, "", {"Location": f"{o}/v2/api"}),
                        "/v2/api": clean_routes(o)["/api"]})
    report = probe(f"{s.origin}/v1/api")
    assert [f for f in findings(report) if f[0] == "PR009"] == [F("PR009", "error", f"{s.origin}{PRM}", line=2)]
    assert [d.message for d in report.report.diagnostics if d.code == "PR009"] == [
        f"`resource` {s.origin}/api is not the URL that got the 401 challenge, {s.origin}/v2/api "
        f"(redirected from {s.origin}/v1/api)"]


def test_pr009_a_prm_url_from_the_challenge_is_not_judged_as_an_inserted_one(site: SiteFactory) -> None:
    """The challenge names a well-known URL whose path is not the API's: the probe did not build it from
    anything, so only the challenge rule applies, and `resource` is the URL that got the 401."""
    def build(o: str) -> Routes:
        routes = clean_routes(o)
        routes["/.well-known/oauth-protected-resource/meta"] = routes.pop(PRM)
        routes["/api"] = Answer(401, "", {"WWW-Authenticate":
                                          f'Bearer resource_metadata="{o}/.well-known/oauth-protected-resource/meta"'})
        return routes
    s = site(build)
    report = probe(f"{s.origin}/api")
    assert [f for f in findings(report) if f[0].startswith("PR")] == []
    assert report.discovery.prm_via == "challenge"


def _trailing_slash_routes(resource_path: str, api_path: str) -> Callable[[str], Routes]:
    def build(o: str) -> Routes:
        routes = clean_routes(o)
        prm = json_of(routes, PRM)
        prm["resource"] = f"{o}{resource_path}"
        routes[PRM] = json_answer(prm, **CACHED)
        as_meta = json_of(routes, AS)
        as_meta["resource"] = prm["resource"]
        routes[AS] = json_answer(as_meta, **CACHED)
        routes[api_path] = routes.pop("/api")
        return routes
    return build


def test_pr009_a_trailing_slash_difference_is_one_finding_that_says_so(site: SiteFactory) -> None:
    # `resource` …/api/ for a 401 at …/api: strict and prefix-matching clients both discard it.
    s = site(_trailing_slash_routes("/api/", "/api"))
    report = probe(f"{s.origin}/api")
    assert [f for f in findings(report) if f[0].startswith("PR")] == [F("PR009", "error", f"{s.origin}{PRM}", line=1)]
    assert [d.message for d in report.report.diagnostics if d.code == "PR009"] == [
        f"`resource` {s.origin}/api/ is not the URL that got the 401 challenge, {s.origin}/api: "
        "they differ by a trailing slash"]
    # `resource` …/api for a 401 at …/api/: clients that match by prefix accept it, strict ones do not.
    s2 = site(_trailing_slash_routes("/api", "/api/"))
    report2 = probe(f"{s2.origin}/api/")
    assert [f for f in findings(report2) if f[0].startswith("PR")] == [
        F("PR009", "warning", f"{s2.origin}{PRM}", line=1)]
    message = next(d.message for d in report2.report.diagnostics if d.code == "PR009")
    assert message.startswith(f"`resource` {s2.origin}/api differs from the URL that got the 401, {s2.origin}/api/, "
                              "only by a trailing slash")
    assert "path prefix" not in message


def test_pr010_issuer_of_a_second_authorization_server_differs_at_its_line(site: SiteFactory) -> None:
    def build(o: str) -> Routes:
        routes = clean_routes(o)
        prm = json_of(routes, PRM)
        prm["authorization_servers"] = [o, f"{o}/second"]
        routes[PRM] = json_answer(prm, **CACHED)
        as_meta = json_of(routes, AS)
        as_meta["authorization_servers"] = prm["authorization_servers"]
        routes[AS] = json_answer(as_meta, **CACHED)
        routes[AS + "/second"] = json_answer(as_meta, **CACHED)  # issuer is the first server's
        return routes
    s = site(build)
    report = probe(f"{s.origin}/api")
    assert findings(report) == [F("PR010", "error", f"{s.origin}{AS}/second", line=1)]


def test_pr010_metadata_found_only_at_the_appended_url_warns_no_line(site: SiteFactory) -> None:
    def build(o: str) -> Routes:
        routes = clean_routes(o)
        prm = json_of(routes, PRM)
        prm["authorization_servers"] = [f"{o}/tenant"]
        routes[PRM] = json_answer(prm, **CACHED)
        as_meta = json_of(routes, AS)
        as_meta["issuer"] = f"{o}/tenant"
        as_meta["authorization_servers"] = [f"{o}/tenant"]
        del routes[AS]
        routes["/tenant" + AS] = json_answer(as_meta, **CACHED)
        edit_auth_md(routes, f'"{o}"', f'"{o}/tenant"')
        return routes
    s = site(build)
    report = probe(f"{s.origin}/api")
    # lint's XD009 adds that the auth.md still shows the root AS metadata URL (RFC 8414 §3.1).
    assert findings(report) == [F("PR010", "warning", f"{s.origin}{AS}/tenant", line=None),
                                F("XD009", "warning", f"{s.origin}/auth.md", line=61)]


def test_pr011_endless_body_and_gzip_bomb_are_refused_no_line(site: SiteFactory) -> None:
    import tracemalloc

    from probe_sites import gzip_bomb

    gzip_bomb()  # built by the test server before measuring: only the probe's memory counts
    s = site(lambda o: {**clean_routes(o), PRM: Answer(behaviour="gzip-bomb")})
    tracemalloc.start()
    report = probe(f"{s.origin}/api", max_bytes=64 * 1024)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert findings(report) == [F("PR011", "error", f"{s.origin}{PRM}", line=None)]
    assert "once decompressed" in report.report.diagnostics[0].message
    assert peak < 16 * 1024 * 1024  # the 50 MB the bomb inflates to was never held
    s2 = site(lambda o: {**clean_routes(o), AS: Answer(behaviour="endless")})
    endless = probe(f"{s2.origin}/api", max_bytes=64 * 1024)
    assert findings(endless) == [F("PR011", "error", f"{s2.origin}{AS}", line=None)]


def test_pr012_skill_serving_other_content_warns_no_line(site: SiteFactory) -> None:
    def build(o: str) -> Routes:
        routes = clean_routes(o)
        as_meta = json_of(routes, AS)
        as_meta["agent_auth"]["skill"] = f"{o}/docs/auth.md"
        routes[AS] = json_answer(as_meta, **CACHED)
        body = routes["/auth.md"].body
        old = (body.decode() if isinstance(body, bytes) else str(body)).replace(f"{o}/auth.md", f"{o}/docs/auth.md")
        routes["/auth.md"] = Answer(200, old, {"Content-Type": "text/markdown", **CACHED})
        routes["/docs/auth.md"] = Answer(200, old + "\nAn older copy.\n", {"Content-Type": "text/markdown"})
        return routes
    s = site(build)
    report = probe(f"{s.origin}/api")
    assert findings(report) == [F("PR012", "warning", f"{s.origin}/docs/auth.md", line=None)]


def test_pr013_advertised_endpoint_gone_and_web_page_no_line(site: SiteFactory) -> None:
    page = "<!doctype html><html><body>Contact us</body></html>"
    s = site(with_changes(**{"__agent__identity": Answer(410, "gone", {"Content-Type": "text/plain"}),
                             "__oauth2__revoke": Answer(200, page, {"Content-Type": "text/html"})}))
    report = probe(f"{s.origin}/api")
    assert findings(report) == [F("PR013", "error", f"{s.origin}/agent/identity", line=None),
                                F("PR013", "error", f"{s.origin}/oauth2/revoke", line=None)]
    cells = report.capabilities[2]["steps"]
    assert cells["register"]["broken_by"] == ["PR013"] and cells["revoke"]["broken_by"] == ["PR013"]
    assert "broken at register, revoke (PR013)" in report.verdict


EXPRESS_404 = "<!DOCTYPE html>\n<html lang=\"en\">\n<body>\n<pre>Cannot GET {path}</pre>\n</body>\n</html>\n"


def express_routes(origin: str) -> Routes:
    """A correct service on Express: a POST-only route answers GET with 404 "Cannot GET /path"."""
    routes = clean_routes(origin)
    token = json_answer({"error": "unsupported_grant_type"}, 400, **{"Cache-Control": "no-store"})
    refused = json_answer({"error": "invalid_request", "message": "a JSON body is required"}, 400)
    events = json_answer({"err": "invalid_request", "description": "not a SET"}, 400)
    posts = {"/oauth2/token": token, "/agent/identity": refused, "/agent/event/notify": events}
    for path in ENDPOINT_PATHS:
        routes[path] = Answer(404, EXPRESS_404.format(path=path), {"Content-Type": "text/html; charset=utf-8"},
                              post=posts.get(path, refused))
    return routes


def test_pr013_get_404_alone_is_one_warning_naming_every_endpoint_not_an_error(site: SiteFactory) -> None:
    s = site(express_routes)
    report = probe(f"{s.origin}/api")
    assert findings(report) == [F("PR013", "warning", f"{s.origin}/agent/identity", line=None)]
    diag = report.report.diagnostics[0]
    assert diag.message.startswith("the identity, claim, events, token and revocation endpoints answered 404 to a "
                                   f"GET ({s.origin}/agent/identity, ")
    assert "a read-only probe cannot tell which" in diag.message
    assert [r.source for r in diag.related] == [f"{s.origin}{p}" for p in ENDPOINT_PATHS[1:]]
    assert report.exit_code() == 0 and report.verdict.endswith("advertised; no errors")


def test_pr013_does_not_stand_where_the_check_endpoints_posts_were_answered(site: SiteFactory) -> None:
    s = site(express_routes)
    report = probe(f"{s.origin}/api", check_endpoints=True)
    # the token, registration and events POSTs got their protocol answers: on this server a 404 to
    # a GET says nothing, so the claim and revocation endpoints' 404s are no finding either
    assert findings(report) == []
    assert report.side_effects == 3 and report.exit_code() == 0


def test_pr013_404_to_get_and_post_is_one_error_per_endpoint_not_also_pr017_pr018_pr019(site: SiteFactory) -> None:
    s = site(with_changes(__oauth2__token=None, __agent__identity=None, __agent__event__notify=None))
    report = probe(f"{s.origin}/api", check_endpoints=True)
    assert findings(report) == [F("PR013", "error", f"{s.origin}/agent/event/notify", line=None),
                                F("PR013", "error", f"{s.origin}/agent/identity", line=None),
                                F("PR013", "error", f"{s.origin}/oauth2/token", line=None)]
    assert all("answered 404 to a POST (404 to a GET): it is not served" in d.message
               for d in report.report.diagnostics)


def test_pr014_jwks_uri_that_is_not_a_jwk_set_no_line(site: SiteFactory) -> None:
    def build(o: str) -> Routes:
        routes = clean_routes(o)
        as_meta = json_of(routes, AS)
        as_meta["jwks_uri"] = f"{o}/jwks.json"
        routes[AS] = json_answer(as_meta, **CACHED)
        routes["/jwks.json"] = json_answer({"error": "not found"})
        return routes
    s = site(build)
    assert findings(probe(f"{s.origin}/api")) == [F("PR014", "error", f"{s.origin}/jwks.json", line=None)]


def test_pr015_agent_auth_only_in_openid_configuration_no_line(site: SiteFactory) -> None:
    def build(o: str) -> Routes:
        routes = clean_routes(o)
        full = json_of(routes, AS)
        bare = {k: v for k, v in full.items() if k != "agent_auth"}
        routes[AS] = json_answer(bare, **CACHED)
        routes["/.well-known/openid-configuration"] = json_answer(full)
        return routes
    s = site(build)
    report = probe(f"{s.origin}/api")
    assert F("PR015", "warning", f"{s.origin}/.well-known/openid-configuration", line=None) in findings(report)


def test_pr016_rate_limit_retried_once_then_reported_no_line(site: SiteFactory) -> None:
    def build(o: str) -> Routes:
        routes = clean_routes(o)
        routes[PRM] = Answer(429, "slow down", {"Retry-After": "1"}, first=Answer(429, "", {"Retry-After": "1"}))
        return routes
    s = site(build)
    report = probe(f"{s.origin}/api")
    assert findings(report) == [F("PR016", "warning", f"{s.origin}{PRM}", line=None)]
    assert s.requests.count(("GET", PRM)) == 2  # waited once for Retry-After, asked again


def test_retry_after_within_the_deadline_recovers_without_a_finding(site: SiteFactory) -> None:
    def build(o: str) -> Routes:
        routes = clean_routes(o)
        routes[PRM] = replace_first(routes[PRM], Answer(503, "busy", {"Retry-After": "1"}))
        return routes
    s = site(build)
    report = probe(f"{s.origin}/api")
    assert findings(report) == []
    assert report.discovery.prm is not None and report.discovery.prm.final.retried_after == 1.0


def replace_first(answer: Answer, first: Answer) -> Answer:
    from dataclasses import replace

    return replace(answer, first=first)


def test_pr017_pr018_pr019_check_endpoints_on_a_site_that_does_not_refuse_no_line(site: SiteFactory) -> None:
    page = "<!doctype html><html><body>Sign in</body></html>"
    s = site(with_changes(**{"__oauth2__token": Answer(200, page, {"Content-Type": "text/html"}),
                             "__agent__identity": Answer(500, "boom", {"Content-Type": "text/plain"}),
                             "__agent__event__notify": Answer(202, "")}))
    report = probe(f"{s.origin}/api", check_endpoints=True)
    got = [f for f in findings(report) if f[0] in ("PR017", "PR018", "PR019")]
    assert sorted(got) == [F("PR017", "error", f"{s.origin}/oauth2/token", line=None),
                           F("PR018", "error", f"{s.origin}/agent/identity", line=None),
                           F("PR019", "error", f"{s.origin}/agent/event/notify", line=None)]
    assert report.side_effects == 3
    assert sorted(p for m, p in s.requests if m == "POST") == ["/agent/event/notify", "/agent/identity",
                                                               "/oauth2/token"]


def test_pr017_no_store_in_a_second_cache_control_field_counts(site: SiteFactory) -> None:
    # RFC 9110 §5.3: `Cache-Control: no-cache` then `Cache-Control: no-store` is `no-cache, no-store`
    refused = Answer(400, '{"error": "unsupported_grant_type", "error_description": "x"}',
                     {"Content-Type": "application/json"},
                     more=(("Cache-Control", "no-cache"), ("Cache-Control", "no-store"), ("Pragma", "no-cache")))
    s = site(with_changes(__oauth2__token=Answer(405, "", {"Allow": "POST"}, post=refused)))
    report = probe(f"{s.origin}/api", check_endpoints=True)
    assert [f for f in findings(report) if f[0] == "PR017"] == []


def test_pr020_active_flow_names_the_failing_step_no_line(site: SiteFactory) -> None:
    s = site(with_changes(**{"__agent__identity": Answer(500, '{"error": "internal_error"}',
                                                         {"Content-Type": "application/json"})}))
    report = probe(f"{s.origin}/api", active=True)
    got = [f for f in findings(report) if f[0] == "PR020"]
    assert got == [F("PR020", "error", f"{s.origin}/agent/identity", line=None)]
    assert report.capabilities[2]["steps"]["register"]["verified"] is False


# ------------------------------------------------------------------ without a network: recorded answers


def replayed(target: str, answers: dict[str, tuple[int | None, dict[str, str], bytes | str]],
             failures: dict[str, tuple[str, str]] | None = None) -> ProbeReport:
    """Walk `target` against recorded answers only (a ReplayFetcher): for hosts that must never
    be contacted from a test. A URL in `failures` fails with (kind, message)."""
    import asyncio

    from authmd_cli.core.net import FetchLimits
    from authmd_cli.probe.fetch import ReplayFetcher
    from authmd_cli.probe.model import Exchange, Failure, Hop
    from authmd_cli.probe.run import ProbeOptions, probe_one
    from authmd_cli.probe.target import parse_target

    recorded = [Exchange(i, "recorded", "GET", url, (Hop("GET", url, status, tuple(headers.items()),
                                                         body.encode() if isinstance(body, str) else body),))
                for i, (url, (status, headers, body)) in enumerate(answers.items())]
    for url, (kind, message) in (failures or {}).items():
        hop = Hop("GET", url, failure=Failure(kind, message))
        recorded.append(Exchange(len(recorded), "recorded", "GET", url, (hop,)))
    opts = ProbeOptions(limits=FetchLimits())
    return asyncio.run(probe_one(parse_target(target), ReplayFetcher(recorded), opts))


def _public_site(origin: str) -> dict[str, tuple[int | None, dict[str, str], bytes | str]]:
    import json as _json

    from authmd_cli.sandbox.defaults import default_config
    from authmd_cli.site.generate import render_site

    out: dict[str, tuple[int | None, dict[str, str], bytes | str]] = {}
    for path, text in render_site(default_config("v0.7-B").with_origin(origin)).items():
        ctype = "text/markdown" if path.endswith(".md") else "application/json"
        out[f"{origin}/{path}"] = (200, {"Content-Type": ctype, **CACHED}, text)
    out[f"{origin}/api"] = (401, {"WWW-Authenticate": f'Bearer resource_metadata="{origin}{PRM}"'},
                            _json.dumps({"error": "unauthorized"}))
    for path in ("/agent/identity", "/agent/identity/claim", "/agent/event/notify", "/oauth2/token",
                 "/oauth2/revoke"):
        out[origin + path] = (405, {}, "")
    return out


def test_pr006_plain_http_target_off_loopback_no_line() -> None:
    origin = "http://svc.example.net"
    report = replayed(f"{origin}/api", _public_site(origin))
    got = findings(report)
    assert F("PR006", "error", origin, line=None) in got
    assert [f for f in got if f[0].startswith("PR")] == [F("PR006", "error", origin, line=None)]


def test_recorded_https_public_site_is_clean() -> None:
    origin = "https://svc.example.net"
    assert [f for f in findings(replayed(f"{origin}/api", _public_site(origin))) if f[0].startswith("PR")] == []


def test_pr021_redirect_to_a_private_address_is_refused_no_line() -> None:
    origin = "https://svc.example.net"
    answers = _public_site(origin)
    answers[f"{origin}/auth.md"] = (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, "")
    report = replayed(f"{origin}/api", {k: v for k, v in answers.items() if k != f"{origin}/auth.md"},
                      failures={f"{origin}/auth.md": ("private-address", "169.254.169.254 resolves to "
                                                      "169.254.169.254, a link-local address; refused")})
    got = [f for f in findings(report) if f[0].startswith("PR")]
    assert got == [F("PR021", "error", f"{origin}/auth.md", line=None)]


def test_documents_that_disagree_are_lints_cross_document_findings_at_their_line(site: SiteFactory) -> None:
    def build(o: str) -> Routes:
        routes = clean_routes(o)
        as_meta = json_of(routes, AS)
        as_meta["token_endpoint"] = f"{o}/oauth/token"  # the auth.md still shows /oauth2/token
        routes[AS] = json_answer(as_meta, **CACHED)
        routes["/oauth/token"] = Answer(405, "", {"Allow": "POST"})
        return routes
    s = site(build)
    got = findings(probe(f"{s.origin}/api"))
    assert got and {f[0] for f in got} == {"XD005"} and all(f[2] == f"{s.origin}/auth.md" and f[3] for f in got)


def test_a_vendor_dialect_is_named_in_the_report(site: SiteFactory) -> None:
    def build(o: str) -> Routes:
        meta = {"issuer": o, "agent_auth": {
            "skill": "Register with our agent API", "register_uri": f"{o}/agents/register",
            "claim_uri": f"{o}/agents/claim", "complete_uri": f"{o}/agents/complete",
            "identity_types_supported": ["user_claimed", "agent_verified"],
            "user_claimed_supported": ["anonymous", "email_required"]}}
        return {AS: json_answer(meta, **CACHED)}
    s = site(build)
    report = probe(s.origin)
    assert report.discovery.dialect == "noform"
    assert report.to_dict("x")["generation"]["dialect"] == "noform"


def test_pr004_redirect_from_https_to_http_is_an_error_no_line() -> None:
    import asyncio

    from authmd_cli.core.net import FetchLimits
    from authmd_cli.probe.fetch import ReplayFetcher
    from authmd_cli.probe.model import Exchange, Hop
    from authmd_cli.probe.run import ProbeOptions, probe_one
    from authmd_cli.probe.target import parse_target

    origin = "https://svc.example.net"
    answers = _public_site(origin)
    recorded = [Exchange(i, "recorded", "GET", url, (Hop("GET", url, status, tuple(h.items()),
                                                         body.encode() if isinstance(body, str) else body),))
                for i, (url, (status, h, body)) in enumerate(answers.items()) if url != f"{origin}/auth.md"]
    status, headers, body = answers[f"{origin}/auth.md"]
    plain = "http://svc.example.net/auth.md"
    recorded.append(Exchange(len(recorded), "recorded", "GET", f"{origin}/auth.md", (
        Hop("GET", f"{origin}/auth.md", 301, (("Location", plain),)),
        Hop("GET", plain, status, tuple(headers.items()), str(body).encode()))))
    report = asyncio.run(probe_one(parse_target(f"{origin}/api"), ReplayFetcher(recorded),
                                   ProbeOptions(limits=FetchLimits())))
    got = [f for f in findings(report) if f[0].startswith("PR")]
    assert got == [F("PR004", "error", f"{origin}/auth.md", line=None)]
    assert "from https to plain http" in report.report.diagnostics[0].message


def test_templated_endpoints_are_not_fetched_but_listed_as_not_checkable(site: SiteFactory) -> None:
    def build(o: str) -> Routes:
        routes = clean_routes(o)
        as_meta = json_of(routes, AS)
        as_meta["agent_auth"]["claim_endpoint"] = f"{o}/agents/{{agent_id}}/claim"
        routes[AS] = json_answer(as_meta, **CACHED)
        return routes
    s = site(build)
    report = probe(f"{s.origin}/api")
    assert report.discovery.not_checkable == (f"{s.origin}/agents/{{agent_id}}/claim",)
    assert not any("/agents/" in path for _, path in s.requests)
    assert "DS010" in {f[0] for f in findings(report)}  # lint's uri-template warning says why


def _origin_resource_routes(o: str) -> Routes:
    """A service whose resource identifier is its origin (`https://h/`, as examples/authmd.yaml and most
    APIs publish it): `/` is a home page (200, no challenge); the API the auth.md documents,
    `/v1/invoices`, answers 401 with the origin-root PRM in its challenge."""
    from pathlib import Path

    from authmd_cli.site.config import load_config_file
    from authmd_cli.site.generate import render_site

    cfg = load_config_file(Path(__file__).resolve().parents[2] / "examples" / "authmd.yaml").with_origin(o)
    routes: Routes = {}
    for path, text in render_site(cfg).items():
        ctype = "text/markdown; charset=utf-8" if path.endswith(".md") else "application/json"
        routes["/" + path] = Answer(200, text, {"Content-Type": ctype, **CACHED})
    routes["/"] = Answer(200, "<!doctype html><title>Tallyworks</title>", {"Content-Type": "text/html"})
    routes["/v1/invoices"] = Answer(401, '{"error": "unauthorized"}', {
        "Content-Type": "application/json",
        "WWW-Authenticate": f'Bearer resource_metadata="{o}/.well-known/oauth-protected-resource"'})
    for path in ("/agent/identity", "/agent/identity/claim", "/agent/event/notify", "/oauth2/token", "/oauth2/revoke"):
        routes[path] = Answer(405, "", {"Allow": "POST"})
    return routes


def test_pr009_origin_resource_challenges_at_the_documented_api_and_is_only_the_prefix_warning(
        site: SiteFactory) -> None:
    """The origin's home page is not the API: the walk asks the API request the auth.md documents (inside
    the resource) for its 401, so there is no false PR008, the API the flows call is the real one, and
    `https://h/` vs the origin is not a normalisation difference (RFC 9728 §3.1 drops that slash)."""
    s = site(_origin_resource_routes)
    report = probe(s.origin)
    assert findings(report) == [F("PR009", "warning", f"{s.origin}/.well-known/oauth-protected-resource", line=2)]
    assert report.report.diagnostics[0].message.startswith(
        f"`resource` {s.origin}/ is a path prefix of the URL that got the 401, {s.origin}/v1/invoices")
    assert report.discovery.challenge.url == f"{s.origin}/v1/invoices"
    assert report.discovery.endpoints.api == f"{s.origin}/v1/invoices"
    assert ("GET", "/") not in s.requests


def test_pr023_a_rate_limited_auth_md_and_as_metadata_fail_the_run_with_one_error_no_line(site: SiteFactory) -> None:
    # Review: "could not be assessed" exited 1 with only PR016 warnings in github / sarif output.
    def build(o: str) -> Routes:
        routes = clean_routes(o)
        for path in ("/auth.md", "/.well-known/oauth-authorization-server"):
            routes[path] = Answer(429, "slow down", {"Retry-After": "600"})
        return routes
    s = site(build)
    report = probe(f"{s.origin}/api")
    assert findings(report) == [
        F("PR016", "warning", f"{s.origin}/.well-known/oauth-authorization-server", line=None),
        F("PR016", "warning", f"{s.origin}/auth.md", line=None),
        F("PR023", "error", f"{s.origin}/auth.md", line=None)]
    pr023 = next(x for x in report.report.diagnostics if x.code == "PR023")
    assert pr023.message == ("the service could not be assessed: the auth.md answered 429, "
                             "the AS metadata answered 429")
    assert [r.source for r in pr023.related] == [f"{s.origin}/.well-known/oauth-authorization-server"]
    assert report.exit_code(strict=False) == 1


def test_pr023_not_repeated_where_each_unread_document_has_its_own_error(site: SiteFactory) -> None:
    def build(o: str) -> Routes:
        routes = clean_routes(o)
        for path in ("/auth.md", "/.well-known/oauth-authorization-server"):
            routes[path] = Answer(502, "bad gateway", {"Content-Type": "text/plain"})
        return routes
    report = probe(f"{site(build).origin}/api")
    codes = [f[0] for f in findings(report)]
    assert "PR023" not in codes and codes.count("PR002") == 2
    assert report.verdict.startswith("unknown generation: could not be assessed")
