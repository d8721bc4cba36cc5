"""`authmd probe` in-process (typer's CliRunner) against real servers on 127.0.0.1: formats, the JSON
contract, exit codes, --save/--replay, several targets, --active confirmation, rule docs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from probe_sites import Answer, Routes, Site, clean_routes
from typer.testing import CliRunner

from authmd_cli.cli.app import app

SiteFactory = Callable[[Callable[[str], Routes]], Site]
LOCAL = ["--allow-private", "--timeout", "5", "--no-color"]


@pytest.fixture(autouse=True)
def _plain(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_ACTIONS", "NO_COLOR", "FORCE_COLOR", "AUTHMD_DEBUG"):
        monkeypatch.delenv(name, raising=False)


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, ["probe", *args])


def test_json_keeps_lints_contract_and_adds_the_probe_keys(sandbox: Callable[[str], str]) -> None:
    origin = sandbox("v0.7-B")
    result = invoke(*LOCAL, "-f", "json", f"{origin}/api")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert list(doc)[:5] == ["version", "tool", "documents", "diagnostics", "summary"]
    assert {"target", "trace", "requests_with_side_effects", "capabilities", "verdict", "ruleset",
            "generation"} <= set(doc)
    assert doc["requests_with_side_effects"] == 0 and doc["diagnostics"] == []
    assert [d["source"] for d in doc["documents"]] == [
        f"{origin}/auth.md", f"{origin}/.well-known/oauth-protected-resource/api",
        f"{origin}/.well-known/oauth-authorization-server"]
    hop = doc["trace"][0]
    assert set(hop) >= {"step", "method", "url", "status", "headers", "bytes", "ms", "redirects"}
    assert hop["step"] == "challenge" and hop["status"] == 401 and "www-authenticate" in hop["headers"]
    from authmd_cli.cli.version import ruleset_version

    assert doc["ruleset"]["version"] == ruleset_version()  # what `authmd --version` prints


def test_text_output_shows_trace_findings_table_and_verdict_and_exits_1_on_errors(site: SiteFactory) -> None:
    s = site(lambda o: {**clean_routes(o), "/agent/identity": Answer(410, "nope", {"Content-Type": "text/plain"})})
    result = invoke(*LOCAL, f"{s.origin}/api")
    assert result.exit_code == 1
    out = result.output
    assert "trace (* = request with possible side effects)" in out
    assert f"{s.origin}/agent/identity: PR013 endpoint-not-served [error]" in out
    assert "  method              discover  register" in out
    assert out.rstrip().endswith(
        "verdict: v0.7-B: identity_assertion, service_auth, anonymous advertised; broken at register (PR013)")


def test_sarif_locates_findings_at_the_url_with_the_rule_described(site: SiteFactory) -> None:
    s = site(lambda o: {**clean_routes(o), "/agent/identity": Answer(410, "nope", {"Content-Type": "text/plain"})})
    result = invoke(*LOCAL, "-f", "sarif", f"{s.origin}/api")
    sarif = json.loads(result.output)
    run = sarif["runs"][0]
    res = run["results"][0]
    assert res["ruleId"] == "PR013"
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == f"{s.origin}/agent/identity"
    assert "PR013" in {r["id"] for r in run["tool"]["driver"]["rules"]}


def test_unreachable_exits_3_and_private_without_allow_exits_2(sandbox: Callable[[str], str]) -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    assert invoke(*LOCAL, f"http://127.0.0.1:{port}").exit_code == 3
    origin = sandbox("v0.7-B")
    refused = invoke("--timeout", "5", origin)
    assert refused.exit_code == 2
    assert "loopback address; refused (use --allow-private" in refused.output


@pytest.mark.parametrize(("target", "why"), [("ftp://x.io", "only http and https"),
                                             ("https://u:p@x.io", "carries credentials"),
                                             ("http://\udcff.test/", "not an internationalised domain name"),
                                             ("http://ex\u200bample.com/", "not an internationalised domain name"),
                                             ("http://127.0.0.1:99999/api", "port is not a number from 0 to 65535"),
                                             ("x.example:70000", "port is not a number from 0 to 65535"),
                                             ("http://[::1/api", "IP literal of the host is malformed"),
                                             ("https://[v1.x]/", "not a valid URL"),
                                             ("http://[::1]x/", "not a valid URL")])
def test_bad_targets_are_usage_errors(target: str, why: str) -> None:
    result = invoke(target)
    assert result.exit_code == 2 and why in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output  # one line, no traceback


@pytest.mark.parametrize("args", [
    ["http://user:s3cretpw@127.0.0.1:1/api"], ["ftp://user:s3cretpw@x.example/"], ["user:s3cretpw@x.example"],
    ["--api", "http://u:s3cretpw@x.example/v1", "x.example"]])
def test_a_refused_target_never_prints_its_password(args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert "s3cretpw" not in result.output and "***@" in result.output


def test_save_then_replay_gives_the_same_report(site: SiteFactory, tmp_path: Path) -> None:
    s = site(lambda o: {**clean_routes(o), "/oauth2/revoke": Answer(500, "x", {"Content-Type": "text/plain"})})
    live = invoke(*LOCAL, "-f", "json", "--check-endpoints", "--save", str(tmp_path / "snap"), f"{s.origin}/api")
    s.server.shutdown()  # the replay must not need the server
    again = invoke("-f", "json", "--replay", str(tmp_path / "snap"))
    a, b = json.loads(live.output), json.loads(again.output)
    assert live.exit_code == again.exit_code == 1
    assert a["diagnostics"] == b["diagnostics"] and a["diagnostics"]
    assert [(h["step"], h["url"], h["status"]) for h in a["trace"]] == [
        (h["step"], h["url"], h["status"]) for h in b["trace"]]
    assert b["requests_with_side_effects"] == 3
    assert (tmp_path / "snap" / "snapshot.json").stat().st_mode & 0o777 == 0o600


def test_save_never_clears_a_directory_that_is_not_a_snapshot(site: SiteFactory, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    (mine / "bodies").mkdir(parents=True)
    (mine / "snapshot.json").write_text('{"my": "own data"}', encoding="utf-8")
    (mine / "bodies" / "important.body").write_text("keep", encoding="utf-8")
    s = site(clean_routes)
    refused = invoke(*LOCAL, "--save", str(mine), f"{s.origin}/api")
    assert refused.exit_code == 2
    assert "not an authmd probe snapshot" in refused.stderr and "nothing was written" in refused.stderr
    assert (mine / "bodies" / "important.body").read_text(encoding="utf-8") == "keep"
    assert (mine / "snapshot.json").read_text(encoding="utf-8") == '{"my": "own data"}'
    assert not s.requests  # refused before the walk


def test_save_replaces_an_earlier_snapshot(site: SiteFactory, tmp_path: Path) -> None:
    s = site(clean_routes)
    for _ in range(2):
        assert invoke(*LOCAL, "--save", str(tmp_path / "snap"), f"{s.origin}/api").exit_code == 0
    assert invoke("--replay", str(tmp_path / "snap")).exit_code == 0


@pytest.mark.parametrize(("first", "second"), [(3, 2), (1, 2), (2, 1)])
def test_a_run_saved_over_an_earlier_one_replays_as_itself(site: SiteFactory, tmp_path: Path, first: int,
                                                           second: int) -> None:
    a, b = site(clean_routes), site(clean_routes)
    snap = tmp_path / "snap"

    def run(n: int, s: Site) -> list[str]:
        targets = [f"{s.origin}/api"] * n
        result = invoke(*LOCAL, "-f", "jsonl", "--jobs", "1", "--save", str(snap), *targets)
        assert result.exit_code == 0, result.output
        return [json.loads(line)["target"]["origin"] for line in result.output.splitlines()]

    run(first, a)
    assert run(second, b) == [b.origin] * second
    replayed = invoke("--replay", str(snap), "-f", "jsonl")
    assert replayed.exit_code == 0, replayed.output
    assert [json.loads(line)["target"]["origin"] for line in replayed.output.splitlines()] == [b.origin] * second


def test_an_earlier_snapshot_holding_a_file_of_the_users_is_not_cleared(site: SiteFactory, tmp_path: Path) -> None:
    s = site(clean_routes)
    snap = tmp_path / "snap"
    assert invoke(*LOCAL, "-f", "jsonl", "--save", str(snap), f"{s.origin}/api", f"{s.origin}/api").exit_code == 0
    first = sorted(snap.iterdir())
    (first[0] / "notes.txt").write_text("mine", encoding="utf-8")
    refused = invoke(*LOCAL, "--save", str(snap), f"{s.origin}/api")
    assert refused.exit_code == 2 and "nothing was written" in refused.stderr
    assert (first[0] / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(snap.iterdir()) == first and (first[1] / "snapshot.json").is_file()


def test_replay_of_something_else_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "snapshot.json").write_text('{"format": "other"}', encoding="utf-8")
    result = invoke("--replay", str(tmp_path))
    assert result.exit_code == 2 and "not a usable snapshot" in result.output


@pytest.mark.parametrize(("edit", "member"), [
    (lambda d: d["exchanges"][0]["hops"][0].update(status="401"), "exchanges[0].hops[0].status is not an integer"),
    (lambda d: d["exchanges"][0]["hops"][0].update(headers=[["a"]]), "exchanges[0].hops[0].headers"),
    (lambda d: d["exchanges"][0].update(index="0"), "exchanges[0].index is not an integer"),
    (lambda d: d["exchanges"][0]["hops"][0].update(ms="fast"), "exchanges[0].hops[0].ms is not a number"),
    (lambda d: d.update(exchanges={}), "exchanges is not an array"),
])
def test_a_tampered_snapshot_is_an_input_error_naming_the_member(site: SiteFactory, tmp_path: Path,
                                                                  edit: Callable[[Any], None], member: str) -> None:
    s = site(clean_routes)
    assert invoke(*LOCAL, "--save", str(tmp_path / "snap"), f"{s.origin}/api").exit_code == 0
    index = tmp_path / "snap" / "snapshot.json"
    doc = json.loads(index.read_text(encoding="utf-8"))
    edit(doc)
    index.write_text(json.dumps(doc), encoding="utf-8")
    for args in (["probe", "--replay", str(tmp_path / "snap")], ["lint", "--snapshot", str(tmp_path / "snap")]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "not a usable snapshot" in result.stderr and member in result.stderr


def test_several_targets_as_jsonl_one_line_each_in_order(sandbox: Callable[[str], str], site: SiteFactory,
                                                         tmp_path: Path) -> None:
    good = sandbox("v0.7-B")
    bad = site(lambda o: {**clean_routes(o), "/agent/identity": Answer(410, "", {"Content-Type": "text/plain"})})
    listing = tmp_path / "targets.txt"
    listing.write_text(f"# two services\n{bad.origin}/api\n\n", encoding="utf-8")
    result = invoke(*LOCAL, "-f", "jsonl", "--concurrency", "2", f"{good}/api", "--from-file", str(listing))
    lines = result.output.strip().splitlines()
    assert [json.loads(line)["target"]["origin"] for line in lines] == [good, bad.origin]
    assert [json.loads(line)["summary"]["errors"] for line in lines] == [0, 1]
    assert result.exit_code == 1


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_a_target_list_with_a_byte_order_mark_and_crlf_is_read(site: SiteFactory, tmp_path: Path,
                                                                encoding: str) -> None:
    # Notepad writes UTF-8 with a BOM and CRLF, PowerShell's `>` UTF-16: the BOM was read as part
    # of the first URL ("'\ufeffhttp://…' has no valid host name", exit 2).
    s = site(clean_routes)
    listing = tmp_path / "targets.txt"
    listing.write_bytes(f"{s.origin}/api\r\n# a comment\r\n{s.origin}/api\r\n".encode(encoding))
    result = invoke(*LOCAL, "-f", "jsonl", "--from-file", str(listing))
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["target"]["origin"] for line in result.output.strip().splitlines()] == [s.origin] * 2


def test_active_needs_yes_when_not_on_a_terminal(sandbox: Callable[[str], str]) -> None:
    origin = sandbox("v0.7-B")
    result = invoke(*LOCAL, "--active", f"{origin}/api")
    assert result.exit_code == 2 and "needs --yes" in result.output
    ok = invoke(*LOCAL, "--active", "--yes", "-f", "json", f"{origin}/api")
    assert ok.exit_code == 0 and json.loads(ok.output)["requests_with_side_effects"] == 4


def test_lint_explains_and_lists_probe_rules() -> None:
    runner = CliRunner()
    explained = runner.invoke(app, ["lint", "--explain", "PR009"])
    assert explained.exit_code == 0
    assert explained.output.startswith("PR009 resource-identity\nseverity: error\nscope: probe\n")
    listed = runner.invoke(app, ["lint", "--list-rules"])
    assert "PR013  endpoint-not-served" in listed.output.replace("   ", "  ")


def test_lint_snapshot_lints_what_the_probe_saved(site: SiteFactory, tmp_path: Path) -> None:
    s = site(lambda o: {**clean_routes(o), "/oauth2/revoke": Answer(410, "x", {"Content-Type": "text/plain"})})
    invoke(*LOCAL, "--save", str(tmp_path / "snap"), f"{s.origin}/api")
    result = CliRunner().invoke(app, ["lint", "--no-config", "-f", "json", "--snapshot", str(tmp_path / "snap")])
    doc = json.loads(result.output)
    assert result.exit_code == 1
    assert [(d["code"], d["location"]["source"]) for d in doc["diagnostics"]] == [
        ("PR013", f"{s.origin}/oauth2/revoke")]
    assert len(doc["documents"]) == 3


def test_github_actions_gets_annotations_by_default(site: SiteFactory) -> None:
    s = site(lambda o: {**clean_routes(o), "/agent/identity": Answer(410, "nope", {"Content-Type": "text/plain"})})
    result = CliRunner().invoke(app, ["probe", *LOCAL, f"{s.origin}/api"], env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1
    assert result.output.startswith("::error title=PR013 endpoint-not-served::" + s.origin + "/agent/identity: ")


def test_several_targets_keep_no_bodies_once_analysed(sandbox: Callable[[str], str]) -> None:
    from authmd_cli.core.net import FetchLimits
    from authmd_cli.probe.run import ProbeOptions, probe_targets
    from authmd_cli.probe.target import parse_target

    origin = sandbox("v0.7-B")
    reports = probe_targets([parse_target(f"{origin}/api"), parse_target(origin)],
                            ProbeOptions(limits=FetchLimits(allow_private=True, timeout=5), concurrency=2))
    for report in reports:
        assert all(h.body == b"" for e in report.discovery.exchanges for h in e.hops)
        trace = report.to_dict("x")["trace"]
        assert next(t for t in trace if t["step"] == "auth.md")["bytes"] > 1000
    assert [r.report.summary["errors"] for r in reports] == [0, 0]


@pytest.mark.parametrize(("flag", "value", "suggestion"), [("--select", "DS0O6", "DS006"), ("--ignore", "NOPE", None)])
def test_an_unknown_rule_in_select_or_ignore_is_a_usage_error(flag: str, value: str, suggestion: str | None) -> None:
    # Before any request: nothing listens on port 1, so a walk would end as unreachable (exit 3).
    result = invoke(flag, value, "--allow-private", "http://127.0.0.1:1/api")
    assert result.exit_code == 2
    assert f"{flag}: unknown rule {value!r}" in result.stderr
    if suggestion:
        assert f"did you mean {suggestion!r}" in result.stderr



@pytest.mark.parametrize("where", ["missing/report.json", "a-dir"])
def test_an_unwritable_output_is_refused_before_any_request(site: SiteFactory, tmp_path: Path, where: str) -> None:
    s = site(clean_routes)
    (tmp_path / "a-dir").mkdir()
    result = invoke(*LOCAL, "-o", str(tmp_path / where), f"{s.origin}/api")
    assert result.exit_code == 2
    assert "cannot write report" in result.output
    assert s.requests == []  # refused up front: a long probe is not thrown away at the end


def test_output_file_gets_the_report_and_replaces_the_old_one(site: SiteFactory, tmp_path: Path) -> None:
    s = site(clean_routes)
    out = tmp_path / "report.json"
    out.write_text("old report\n")
    result = invoke(*LOCAL, "-f", "json", "-o", str(out), f"{s.origin}/api")
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["target"]["origin"] == s.origin


SECRET = "Zx9Qw3ErTy7UiOp2AsDf"


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_a_secret_in_a_url_a_finding_is_located_at_is_scrubbed_in_every_format(site: SiteFactory, fmt: str) -> None:
    def build(o: str) -> Routes:
        routes = clean_routes(o)  # /prm is not served: PR002 is located at the URL the challenge names
        routes["/api"] = Answer(401, "{}", {"Content-Type": "application/json", "WWW-Authenticate":
                                            f'Bearer resource_metadata="{o}/prm?access_token={SECRET}"'})
        return routes
    s = site(build)
    result = invoke(*LOCAL, "-f", fmt, f"{s.origin}/api")
    assert result.exit_code == 1
    assert SECRET not in result.output
    shown = f"{s.origin}/prm?access_token=…AsDf"
    if fmt == "text":
        assert f"{shown}: PR002 http-status [error] the PRM URL the 401 challenge names answered 404" in result.output
    elif fmt == "json":
        doc = json.loads(result.output)
        assert [(d["code"], d["location"]["source"]) for d in doc["diagnostics"]] == [("PR002", shown)]
    elif fmt == "sarif":
        res = json.loads(result.output)["runs"][0]["results"]
        assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in res] == [shown]
    else:
        assert result.output.startswith(f"::error title=PR002 http-status::{shown}: ")
