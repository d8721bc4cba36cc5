"""Options that cannot work are refused before the first request (a run registers at the service,
so finding out afterwards leaves a registration behind for nothing)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from simulate_harness import Served, simulate

from authmd_cli.core.errors import InputError, OutputError, UsageError
from authmd_cli.core.exit_codes import ExitCode

pytestmark = pytest.mark.e2e


def counting(seen: list[str]) -> Callable[[Any], Any]:
    """The sandbox, noting the path of every request it gets."""
    def wrap(app: Any) -> Any:
        async def wrapped(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                seen.append(scope["path"])
            await app(scope, receive, send)
        return wrapped
    return wrap


@pytest.mark.parametrize(("where", "force", "says"), [
    ("dir", True, "is a directory"),
    ("dir", False, "is a directory"),
    ("missing-parent", False, "does not exist"),
])
def test_an_unwritable_transcript_is_refused_before_any_request(serve: Callable[..., Served], tmp_path: Path,
                                                                 where: str, force: bool, says: str) -> None:
    seen: list[str] = []
    s = serve(wrap=counting(seen))
    path = tmp_path if where == "dir" else tmp_path / "no-such-dir" / "t.md"
    with pytest.raises(OutputError, match=says) as err:
        simulate("user-claimed", s.origin, transcript=path, force=force)
    assert err.value.exit_code == ExitCode.USAGE and "--force" not in str(err.value)
    assert seen == []


def test_a_writable_transcript_still_runs(serve: Callable[..., Served], tmp_path: Path) -> None:
    s = serve()
    out = tmp_path / "t.md"
    run = simulate("user-claimed", s.origin, transcript=out)
    assert run.code == 0 and out.read_text().startswith("#")




@pytest.mark.parametrize(("target", "extra"), [
    ("http://user:secretpw@{host}/", {}),
    ("user:secretpw@{host}", {}),
    ("http://{host}/", {"api": "http://u:secretpw@{host}/api"}),
    ("http://{host}/", {"provider_issuer": "http://u:secretpw@{host}/test-provider"}),
])
def test_a_password_in_a_url_is_refused_before_any_request_and_never_echoed(
        serve: Callable[..., Served], target: str, extra: dict[str, str]) -> None:
    seen: list[str] = []
    s = serve(wrap=counting(seen))
    host = s.origin.split("://", 1)[1]
    kw = {k: v.format(host=host) for k, v in extra.items()}
    with pytest.raises(UsageError, match="credentials in a URL are refused") as err:
        simulate("user-claimed", target.format(host=host), **kw)
    assert "secretpw" not in str(err.value) and seen == []


def test_an_encrypted_provider_key_is_an_input_error(serve: Callable[..., Served], tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = tmp_path / "enc.pem"
    key.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"pw")))
    seen: list[str] = []
    s = serve(wrap=counting(seen))
    with pytest.raises(InputError, match="is an encrypted key"):
        simulate("agent-verified", s.origin, provider_key=key)
    assert seen == []


@pytest.mark.parametrize(("url", "extra", "says"), [
    ("http://[::1", {}, "IPv6"),
    ("http://[::1/x", {}, "IPv6"),
    ("http://127.0.0.1:99999/", {}, "port"),
    ("http://127.0.0.1:1/", {"api": "http://[::1/api"}, "IPv6"),
])
def test_a_malformed_url_is_a_usage_error(url: str, extra: dict[str, str], says: str) -> None:
    with pytest.raises(UsageError, match="not a valid URL") as err:
        simulate("user-claimed", url, **extra)
    assert says in str(err.value)


@pytest.mark.parametrize(("profile", "says"), [("v9", "unknown profile 'v9'"),
                                               ("no-registration", "no agent registration")])
def test_a_profile_that_cannot_run_is_refused_before_any_request(serve: Callable[..., Served], profile: str,
                                                                  says: str) -> None:
    seen: list[str] = []
    s = serve(wrap=counting(seen))
    with pytest.raises(UsageError, match=says):
        simulate("user-claimed", s.origin, profile=profile)
    assert seen == []


def test_a_known_profile_alias_still_runs(serve: Callable[..., Served]) -> None:
    s = serve()
    assert simulate("user-claimed", s.origin, profile="latest").code == 0


@pytest.mark.parametrize(("command", "says"), [
    ("/nonexistent/authmd-test-cmd", "--assertion-command exited 127 ("),
    ("echo 'issuer down: token sk_live_abcdefghijklmnop1234' >&2; exit 3", "--assertion-command exited 3 (issuer down"),
    ("echo not-a-jwt", "--assertion-command printed no JWT on stdout"),
])
def test_a_failing_assertion_command_is_reported_as_such(serve: Callable[..., Served], command: str,
                                                         says: str) -> None:
    s = serve()
    run = simulate("agent-verified", s.origin, assertion_command=command, fmt="json")
    report = json.loads(run.text)
    [d] = [d for st in report["steps"] for d in st["diagnostics"]] or report["diagnostics"]
    assert run.code == 1 and d["code"] == "SM015"
    assert says in d["message"] and "give --provider-key" not in (d["hint"] or "")
    assert "sk_live_abcdefghijklmnop1234" not in run.text  # stderr goes through the redactor


@pytest.mark.parametrize("timeout", ["nan", "inf", "-inf", "0", "-5"])
def test_a_timeout_that_is_no_deadline_is_refused(serve: Callable[..., Served], timeout: str) -> None:
    from typer.testing import CliRunner

    from authmd_cli.cli.app import app

    seen: list[str] = []
    s = serve(wrap=counting(seen))
    out = CliRunner().invoke(app, ["simulate", "user-claimed", s.origin, "--allow-private", "--yes",
                                   "--timeout", timeout])
    assert out.exit_code == 2 and "--timeout" in out.stderr and "Traceback" not in out.stderr
    assert seen == []
