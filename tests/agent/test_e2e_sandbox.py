"""`authmd simulate` against a real `authmd serve` on 127.0.0.1, both sandbox profiles, every flow;
the person is played by `--auto-confirm` (the test hooks) or by `--human-command`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from simulate_harness import Served, simulate

pytestmark = pytest.mark.e2e
PROFILES = ("v0.7-B", "v0.7-A")

# A program that plays the user through the sandbox's test hook (what a CI browser bot would do),
# printing the revealed code in read-back generations.
HUMAN = """
import json, os, sys, urllib.request
body = {"verification_uri": os.environ["AUTHMD_VERIFICATION_URI"], "email": os.environ["AUTHMD_LOGIN_HINT"]}
if os.environ.get("AUTHMD_USER_CODE"):
    body["user_code"] = os.environ["AUTHMD_USER_CODE"]
req = urllib.request.Request(os.environ["AUTHMD_ISSUER"] + "/_test/claim", json.dumps(body).encode(),
                             {"Content-Type": "application/json"})
answer = json.load(urllib.request.urlopen(req))
print("the page says:", answer.get("user_code", ""))
"""


def human_command(tmp_path: Path) -> str:
    script = tmp_path / "human.py"
    script.write_text(HUMAN)
    return f"{sys.executable} {script}"


def steps(run_text: str) -> list[str]:
    return [line.split()[2] if len(line.split()) > 2 else "" for line in run_text.splitlines()[1:]]


@pytest.mark.parametrize("profile", PROFILES)
def test_anonymous_then_claimed_passes(serve: Callable[..., Served], profile: str) -> None:
    s = serve(profile)
    run = simulate("user-claimed", s.origin, claim="alice@example.com", auto_confirm=True, fmt="json")
    report = json.loads(run.text)
    assert run.code == 0 and report["outcome"] == "passed", run.text
    names = [st["name"] for st in report["steps"]]
    assert "API with the pre-claim token" in names and "API with the revoked token" in names
    assert report["target"]["profile"] == profile and report["summary"]["errors"] == 0
    assert ("complete claim" in names) == (profile == "v0.7-B")
    assert ("poll claim grant" in names) == (profile == "v0.7-A")


@pytest.mark.parametrize("profile", PROFILES)
def test_service_auth_with_a_human_command(serve: Callable[..., Served], profile: str, tmp_path: Path) -> None:
    s = serve(profile)
    run = simulate("user-claimed", s.origin, method="service_auth", login_hint="carol@example.com",
                   human_command=human_command(tmp_path))
    assert run.code == 0, run.text
    assert "passed:" in run.text


@pytest.mark.parametrize("profile", PROFILES)
def test_agent_verified_clean_match(serve: Callable[..., Served], profile: str) -> None:
    s = serve(profile)
    run = simulate("agent-verified", s.origin, provider_key=s.key, fmt="json")
    report = json.loads(run.text)
    assert run.code == 0, run.text
    names = [st["name"] for st in report["steps"]]
    assert names[names.index("register (ID-JAG)") + 1] == "exchange"


@pytest.mark.parametrize("profile", PROFILES)
def test_agent_verified_step_up_then_linked(serve: Callable[..., Served], profile: str, tmp_path: Path) -> None:
    s = serve(profile)
    # dora has an account (a claimed service_auth registration), so her ID-JAG needs the step-up (SPEC §8.5)
    first = simulate("user-claimed", s.origin, method="service_auth", login_hint="dora@example.com",
                     auto_confirm=True)
    assert first.code == 0, first.text
    run = simulate("agent-verified", s.origin, provider_key=s.key, email="dora@example.com",
                   human_command=human_command(tmp_path), fmt="json")
    report = json.loads(run.text)
    assert run.code == 0, run.text
    names = [st["name"] for st in report["steps"]]
    register = next(st for st in report["steps"] if st["name"] == "register (ID-JAG)")
    assert register["response"]["status"] == 401
    assert "register again (now linked)" in names
    again = next(st for st in report["steps"] if st["name"] == "register again (now linked)")
    assert again["response"]["status"] == 200


def test_login_required_stops_with_reauthentication(serve: Callable[..., Served], tmp_path: Path) -> None:
    s = serve("v0.7-B")
    stale = tmp_path / "stale.sh"  # an --assertion-command minting an ID-JAG whose user signed in a day ago
    stale.write_text(f"{sys.executable} -m authmd_cli provider mint --key {s.key} "
                     f"--iss {s.origin}/test-provider --aud \"$AUTHMD_AUD\" --sub old-user --email old@example.com "
                     "--auth-age 86400\n")
    run = simulate("agent-verified", s.origin, assertion_command=f"sh {stale}", fmt="json")
    report = json.loads(run.text)
    assert run.code == 1 and report["outcome"] == "incomplete"
    assert [d["code"] for d in report["diagnostics"]] == ["SM016"]


def test_transcript_masks_secrets_and_never_writes_the_claim_token(serve: Callable[..., Served],
                                                                     tmp_path: Path) -> None:
    s = serve("v0.7-B")
    out = tmp_path / "t.md"
    run = simulate("user-claimed", s.origin, claim="erin@example.com", auto_confirm=True, transcript=out,
                   show_secrets=True, fmt="json")
    assert run.code == 0
    text = out.read_text()
    assert "## 1." in text and "POST " in text and "HTTP/1.1 200" in text
    assert "clm_" not in text  # the claim token: masked even with --show-secrets (SPEC §12)
    assert "eyJ" in text  # --show-secrets shows the assertions
    masked = tmp_path / "m.md"
    simulate("user-claimed", s.origin, transcript=masked)
    assert "eyJ" not in masked.read_text() and "at_" not in masked.read_text().replace("at_least", "")
    assert oct(masked.stat().st_mode & 0o777) == "0o600"


def test_dry_run_prints_curl_and_registers_nothing(serve: Callable[..., Served]) -> None:
    s = serve("v0.7-B")
    before = s.sandbox.store.counts()
    run = simulate("user-claimed", s.origin, claim="f@example.com", dry_run=True, yes=False)
    assert run.code == 0
    curls = [line for line in run.out if line.startswith("curl ")]
    assert any("/agent/identity " in c and '"type":"anonymous"' in c for c in curls)
    assert any("/agent/identity/claim/complete" in c for c in curls)
    assert s.sandbox.store.counts() == before


def test_nothing_to_simulate_on_a_site_without_agent_auth(serve: Callable[..., Served]) -> None:
    def strip_agent_auth(app: object) -> object:
        from broken import rewrite_json

        return rewrite_json(app, "/.well-known/oauth-authorization-server", lambda b: {
            k: v for k, v in b.items() if k != "agent_auth"})

    s = serve("v0.7-B", wrap=strip_agent_auth)
    run = simulate("user-claimed", s.origin, fmt="json")
    report = json.loads(run.text)
    assert report["outcome"] == "nothing" and [d["code"] for d in report["diagnostics"]] == ["SM023"]
    assert run.code == 1


def test_unreachable_is_exit_3() -> None:
    from authmd_cli.core.server import bind

    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    sock.close()
    run = simulate("user-claimed", f"http://127.0.0.1:{port}")
    assert run.code == 3


def test_private_address_needs_allow_private() -> None:
    from authmd_cli.core.errors import UsageError

    with pytest.raises(UsageError, match="allow-private"):
        simulate("user-claimed", "http://127.0.0.1:9", allow_private=False)


def test_non_tty_without_yes_refuses_side_effects() -> None:
    from authmd_cli.core.errors import UsageError

    with pytest.raises(UsageError, match="--yes"):
        simulate("user-claimed", "http://127.0.0.1:9", yes=False)


def test_a_service_whose_resource_is_its_origin_is_called_at_the_api_its_auth_md_documents(
        serve: Callable[..., Served]) -> None:
    """examples/authmd.yaml: `resource` is the origin (its GET is no API) and the API is /v1/invoices. The
    flows call the documented API, so revocation and the pre-claim token are checked where they matter."""
    from authmd_cli.site.config import load_config_file

    s = serve(config=load_config_file(Path(__file__).resolve().parents[2] / "examples" / "authmd.yaml"))
    run = simulate("user-claimed", s.origin, claim="ada@example.com", auto_confirm=True, fmt="json")
    report = json.loads(run.text)
    assert run.code == 0 and report["outcome"] == "passed", run.text
    api_calls = [st["request"]["url"] for st in report["steps"]
                 if st["name"] in ("call API", "API with the pre-claim token", "API with the revoked token")]
    assert api_calls and all(url == f"{s.origin}/v1/invoices" for url in api_calls)
