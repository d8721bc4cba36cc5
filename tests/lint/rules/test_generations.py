"""Rule family GN (authmd_cli/rules/generations.py): each case asserts code and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers import codes, line_of

from authmd_cli.core.diagnostics import Diagnostic, Severity
from authmd_cli.lint.engine import LintOptions, lint_documents
from authmd_cli.lint.loader import load_document
from authmd_cli.protocol.model import DocKind

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
AS_FILE = ".well-known/oauth-authorization-server"


def run(text: str, source: str, profile: str | None = None, kind: DocKind | None = None,
        verbose: bool = True) -> list[Diagnostic]:
    doc = load_document(source, text, kind=kind)
    report = lint_documents([doc], [], LintOptions(profile=profile, select=("GN",), verbose=verbose))
    return report.diagnostics


def as_json(agent_auth: dict[str, Any], **top: Any) -> str:
    return json.dumps({**top, "agent_auth": agent_auth}, indent=2)


# ---------------------------------------------------------------------------- GN001


def test_gn001_legacy_profile_register_uri_under_latest() -> None:
    text = as_json({"register_uri": "https://auth.quillnote.io/agent/auth",
                    "identity_types_supported": ["anonymous"]}, issuer="https://auth.quillnote.io")
    diags = codes(run(text, "as.json", profile="v0.7-B", kind=DocKind.AS_METADATA), "GN001")
    reg = [d for d in diags if "register_uri" in d.message]
    assert reg and reg[0].severity is Severity.WARNING
    assert reg[0].location.line == line_of(text, '"register_uri"')
    assert reg[0].location.pointer == "/agent_auth/register_uri"
    assert reg[0].hint is not None and "identity_endpoint" in reg[0].hint
    # The /agent/auth path in the value is a legacy construct too, named with its successor.
    path = [d for d in diags if "/agent/auth" in d.message and d is not reg[0]]
    assert path and path[0].hint is not None and "/agent/identity" in path[0].hint


def test_gn001_legacy_profile_not_reported_when_pinned_to_that_profile() -> None:
    text = (FIXTURES / "profiles" / "v0.1" / "auth.md").read_text(encoding="utf-8")
    assert codes(run(text, "auth.md", profile="v0.1"), "GN001") == []


def test_gn001_legacy_profile_verified_email_assertion_type_in_metadata() -> None:
    text = as_json({"identity_endpoint": "https://auth.quillnote.io/agent/identity",
                    "identity_types_supported": ["identity_assertion"],
                    "identity_assertion": {"assertion_types_supported": [
                        "urn:ietf:params:oauth:token-type:id-jag", "verified_email"]}})
    diags = codes(run(text, "as.json", profile="v0.6", kind=DocKind.AS_METADATA), "GN001")
    assert [(d.severity, d.location.line) for d in diags] == [(Severity.WARNING, line_of(text, '"verified_email"'))]
    assert diags[0].hint is not None and "service_auth" in diags[0].hint


def test_gn001_legacy_profile_pinned_latest_flags_each_construct_at_its_line() -> None:
    text = (FIXTURES / "profiles" / "v0.4" / "auth.md").read_text(encoding="utf-8")
    diags = codes(run(text, "auth.md", profile="v0.7-B"), "GN001")
    assert all(d.severity is Severity.WARNING for d in diags)
    heading = [d for d in diags if "Poll for completion" in d.message]
    assert heading and heading[0].location.line == line_of(text, "### 4c. Poll for completion")
    interval = [d for d in diags if "interval" in d.message]
    assert interval[0].location.line == line_of(text, '"interval"')


def test_gn001_legacy_profile_folds_constructs_into_one_warning() -> None:
    # Issue 11: one root cause (the file predates the target), one finding unless --verbose.
    text = (FIXTURES / "profiles" / "v0.4" / "auth.md").read_text(encoding="utf-8")
    each = codes(run(text, "auth.md", profile="v0.7-B"), "GN001")
    [d] = codes(run(text, "auth.md", profile="v0.7-B", verbose=False), "GN001")
    assert len(each) > 1 and d.severity is Severity.WARNING
    assert d.location.line == each[0].location.line
    assert [r.line for r in d.related] == [e.location.line for e in each[1:]]
    assert d.message.startswith(f"{len(each)} constructs are older than the target profile v0.7-B: ")


def test_gn001_legacy_profile_summary_info_when_detected_older() -> None:
    text = (FIXTURES / "profiles" / "v0.4" / "auth.md").read_text(encoding="utf-8")
    diags = codes(run(text, "auth.md"), "GN001")
    assert len(diags) == 1
    info = diags[0]
    assert info.severity is Severity.INFO
    assert info.message.startswith("follows v0.4; latest is v0.7-B")
    assert info.location.line == line_of(text, "urn:workos:agent-auth:grant-type:claim")


def test_gn001_legacy_profile_latest_document_is_clean() -> None:
    text = (FIXTURES / "profiles" / "v0.7-B" / "auth.md").read_text(encoding="utf-8")
    assert codes(run(text, "auth.md"), "GN001") == []


def test_gn001_legacy_profile_flat_member_in_otherwise_v07b_auth_md() -> None:
    block = json.dumps({"id": "reg_...", "type": "anonymous", "registration_id": "reg_...",
                        "identity": {"assertion": "<service-signed JWT>", "expires_at": "t"}}, indent=2)
    text = f"# auth.md\n\n## Step 3 — Register\n\n```json\n{block}\n```\n"
    # The flat member makes the example another profile's shape: EX003 names it with its rename
    # (one finding), and GN001 does not repeat it.
    doc = load_document("auth.md", text)
    diags = lint_documents([doc], [], LintOptions(select=("GN001", "EX003"))).diagnostics
    assert [(d.code, d.location.line) for d in diags] == [("EX003", line_of(text, "{"))]
    assert diags[0].hint is not None and "`registration_id` → `id`" in diags[0].hint


# ---------------------------------------------------------------------------- GN002


def test_gn002_mixed_generations_agreeing_aliases_warn() -> None:
    url = "https://auth.quillnote.io/agent/identity"
    text = as_json({"register_uri": url, "identity_endpoint": url})
    diags = codes(run(text, "as.json", kind=DocKind.AS_METADATA), "GN002")
    assert len(diags) == 1
    assert diags[0].severity is Severity.WARNING
    assert diags[0].location.line == line_of(text, '"register_uri"')
    # GN001 leaves the alias to GN002.
    assert not [d for d in codes(run(text, "as.json", kind=DocKind.AS_METADATA), "GN001")
                if "register_uri" in d.message and d.severity is Severity.WARNING]


def test_gn002_mixed_generations_host_case_still_agrees() -> None:
    # SPEC §14 D4: host case, default port and a `/` on an empty path are not differences.
    text = as_json({"claim_uri": "https://Auth.Quillnote.io:443/agent/identity/claim",
                    "claim_endpoint": "https://auth.quillnote.io/agent/identity/claim"})
    diags = codes(run(text, "as.json", kind=DocKind.AS_METADATA), "GN002")
    assert [d.severity for d in diags] == [Severity.WARNING]


def test_gn002_mixed_generations_trailing_slash_on_a_path_is_another_url() -> None:
    # `…/claim/` and `…/claim` are different resources (RFC 3986 §6.2.3): D30 error.
    text = as_json({"claim_uri": "https://auth.quillnote.io/agent/identity/claim/",
                    "claim_endpoint": "https://auth.quillnote.io/agent/identity/claim"})
    diags = codes(run(text, "as.json", kind=DocKind.AS_METADATA), "GN002")
    assert [d.severity for d in diags] == [Severity.ERROR]


def test_gn002_mixed_generations_different_urls_error_names_both() -> None:
    text = as_json({"register_uri": "https://auth.quillnote.io/register",
                    "identity_endpoint": "https://auth.quillnote.io/agent/identity"})
    diags = codes(run(text, "as.json", kind=DocKind.AS_METADATA), "GN002")
    assert len(diags) == 1
    d = diags[0]
    assert d.severity is Severity.ERROR
    assert "https://auth.quillnote.io/register" in d.message and "/agent/identity" in d.message
    assert d.location.line == line_of(text, '"register_uri"')


def test_gn002_mixed_generations_revocation_uri_hint_names_events_endpoint() -> None:
    text = as_json({"revocation_uri": "https://auth.quillnote.io/agent/auth/revoke",
                    "events_endpoint": "https://auth.quillnote.io/agent/event/notify"})
    diags = codes(run(text, "as.json", kind=DocKind.AS_METADATA), "GN002")
    assert diags[0].severity is Severity.ERROR
    assert diags[0].location.line == line_of(text, '"revocation_uri"')
    assert diags[0].hint is not None
    assert "events_endpoint" in diags[0].hint and "not the RFC 7009 `revocation_endpoint`" in diags[0].hint


def test_gn002_mixed_generations_in_auth_md_block_and_paths() -> None:
    block = json.dumps({"agent_auth": {"register_uri": "https://auth.quillnote.io/agent/auth",
                                       "identity_endpoint": "https://auth.quillnote.io/agent/identity"}}, indent=2)
    text = (f"# auth.md\n\n```json\n{block}\n```\n\n```http\nPOST /agent/auth HTTP/1.1\nHost: auth.quillnote.io\n```\n"
            "\n```http\nPOST /agent/identity HTTP/1.1\nHost: auth.quillnote.io\n```\n")
    diags = codes(run(text, "auth.md"), "GN002")
    lines = sorted(d.location.line or 0 for d in diags)
    assert lines == [line_of(text, '"register_uri"'), line_of(text, "POST /agent/auth")]
    assert diags[0].severity is Severity.ERROR  # the two URLs differ


def test_gn002_mixed_generations_single_names_are_clean() -> None:
    text = (FIXTURES / "profiles" / "v0.7-B" / AS_FILE).read_text(encoding="utf-8")
    assert codes(run(text, "as.json", kind=DocKind.AS_METADATA), "GN002") == []


# ---------------------------------------------------------------------------- GN003


def test_gn003_dialect_named_at_first_signal() -> None:
    text = (FIXTURES / "dialects" / "noform" / AS_FILE).read_text(encoding="utf-8")
    diags = codes(run(text, "as.json", kind=DocKind.AS_METADATA), "GN003")
    assert len(diags) == 1
    assert diags[0].severity is Severity.INFO
    assert "`noform`" in diags[0].message
    assert diags[0].location.line is not None
    assert diags[0].location.line in {line_of(text, k) for k in (
        '"skill"', '"complete_uri"', '"verify_uri"', '"introspection_uri"', '"user_claimed_supported"',
        '"events_supported"', '"user_claimed"', "urn:auth.md:user_claimed")}


def test_gn003_dialect_extension_block_left_to_ds003() -> None:
    # IN-THE-WILD §3: an extension block is info once per block, and the allow-list silences it.
    # DS003 reports the block (naming the dialect); GN003 must not report the same fact again.
    text = (FIXTURES / "dialects" / "extension-block" / AS_FILE).read_text(encoding="utf-8")
    doc = load_document("as.json", text, kind=DocKind.AS_METADATA)
    assert doc.detection.dialect == "extension-block"
    diags = lint_documents([doc], [], LintOptions(select=("GN003", "DS003"))).diagnostics
    assert [(d.code, d.location.line) for d in diags] == [("DS003", line_of(text, '"clinical_profile"'))]
    allowed = lint_documents([doc], [], LintOptions(select=("GN003", "DS003"),
                                                    allowed_extension_keys=("agent_auth.clinical_profile",)))
    assert allowed.diagnostics == []


def test_gn003_dialect_absent_for_workos_vocabulary() -> None:
    text = (FIXTURES / "profiles" / "v0.6" / AS_FILE).read_text(encoding="utf-8")
    assert codes(run(text, "as.json", kind=DocKind.AS_METADATA), "GN003") == []


# ---------------------------------------------------------------------------- GN004


def test_gn004_unknown_profile_without_fingerprint() -> None:
    text = "# auth.md\n\nAgents welcome. Ask us for access.\n"
    diags = codes(run(text, "auth.md"), "GN004")
    assert [(d.severity, d.location.line) for d in diags] == [(Severity.INFO, 1)]
    assert "v0.7-B" in diags[0].message


def test_gn004_unknown_profile_silent_when_pinned_or_detected() -> None:
    text = "# auth.md\n\nAgents welcome. Ask us for access.\n"
    assert codes(run(text, "auth.md", profile="v0.7-B"), "GN004") == []
    fixture = (FIXTURES / "profiles" / "v0.3" / "auth.md").read_text(encoding="utf-8")
    assert codes(run(fixture, "auth.md"), "GN004") == []


# ---------------------------------------------------------------------------- regressions (dogfooding)


def test_gn001_legacy_profile_verified_email_assertion_type_hint() -> None:
    # `service_auth` is an identity type: "rename verified_email to service_auth" inside
    # assertion_types_supported would produce an invalid document.
    text = as_json({"identity_endpoint": "https://auth.quillnote.io/agent/identity",
                    "identity_types_supported": ["identity_assertion"],
                    "identity_assertion": {"assertion_types_supported": [
                        "urn:ietf:params:oauth:token-type:id-jag", "verified_email"]}},
                   issuer="https://auth.quillnote.io")
    diags = [d for d in codes(run(text, "as.json", profile="v0.7-B", kind=DocKind.AS_METADATA), "GN001")
             if "verified_email" in d.message]
    assert [d.location.line for d in diags] == [line_of(text, '"verified_email"')]
    assert diags[0].hint is not None and diags[0].hint.startswith("remove `verified_email`")
    assert "identity_types_supported" in diags[0].hint


def test_gn001_legacy_profile_not_repeated_for_a_misplaced_member() -> None:
    # DS002 already says "remove it" for credential_types_supported at the root of agent_auth.
    text = as_json({"identity_endpoint": "https://auth.quillnote.io/agent/identity",
                    "identity_types_supported": ["anonymous"],
                    "credential_types_supported": ["api_key"],
                    "anonymous": {"credential_types_supported": ["api_key"]}},
                   issuer="https://auth.quillnote.io")
    doc = load_document("as.json", text, kind=DocKind.AS_METADATA)
    diags = lint_documents([doc], [], LintOptions(profile="v0.7-B", select=("GN001", "DS002"))).diagnostics
    root = line_of(text, '"credential_types_supported"')
    nested = line_of(text, '"credential_types_supported"', 2)
    assert sorted((d.code, d.location.line) for d in diags) == [("DS002", root), ("GN001", nested)]


def test_gn001_legacy_profile_points_at_the_key_of_a_legacy_member() -> None:
    text = as_json({"register_uri": "https://auth.quillnote.io/agent/identity",
                    "identity_types_supported": ["anonymous"]}, issuer="https://auth.quillnote.io")
    diags = [d for d in codes(run(text, "as.json", profile="v0.7-B", kind=DocKind.AS_METADATA), "GN001")
             if "register_uri" in d.message]
    line = line_of(text, '"register_uri"')
    assert [(d.location.line, d.location.column) for d in diags] == [(line, text.splitlines()[line - 1].index('"') + 1)]


def test_gn001_legacy_profile_vendor_credential_types_are_the_templated_dialect() -> None:
    # IN-THE-WILD §3 templated: `x-<vendor>-` credential types are info under that dialect, not a
    # v0.1 construct that makes the document "mixed".
    text = (FIXTURES / "dialects" / "templated" / AS_FILE).read_text(encoding="utf-8")
    doc = load_document("as.json", text, kind=DocKind.AS_METADATA)
    assert doc.detection.dialect == "templated" and not doc.detection.mixed
    assert codes(run(text, "as.json", kind=DocKind.AS_METADATA), "GN001") == []
    legacy = text.replace('"x-quillnote-session"', '"api_key"')
    diags = codes(run(legacy, "as.json", kind=DocKind.AS_METADATA), "GN001")
    assert [d.location.line for d in diags if d.severity is Severity.WARNING] == [
        line_of(legacy, '"credential_types_supported"')]


def test_gn001_legacy_profile_leaves_flat_envelopes_to_ex003() -> None:
    # A flat v0.6 response under target v0.7-B is one EX003 finding naming every rename, not one
    # GN001 warning per member on top of it.
    text = (FIXTURES / "profiles" / "v0.6" / "auth.md").read_text(encoding="utf-8")
    doc = load_document("auth.md", text)
    diags = lint_documents([doc], [], LintOptions(profile="v0.7-B", select=("GN001", "EX003"))).diagnostics
    first = line_of(text, '"registration_id"')
    assert ("EX003", first - 1) in {(d.code, d.location.line) for d in diags}
    assert [d for d in diags if d.code == "GN001" and "registration_id" in d.message] == []
    # Constructs EX003 does not name stay GN001's: the polling `interval`.
    assert any(d.code == "GN001" and "interval" in d.message for d in diags)
