"""Generated artefacts: SPEC §3.2 shape per profile, values shared with the metadata, pure API."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from init_inputs import EXAMPLE, MINIMAL

from authmd_cli.core.urls import insert_well_known
from authmd_cli.protocol import profiles
from authmd_cli.site.config import ServiceConfig, load_config, load_config_file
from authmd_cli.site.generate import (
    as_metadata_url,
    prm_url,
    render_as_metadata,
    render_auth_md,
    render_prm,
    render_site,
    site_paths,
)

PROFILES = ("v0.7-B", "v0.7-A", "v0.6")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)


def _cfg(profile: str = "v0.7-B") -> ServiceConfig:
    return load_config_file(EXAMPLE, profile=profile)


def _h2(text: str) -> list[str]:
    return [line[3:] for line in text.splitlines() if line.startswith("## ")]


def _json_blocks(text: str) -> list[object]:
    return [json.loads(body) for lang, body in FENCE.findall(text) if lang == "json"]


def _http_json_bodies(text: str) -> list[object]:
    out = []
    for lang, body in FENCE.findall(text):
        if lang == "http" and "\n\n{" in body:
            out.append(json.loads(body.split("\n\n", 1)[1]))
    return out


@pytest.mark.parametrize("profile", PROFILES)
def test_sections_in_spec_order_with_em_dashes(profile: str) -> None:
    text = render_auth_md(_cfg(profile))
    assert text.startswith("# auth.md\n\n")
    assert _h2(text)[:8] == [
        "Step 1 — Discover", "Step 2 — Pick a method", "Step 3 — Register", "Step 4 — Claim ceremony",
        "Step 5 — Exchange the assertion", "Step 6 — Use the access_token", "Errors", "Revocation",
    ]
    assert "agentic registration" in text
    intro = text.split("## Step 1")[0]
    assert "`api.tallyworks.io`" in intro and "`auth.tallyworks.io`" in intro
    subs = [line for line in text.splitlines() if line.startswith("### ")]
    assert subs[:2] == ["### 1a. Fetch the Protected Resource Metadata",
                        "### 1b. Fetch the Authorization Server metadata"]
    methods = ("### identity_assertion + id-jag", "### service_auth", "### anonymous")
    assert [s for s in subs if s in methods] == list(methods)
    four_c = "### 4c. Complete the claim" if profile == "v0.7-B" else "### 4c. Poll for completion"
    assert four_c in subs
    assert ("### 4a-alt. Claim via ID-JAG" in subs) == (profile == "v0.7-A")


@pytest.mark.parametrize("profile", PROFILES)
def test_json_blocks_are_strict_and_equal_the_metadata(profile: str) -> None:
    cfg = _cfg(profile)
    text = render_auth_md(cfg)
    blocks = _json_blocks(text)
    assert blocks[0] == render_prm(cfg)
    assert blocks[1] == render_as_metadata(cfg)
    for body in _http_json_bodies(text):  # every body parses strictly (json.loads above)
        assert isinstance(body, dict)


@pytest.mark.parametrize("profile", PROFILES)
def test_every_endpoint_in_examples_is_a_metadata_value(profile: str) -> None:
    cfg = _cfg(profile)
    text = render_auth_md(cfg)
    meta = render_as_metadata(cfg)
    endpoints = {meta["token_endpoint"], meta["revocation_endpoint"], *[
        v for k, v in meta["agent_auth"].items() if k.endswith("_endpoint")]}
    asrv = cfg.authorization_server
    assert asrv is not None
    if profile == "v0.7-B":
        endpoints.add(asrv.claim_complete_endpoint)
    for lang, body in FENCE.findall(text):
        if lang != "http" or not body.startswith("POST "):
            continue
        path = body.split()[1]
        host = re.search(r"^Host: (\S+)$", body, re.M)
        assert host is not None
        assert f"https://{host.group(1)}{path}" in endpoints


def test_errors_table_codes_come_from_the_profile() -> None:
    for profile in PROFILES:
        text = render_auth_md(_cfg(profile))
        table = text.split("## Errors")[1].split("## Revocation")[0]
        assert "| Code | Where | What to do |" in table
        codes = set(re.findall(r"^\| `([a-z_]+)` \|", table, re.M))
        prof = profiles.PROFILES[profile]
        assert prof.errors_table_expected <= codes
        assert codes <= prof.all_error_codes | prof.errors_table_expected


def test_grants_follow_the_profile() -> None:
    assert render_as_metadata(_cfg("v0.7-B"))["grant_types_supported"] == [profiles.JWT_BEARER_URN]
    for profile in ("v0.7-A", "v0.6"):
        assert render_as_metadata(_cfg(profile))["grant_types_supported"] == [
            profiles.JWT_BEARER_URN, profiles.CLAIM_GRANT_URN]


def test_id_jag_aud_is_documented_as_the_issuer() -> None:
    text = render_auth_md(_cfg())
    assert "- `aud` — the authorization server's `issuer`, `https://auth.tallyworks.io`" in text


@pytest.mark.parametrize("profile", PROFILES)
def test_no_stale_sentences(profile: str) -> None:
    # SPEC §12-A item 10 / §14 D25: never the v0.2-v0.3 leftovers.
    text = render_auth_md(_cfg(profile))
    assert "/view" not in text
    assert '"status": "pending"' not in text and '"status": "expired"' not in text
    assert "same email" not in text
    if profile == "v0.7-A":
        assert '"email"' not in text  # the field is login_hint


def test_idjag_only_without_step_up_has_no_claim_section() -> None:
    cfg = load_config(MINIMAL + "methods:\n  identity_assertion:\n    step_up: false\n  service_auth: false\n",
                      "a.yaml")
    text = render_auth_md(cfg)
    assert "Claim ceremony" not in text and "interaction_required" not in text
    agent = render_as_metadata(cfg)["agent_auth"]
    assert "claim_endpoint" not in agent
    assert agent["identity_types_supported"] == ["identity_assertion"]
    assert agent["events_endpoint"] == "https://auth.fernpost.net/agent/event/notify"
    assert "invalid_claim_token" not in text


def test_only_enabled_methods_get_sections() -> None:
    text = render_auth_md(load_config(MINIMAL, "a.yaml"))  # service_auth only
    assert "### service_auth" in text
    assert "### anonymous" not in text and "### identity_assertion + id-jag" not in text
    assert "events_endpoint" not in text


def test_no_registration_is_honest() -> None:
    cfg = load_config("profile: no-registration\n" + MINIMAL, "a.yaml")
    site = render_site(cfg)
    assert sorted(site) == [".well-known/oauth-protected-resource", "auth.md"]
    text = site["auth.md"]
    assert "does not offer agent registration" in text
    assert "Step 3" not in text and "Claim" not in text
    assert '"agent_auth"' not in text and "identity_endpoint" not in text
    with pytest.raises(ValueError):
        render_as_metadata(cfg)


def test_well_known_urls_are_inserted_not_appended() -> None:
    assert insert_well_known("https://h.io/api", "/.well-known/x") == "https://h.io/.well-known/x/api"
    assert insert_well_known("https://h.io/", "/.well-known/x") == "https://h.io/.well-known/x"
    text = MINIMAL.replace("https://api.fernpost.net", "https://fernpost.net/api").replace(
        "https://auth.fernpost.net", "https://fernpost.net/auth")
    cfg = load_config(text, "a.yaml")
    assert prm_url(cfg) == "https://fernpost.net/.well-known/oauth-protected-resource/api"
    assert as_metadata_url(cfg) == "https://fernpost.net/.well-known/oauth-authorization-server/auth"
    assert site_paths(cfg) == {"auth.md": "auth.md", "prm": ".well-known/oauth-protected-resource/api",
                               "as": ".well-known/oauth-authorization-server/auth"}
    assert render_as_metadata(cfg)["agent_auth"]["identity_endpoint"] == "https://fernpost.net/auth/agent/identity"


def test_json_files_are_stable_two_space_with_trailing_newline() -> None:
    site = render_site(_cfg())
    prm = site[".well-known/oauth-protected-resource"]
    assert prm.endswith("}\n") and prm.startswith('{\n  "resource": ')
    assert list(json.loads(site[".well-known/oauth-authorization-server"])) == [
        "issuer", "token_endpoint", "revocation_endpoint", "grant_types_supported", "resource",
        "authorization_servers", "scopes_supported", "bearer_methods_supported", "agent_auth"]
    assert render_site(_cfg()) == site  # deterministic


def test_rendering_for_another_origin_keeps_documents_consistent() -> None:
    cfg = _cfg().with_origin("http://127.0.0.1:8765")
    site = render_site(cfg)
    meta = json.loads(site[".well-known/oauth-authorization-server"])
    assert meta["agent_auth"]["skill"] == "http://127.0.0.1:8765/auth.md"
    assert "Host: 127.0.0.1:8765" in site["auth.md"]
    assert "tallyworks.io/agent" not in site["auth.md"]


def test_markdown_table_cells_are_escaped() -> None:
    cfg = load_config(MINIMAL.replace("description: Read posts.", "description: Read | list posts."), "a.yaml")
    assert "| `posts.read` | Read \\| list posts. |" in render_auth_md(cfg)


def test_markdown_active_config_text_stays_literal_text(tmp_path: Path) -> None:
    """Regression: a service name like `# Evil` became a second H1 (MD002), `## Step 1 — Discover` a
    duplicate section (MD011), and scope names with `|` or a backtick broke the Scopes table."""
    from authmd_cli.lint.engine import LintOptions, lint_paths

    text = MINIMAL.replace("name: Fernpost", 'name: "## Step 1 — Discover"\n  description: "# x | *y*"').replace(
        "  - name: posts.read\n    description: Read posts.",
        '  - name: "a|b"\n    description: "x | y"\n  - name: "c`d"\n    description: "`z"')
    text += "methods:\n  identity_assertion:\n    trusted_providers: ['1. First']\n  anonymous: true\n"
    text += 'pre_claim_scopes: ["a|b"]\n'
    cfg = load_config(text, "authmd.yaml")
    site = render_site(cfg)
    md = site["auth.md"]
    assert _h2(md).count("Step 1 — Discover") == 1
    assert [line for line in md.splitlines() if line.startswith("# ")] == ["# auth.md"]
    assert "\\## Step 1 — Discover — \\# x \\| \\*y\\*" in md
    assert "| `a\\|b` | x \\| y | yes |" in md and "| ``c`d`` | \\`z | no |" in md
    assert "  - 1\\. First" in md
    for rel, body in site.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(body, encoding="utf-8")
    report = lint_paths([str(tmp_path)], LintOptions())
    assert [d.code for d in report.diagnostics] == []


@pytest.mark.parametrize("profile", ["v0.7-B", "v0.7-A"])
def test_anonymous_only_lists_invalid_login_hint_for_the_claim_endpoint(profile: str) -> None:
    """The claim endpoint takes a login_hint for anonymous registrations too (SPEC §6.4), so its
    error belongs in the table even without service_auth, at the claim endpoint only."""
    text = MINIMAL + "methods:\n  anonymous: true\n  service_auth: false\npre_claim_scopes: [posts.read]\n"
    md = render_auth_md(load_config(text, "authmd.yaml", profile=profile))
    rows = [line for line in md.splitlines() if line.startswith("| `invalid_login_hint` |")]
    assert len(rows) == 1 and rows[0].split(" | ")[1] == "`/agent/identity/claim`"


@pytest.mark.parametrize("step_up", [True, False])
def test_refresh_note_matches_who_gets_a_refresh_token(step_up: bool) -> None:
    """A step-up ID-JAG registration completes a ceremony and gets a refresh token (SPEC §6.5)."""
    text = MINIMAL + f"methods:\n  identity_assertion:\n    step_up: {str(step_up).lower()}\n"
    md = render_auth_md(load_config(text, "authmd.yaml"))
    assert ("that needed no claim ceremony" in md) is step_up
