"""Whatever `init` writes passes `authmd lint` with zero findings, for every profile (issue 3).

Configs are generated as YAML-ready mappings over many shapes: methods on/off, step-up on/off,
scopes, pre/post-claim subsets, hosts split or shared, resources and issuers with and without
paths, custom endpoints, optional links, every bearer method. Each config goes through the real
loader, the real renderer, real files on disk and `lint_paths` on the site directory.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authmd_cli.lint.engine import LintOptions, lint_paths
from authmd_cli.site.config import INIT_PROFILES, load_config
from authmd_cli.site.generate import render_site

DOMAINS = ("quillnote.io", "fernpost.net", "tallyworks.io", "orbitdesk.dev", "lumen-ledger.app")
SCOPE_NAMES = ("notes.read", "notes.write", "files:read", "files:write", "admin", "billing.view",
               "calendar.events", "profile", "search", "export", "pipe|scope", "tick`scope")
DESCRIPTIONS = ("Read notes.", "Create and edit notes.", "Upload | download files.", "Manage billing — invoices too.",
                "See the `profile` of the signed-in user.", "Full-text search.", "Export data as CSV.",
                "Calendrier : événements.", "Administer the workspace.")
NAMES = ("Quillnote", "Fernpost", "Orbit Desk", "Café Ledger", "R&D Notes", "Lumen_Ledger",
         # Markdown-active names: rendered as literal text, never as headings, lists or HTML
         "# Hash Notes", "## Step 1 — Discover", "1. First Notes", "*NSYNC | Tools", "<b>Bold</b> `Notes`")
ENDPOINT_POOLS = {
    "identity_endpoint": ("/agent/identity", "/v1/agents/identity"),
    "claim_endpoint": ("/agent/identity/claim", "/v1/agents/claim"),
    "events_endpoint": ("/agent/event/notify", "/v1/events/set"),
    "token_endpoint": ("/oauth2/token", "/oauth/token"),
    "revocation_endpoint": ("/oauth2/revoke", "/oauth/revoke"),
}


@st.composite
def configs(draw: st.DrawFn) -> dict[str, Any]:
    profile = draw(st.sampled_from(INIT_PROFILES))
    domain = draw(st.sampled_from(DOMAINS))
    rs_host = draw(st.sampled_from([f"api.{domain}", domain]))
    as_host = draw(st.sampled_from([f"auth.{domain}", rs_host]))
    rs_path = draw(st.sampled_from(["", "/", "/api", "/v2/api"]))
    as_path = draw(st.sampled_from(["", "/auth", "/oauth/agents"]))
    resource = f"https://{rs_host}{rs_path}"
    data: dict[str, Any] = {"profile": profile}

    service: dict[str, Any] = {"name": draw(st.sampled_from(NAMES))}
    description = draw(st.sampled_from(["Notes for small teams.", "# Not | a *heading*"]))
    for key, value in (("description", description), ("logo_uri", f"https://{domain}/logo.png"),
                       ("docs_url", f"https://docs.{domain}/api"), ("pricing_url", f"https://{domain}/pricing"),
                       ("tos_url", f"https://{domain}/terms"), ("privacy_url", f"https://{domain}/privacy")):
        if draw(st.booleans()):
            service[key] = value
    contact = draw(st.sampled_from([None, f"support@{domain}", f"https://{domain}/contact"]))
    if contact:
        service["contact"] = contact
    data["service"] = service

    rs: dict[str, Any] = {"resource": resource}
    if draw(st.booleans()):
        rs["bearer_methods"] = draw(st.lists(st.sampled_from(["header", "body", "query"]), min_size=1,
                                             max_size=3, unique=True))
    if draw(st.booleans()):
        rs["example_path"] = rs_path.rstrip("/") + draw(st.sampled_from(["/notes", "/v1/items/42", ""])) or "/"
    data["resource_server"] = rs
    if draw(st.booleans()):
        data["site"] = draw(st.sampled_from([f"https://{domain}", f"https://www.{domain}"]))

    asrv: dict[str, Any] = {"issuer": f"https://{as_host}{as_path}"}
    for key, pool in ENDPOINT_POOLS.items():
        if draw(st.booleans()):
            asrv[key] = draw(st.sampled_from(pool))
    if profile == "no-registration" and draw(st.booleans()):
        asrv = {}
    if asrv:
        data["authorization_server"] = asrv

    names = draw(st.lists(st.sampled_from(SCOPE_NAMES), min_size=1, max_size=5, unique=True))
    data["scopes"] = [{"name": n, "description": draw(st.sampled_from(DESCRIPTIONS))} for n in names]
    if profile == "no-registration":
        return data

    ia = draw(st.booleans())
    sa = draw(st.booleans())
    an = draw(st.booleans())
    if not (ia or sa or an):
        sa = True
    methods: dict[str, Any] = {"service_auth": sa, "anonymous": an}
    if ia:
        shape = draw(st.sampled_from(["bool", "object"]))
        if shape == "bool":
            methods["identity_assertion"] = True
        else:
            obj: dict[str, Any] = {"step_up": draw(st.booleans())}
            obj["trusted_providers"] = draw(st.lists(st.sampled_from(
                ["Northwind Agent Cloud", {"name": "Arbor Assist", "issuer": "https://id.arbor-assist.net"},
                 "- *Star* Provider"]),
                max_size=2))
            methods["identity_assertion"] = obj
        if draw(st.booleans()):
            data["events"] = draw(st.booleans())
    data["methods"] = methods
    if an:
        data["pre_claim_scopes"] = draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
    if draw(st.booleans()):
        data["post_claim_scopes"] = draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
    if draw(st.booleans()):
        window = draw(st.integers(min_value=600, max_value=172800))
        data["ceremony"] = {"claim_window": window,
                            "attempt_ttl": draw(st.integers(min_value=60, max_value=600)),
                            "user_code_ttl": draw(st.integers(min_value=60, max_value=600)),
                            "interval": draw(st.integers(min_value=1, max_value=30)),
                            "refresh_token_ttl": draw(st.integers(min_value=3600, max_value=7776000))}
    if draw(st.booleans()):
        data["tokens"] = {"access_token_ttl": draw(st.integers(min_value=60, max_value=86400))}
    if draw(st.booleans()):
        data["id_jag"] = {"max_auth_age": draw(st.integers(min_value=60, max_value=86400))}
    return data


def _lint_site(data: dict[str, Any], *, pinned: bool) -> list[str]:
    cfg = load_config(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "authmd.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        for rel, text in render_site(cfg).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        report = lint_paths([str(root)], LintOptions(profile=cfg.profile if pinned else None))
    return [f"{d.code} {d.name} {Path(d.location.source).name}:{d.location.line} {d.message}"
            for d in report.diagnostics]


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@SETTINGS
@given(configs())
def test_generated_site_lints_clean_with_pinned_profile(data: dict[str, Any]) -> None:
    assert _lint_site(data, pinned=True) == []


@pytest.mark.slow
@SETTINGS
@given(configs())
def test_generated_site_lints_clean_with_detected_profile(data: dict[str, Any]) -> None:
    """Plain `authmd lint` (no --profile): v0.7-B and no-registration sites are clean; a v0.6 /
    v0.7-A site is told only that it follows a legacy profile (GN001, SPEC §14 D3)."""
    found = _lint_site(data, pinned=False)
    if data["profile"] in ("v0.7-B", "no-registration"):
        assert found == []
    else:
        assert [f for f in found if not f.startswith("GN001 legacy-profile ")] == []


IDJAG_ONLY_V07B = {
    "profile": "v0.7-B", "service": {"name": "Quillnote"},
    "resource_server": {"resource": "https://api.quillnote.io"},
    "authorization_server": {"issuer": "https://auth.quillnote.io"},
    "scopes": [{"name": "notes.read", "description": "Read notes."}],
    "methods": {"service_auth": False, "identity_assertion": True},
}


def test_idjag_only_v07b_site_is_detected_as_v07b() -> None:
    # Was a detection gap: AS metadata offering identity_assertion alone read as v0.3.
    assert _lint_site(IDJAG_ONLY_V07B, pinned=False) == []


def test_the_strategy_covers_every_profile_and_shape() -> None:
    # A cheap guard that the generator can actually produce the shapes the issue names.
    seen: set[str] = set()

    @settings(max_examples=200, deadline=None)
    @given(configs())
    def probe(data: dict[str, Any]) -> None:
        load_config(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "authmd.yaml")
        seen.add(data["profile"])

    probe()
    assert seen == set(INIT_PROFILES)

