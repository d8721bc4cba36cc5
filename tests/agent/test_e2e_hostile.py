"""Hostile strings in a service's documents and answers (lone surrogates, terminal escapes): the run
ends with a finding that names the value, and every output format stays valid and inert."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from broken import answer, rewrite_json
from simulate_harness import Served, simulate

from authmd_cli.agent.driver import Driver
from authmd_cli.agent.wire import Request
from authmd_cli.core import net

pytestmark = pytest.mark.e2e
AS_PATH = "/.well-known/oauth-authorization-server"
PRM_PATH = "/.well-known/oauth-protected-resource/api"


def _spoil_token_endpoint(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "token_endpoint": doc["token_endpoint"] + "\udc80"}


def _spoil_resource(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "resource": doc["resource"] + "/\ud800"}


# A lone surrogate escape makes the document invalid JSON (RFC 8259 §8.2; the parser refuses it),
# so the AS metadata is unusable (SM018 says why) and a spoilt PRM is not used (an agent falls back
# to the authorization server's own well-known URL); either way the report stays writable.
@pytest.mark.parametrize(("path", "spoil", "code"), [(AS_PATH, _spoil_token_endpoint, 1),
                                                     (PRM_PATH, _spoil_resource, 0)])
@pytest.mark.parametrize("fmt", ["json", "text"])
def test_a_lone_surrogate_in_a_document_is_reported_and_the_output_stays_valid(
        serve: Callable[..., Served], path: str, spoil: Callable[[Any], Any], code: int, fmt: str) -> None:
    s = serve(wrap=lambda app: rewrite_json(app, path, spoil))
    run = simulate("user-claimed", s.origin, fmt=fmt)
    assert run.code == code
    out = run.text.encode("utf-8").decode("utf-8")  # writable to any UTF-8 stream (a surrogate is not)
    if fmt == "json":
        report = json.loads(out)
        if code:
            [d] = report["diagnostics"]
            assert d["code"] == "SM018" and "authorization server metadata" in d["message"]
            assert "surrogate" in d["message"] and "line" in d["message"]
        else:
            assert report["diagnostics"] == [] and report["summary"]["errors"] == 0
    elif code:
        assert "SM018" in out and "surrogate" in out


def test_a_lone_surrogate_in_an_endpoint_url_is_a_finding_naming_the_member() -> None:
    # The documents here are parsed already (as a library user or a test hands them over): the URL
    # check itself still names the member and shows the value escaped.
    from authmd_cli.agent.target import TargetError, target_from_documents

    meta = {"issuer": "https://as.example", "token_endpoint": "https://as.example/token\udc80",
            "agent_auth": {"identity_endpoint": "https://as.example/agent/identity"}}
    with pytest.raises(TargetError) as caught:
        target_from_documents(None, meta, as_url="https://as.example/.well-known/oauth-authorization-server")
    assert str(caught.value).startswith("token_endpoint") and "\\udc80" in str(caught.value)


def test_the_driver_reports_an_unsendable_url_as_no_answer(serve: Callable[..., Served]) -> None:
    s = serve()
    with net.client(timeout=5.0) as client:
        resp = Driver(client).send(Request("token", "POST", s.origin + "/oauth2/token\udc80"))
    assert resp.status == 0 and resp.error is not None and "surrogate" in resp.error


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_services_terminal_escapes_never_reach_the_output(serve: Callable[..., Served], fmt: str) -> None:
    body = json.dumps({"error": "invalid_request\u001b]0;pwned\u0007",
                       "error_description": "no\u009b2J\u007f"}).encode()
    s = serve(wrap=lambda app: answer(app, "/agent/identity", 400, body))
    run = simulate("user-claimed", s.origin, fmt=fmt)
    assert run.code == 1
    shown = run.text + "\n".join(run.err)
    assert not any(c in shown for c in "\x1b\x07\x7f\x9b")
    if fmt == "text":
        assert "invalid_request\\x1b]0;pwned\\x07" in run.text
    else:
        assert json.loads(run.text)["outcome"] == "failed"


def test_the_consent_gate_shows_a_hostile_resource_name_escaped(serve: Callable[..., Served]) -> None:
    def spoil(doc: dict[str, Any]) -> dict[str, Any]:
        # (a lone surrogate would make the PRM invalid JSON, so the name would never be shown)
        return {**doc, "resource_name": "Evil\u001b]0;pwned\u0007\u009b Corp"}

    s = serve(wrap=lambda app: rewrite_json(app, PRM_PATH, spoil))
    run = simulate("user-claimed", s.origin, claim="ada@example.com", auto_confirm=True)
    gate = "\n".join(run.err)
    assert "Evil\\x1b]0;pwned\\x07\\x9b Corp" in gate
    assert not any(c in gate for c in "\x1b\x07\x9b")
    gate.encode("utf-8")
