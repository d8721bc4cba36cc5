"""The pieces around the flows: who plays the user, option checks, the Target, the driver's deadline,
Ctrl-C and ID-JAG sources, the dry-run answers."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from feed import AS, target

from authmd_cli.agent import idjag
from authmd_cli.agent.command import (
    Args,
    Console,
    TerminalHuman,
    address_problem,
    check_args,
    consent_gate,
    normalise_url,
)
from authmd_cli.agent.driver import AssertionSource, Driver
from authmd_cli.agent.dryrun import placeholder
from authmd_cli.agent.flows import StopFlow
from authmd_cli.agent.human import CommandHuman, FixedCode, HookHuman, NoHuman, handoff_lines
from authmd_cli.agent.record import Recorder
from authmd_cli.agent.shapes import registration
from authmd_cli.agent.target import TargetError, target_from_documents
from authmd_cli.agent.wire import Consent, HandOff, NeedAssertion, Request, Wait
from authmd_cli.core.errors import OutputError, UsageError
from authmd_cli.core.tokens import generate_signing_key, peek
from authmd_cli.protocol.profiles import CLAIM_GRANT_URN, ID_JAG_URN, JWT_BEARER_URN

SHOW = HandOff("show", "https://auth.example.com/claim?x=1", "123456", "a@example.com", AS, 600.0)
READ = HandOff("read_back", "https://auth.example.com/claim?x=1", None, "a@example.com", AS)


# ------------------------------------------------------------------ the person


def test_handoff_wording_follows_the_code_direction() -> None:
    assert any("Enter this code: 123456" in line for line in handoff_lines(SHOW))
    assert any("Read that code back" in line for line in handoff_lines(READ))
    assert any("e-mailed" in line for line in handoff_lines(HandOff("otp", None, None, "a@x.org", AS)))


def test_human_command_gets_the_environment_and_its_code_is_read(tmp_path: Path) -> None:
    script = tmp_path / "h.py"
    script.write_text("import os\nprint(os.environ['AUTHMD_LOGIN_HINT'], os.environ['AUTHMD_ISSUER'],"
                      " os.environ.get('AUTHMD_USER_CODE', '-'))\nprint('code: 042042')\n")
    human = CommandHuman(f"{sys.executable} {script}", base_env={"PATH": "/usr/bin:/bin"})
    answer = human.answer(READ)
    assert answer.code == "042042" and not answer.gave_up
    env = human.env(SHOW)
    assert env["AUTHMD_USER_CODE"] == "123456" and env["AUTHMD_VERIFICATION_URI"] == SHOW.verification_uri
    assert "AUTHMD_USER_CODE" not in human.env(READ)


@pytest.mark.parametrize(("command", "note"), [
    ("exit 3", "exited 3"), ("echo no digits here", "no 6-digit code"), ("/nonexistent/cmd-xyz", "exited 127")])
def test_human_command_failures_give_up(command: str, note: str) -> None:
    answer = CommandHuman(command).answer(READ)
    assert answer.gave_up and note in answer.note


def test_fixed_code_is_used_once_and_not_for_show() -> None:
    human = FixedCode("123456")
    assert human.answer(SHOW).gave_up
    assert human.answer(READ).code == "123456"
    assert human.answer(READ).gave_up


def test_hook_human_posts_to_the_sandbox_hook() -> None:
    calls: list[tuple[str, Any]] = []

    def post(url: str, payload: Any) -> tuple[int, Any]:
        calls.append((url, payload))
        return 200, {"status": "confirmed", "user_code": "777777"}

    assert HookHuman(post).answer(READ).code == "777777"
    assert calls == [(f"{AS}/_test/claim", {"verification_uri": READ.verification_uri, "email": "a@example.com"})]
    HookHuman(post).answer(SHOW)
    assert calls[-1][1]["user_code"] == "123456"
    refused = HookHuman(lambda u, p: (404, {"error": "not_found"})).answer(READ)
    assert refused.gave_up and "404" in refused.note


def test_nobody_gives_up() -> None:
    assert NoHuman().answer(READ).gave_up


def test_terminal_human_shows_a_panel_and_prompts() -> None:
    err: list[str] = []
    console = Console(out=print, err=err.append, interactive=True, prompt=lambda _t: " 314159 ")
    assert TerminalHuman(console).answer(READ).code == "314159"
    assert err[0].startswith("┌") and any("Confirm the request" in line for line in err)
    console.prompt = lambda _t: ""
    assert TerminalHuman(console).answer(READ).gave_up
    err.clear()
    assert TerminalHuman(console).answer(SHOW).code is None
    assert any("10:00" in line for line in err)  # the time left


def test_consent_gate_shows_resource_logo_and_scopes() -> None:
    err: list[str] = []
    c = Consent("service_auth", "a@example.com", "Example", "https://example.com/logo.png", ("api.read",))
    ask = consent_gate(Args("user-claimed", AS, yes=False), Console(print, err.append, interactive=True,
                                                                    confirm=lambda _t: False))
    assert ask(c) is False
    assert any("Example" in line for line in err) and any("logo.png" in line for line in err)
    assert consent_gate(Args("user-claimed", AS, yes=True), Console(print, err.append))(c) is True
    assert consent_gate(Args("user-claimed", AS), Console(print, err.append, interactive=False))(c) is False


# ------------------------------------------------------------------ options


def test_url_forms() -> None:
    assert normalise_url("example.com") == "https://example.com"
    assert normalise_url("http://127.0.0.1:8000/api") == "http://127.0.0.1:8000/api"
    for bad in ("ftp://x", "https://u:p@example.com", "https://"):
        with pytest.raises(UsageError):
            normalise_url(bad)


def test_address_problem_resolves_names() -> None:
    assert address_problem("http://127.0.0.1:1") is not None
    assert address_problem("http://[::1]:1") is not None
    assert address_problem("https://public.example", resolve=lambda h: ["93.184.216.34"]) is None
    assert "10.0.0.1" in (address_problem("https://sneaky.example", resolve=lambda h: ["10.0.0.1"]) or "")


@pytest.mark.parametrize(("kw", "message"), [
    ({"method": "password"}, "--method"),
    ({"method": "service_auth"}, "--login-hint"),
    ({"method": "service_auth", "login_hint": "a@x.org", "claim": "b@x.org"}, "--claim"),
    ({"user_code": "12345"}, "six ASCII digits"),
    ({"user_code": "١٢٣٤٥٦"}, "six ASCII digits"),
    ({"user_code": "123456", "auto_confirm": True}, "one of"),
    ({"fmt": "xml"}, "--format"),
    ({"timeout": 0}, "--timeout"),
])
def test_bad_options_are_usage_errors(kw: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        check_args(Args("user-claimed", "example.com", **kw))


def test_transcript_is_not_overwritten_without_force(tmp_path: Path) -> None:
    existing = tmp_path / "t.md"
    existing.write_text("mine")
    with pytest.raises(OutputError):
        check_args(Args("user-claimed", "example.com", transcript=existing))
    assert check_args(Args("user-claimed", "example.com", transcript=existing, force=True)).force


# ------------------------------------------------------------------ the Target


def meta(**agent_auth: Any) -> dict[str, Any]:
    block = {"identity_endpoint": f"{AS}/agent/identity", "claim_endpoint": f"{AS}/agent/identity/claim",
             "identity_types_supported": ["anonymous"], **agent_auth}
    return {"issuer": AS, "token_endpoint": f"{AS}/oauth2/token", "grant_types_supported": [JWT_BEARER_URN],
            "agent_auth": block}


def test_target_from_documents() -> None:
    t = target_from_documents({"resource": "https://api.example.com/", "resource_name": "Ex",
                               "resource_logo_uri": "https://x/logo.png", "scopes_supported": ["a"]},
                              meta(), as_url=f"{AS}/.well-known/oauth-authorization-server", detected="v0.7-A")
    assert (t.profile, t.profile_origin, t.resource_name, t.api_url) == ("v0.7-A", "detected", "Ex",
                                                                         "https://api.example.com/")
    assert t.complete_endpoint == f"{AS}/agent/identity/claim/complete" and t.ceremony == "poll"
    assert target_from_documents(None, meta(), as_url=AS, pinned="latest").profile == "v0.7-B"
    assert target_from_documents(None, meta(), as_url=AS).profile_origin == "default"


def test_target_legacy_names_and_private_claim_grant() -> None:
    m = meta()
    m["agent_auth"] = {"register_uri": f"{AS}/agent/auth", "claim_uri": f"{AS}/agent/auth/claim"}
    m["grant_types_supported"] = [JWT_BEARER_URN, "urn:acme:params:oauth:grant-type:claim_token"]
    t = target_from_documents(None, m, as_url=AS, detected="v0.1")
    assert t.identity_endpoint == f"{AS}/agent/auth" and t.claim_endpoint == f"{AS}/agent/auth/claim"
    assert t.claim_grant == "urn:acme:params:oauth:grant-type:claim_token"
    assert any("register_uri" in n for n in t.notes) and any("private claim-polling grant" in n for n in t.notes)
    assert target_from_documents(None, meta(), as_url=AS,
                                 detected="v0.6").claim_grant is None  # nothing advertised
    m2 = meta()
    m2["grant_types_supported"] = [JWT_BEARER_URN, CLAIM_GRANT_URN]
    assert target_from_documents(None, m2, as_url=AS).claim_grant == CLAIM_GRANT_URN


@pytest.mark.parametrize(("doc", "why"), [
    ({"issuer": AS}, "no agent_auth"),
    ({"issuer": AS, "agent_auth": {"identity_endpoint": f"{AS}/agents/{{agent_id}}/identity"}}, "URI template"),
    ({"issuer": AS, "agent_auth": {"skill": "x"}}, "no identity_endpoint"),
])
def test_target_errors(doc: dict[str, Any], why: str) -> None:
    with pytest.raises(TargetError, match=why):
        target_from_documents(None, doc, as_url=AS)
    with pytest.raises(TargetError, match="unknown profile"):
        target_from_documents(None, meta(), as_url=AS, pinned="v9")


# ------------------------------------------------------------------ driver


class _NoClient:
    def request(self, *a: Any, **k: Any) -> Any:
        raise AssertionError("no request expected")


def test_wait_past_the_deadline_stops_incomplete() -> None:
    now = [0.0]
    slept: list[float] = []
    d = Driver(_NoClient(), sleep=slept.append, clock=lambda: now[0], deadline=30.0)  # type: ignore[arg-type]

    def flow() -> Any:
        yield Wait(20, "poll interval")
        now[0] = 20.0
        yield Wait(20, "poll interval")

    rec = Recorder("t")
    d.run(flow(), rec)
    assert slept == [20] and rec.outcome == "incomplete"
    assert rec.diagnostics[0].code == "SM014"


def test_ctrl_c_ends_the_run_as_interrupted_and_names_what_is_left() -> None:
    def interrupt(_s: float) -> None:
        raise KeyboardInterrupt

    closed: list[bool] = []

    def flow() -> Any:
        try:
            yield Wait(5, "poll interval")
        finally:
            closed.append(True)

    rec = Recorder("t")
    rec.registration, rec.claim_pending = "reg_9", True
    Driver(_NoClient(), sleep=interrupt).run(flow(), rec)  # type: ignore[arg-type]
    assert rec.outcome == "interrupted" and closed == [True]
    assert "unclaimed registration (reg_9)" in rec.left_behind()[0]


def test_stop_inside_a_flow_sets_the_outcome() -> None:
    def flow() -> Any:
        yield Wait(0, "x")
        raise StopFlow("incomplete")

    rec = Recorder("t")
    Driver(_NoClient(), sleep=lambda _s: None).run(flow(), rec)  # type: ignore[arg-type]
    assert rec.outcome == "incomplete"


def test_assertion_sources() -> None:
    key = generate_signing_key()
    src = AssertionSource(aud=AS, resource="https://api.example.com/", sub="u1", email="u1@example.com",
                          primary=idjag.Issuer(key, "https://idp.example"), clock=lambda: 1_000_000.0)
    token = src.get(NeedAssertion())
    assert token is not None
    head, claims = peek(token)
    assert head["typ"] == "oauth-id-jag+jwt" and claims["aud"] == AS and claims["resource"] == "https://api.example.com/"
    assert claims["exp"] == claims["iat"] + 300 and claims["email"] == "u1@example.com"  # SPEC §14 D21
    assert src.get(NeedAssertion(issuer="second")) is None
    once = AssertionSource(aud=AS, resource=None, sub="u", email=None, fixed="a.b.c")
    assert once.get(NeedAssertion()) == "a.b.c" and once.get(NeedAssertion()) is None
    assert once.get(NeedAssertion("expired")) is None
    program = "import os; print('x.' + os.environ['AUTHMD_AUD'][-3:] + '.y')"
    cmd = AssertionSource(aud=AS, resource=None, sub="u", email=None, command=f'{sys.executable} -c "{program}"')
    assert cmd.get(NeedAssertion()) == "x.com.y"


@pytest.mark.parametrize("variant", sorted(idjag.VARIANTS))
def test_every_variant_breaks_what_it_says(variant: str) -> None:
    key = generate_signing_key()
    token = idjag.mint(idjag.Issuer(key, "https://idp.example"), variant, aud=AS, sub="s", email="s@x.org",
                       resource=None, now=1_000_000.0)
    head, claims = (json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # lenient: NaN too
                    for part in token.split(".")[:2])
    checks = {
        "good": lambda: claims["aud"] == AS and head["alg"] == "ES256",
        "aud": lambda: claims["aud"] != AS,
        "expired": lambda: claims["exp"] < 1_000_000,
        "alg_none": lambda: head["alg"] == "none" and token.endswith("."),
        "foreign_key": lambda: head["kid"] == key.kid,
        "no_auth_time": lambda: "auth_time" not in claims,
        "nan_auth_time": lambda: claims["auth_time"] != claims["auth_time"],
        "infinite_exp": lambda: claims["exp"] == float("inf"),
        "nbf_future": lambda: claims["nbf"] == 1_000_000 + 3600,
        "phone_only": lambda: "email" not in claims and claims["phone_number_verified"] is True,
        "set_old": lambda: head["typ"] == "secevent+jwt" and claims["iat"] == 1_000_000 - idjag.SET_AGE,
    }
    assert checks[variant]()


# ------------------------------------------------------------------ dry run


def test_dry_run_answers_in_the_targets_shape() -> None:
    t = target("v0.7-A")
    reg = placeholder(Request.json("register (service_auth)", t.identity_endpoint,
                                   {"type": "service_auth", "login_hint": "a@x.org"}), t)
    parsed = registration(reg.json())
    assert parsed.attempt is not None and parsed.attempt.user_code == "<user_code>" and not parsed.nested
    nested = placeholder(Request.json("register (anonymous)", t.identity_endpoint, {"type": "anonymous"}),
                         target("v0.7-B"))
    assert registration(nested.json()).nested
    tok = placeholder(Request.form("poll claim grant", t.token_endpoint or "",
                                   {"grant_type": CLAIM_GRANT_URN, "claim_token": "c"}), t)
    assert "identity_assertion" in tok.json()
    assert ID_JAG_URN  # imported for the request bodies above


def test_spinner_sleeps_in_one_second_steps_and_says_the_time_left(capsys: pytest.CaptureFixture[str]) -> None:
    from authmd_cli.agent.command import Spinner

    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    spinner = Spinner(sleep, lambda: now[0])
    spinner.announce(Wait(2.5, "poll interval"), 90.0)
    assert "1:30 left in the run" in spinner._text(2.5)
    spinner.sleep(2.5)
    assert slept == [1.0, 1.0, 0.5]


@pytest.mark.parametrize("body", [b'{"a": NaN}', b'{"a": 1e999}', b'{"a": "\\ud800"}', b"\xff", b"{"])
def test_a_response_body_that_is_not_strict_json_is_not_json(body: bytes) -> None:
    """Responses are held to the strict JSON the service must accept (RFC 8259 §6, §8.2)."""
    from authmd_cli.agent.wire import NOT_JSON, parse_json

    assert parse_json(body) is NOT_JSON
    assert parse_json(b'{"a": [1, "\\u00e9"]}') == {"a": [1, "\u00e9"]}
