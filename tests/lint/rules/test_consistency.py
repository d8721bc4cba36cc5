"""Rule family XD (authmd_cli/rules/consistency.py): cross-document cases asserting code and line.

Sites are built from the whole-file fixtures in tests/fixtures/profiles and mutated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers import line_of

from authmd_cli.core.diagnostics import Diagnostic, Severity
from authmd_cli.lint.engine import LintOptions, lint_documents
from authmd_cli.lint.loader import load_document
from authmd_cli.lint.rules.consistency import issuer_for_metadata_url
from authmd_cli.protocol.model import DocKind, Site

PROFILES = Path(__file__).resolve().parents[2] / "fixtures" / "profiles"
AS_FILE = ".well-known/oauth-authorization-server"
PRM_FILE = ".well-known/oauth-protected-resource"


@dataclass
class Run:
    diags: list[Diagnostic]
    auth: str
    prm: str
    asm: str

    def code(self, code: str) -> list[Diagnostic]:
        return [d for d in self.diags if d.code == code]


def fixture(label: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    base = PROFILES / label
    return ((base / "auth.md").read_text(encoding="utf-8"),
            json.loads((base / PRM_FILE).read_text(encoding="utf-8")),
            json.loads((base / AS_FILE).read_text(encoding="utf-8")))


def run(label: str = "v0.7-B", *, auth: str | None = None, prm: dict[str, Any] | None = None,
        asm: dict[str, Any] | None = None, profile: str | None = None) -> Run:
    a, p, s = fixture(label)
    a = auth if auth is not None else a
    ptext = json.dumps(prm if prm is not None else p, indent=2)
    stext = json.dumps(asm if asm is not None else s, indent=2)
    docs = [load_document("site/auth.md", a), load_document("site/prm.json", ptext, kind=DocKind.PRM),
            load_document("site/as.json", stext, kind=DocKind.AS_METADATA)]
    site = Site("site", docs[0], docs[1], docs[2])
    report = lint_documents(docs, [site], LintOptions(profile=profile or label, select=("XD",)))
    return Run(report.diagnostics, a, ptext, stext)


def test_xd_clean_on_every_profile_fixture() -> None:
    for label in ("v0.1", "v0.2", "v0.3", "v0.4", "v0.5", "v0.6", "v0.7-A", "v0.7-B"):
        assert run(label).diags == [], label


# ---------------------------------------------------------------------------- XD001


def test_xd001_skill_mismatch_foreign_host() -> None:
    _, _, s = fixture("v0.7-B")
    s["agent_auth"]["skill"] = "https://skills.agentcatalogue.dev/quillnote/auth.md"
    r = run(asm=s)
    diags = r.code("XD001")
    # the host finding on the AS document, and the auth.md example that still shows the old skill
    assert sorted((d.location.source, d.location.line or 0, d.severity.value) for d in diags) == [
        ("site/as.json", line_of(r.asm, '"skill"'), "warning"),
        ("site/auth.md", line_of(r.auth, '"skill"'), "warning")]


def test_xd001_skill_mismatch_example_differs_from_metadata() -> None:
    a, _, _ = fixture("v0.7-B")
    a = a.replace('"skill": "https://api.quillnote.io/auth.md"', '"skill": "https://api.quillnote.io/docs/auth.md"')
    r = run(auth=a)
    diags = r.code("XD001")
    assert [(d.location.source, d.location.line) for d in diags] == [("site/auth.md", line_of(a, '"skill"'))]


def test_xd001_skill_mismatch_same_registrable_domain_is_fine() -> None:
    _, _, s = fixture("v0.7-B")
    s["agent_auth"]["skill"] = "https://quillnote.io/auth.md"
    a, _, _ = fixture("v0.7-B")
    a = a.replace('"skill": "https://api.quillnote.io/auth.md"', '"skill": "https://quillnote.io/auth.md"')
    assert run(auth=a, asm=s).code("XD001") == []


# ---------------------------------------------------------------------------- XD002 / XD003


def test_xd002_issuer_mismatch_trailing_slash_is_warning() -> None:
    _, p, _ = fixture("v0.7-B")
    p["authorization_servers"] = ["https://auth.quillnote.io/"]
    r = run(prm=p)
    diags = r.code("XD002")
    assert [(d.severity, d.location.line, d.location.source) for d in diags] == [
        (Severity.WARNING, line_of(r.prm, '"https://auth.quillnote.io/"'), "site/prm.json")]
    assert "https://auth.quillnote.io/" in diags[0].message and "https://auth.quillnote.io " in diags[0].message + " "


def test_xd002_issuer_mismatch_other_host_is_error_quoting_both() -> None:
    _, p, _ = fixture("v0.7-B")
    p["authorization_servers"] = ["https://login.quillnote.io"]
    r = run(prm=p)
    diags = r.code("XD002")
    assert [(d.severity, d.location.line) for d in diags] == [(Severity.ERROR, line_of(r.prm, "login.quillnote.io"))]
    assert "login.quillnote.io" in diags[0].message and "https://auth.quillnote.io" in diags[0].message


def test_xd002_issuer_mismatch_any_entry_may_match() -> None:
    _, p, _ = fixture("v0.7-B")
    p["authorization_servers"] = ["https://login.quillnote.io", "https://auth.quillnote.io"]
    assert run(prm=p).code("XD002") == []


def test_xd003_authorization_server_is_metadata_url() -> None:
    _, p, _ = fixture("v0.7-B")
    p["authorization_servers"] = ["https://auth.quillnote.io/.well-known/oauth-authorization-server"]
    r = run(prm=p)
    diags = r.code("XD003")
    assert [(d.severity, d.location.line) for d in diags] == [(Severity.ERROR, line_of(r.prm, ".well-known"))]
    assert diags[0].hint is not None and diags[0].hint.endswith("https://auth.quillnote.io")
    assert r.code("XD002") == []  # not reported twice


def test_xd003_issuer_for_metadata_url_handles_insertion_and_appending() -> None:
    assert issuer_for_metadata_url("https://h.io/.well-known/oauth-authorization-server/tenant") == "https://h.io/tenant"
    assert issuer_for_metadata_url("https://h.io/tenant/.well-known/openid-configuration") == "https://h.io/tenant"


# ---------------------------------------------------------------------------- XD004


def test_xd004_resource_mismatch_scopes() -> None:
    _, _, s = fixture("v0.7-B")
    s["scopes_supported"] = ["notes.read"]
    r = run(asm=s)
    diags = r.code("XD004")
    assert [(d.severity, d.location.line, d.location.source) for d in diags] == [
        (Severity.ERROR, line_of(r.asm, '"scopes_supported"'), "site/as.json")]
    assert "notes.write" in diags[0].message


def test_xd004_resource_mismatch_trailing_slash_warning() -> None:
    _, _, s = fixture("v0.7-B")
    s["resource"] = "https://api.quillnote.io/"
    r = run(asm=s)
    diags = r.code("XD004")
    assert [(d.severity, d.location.line) for d in diags] == [(Severity.WARNING, line_of(r.asm, '"resource"'))]


def test_xd004_resource_mismatch_other_resource_error() -> None:
    _, _, s = fixture("v0.7-B")
    s["resource"] = "https://api.quillnote.io/v2"
    s["bearer_methods_supported"] = ["header", "query"]
    r = run(asm=s)
    got = sorted((d.location.line or 0, d.severity.value) for d in r.code("XD004"))
    assert got == sorted([(line_of(r.asm, '"resource"'), "error"),
                          (line_of(r.asm, '"bearer_methods_supported"'), "error")])


# ---------------------------------------------------------------------------- XD005


def test_xd005_example_drift_request_path() -> None:
    a, _, _ = fixture("v0.7-B")
    a = a.replace("POST /agent/identity/claim/complete HTTP/1.1", "POST /agent/claim/complete HTTP/1.1")
    r = run(auth=a)
    diags = r.code("XD005")
    assert [(d.severity, d.location.line) for d in diags] == [
        (Severity.ERROR, line_of(a, "POST /agent/claim/complete"))]
    assert "/agent/claim/complete" in diags[0].message


def test_xd005_example_drift_endpoint_in_metadata_example() -> None:
    _, _, s = fixture("v0.7-B")
    s["agent_auth"]["identity_endpoint"] = "https://auth.quillnote.io/v2/agents"
    r = run(asm=s)
    lines = {d.location.line for d in r.code("XD005")}
    a = r.auth
    # the metadata example block and every request to /agent/identity now disagree with the metadata
    assert line_of(a, '"identity_endpoint"') in lines
    assert line_of(a, "POST /agent/identity HTTP/1.1") in lines
    assert all(d.location.source == "site/auth.md" for d in r.code("XD005"))


def test_xd005_example_drift_unknown_scope_and_type() -> None:
    a, _, _ = fixture("v0.7-B")
    a = a.replace('"pre_claim": [\n      "notes.read"', '"pre_claim": [\n      "notes.admin"', 1)
    a = a.replace('{\n  "type": "anonymous"\n}', '{\n  "type": "guest"\n}', 1)
    r = run(auth=a)
    msgs = {(d.location.line, d.message.split(" in ")[0]) for d in r.code("XD005")}
    assert (line_of(a, '"notes.admin"'), "scope `notes.admin`") in msgs
    assert (line_of(a, '"type": "guest"'), "registration type `guest`") in msgs


def test_xd005_example_drift_grant_type_not_advertised() -> None:
    a, _, _ = fixture("v0.7-B")
    a = a.replace("grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer", "grant_type=client_credentials")
    r = run(auth=a)
    assert [d.location.line for d in r.code("XD005")] == [line_of(a, "grant_type=client_credentials")]


def test_xd005_example_drift_placeholders_skipped() -> None:
    a, _, _ = fixture("v0.7-B")
    a = a.replace('"identity_endpoint": "https://auth.quillnote.io/agent/identity"',
                  '"identity_endpoint": "<identity endpoint>"')
    a = a.replace("Host: auth.quillnote.io", "Host: auth.service.example.com")
    assert run(auth=a).code("XD005") == []


# ---------------------------------------------------------------------------- XD006


def test_xd006_host_drift_intro_names_other_domain() -> None:
    a, _, _ = fixture("v0.7-B")
    a = a.replace("`https://api.quillnote.io`;", "`https://api.quillnote.com`;", 1)
    r = run(auth=a)
    diags = r.code("XD006")
    assert [(d.severity, d.location.line) for d in diags] == [(Severity.WARNING, line_of(a, "api.quillnote.com"))]


def test_xd006_host_drift_request_to_unknown_host() -> None:
    a, _, _ = fixture("v0.7-B")
    a = a.replace("GET /notes HTTP/1.1\nHost: api.quillnote.io", "GET /notes HTTP/1.1\nHost: staging.quillnote.io")
    r = run(auth=a)
    assert [d.location.line for d in r.code("XD006")] == [line_of(a, "GET /notes")]


def test_xd006_host_drift_docs_host_of_same_domain_in_intro_is_fine() -> None:
    a, _, _ = fixture("v0.7-B")
    a = a.replace("Read this file top to bottom.", "Docs live at `docs.quillnote.io`.")
    assert run(auth=a).code("XD006") == []


# ---------------------------------------------------------------------------- XD007


def test_xd007_ceremony_drift_polling_prose_without_claim_grant() -> None:
    a, _, _ = fixture("v0.6")
    _, _, s = fixture("v0.6")
    s["grant_types_supported"] = ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    r = run("v0.6", asm=s)
    diags = r.code("XD007")
    assert [(d.severity, d.location.line) for d in diags] == [(Severity.ERROR, min(
        line_of(a, "### 4c. Poll for completion"), line_of(a, "grant_type=urn:workos"), line_of(a, "poll")))]


def test_xd007_ceremony_drift_readback_with_claim_grant() -> None:
    a, _, s = fixture("v0.7-B")
    s["grant_types_supported"] = ["urn:ietf:params:oauth:grant-type:jwt-bearer",
                                  "urn:workos:agent-auth:grant-type:claim"]
    r = run(asm=s)
    diags = r.code("XD007")
    heading = line_of(a, "### 4c. Complete the claim")
    assert [(d.severity, d.location.line) for d in diags] == [(Severity.ERROR, heading)]


def test_xd007_ceremony_drift_vendor_urn_counts_as_polling() -> None:
    _, _, s = fixture("v0.6")
    s["grant_types_supported"] = ["urn:ietf:params:oauth:grant-type:jwt-bearer",
                                  "urn:quillnote:params:oauth:grant-type:claim_token"]
    assert run("v0.6", asm=s).code("XD007") == []


# ---------------------------------------------------------------------------- regressions (dogfooding)


def test_xd005_example_drift_not_against_a_served_placeholder() -> None:
    # The served placeholder is DS006's error; the (correct) example must not be called drift.
    _, _, s = fixture("v0.7-B")
    s["revocation_endpoint"] = "https://<your-domain>/oauth2/revoke"
    assert run(asm=s).code("XD005") == []
    s["revocation_endpoint"] = "https://auth.quillnote.io/oauth2/revoke-v2"
    r = run(asm=s)
    assert [d.location.line for d in r.code("XD005")] == [line_of(r.auth, '"revocation_endpoint"'),
                                                          line_of(r.auth, "POST /oauth2/revoke")]


def test_xd005_example_drift_ignores_refresh_and_empty_served_lists() -> None:
    _, _, s = fixture("v0.7-B")
    s["agent_auth"]["identity_types_supported"].append("refresh")  # SPEC §14 D8: never required
    s["scopes_supported"] = []  # DS005: omit it; not a drift of the example
    assert run(asm=s).code("XD005") == []
    s["agent_auth"]["identity_types_supported"].remove("anonymous")
    r = run(asm=s)
    assert (line_of(r.auth, '"identity_types_supported"'), "extra `anonymous`") in {
        (d.location.line, d.message.rsplit(": ", 1)[-1]) for d in r.code("XD005")}


def test_xd003_hint_names_the_as_issuer_exactly() -> None:
    _, p, s = fixture("v0.7-B")
    s["issuer"] = "https://auth.quillnote.io/"
    p["authorization_servers"] = ["https://auth.quillnote.io/.well-known/oauth-authorization-server"]
    r = run(prm=p, asm=s)
    [d] = r.code("XD003")
    assert d.location.line == line_of(r.prm, "/.well-known/oauth-authorization-server")
    assert d.hint == "list the issuer instead: https://auth.quillnote.io/"


def test_xd005_example_drift_host_header_takes_the_metadata_scheme(tmp_path: Path) -> None:
    # `POST /agent/identity` + `Host: 127.0.0.1:8000` carries no scheme (RFC 9112 §3.2.1): against a
    # plain-http loopback sandbox it is not drift (found linting what `authmd serve` publishes).
    from authmd_cli.lint.engine import lint_paths
    from authmd_cli.site.config import load_config_file
    from authmd_cli.site.generate import render_site

    root = Path(__file__).resolve().parents[3]
    cfg = load_config_file(root / "examples" / "authmd.yaml").with_origin("http://127.0.0.1:8000")
    for rel, text in render_site(cfg).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    report = lint_paths([str(tmp_path)], LintOptions(select=("XD",)))
    assert report.diagnostics == []


# ---------------------------------------------------------------------------- XD008


def test_xd008_registration_contradiction_prose_says_none() -> None:
    a, _, _ = fixture("v0.7-B")
    sentence = "This service does not offer agent registration."
    text = a.replace("# auth.md\n", f"# auth.md\n\n{sentence}\n", 1)
    r = run(auth=text)
    [d] = r.code("XD008")
    assert (d.severity, d.location.line) == (Severity.ERROR, line_of(text, sentence))
    assert [x.line for x in d.related] == [line_of(r.asm, '"identity_endpoint"')]


def test_xd008_registration_contradiction_one_method_limited_is_fine() -> None:
    a, _, _ = fixture("v0.7-B")
    text = a.replace("# auth.md\n", "# auth.md\n\nAnonymous registration is not offered to bots.\n", 1)
    assert run(auth=text).code("XD008") == []


# ---------------------------------------------------------------------------- XD009


def _xd009(text: str) -> list[Diagnostic]:
    from authmd_cli.lint.engine import lint_text

    return [d for d in lint_text(text, options=LintOptions(select=("XD009",))).diagnostics]


def test_xd009_discovery_url_appended_to_an_issuer_with_a_path() -> None:
    a, _, _ = fixture("v0.7-B")
    text = a.replace("https://auth.quillnote.io", "https://quillnote.io/auth")
    text = text.replace("## Step 2 —", "Fetch `https://quillnote.io/auth/.well-known/oauth-authorization-server`.\n\n"
                        "## Step 2 —", 1)
    # (the fixture's `GET /.well-known/oauth-authorization-server` on auth.quillnote.io is now wrong too)
    [d] = [d for d in _xd009(text) if "appends" in d.message]
    assert (d.severity, d.location.line) == (Severity.WARNING, line_of(text, "Fetch `https://quillnote.io/auth/"))
    assert "https://quillnote.io/.well-known/oauth-authorization-server/auth" in (d.hint or "")


def test_xd009_discovery_url_on_another_host() -> None:
    a, _, _ = fixture("v0.7-B")
    text = a.replace("Host: auth.quillnote.io\n```\n\nRead `issuer`", "Host: api.quillnote.io\n```\n\nRead `issuer`", 1)
    assert text != a
    [d] = _xd009(text)
    assert d.location.line == line_of(text, "GET /.well-known/oauth-authorization-server")
    assert "not on the issuer's host" in d.message


def test_xd009_discovery_url_good() -> None:
    a, _, _ = fixture("v0.7-B")
    assert _xd009(a) == []


def test_xd007_ceremony_drift_in_a_lone_auth_md() -> None:
    # Issue 11: the auth.md's own AS metadata example is the metadata when none is served.
    from authmd_cli.lint.engine import lint_text

    a, _, _ = fixture("v0.7-B")
    text = a.replace("### 4b. Hand off to the user", "Then poll the token endpoint until the user confirms.\n\n"
                     "### 4b. Hand off to the user", 1)
    diags = [d for d in lint_text(text, options=LintOptions(select=("XD007",))).diagnostics]
    assert [d.location.line for d in diags] == [line_of(text, "Then poll the token endpoint")]
    assert lint_text(a, options=LintOptions(select=("XD007",))).diagnostics == []
