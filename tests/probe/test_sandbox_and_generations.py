"""`authmd probe` of `authmd serve` is clean for each sandbox profile (the quality bar), and the probe
names the generation of a live service of every generation v0.1 … v0.7-B and no-registration."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from probe_sites import Answer, F, Routes, Site, findings, probe

# A v0.7-A site is told once (info) that v0.7-B is the latest line: lint's migration hint, at the
# auth.md line that shows the line-A construct.
MIGRATION = {"v0.7-B": [], "v0.7-A": [F("GN001", "info", "/auth.md", line=321)]}
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "profiles"
SiteFactory = Callable[[Callable[[str], Routes]], Site]


@pytest.mark.parametrize("profile", ["v0.7-B", "v0.7-A"])
def test_sandbox_probe_of_the_api_is_clean(sandbox: Callable[[str], str], profile: str) -> None:
    origin = sandbox(profile)
    report = probe(f"{origin}/api", check_endpoints=True)
    assert findings(report) == [(c, sev, origin + path, line) for c, sev, path, line in MIGRATION[profile]]
    assert report.discovery.profile == profile and report.exit_code() == 0
    assert report.verdict == f"{profile}: identity_assertion, service_auth, anonymous advertised; no errors"
    assert report.side_effects == 3


@pytest.mark.parametrize("profile", ["v0.7-B", "v0.7-A"])
def test_sandbox_probe_of_the_bare_origin_has_only_the_documented_lenient_warning(
        sandbox: Callable[[str], str], profile: str) -> None:
    origin = sandbox(profile)
    report = probe(origin)
    # The sandbox's documented API call is /api/resource under the resource /api: RFC 9728 §3.3
    # read strictly wants them equal; the reference's pattern is a warning, never an error.
    assert findings(report) == sorted(
        [F("PR009", "warning", f"{origin}/.well-known/oauth-protected-resource/api", line=1)]
        + [(c, sev, origin + path, line) for c, sev, path, line in MIGRATION[profile]], key=lambda f: f[2])
    assert report.exit_code() == 0


@pytest.mark.parametrize("profile", ["v0.7-B", "v0.7-A"])
def test_sandbox_active_flow_verifies_anonymous(sandbox: Callable[[str], str], profile: str) -> None:
    origin = sandbox(profile)
    report = probe(f"{origin}/api", active=True)
    assert findings(report) == [(c, sev, origin + path, line) for c, sev, path, line in MIGRATION[profile]]
    steps = report.capabilities[2]["steps"]
    assert report.capabilities[2]["method"] == "anonymous"
    assert [steps[s]["verified"] for s in ("discover", "register", "exchange", "revoke")] == [True] * 4
    assert [e.step for e in report.discovery.exchanges if e.side_effect] == [
        "active:register", "active:exchange", "active:api", "active:revoke"]


def _localised(text: str, origin: str) -> str:
    # The fixtures name quillnote.io hosts; a test never leaves 127.0.0.1.
    host = origin.split("://", 1)[1]
    return (text.replace("https://api.quillnote.io", origin).replace("https://auth.quillnote.io", origin)
            .replace("api.quillnote.io", host).replace("auth.quillnote.io", host))


@pytest.mark.parametrize("profile", sorted(p.name for p in FIXTURES.iterdir()))
def test_probe_names_the_generation_of_a_live_auth_md(site: SiteFactory, profile: str) -> None:
    text = (FIXTURES / profile / "auth.md").read_text(encoding="utf-8")
    s = site(lambda o: {"/auth.md": Answer(200, _localised(text, o), {"Content-Type": "text/markdown"})})
    report = probe(s.origin)
    assert report.discovery.profile == profile
    assert report.to_dict("x")["generation"]["profile"] == profile


def test_legacy_v01_metadata_gets_lints_migration_hints(site: SiteFactory) -> None:
    def build(o: str) -> Routes:
        meta = {"agent_auth": {"skill": f"{o}/auth.md", "register_uri": f"{o}/agent/auth",
                               "claim_uri": f"{o}/agent/auth/claim", "identity_types_supported": ["anonymous"],
                               "anonymous": {"credential_types_supported": ["api_key"]}}}
        import json

        return {"/.well-known/oauth-authorization-server": Answer(200, json.dumps(meta),
                                                                   {"Content-Type": "application/json"})}
    s = site(build)
    report = probe(s.origin, lint=__import__("authmd_cli.lint.engine", fromlist=["LintOptions"]).LintOptions(
        profile="v0.7-B"))
    codes = {f[0] for f in findings(report)}
    assert "GN001" in codes  # legacy construct, with its successor named by lint
    assert report.discovery.profile == "v0.1"
