"""Against a broken service the right step fails with the right code, and the run ends cleanly;
against one that accepts everything, every negative check fails (so each can fail at all)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from broken import accept_all_bearers, accept_everything, answer, drop_header, swallow, tamper
from simulate_harness import Served, simulate

pytestmark = pytest.mark.e2e


def findings(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(st["name"], d["code"]) for st in report["steps"] for d in st["diagnostics"]]


def run_json(flow: str, origin: str, **kw: Any) -> tuple[int, dict[str, Any]]:
    run = simulate(flow, origin, fmt="json", **kw)
    return run.code, json.loads(run.text)


def test_token_endpoint_without_no_store(serve: Callable[..., Served]) -> None:
    s = serve(wrap=lambda app: drop_header(app, "/oauth2/token", "cache-control"))
    code, report = run_json("user-claimed", s.origin)
    assert code == 1
    assert ("exchange (pre-claim)", "SM005") in findings(report)


def test_registration_answering_html(serve: Callable[..., Served]) -> None:
    s = serve(wrap=lambda app: answer(app, "/agent/identity", 200, b"<!doctype html><p>hi</p>", b"text/html"))
    code, report = run_json("user-claimed", s.origin)
    assert code == 1 and report["outcome"] == "failed"
    assert findings(report) == [("register (anonymous)", "SM003")]
    assert report["steps"][-1]["name"] == "register (anonymous)"  # the run stopped there, cleanly


def test_registration_5xx(serve: Callable[..., Served]) -> None:
    s = serve(wrap=lambda app: answer(app, "/agent/identity", 503, b'{"error":"unavailable"}'))
    code, report = run_json("user-claimed", s.origin)
    assert code == 1 and findings(report) == [("register (anonymous)", "SM009")]


def test_revocation_that_revokes_nothing(serve: Callable[..., Served]) -> None:
    s = serve(wrap=lambda app: swallow(app, "/oauth2/revoke"))
    code, report = run_json("user-claimed", s.origin)
    assert code == 1 and findings(report) == [("API with the revoked token", "SM012")]


def test_pre_claim_tokens_not_revoked_by_the_claim(serve: Callable[..., Served]) -> None:
    s = serve(wrap=lambda app: accept_all_bearers(app, "/api/resource"))
    code, report = run_json("user-claimed", s.origin, claim="gina@example.com", auto_confirm=True)
    assert code == 1
    assert ("API with the pre-claim token", "SM011") in findings(report)
    assert ("API with the revoked token", "SM012") in findings(report)


def test_claim_complete_without_identity(serve: Callable[..., Served]) -> None:
    s = serve(wrap=lambda app: answer(app, "/agent/identity/claim/complete", 200, b'{"status":"claimed"}'))
    code, report = run_json("user-claimed", s.origin, claim="hal@example.com", auto_confirm=True)
    assert code == 1
    assert ("complete claim", "SM004") in findings(report)


def test_api_401_without_challenge(serve: Callable[..., Served]) -> None:
    def no_challenge(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Any:
        return status, [(k, v) for k, v in headers if k != b"www-authenticate"], body

    s = serve(wrap=lambda app: tamper(app, "/api/resource", no_challenge, method="GET"))
    code, report = run_json("user-claimed", s.origin)
    assert code == 0  # a warning
    assert findings(report) == [("API with the revoked token", "SM019")]


def test_poll_answering_slow_down_forever_ends_at_the_deadline(serve: Callable[..., Served]) -> None:
    slow = b'{"error":"slow_down","error_description":"slower"}'
    s = serve("v0.7-A", wrap=lambda app: answer(app, "/oauth2/token", 400, slow,
                                                when=lambda body: b"grant-type%3Aclaim" in body))
    run = simulate("user-claimed", s.origin, claim="ida@example.com", auto_confirm=True, timeout=60, fmt="json")
    report = json.loads(run.text)
    assert run.code == 1 and report["outcome"] == "incomplete"
    # RFC 8628 §3.5: +5 s after every slow_down, for all later polls; the 60 s deadline ends it
    assert run.slept == [10, 15, 20]
    assert findings(report)[-1][1] == "SM014"


# ------------------------------------------------------------------ negative checks must be able to fail

NEGATIVE_STEPS = [
    "negative: unknown type", "negative: malformed JSON", "negative: lone surrogate in a JSON string",
    "negative: wrong grant type", "negative: wrong aud", "negative: expired ID-JAG", "negative: alg none",
    "negative: a foreign key under the issuer's kid", "negative: missing auth_time", "negative: auth_time NaN",
    "negative: exp Infinity", "negative: nbf in the future", "negative: replayed jti",
    "negative: SET older than the replay window",
]


@pytest.fixture(scope="module")
def accepting_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from authmd_cli.core.server import in_thread
    from authmd_cli.sandbox.defaults import default_config
    from authmd_cli.sandbox.server import start

    key = tmp_path_factory.mktemp("neg") / "k.pem"
    sb = start(default_config("v0.7-B"), host="127.0.0.1", port=0, test_hooks=True, provider_key_path=key)
    app = accept_everything(sb.app, "/agent/identity", "/oauth2/token", "/agent/event/notify")
    with in_thread(app, sb.sock):
        run = simulate("agent-verified", sb.origin, provider_key=key, negative=True, fmt="json")
    sb.close()
    report: dict[str, Any] = json.loads(run.text)
    return report


@pytest.mark.parametrize("step", NEGATIVE_STEPS)
def test_each_negative_check_fails_when_the_service_accepts(accepting_report: dict[str, Any], step: str) -> None:
    assert (step, "SM008") in findings(accepting_report)


def test_endless_registration_body_is_cut_at_the_cap_and_the_run_ends(serve: Callable[..., Served]) -> None:
    def endless(app: Any) -> Any:
        async def wrapped(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope["path"] == "/agent/identity":
                await send({"type": "http.response.start", "status": 200,
                            "headers": [(b"content-type", b"application/json")]})
                chunk = b" " * 65536
                for _ in range(64):  # 4 MiB, past the client's 1 MiB cap
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b""})
                return
            await app(scope, receive, send)
        return wrapped

    s = serve(wrap=endless)
    code, report = run_json("user-claimed", s.origin)
    assert code == 1 and report["outcome"] == "failed"
    assert findings(report) == [("register (anonymous)", "SM001")]
    assert "larger than" in report["diagnostics"][0]["message"]
