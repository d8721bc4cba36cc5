"""`--negative` against `authmd serve`, both profiles: every conformance request is refused as
documented. (Before the serve hardening of issue 9, lone surrogates, NaN/Infinity/`nbf` claims, a
SET past the replay window and the two-issuer `sub` were accepted; these tests were xfail until then.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from simulate_harness import simulate

pytestmark = pytest.mark.e2e

STEPS = [
    "negative: unknown type",
    "negative: malformed JSON",
    "negative: lone surrogate in a JSON string",
    "negative: wrong grant type",
    "negative: wrong aud",
    "negative: expired ID-JAG",
    "negative: alg none",
    "negative: a foreign key under the issuer's kid",
    "negative: missing auth_time",
    "negative: auth_time NaN",
    "negative: exp Infinity",
    "negative: nbf in the future",
    "negative: replayed jti",
    "negative: same sub from a second trusted issuer",
    "negative: SET older than the replay window",
]


@pytest.fixture(scope="module", params=["v0.7-B", "v0.7-A"])
def report(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from authmd_cli.core.server import bind, in_thread, origin_of
    from authmd_cli.core.tokens import generate_signing_key, write_private_key
    from authmd_cli.provider.issuer import provider_app
    from authmd_cli.sandbox.defaults import default_config
    from authmd_cli.sandbox.server import start
    from authmd_cli.sandbox.settings import TrustedProvider

    d = tmp_path_factory.mktemp("negative")
    key2 = generate_signing_key()
    write_private_key(d / "second.pem", key2)
    sock2 = bind("127.0.0.1", 0)
    issuer2 = origin_of(sock2, "127.0.0.1")
    with in_thread(provider_app(key2, issuer2), sock2):
        sb = start(default_config(request.param), host="127.0.0.1", port=0, test_hooks=True,
                   provider_key_path=d / "first.pem", trusted={issuer2: TrustedProvider(issuer2, "Second provider")})
        with sb.background():
            run = simulate("agent-verified", sb.origin, provider_key=d / "first.pem", negative=True, fmt="json",
                           second_provider_key=d / "second.pem", second_provider_issuer=issuer2)
    yield json.loads(run.text)


@pytest.mark.parametrize("step", STEPS)
def test_negative_check_passes_against_the_sandbox(report: dict[str, Any], step: str) -> None:
    found = [st for st in report["steps"] if st["name"] == step]
    assert found, f"{step} did not run"
    assert found[0]["diagnostics"] == []


def test_the_flow_itself_passes_before_the_negative_checks(report: dict[str, Any]) -> None:
    flow = [st for st in report["steps"] if not st["name"].startswith("negative")]
    assert all(st["diagnostics"] == [] for st in flow)


def test_without_a_key_the_id_jag_checks_are_skipped_not_failed(tmp_path: Any) -> None:
    from authmd_cli.sandbox.defaults import default_config
    from authmd_cli.sandbox.server import start

    sb = start(default_config("v0.7-B"), host="127.0.0.1", port=0, test_hooks=True)
    with sb.background():
        run = simulate("user-claimed", sb.origin, negative=True, fmt="json")
    rep = json.loads(run.text)
    skipped = [d for d in rep["diagnostics"] if d["code"] == "SM022"]
    assert len(skipped) >= 5 and all(d["severity"] == "info" for d in skipped)
    names = [st["name"] for st in rep["steps"]]
    assert "negative: unknown type" in names and "negative: wrong grant type" in names
