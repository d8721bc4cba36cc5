"""Older generations end to end, against `reference_like.py`: a v0.6-style service (claim body
`{claim_token, email}`, polling with the claim grant, `authorization_pending` until the user has
typed the code) and a v0.3-style one (e-mailed one-time code read back by the user)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from reference_like import app
from simulate_harness import simulate

from authmd_cli.core.server import bind, in_thread, origin_of

pytestmark = pytest.mark.e2e

TYPE_CODE = """
import json, os, urllib.request
body = json.dumps({"user_code": os.environ["AUTHMD_USER_CODE"], "after_polls": 2}).encode()
req = urllib.request.Request(os.environ["AUTHMD_ISSUER"] + "/_human/complete", body,
                             {"Content-Type": "application/json"})
urllib.request.urlopen(req).read()
"""
READ_MAIL = """
import json, os, urllib.parse, urllib.request
q = urllib.parse.urlencode({"email": os.environ["AUTHMD_LOGIN_HINT"]})
print("the page shows", json.load(urllib.request.urlopen(os.environ["AUTHMD_ISSUER"] + "/_mail?" + q))["otp"])
"""


@pytest.fixture
def service() -> Iterator[Callable[[str], str]]:
    stack: list[Any] = []

    def factory(generation: str) -> str:
        sock = bind("127.0.0.1", 0)
        box = [origin_of(sock, "127.0.0.1")]
        ctx = in_thread(app(generation, box), sock)
        ctx.__enter__()
        stack.append((ctx, sock))
        return box[0]

    yield factory
    for ctx, sock in reversed(stack):
        ctx.__exit__(None, None, None)
        sock.close()


def command(tmp_path: Path, program: str) -> str:
    script = tmp_path / "human.py"
    script.write_text(program)
    return f"{sys.executable} {script}"


def names(report: dict[str, Any]) -> list[str]:
    return [st["name"] for st in report["steps"]]


def test_v06_anonymous_claim_polls_through_authorization_pending(service: Callable[[str], str],
                                                                  tmp_path: Path) -> None:
    origin = service("v0.6")
    run = simulate("user-claimed", origin, claim="vi@example.com", human_command=command(tmp_path, TYPE_CODE),
                   fmt="json")
    report = json.loads(run.text)
    assert run.code == 0 and report["outcome"] == "passed", run.text
    assert report["target"]["profile"] == "v0.6"  # detected: service_auth beside the claim grant
    polls = [st for st in report["steps"] if st["name"] == "poll claim grant"]
    assert len(polls) == 3 and run.slept == [5, 5]  # two pending answers, one interval between polls each
    assert "API with the pre-claim token" in names(report)
    claim = next(st for st in report["steps"] if st["name"] == "start claim attempt")
    assert claim["response"]["status"] == 200  # the v0.6 body {claim_token, email}, first time


def test_v06_service_auth(service: Callable[[str], str], tmp_path: Path) -> None:
    origin = service("v0.6")
    run = simulate("user-claimed", origin, method="service_auth", login_hint="sa@example.com",
                   human_command=command(tmp_path, TYPE_CODE), fmt="json")
    report = json.loads(run.text)
    assert run.code == 0, run.text
    assert run.slept == [5, 5] and "exchange" in names(report)


def test_v03_anonymous_claim_with_the_emailed_code(service: Callable[[str], str], tmp_path: Path) -> None:
    origin = service("v0.3")
    run = simulate("user-claimed", origin, claim="otp@example.com", human_command=command(tmp_path, READ_MAIL),
                   fmt="json")
    report = json.loads(run.text)
    assert run.code == 0 and report["outcome"] == "passed", run.text
    assert (report["target"]["profile"], report["target"]["ceremony"]) == ("v0.3", "otp")  # detected
    assert "complete claim (OTP)" in names(report) and "exchange (post-claim)" in names(report)


def test_v03_email_path_is_a_verified_email_assertion(service: Callable[[str], str], tmp_path: Path) -> None:
    origin = service("v0.3")
    run = simulate("user-claimed", origin, method="service_auth", login_hint="ve@example.com",
                   human_command=command(tmp_path, READ_MAIL), fmt="json")
    report = json.loads(run.text)
    assert run.code == 0, run.text
    assert names(report)[names(report).index("register (service_auth)") + 1] == "hand-off to the user"


def test_v03_without_a_person_needs_one(service: Callable[[str], str]) -> None:
    origin = service("v0.3")
    run = simulate("user-claimed", origin, claim="nobody@example.com", fmt="json")
    report = json.loads(run.text)
    assert run.code == 1 and report["outcome"] == "incomplete"
    assert [d["code"] for d in report["diagnostics"]] == ["SM015"]


def test_v06_service_taken_for_v07a_falls_back_to_the_v06_claim_body(service: Callable[[str], str],
                                                                     tmp_path: Path) -> None:
    origin = service("v0.6")
    run = simulate("user-claimed", origin, claim="fb@example.com", human_command=command(tmp_path, TYPE_CODE),
                   fmt="json", profile="v0.7-A")
    report = json.loads(run.text)
    assert run.code == 0, run.text
    first = next(st for st in report["steps"] if st["name"] == "start claim attempt")
    assert first["response"]["status"] == 400
    assert [d["code"] for d in report["diagnostics"]] == ["SM025"]
