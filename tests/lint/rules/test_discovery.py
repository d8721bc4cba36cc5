"""Rule family DS (authmd_cli/rules/discovery.py): one case per rule and facet, asserting code and line.

Documents are built from the clean fixtures in tests/fixtures/json (written from SPEC §4.2,
§5.2, §5.3 and §13.1) and mutated; `line_of` finds where the offending value sits in the text.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from helpers import codes, line_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authmd_cli.core.diagnostics import Diagnostic, Severity
from authmd_cli.lint.engine import LintOptions, lint_documents
from authmd_cli.lint.loader import load_document
from authmd_cli.protocol.model import Detection, DocKind
from authmd_cli.protocol.profiles import CLAIM_GRANT_URN, ID_JAG_URN, JWT_BEARER_URN, REVOKED_EVENT_URI

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "json"


def fixture(path: str) -> dict[str, Any]:
    value = json.loads((FIXTURES / path).read_text(encoding="utf-8"))
    assert isinstance(value, dict)
    return value


def as_doc() -> dict[str, Any]:
    return copy.deepcopy(fixture("v0.7-B/as.json"))


def prm_doc() -> dict[str, Any]:
    return copy.deepcopy(fixture("v0.7-B/prm.json"))


def lint(obj: Any, *, profile: str = "v0.7-B", source: str = "as.json", dialect: str | None = None,
         allowed: tuple[str, ...] = ()) -> tuple[str, list[Diagnostic]]:
    text = obj if isinstance(obj, str) else json.dumps(obj, indent=2)
    doc = load_document(source, text)
    if dialect:
        doc = replace(doc, detection=Detection(profile=None, dialect=dialect))
    opts = LintOptions(profile=profile, select=("DS",), allowed_extension_keys=allowed)
    return text, lint_documents([doc], [], opts).diagnostics


def one(diags: list[Diagnostic], code: str) -> Diagnostic:
    found = codes(diags, code)
    assert len(found) == 1, [(d.code, d.message) for d in diags]
    return found[0]


# ---------------------------------------------------------------------------- clean fixtures


@pytest.mark.parametrize(("path", "profile"), [
    ("v0.7-B/prm.json", "v0.7-B"), ("v0.7-B/as.json", "v0.7-B"), ("v0.7-A/as.json", "v0.7-A"),
    ("v0.6/as.json", "v0.6"), ("v0.1/as.json", "v0.1"),
])
def test_clean_fixtures_have_no_ds_findings(path: str, profile: str) -> None:
    _, diags = lint((FIXTURES / path).read_text(encoding="utf-8"), profile=profile, source=path)
    assert diags == []


def test_fixture_kinds_are_recognised() -> None:
    assert load_document("p.json", json.dumps(prm_doc())).kind is DocKind.PRM
    assert load_document("a.json", json.dumps(fixture("v0.1/as.json"))).kind is DocKind.AS_METADATA


# ---------------------------------------------------------------------------- DS001 schema


def test_ds001_schema_type_violation() -> None:
    doc = as_doc()
    doc["agent_auth"]["identity_types_supported"] = "anonymous"
    text, diags = lint(doc)
    d = one(diags, "DS001")
    assert d.location.line == line_of(text, '"identity_types_supported": "anonymous"')
    assert d.location.pointer == "/agent_auth/identity_types_supported"
    assert "anonymous" in d.message


def test_ds001_schema_prm_enum() -> None:
    doc = prm_doc()
    doc["bearer_methods_supported"] = ["cookie"]
    text, diags = lint(doc, source="prm.json")
    d = one(diags, "DS001")
    assert d.location.line == line_of(text, '"cookie"')
    assert "cookie" in d.message


def test_ds001_missing_member_is_reported_once_by_ds012() -> None:
    doc = as_doc()
    del doc["issuer"]
    _, diags = lint(doc)
    assert codes(diags, "DS001") == []
    assert one(diags, "DS012").location.pointer == "/issuer"


def test_ds001_defers_url_shape_and_enums_to_specific_rules() -> None:
    doc = as_doc()
    doc["token_endpoint"] = "http://auth.service.example.com/oauth2/token"
    doc["agent_auth"]["identity_types_supported"].append("agent_verified")
    _, diags = lint(doc)
    assert codes(diags, "DS001") == []
    assert codes(diags, "DS006") and codes(diags, "DS004")


def test_ds001_schema_good() -> None:
    _, diags = lint(as_doc())
    assert codes(diags, "DS001") == []


# ---------------------------------------------------------------------------- DS002 misplaced-member


def test_ds002_agent_auth_key_at_top_level() -> None:
    doc = as_doc()
    doc["identity_types_supported"] = doc["agent_auth"].pop("identity_types_supported")
    text, diags = lint(doc)
    d = one(diags, "DS002")
    assert d.location.line == line_of(text, '"identity_types_supported"')
    assert d.location.pointer == "/identity_types_supported"
    assert d.hint and "agent_auth" in d.hint
    assert codes(diags, "DS012") == []  # not reported again as missing


def test_ds002_renamed_wrapper() -> None:
    doc = as_doc()
    doc["agent_auth_metadata"] = doc.pop("agent_auth")
    text, diags = lint(doc)
    d = one(diags, "DS002")
    assert d.location.line == line_of(text, '"agent_auth_metadata"')
    assert "agent_auth_metadata" in d.message
    assert codes(diags, "DS012") == [] and codes(diags, "DS001") == []


def test_ds002_camel_case_wrapper() -> None:
    doc = as_doc()
    doc["agentAuth"] = doc.pop("agent_auth")
    text, diags = lint(doc)
    assert one(diags, "DS002").location.line == line_of(text, '"agentAuth"')


def test_ds002_flattened_array() -> None:
    doc = as_doc()
    doc["agent_auth"]["identity_assertion_supported"] = [ID_JAG_URN]
    text, diags = lint(doc)
    d = one(diags, "DS002")
    assert d.location.line == line_of(text, '"identity_assertion_supported"')
    assert d.hint and "identity_types_supported" in d.hint
    assert codes(diags, "DS003") == []  # not also "unknown"


def test_ds002_credential_types_at_block_root() -> None:
    doc = as_doc()
    doc["agent_auth"]["credential_types_supported"] = ["access_token"]
    text, diags = lint(doc)
    d = one(diags, "DS002")
    assert d.location.line == line_of(text, '"credential_types_supported"')
    assert d.location.pointer == "/agent_auth/credential_types_supported"


def test_ds002_misspelled_member_did_you_mean() -> None:
    doc = as_doc()
    doc["agent_auth"]["identity_endpiont"] = doc["agent_auth"].pop("identity_endpoint")
    text, diags = lint(doc)
    d = one(diags, "DS002")
    assert d.location.line == line_of(text, '"identity_endpiont"')
    assert "identity_endpoint" in d.message
    assert codes(diags, "DS012") == []


def test_ds002_endpoint_nested_in_type_object() -> None:
    doc = as_doc()
    doc["agent_auth"]["identity_assertion"]["claim_endpoint"] = "https://auth.service.example.com/x"
    text, diags = lint(doc)
    d = one(diags, "DS002")
    assert d.location.line == line_of(text, '"claim_endpoint"', nth=2)
    assert d.location.pointer == "/agent_auth/identity_assertion/claim_endpoint"


def test_ds002_misspelled_prm_member() -> None:
    doc = prm_doc()
    doc["authorization_server"] = doc.pop("authorization_servers")
    text, diags = lint(doc, source="prm.json")
    d = one(diags, "DS002")
    assert d.location.line == line_of(text, '"authorization_server"')
    assert codes(diags, "DS012") == []


def test_ds002_misplaced_member_good() -> None:
    _, diags = lint(as_doc())
    assert codes(diags, "DS002") == []


# ---------------------------------------------------------------------------- DS003 unknown-member


def test_ds003_unknown_prm_member_is_info() -> None:
    doc = prm_doc()
    doc["note"] = "beta"
    text, diags = lint(doc, source="prm.json")
    d = one(diags, "DS003")
    assert d.severity is Severity.INFO
    assert d.location.line == line_of(text, '"note"')
    assert "note" in d.message


def test_ds003_extension_block_once() -> None:
    doc = as_doc()
    doc["agent_auth"]["health_profile"] = {"assurance": {"level": 2}, "receipts": True, "x": []}
    text, diags = lint(doc)
    d = one(diags, "DS003")
    assert d.location.line == line_of(text, '"health_profile"')
    assert "extension-block" in d.message
    assert codes(diags, "DS005") == []  # its contents are not inspected


def test_ds003_allow_list_silences() -> None:
    doc = as_doc()
    doc["agent_auth"]["x_vendor"] = "1"
    doc["note"] = "x"
    _, diags = lint(doc, allowed=("agent_auth.x_vendor", "note"))
    assert codes(diags, "DS003") == []


def test_ds003_rfc_members_legacy_names_and_logo_never_flagged() -> None:
    doc = as_doc()
    doc["response_types_supported"] = ["code"]
    doc["jwks_uri"] = "https://auth.service.example.com/.well-known/jwks.json"
    doc["resource_logo_uri"] = "https://service.example.com/logo.png"
    doc["agent_auth"]["register_uri"] = doc["agent_auth"]["identity_endpoint"]
    _, diags = lint(doc)
    assert codes(diags, "DS003") == [] and codes(diags, "DS002") == []


# ---------------------------------------------------------------------------- DS004 unknown-identity-type


def test_ds004_marketing_name() -> None:
    doc = as_doc()
    doc["agent_auth"]["identity_types_supported"] = ["agent_verified"]
    text, diags = lint(doc)
    d = one(diags, "DS004")
    assert d.severity is Severity.ERROR
    assert d.location.line == line_of(text, '"agent_verified"')
    assert d.hint and "identity_assertion" in d.hint


def test_ds004_lowered_to_info_under_dialect() -> None:
    doc = as_doc()
    doc["agent_auth"]["identity_types_supported"] = ["user_claimed", "agent_verified"]
    text, diags = lint(doc, dialect="noform")
    [d] = codes(diags, "DS004")  # one list, one finding naming both (issue 11)
    assert d.severity is Severity.INFO
    assert d.location.line == line_of(text, '"user_claimed"')
    assert [r.line for r in d.related] == [line_of(text, '"agent_verified"')]


def test_ds004_refresh_info_in_v07b_warning_before() -> None:
    doc = as_doc()
    doc["agent_auth"]["identity_types_supported"].append("refresh")
    text, diags = lint(doc)
    d = one(diags, "DS004")
    assert (d.severity, d.location.line) == (Severity.INFO, line_of(text, '"refresh"'))
    _, diags = lint(doc, profile="v0.6")
    assert one(diags, "DS004").severity is Severity.WARNING


def test_ds004_newer_type_under_older_profile() -> None:
    doc = fixture("v0.6/as.json")
    text, diags = lint(doc, profile="v0.5")
    d = one(diags, "DS004")
    assert d.location.line == line_of(text, '"service_auth"')
    assert "v0.6" in d.message


def test_ds004_short_id_jag_assertion_type() -> None:
    doc = as_doc()
    doc["agent_auth"]["identity_assertion"]["assertion_types_supported"] = ["id-jag"]
    text, diags = lint(doc)
    d = one(diags, "DS004")
    assert d.location.line == line_of(text, '"id-jag"')
    assert d.hint and ID_JAG_URN in d.hint
    assert codes(diags, "DS012") == []  # the short form is one finding, not two


def test_ds004_none_is_left_to_ds013() -> None:
    doc = as_doc()
    doc["agent_auth"]["identity_types_supported"] = ["none"]
    _, diags = lint(doc)
    assert codes(diags, "DS004") == []
    assert codes(diags, "DS013")


def test_ds004_unknown_identity_type_good() -> None:
    _, diags = lint(fixture("v0.1/as.json"), profile="v0.1")
    assert codes(diags, "DS004") == []


# ---------------------------------------------------------------------------- DS005 empty-array


def test_ds005_empty_events_supported_warning() -> None:
    doc = as_doc()
    doc["agent_auth"]["events_supported"] = []
    text, diags = lint(doc)
    d = one(diags, "DS005")
    assert (d.severity, d.location.line) == (Severity.WARNING, line_of(text, '"events_supported": []'))


def test_ds005_empty_identity_types_is_error() -> None:
    doc = as_doc()
    doc["agent_auth"]["identity_types_supported"] = []
    text, diags = lint(doc)
    d = one(diags, "DS005")
    assert (d.severity, d.location.line) == (Severity.ERROR, line_of(text, '"identity_types_supported": []'))
    assert d.hint and "no-registration" in d.hint


def test_ds005_empty_string_and_object() -> None:
    doc = prm_doc()
    doc["resource_name"] = ""
    doc["x"] = {}
    text, diags = lint(doc, source="prm.json")
    lines = [d.location.line for d in codes(diags, "DS005")]
    assert lines == [line_of(text, '"resource_name"'), line_of(text, '"x": {}')]


def test_ds005_empty_array_good() -> None:
    _, diags = lint(prm_doc(), source="prm.json")
    assert codes(diags, "DS005") == []


# ---------------------------------------------------------------------------- DS006 endpoint-url


def test_ds006_plain_http() -> None:
    doc = as_doc()
    doc["token_endpoint"] = "http://auth.service.example.com/oauth2/token"
    text, diags = lint(doc)
    d = one(diags, "DS006")
    assert d.location.line == line_of(text, '"token_endpoint"')
    assert "http://auth.service.example.com/oauth2/token" in d.message


def test_ds006_relative_and_placeholder() -> None:
    doc = as_doc()
    doc["agent_auth"]["identity_endpoint"] = "/agent/identity"
    doc["issuer"] = "<issuer>"
    text, diags = lint(doc)
    found = codes(diags, "DS006")
    assert [d.location.line for d in found] == [line_of(text, '"issuer"'), line_of(text, '"/agent/identity"')]


def test_ds006_fragment_and_issuer_query() -> None:
    doc = as_doc()
    doc["revocation_endpoint"] = "https://auth.service.example.com/oauth2/revoke#x"
    doc["issuer"] = "https://auth.service.example.com?tenant=1"
    text, diags = lint(doc)
    lines = sorted(d.location.line for d in codes(diags, "DS006") if d.location.line)
    assert lines == [line_of(text, '"issuer"'), line_of(text, '"revocation_endpoint"')]


def test_ds006_loopback_http_and_templates_are_not_reported() -> None:
    doc = as_doc()
    doc["token_endpoint"] = "http://127.0.0.1:8000/oauth2/token"
    doc["agent_auth"]["claim_endpoint"] = "https://auth.service.example.com/{tenant}/claim"
    _, diags = lint(doc)
    assert codes(diags, "DS006") == []
    assert codes(diags, "DS010")


# ---------------------------------------------------------------------------- DS007 skill-url


def test_ds007_skill_is_prose() -> None:
    doc = as_doc()
    doc["agent_auth"]["skill"] = "Register agents here"
    text, diags = lint(doc)
    d = one(diags, "DS007")
    assert (d.severity, d.location.line) == (Severity.ERROR, line_of(text, '"skill"'))
    assert "Register agents here" in d.message


def test_ds007_skill_missing_is_warning() -> None:
    doc = as_doc()
    del doc["agent_auth"]["skill"]
    text, diags = lint(doc)
    d = one(diags, "DS007")
    assert (d.severity, d.location.line) == (Severity.WARNING, line_of(text, '"agent_auth"'))


def test_ds007_skill_not_auth_md_is_warning() -> None:
    doc = as_doc()
    doc["agent_auth"]["skill"] = "https://service.example.com/skills.json"
    text, diags = lint(doc)
    d = one(diags, "DS007")
    assert (d.severity, d.location.line) == (Severity.WARNING, line_of(text, "skills.json"))


def test_ds007_skill_url_good() -> None:
    _, diags = lint(as_doc())
    assert codes(diags, "DS007") == []


# ---------------------------------------------------------------------------- DS008 endpoint-collapse


def test_ds008_roles_share_a_url() -> None:
    doc = as_doc()
    doc["agent_auth"]["claim_endpoint"] = doc["agent_auth"]["identity_endpoint"]
    text, diags = lint(doc)
    d = one(diags, "DS008")
    assert d.location.line == line_of(text, '"claim_endpoint"')
    assert "identity_endpoint" in d.message


def test_ds008_everything_points_at_auth_md() -> None:
    doc = as_doc()
    for key in ("identity_endpoint", "claim_endpoint", "events_endpoint"):
        doc["agent_auth"][key] = "https://service.example.com/auth.md"
    text, diags = lint(doc)
    # One stub, one finding naming every member (issue 11), the others as related locations.
    [d] = codes(diags, "DS008")
    assert d.location.line == line_of(text, '"identity_endpoint"')
    assert [r.line for r in d.related] == [line_of(text, f'"{k}"') for k in ("claim_endpoint", "events_endpoint")]
    assert all(f"`agent_auth.{k}`" in d.message for k in ("identity_endpoint", "claim_endpoint", "events_endpoint"))
    assert d.hint is not None and "no-registration" in d.hint


def test_ds008_anchor_is_one_finding() -> None:
    doc = as_doc()
    doc["agent_auth"]["identity_endpoint"] = "https://service.example.com/docs.html#register"
    text, diags = lint(doc)
    d = one(diags, "DS008")
    assert d.location.line == line_of(text, "#register")
    assert codes(diags, "DS006") == []


def test_ds008_rfc7591_register_is_warning() -> None:
    doc = as_doc()
    doc["agent_auth"]["identity_endpoint"] = "https://auth.service.example.com/oauth2/register"
    text, diags = lint(doc)
    d = one(diags, "DS008")
    assert (d.severity, d.location.line) == (Severity.WARNING, line_of(text, "/oauth2/register"))


def test_ds008_aliases_of_one_role_are_not_collapse() -> None:
    doc = as_doc()
    doc["agent_auth"]["register_uri"] = doc["agent_auth"]["identity_endpoint"]
    _, diags = lint(doc)
    assert codes(diags, "DS008") == []


# ---------------------------------------------------------------------------- DS009 grant-types


def test_ds009_missing_grant_types_with_token_endpoint() -> None:
    doc = as_doc()
    del doc["grant_types_supported"]
    text, diags = lint(doc)
    d = one(diags, "DS009")
    assert d.location.line == line_of(text, '"token_endpoint"')
    assert codes(diags, "DS001") == []


def test_ds009_jwt_bearer_missing() -> None:
    doc = as_doc()
    doc["grant_types_supported"] = ["authorization_code"]
    text, diags = lint(doc)
    d = one(diags, "DS009")
    assert d.location.line == line_of(text, '"grant_types_supported"')
    assert "authorization_code" in d.message


def test_ds009_claim_grant_required_v07a() -> None:
    doc = fixture("v0.7-A/as.json")
    doc["grant_types_supported"] = [JWT_BEARER_URN]
    text, diags = lint(doc, profile="v0.7-A")
    d = one(diags, "DS009")
    assert d.severity is Severity.ERROR
    assert d.location.line == line_of(text, '"grant_types_supported"')


def test_ds009_claim_grant_not_required_without_claimable_types() -> None:
    doc = fixture("v0.7-A/as.json")
    doc["grant_types_supported"] = [JWT_BEARER_URN]
    doc["agent_auth"]["identity_types_supported"] = ["identity_assertion"]
    _, diags = lint(doc, profile="v0.7-A")
    assert codes(diags, "DS009") == []


def test_ds009_claim_grant_nobody_can_use() -> None:
    # Issue 11: the claim grant with no claim-capable type and no claim endpoint (and the reverse above).
    doc = fixture("v0.7-A/as.json")
    doc["agent_auth"]["identity_types_supported"] = ["identity_assertion"]
    doc["agent_auth"].pop("claim_endpoint", None)
    text, diags = lint(doc, profile="v0.7-A")
    d = one(diags, "DS009")
    want = line_of(text, '"urn:workos:agent-auth:grant-type:claim"')
    assert (d.severity, d.location.line) == (Severity.WARNING, want)
    doc["agent_auth"]["claim_endpoint"] = "https://auth.service.example.com/agent/identity/claim"  # ID-JAG step-up
    assert codes(lint(doc, profile="v0.7-A")[1], "DS009") == []


def test_ds009_claim_grant_under_v07b_is_warning() -> None:
    doc = fixture("v0.7-A/as.json")
    text, diags = lint(doc, profile="v0.7-B")
    d = one(diags, "DS009")
    assert (d.severity, d.location.line) == (Severity.WARNING, line_of(text, CLAIM_GRANT_URN))


def test_ds009_vendor_claim_grant_is_info() -> None:
    doc = fixture("v0.7-A/as.json")
    doc["grant_types_supported"] = [JWT_BEARER_URN, "urn:acme:params:oauth:grant-type:claim_token"]
    text, diags = lint(doc, profile="v0.7-A")
    d = one(diags, "DS009")
    assert (d.severity, d.location.line) == (Severity.INFO, line_of(text, "urn:acme"))
    assert "vendor-claim-grant" in d.message


# ---------------------------------------------------------------------------- DS010 uri-template


def test_ds010_uri_template() -> None:
    doc = as_doc()
    doc["agent_auth"]["identity_endpoint"] = "https://auth.service.example.com/agents/{agent_id}/identity"
    text, diags = lint(doc)
    d = one(diags, "DS010")
    assert d.location.line == line_of(text, "{agent_id}")
    assert "{agent_id}" in d.message
    assert codes(diags, "DS006") == []


def test_ds010_uri_template_in_extension_member() -> None:
    doc = as_doc()
    doc["agent_auth"]["rekey_uri"] = "https://auth.service.example.com/agents/{agent_id}/rekey"
    text, diags = lint(doc)
    assert one(diags, "DS010").location.line == line_of(text, '"rekey_uri"')
    assert one(diags, "DS003").location.line == line_of(text, '"rekey_uri"')


def test_ds009_foreign_grant_without_claim_is_not_vendor_claim_grant() -> None:
    doc = as_doc()
    doc["grant_types_supported"] = [JWT_BEARER_URN, "urn:auth.md:user_claimed"]
    _, diags = lint(doc)
    assert codes(diags, "DS009") == []


def test_ds010_uri_template_good() -> None:
    _, diags = lint(as_doc())
    assert codes(diags, "DS010") == []


# ---------------------------------------------------------------------------- DS011 events-supported


def test_ds011_entry_not_a_uri() -> None:
    doc = as_doc()
    doc["agent_auth"]["events_supported"] = ["claim.confirmed"]
    text, diags = lint(doc)
    d = one(diags, "DS011")
    assert (d.severity, d.location.line) == (Severity.ERROR, line_of(text, '"claim.confirmed"'))


def test_ds011_foreign_event_is_info() -> None:
    doc = as_doc()
    doc["agent_auth"]["events_supported"] = [REVOKED_EVENT_URI,
                                             "https://schemas.openid.net/secevent/caep/event-type/session-revoked"]
    text, diags = lint(doc)
    d = one(diags, "DS011")
    assert (d.severity, d.location.line) == (Severity.INFO, line_of(text, "caep"))


def test_ds011_endpoint_without_events_supported() -> None:
    doc = as_doc()
    del doc["agent_auth"]["events_supported"]
    text, diags = lint(doc)
    d = one(diags, "DS011")
    assert (d.severity, d.location.line) == (Severity.WARNING, line_of(text, '"events_endpoint"'))


def test_ds011_events_supported_without_endpoint() -> None:
    doc = as_doc()
    del doc["agent_auth"]["events_endpoint"]
    text, diags = lint(doc)
    d = one(diags, "DS011")
    assert (d.severity, d.location.line) == (Severity.WARNING, line_of(text, '"events_supported"'))


def test_ds011_events_supported_without_endpoint_under_any_method() -> None:
    # Issue 11: events advertised with nowhere to push them, whatever the methods.
    doc = as_doc()
    del doc["agent_auth"]["events_endpoint"]
    doc["agent_auth"]["identity_types_supported"] = ["anonymous"]
    del doc["agent_auth"]["identity_assertion"]
    text, diags = lint(doc)
    d = one(diags, "DS011")
    assert (d.severity, d.location.line) == (Severity.WARNING, line_of(text, '"events_supported"'))


def test_ds011_pairing_only_when_identity_assertion_offered() -> None:
    doc = as_doc()
    del doc["agent_auth"]["events_supported"]
    doc["agent_auth"]["identity_types_supported"] = ["anonymous"]
    del doc["agent_auth"]["identity_assertion"]
    _, diags = lint(doc)
    assert codes(diags, "DS011") == []


# ---------------------------------------------------------------------------- DS012 required-member


def test_ds012_prm_resource_and_authorization_servers() -> None:
    _, diags = lint({"resource_name": "x", "resource": "https://api.service.example.com/"}, source="prm.json")
    d = one(diags, "DS012")
    assert d.location.pointer == "/authorization_servers"
    assert d.location.line == 1
    _, diags = lint({"authorization_servers": ["https://auth.service.example.com"]}, source="prm.json")
    assert one(diags, "DS012").location.pointer == "/resource"


def test_ds012_as_without_agent_auth() -> None:
    doc = as_doc()
    del doc["agent_auth"]
    _, diags = lint(doc)
    d = one(diags, "DS012")
    assert (d.location.pointer, d.location.line) == ("/agent_auth", 1)
    assert codes(diags, "DS001") == []


def test_ds012_claim_endpoint_required_for_anonymous() -> None:
    doc = as_doc()
    del doc["agent_auth"]["claim_endpoint"]
    text, diags = lint(doc)
    d = one(diags, "DS012")
    assert d.location.line == line_of(text, '"agent_auth"')
    assert "anonymous" in d.message
    assert codes(diags, "DS001") == []


def test_ds012_id_jag_urn_required() -> None:
    doc = as_doc()
    doc["agent_auth"]["identity_assertion"]["assertion_types_supported"] = []
    text, diags = lint(doc)
    d = one(diags, "DS012")
    assert d.location.line == line_of(text, '"assertion_types_supported"')
    assert codes(diags, "DS005") == [] and codes(diags, "DS001") == []


def test_ds012_identity_assertion_object_missing() -> None:
    doc = as_doc()
    del doc["agent_auth"]["identity_assertion"]
    _, diags = lint(doc)
    d = one(diags, "DS012")
    assert d.location.pointer == "/agent_auth/identity_assertion/assertion_types_supported"


def test_ds012_v01_needs_no_top_level_oauth_fields_but_a_register_uri() -> None:
    doc = fixture("v0.1/as.json")
    del doc["agent_auth"]["register_uri"]
    text, diags = lint(doc, profile="v0.1")
    d = one(diags, "DS012")
    assert "register_uri" in d.message
    assert d.location.line == line_of(text, '"agent_auth"')


# ---------------------------------------------------------------------------- DS013 no-registration-stub


def test_ds013_null_endpoint() -> None:
    doc = as_doc()
    doc["agent_auth"]["claim_endpoint"] = None
    text, diags = lint(doc)
    d = one(diags, "DS013")
    assert d.location.line == line_of(text, '"claim_endpoint": null')
    assert [x.code for x in diags] == ["DS013"]  # not also DS001 / DS006


def test_ds013_none_stub() -> None:
    doc = as_doc()
    doc["agent_auth"]["identity_types_supported"] = ["none"]
    text, diags = lint(doc)
    assert one(diags, "DS013").location.line == line_of(text, '"none"')


def test_ds013_agent_auth_under_no_registration() -> None:
    text, diags = lint(as_doc(), profile="no-registration")
    d = one(diags, "DS013")
    assert d.location.line == line_of(text, '"agent_auth"')
    assert {x.code for x in diags} == {"DS013"}  # other DS rules do not run under no-registration


def test_ds013_no_registration_good() -> None:
    doc = {"issuer": "https://auth.service.example.com",
           "token_endpoint": "https://auth.service.example.com/oauth2/token",
           "grant_types_supported": [JWT_BEARER_URN]}
    _, diags = lint(doc, profile="no-registration")
    assert diags == []


# ---------------------------------------------------------------------------- robustness

_KEYS = ["resource", "issuer", "agent_auth", "identity_endpoint", "register_uri", "skill", "identity_assertion",
         "identity_types_supported", "assertion_types_supported", "grant_types_supported", "token_endpoint",
         "authorization_servers", "events_supported", "events_endpoint", "claim_endpoint", "agentAuth",
         "credential_types_supported", "anonymous", "revocation_uri", "registration_endpoint", "x"]
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["https://a.example/auth.md", "http://x", "", "none", "refresh", "{id}", "<...>",
                       "https://a.example/{x}#y", ID_JAG_URN, CLAIM_GRANT_URN, "urn:v:claim", "a:b", "#", "//"]),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(_KEYS) | st.text(max_size=5), inner, max_size=6),
    max_leaves=30,
)


_metadata = (st.dictionaries(st.sampled_from(_KEYS), _json, max_size=8)
             | st.fixed_dictionaries({"issuer": _json, "token_endpoint": _json,
                                      "agent_auth": st.dictionaries(st.sampled_from(_KEYS), _json, max_size=8)}))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_json | _metadata, kind=st.sampled_from([None, DocKind.PRM, DocKind.AS_METADATA]),
       profile=st.sampled_from([None, "v0.1", "v0.4", "v0.7-A", "v0.7-B", "no-registration"]))
def test_ds_rules_never_raise_on_arbitrary_json(value: Any, kind: DocKind | None, profile: str | None) -> None:
    doc = load_document("x.json", json.dumps(value), kind=kind)
    report = lint_documents([doc], [], LintOptions(profile=profile, select=("DS", "TL006")))
    assert [d.message for d in report.diagnostics if d.code == "TL006"] == []
    for d in report.diagnostics:
        assert d.location.pointer is not None


def test_ds_rules_never_raise_on_plain_load() -> None:
    for value in ({}, [], None, {"agent_auth": []}, {"agent_auth": {"identity_types_supported": [None, 1]}},
                  {"issuer": 1, "token_endpoint": None, "grant_types_supported": "x"}):
        report = lint_documents([load_document("x.json", json.dumps(value))], [], LintOptions())
        assert [d for d in report.diagnostics if d.code == "TL006"] == []


# ---------------------------------------------------------------------------- regressions (dogfooding)


@pytest.mark.parametrize("value", [42, ["https://quillnote.io/auth.md"], {"url": "x"}, True])
def test_ds007_skill_url_non_string_reported_once(value: Any) -> None:
    # DS007 explains a non-URL skill; DS001 must not repeat the same fact as a type error.
    doc = as_doc()
    doc["agent_auth"]["skill"] = value
    text, diags = lint(doc)
    assert one(diags, "DS007").location.line == line_of(text, '"skill"')
    assert [d for d in codes(diags, "DS001") if d.location.pointer == "/agent_auth/skill"] == []


def test_ds004_unknown_identity_type_hints_follow_the_profile() -> None:
    doc = as_doc()
    doc["agent_auth"]["identity_types_supported"] = ["anonymous", "verified_email", "user_claimed"]
    doc["grant_types_supported"].append(CLAIM_GRANT_URN)
    text, diags = lint(doc, profile="v0.4")
    [d] = codes(diags, "DS004")  # one list, one finding; each value keeps its own hint
    assert d.location.line == line_of(text, '"verified_email"')
    email_hint, claimed_hint = (d.hint or "").split("; ", 1)
    # v0.4 has no service_auth: the email path is identity_assertion + the verified_email assertion type.
    assert "service_auth" not in email_hint and "assertion_types_supported" in email_hint
    assert claimed_hint == "did you mean anonymous?"
    _, latest = lint(doc, profile="v0.7-B")
    [d] = codes(latest, "DS004")
    assert "did you mean anonymous or service_auth?" in (d.hint or "")


def test_ds014_duplicate_member_bad() -> None:
    text = ('{\n  "issuer": "https://auth.quillnote.io",\n  "agent_auth": {\n'
            '    "identity_endpoint": "https://auth.quillnote.io/agent/identity",\n'
            '    "identity_types_supported": ["anonymous"],\n'
            '    "identity_endpoint": "https://auth.quillnote.io/register"\n  }\n}\n')
    _, diags = lint(text)
    d = one(diags, "DS014")
    assert (d.location.line, d.location.column) == (6, 5)
    assert d.location.pointer == "/agent_auth/identity_endpoint"
    assert "line 4" in d.message


def test_ds014_duplicate_member_in_prm_and_arrays() -> None:
    text = ('{"resource": "https://api.quillnote.io",\n "authorization_servers": [{"a": 1, "a": 2}],\n'
            ' "resource": "https://www.quillnote.io"}\n')
    _, diags = lint(text, source="prm.json")
    assert sorted((d.location.line, d.location.pointer) for d in codes(diags, "DS014")) == [
        (2, "/authorization_servers/0/a"), (3, "/resource")]


def test_ds014_duplicate_member_good() -> None:
    _, diags = lint(as_doc())
    assert codes(diags, "DS014") == []
    # The same name in two different objects is not a duplicate.
    _, diags = lint('{"issuer": "https://auth.quillnote.io", "agent_auth": {"issuer": "x"}}')
    assert codes(diags, "DS014") == []


def test_ds005_empty_identity_types_hint_reads_as_a_sentence() -> None:
    doc = as_doc()
    doc["agent_auth"]["identity_types_supported"] = []
    text, diags = lint(doc)
    d = [x for x in codes(diags, "DS005") if x.location.pointer == "/agent_auth/identity_types_supported"]
    assert [x.location.line for x in d] == [line_of(text, '"identity_types_supported"')]
    assert d[0].severity is Severity.ERROR
    assert d[0].hint is not None and d[0].hint.startswith("a site that offers no agent registration uses")


# ---------------------------------------------------------------------------- one finding per root cause (issue 11)


def test_ds002_flattened_block_is_one_finding() -> None:
    doc = as_doc()
    block = doc.pop("agent_auth")
    doc["agent_auth"] = {"skill": block["skill"], "identity_endpoint": block["identity_endpoint"]}
    for key in ("identity_types_supported", "claim_endpoint", "events_supported"):
        doc[key] = block[key]
    text, diags = lint(doc)
    [d] = [d for d in codes(diags, "DS002") if "top level" in d.message]
    assert d.location.line == line_of(text, '"identity_types_supported"')
    assert "3 `agent_auth` members" in d.message and len(d.related) == 2


def test_ds011_bad_list_is_one_finding() -> None:
    doc = as_doc()
    doc["agent_auth"]["events_supported"] = ["claim.confirmed", "claim.revoked", "registration.expired"]
    text, diags = lint(doc)
    [d] = codes(diags, "DS011")
    assert d.location.line == line_of(text, '"claim.confirmed"')
    assert all(e in d.message for e in ("claim.confirmed", "claim.revoked", "registration.expired"))
    assert [r.line for r in d.related] == [line_of(text, '"claim.revoked"'), line_of(text, '"registration.expired"')]
