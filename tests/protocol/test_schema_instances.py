"""Good and bad instances per schema, written from SPEC facts (no third-party documents).

Bad cases assert (pointer, keyword) pairs — positions and codes, not prose.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from authmd_cli.protocol import schemas
from authmd_cli.protocol.schemas import SchemaViolation, validate

AS_ = "https://auth.service.example.com"
RS = "https://api.service.example.com/"
JWT = "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJyZWdfMSJ9.c2lnbmF0dXJl"
TS = "2026-06-26T12:00:00.000Z"
ID_JAG_URN = "urn:ietf:params:oauth:token-type:id-jag"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CLAIM_URN = "urn:workos:agent-auth:grant-type:claim"
REVOKED = "https://schemas.workos.com/events/agent/auth/identity/assertion/revoked"

PRM = {
    "resource": RS, "resource_name": "Example API", "resource_logo_uri": "https://service.example.com/logo.png",
    "authorization_servers": [AS_ + "/"], "scopes_supported": ["api.read", "api.write"],
    "bearer_methods_supported": ["header"], "x_vendor_note": {"anything": True},
}


def as_metadata(types: list[str], *, claim_grant: bool = False, events_key: str = "events_endpoint") -> dict[str, Any]:
    grants = [JWT_BEARER] + ([CLAIM_URN] if claim_grant else [])
    agent_auth: dict[str, Any] = {
        "skill": "https://service.example.com/auth.md",
        "identity_endpoint": AS_ + "/agent/identity",
        "claim_endpoint": AS_ + "/agent/identity/claim",
        events_key: AS_ + "/agent/event/notify",
        "identity_types_supported": types,
        "identity_assertion": {"assertion_types_supported": [ID_JAG_URN]},
        "events_supported": [REVOKED],
        "x_vendor_block": {"tier": 2},  # unknown member: info by rule (D15), never a schema error
    }
    return {"issuer": AS_, "token_endpoint": AS_ + "/oauth2/token", "revocation_endpoint": AS_ + "/oauth2/revoke",
            "grant_types_supported": grants, "agent_auth": agent_auth, "response_types_x": 1}


AS_V01 = {"agent_auth": {
    "skill": "https://service.example.com/auth.md", "register_uri": AS_ + "/agent/auth",
    "claim_uri": AS_ + "/agent/auth/claim", "revocation_uri": AS_ + "/agent/auth/revoke",
    "identity_types_supported": ["anonymous", "identity_assertion"],
    "anonymous": {"credential_types_supported": ["api_key"]},
    "identity_assertion": {"assertion_types_supported": [ID_JAG_URN, "verified_email"],
                           "credential_types_supported": ["access_token", "api_key"]},
    "events_supported": [REVOKED]}}

THREE = ["identity_assertion", "service_auth", "anonymous"]

# ---- registration responses
NESTED_ANON = {"id": "reg_1", "type": "anonymous", "identity": {"assertion": JWT, "expires_at": TS},
               "scopes": {"pre_claim": ["api.read"], "post_claim": ["api.read", "api.write"]},
               "claim": {"token": "clm_x", "expires_at": TS, "url": AS_ + "/agent/identity/claim"}}
NESTED_IA = {"id": "reg_2", "type": "identity_assertion", "identity": {"assertion": JWT, "expires_at": TS},
             "scopes": ["api.read", "api.write"]}
ATTEMPT = {"verification_uri": AS_ + "/agent-claim?token=att_1", "expires_at": TS}
NESTED_SVC = {"id": "reg_3", "type": "service_auth", "scopes": {"post_claim": ["api.read"]},
              "claim": {"token": "clm_y", "expires_at": TS, "url": AS_ + "/agent/identity/claim", "attempt": ATTEMPT}}
NESTED_REFRESH = {"id": "reg_3", "type": "refresh", "identity": {
    "assertion": JWT, "expires_at": TS, "refresh_token": {"value": "art_z", "expires_at": TS}}}
NESTED_STEP_UP = {"error": "interaction_required", "error_description": "link this account", "id": "reg_4",
                  "type": "identity_assertion", "scopes": {"post_claim": ["api.read"]},
                  "claim": {"token": "clm_z", "expires_at": TS, "url": AS_ + "/agent/identity/claim",
                            "attempt": ATTEMPT}}
LOGIN_REQUIRED = {"error": "login_required", "error_description": "re-authenticate", "max_age": 3600}

CEREMONY = {"user_code": "042117", "expires_in": 600,
            "verification_uri": AS_ + "/login?return_to=%2Fclaim%3Fclaim_attempt_token%3Dcvt_1", "interval": 5}
FLAT_ANON = {"registration_id": "reg_1", "registration_type": "anonymous", "identity_assertion": JWT,
             "assertion_expires": TS, "pre_claim_scopes": ["api.read"], "claim_url": AS_ + "/agent/identity/claim",
             "claim_token": "clm_x", "claim_token_expires": TS, "post_claim_scopes": ["api.read", "api.write"]}
FLAT_IA = {"registration_id": "reg_2", "registration_type": "identity_assertion", "identity_assertion": JWT,
           "assertion_expires": TS, "scopes": ["api.read"]}
FLAT_SVC = {"registration_id": "reg_3", "registration_type": "service_auth", "claim_url": AS_ + "/agent/identity/claim",
            "claim_token": "clm_y", "claim_token_expires": TS, "post_claim_scopes": ["api.read"], "claim": CEREMONY}
FLAT_STEP_UP = {"error": "interaction_required", "error_description": "link", "registration_id": "reg_4",
                "registration_type": "identity_assertion", "claim_url": AS_ + "/agent/identity/claim",
                "claim_token": "clm_z", "claim_token_expires": TS, "post_claim_scopes": ["api.read"],
                "claim": CEREMONY}

ID_JAG = {"iss": "https://provider.example.com", "sub": "user-123", "aud": AS_, "client_id": "https://provider.example.com/agent-auth.json",
          "jti": "j-1", "iat": 1_780_000_000, "exp": 1_780_000_300, "auth_time": 1_779_999_000,
          "email": "ada@example.com", "email_verified": True, "resource": RS}
SET = {"iss": "https://provider.example.com", "sub": "user-123", "aud": AS_, "jti": "set-1", "iat": 1_780_000_000,
       "events": {REVOKED: {}}}


def without(doc: dict[str, Any], *path: str) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    node = out
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return out


def with_(doc: dict[str, Any], value: Any, *path: str) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


GOOD: list[tuple[str, str | None, Any]] = [
    ("prm", None, PRM),
    ("prm", "v0.1", PRM),
    ("prm", "no-registration", {"resource": "http://127.0.0.1:8000/api/"}),  # loopback sandbox
    ("prm", None, {**PRM, "scopes_supported": []}),  # empty: D16 warning, not a schema error
    ("as-metadata", "v0.7-B", as_metadata(THREE)),
    ("as-metadata", "v0.7-B", as_metadata(THREE, claim_grant=True)),  # foreign URN: D17 warning
    ("as-metadata", "v0.7-B", as_metadata([*THREE, "refresh"])),  # D8
    ("as-metadata", "v0.6", as_metadata(THREE, claim_grant=True)),
    ("as-metadata", "v0.7-A", as_metadata(["identity_assertion"])),  # no claim-capable type: no URN needed
    ("as-metadata", "v0.4", as_metadata(["anonymous"], claim_grant=True)),
    ("as-metadata", "v0.3", as_metadata(["anonymous", "identity_assertion"])),
    ("as-metadata", "v0.2", as_metadata(["anonymous"], events_key="revocation_uri")),
    ("as-metadata", "v0.1", AS_V01),
    ("as-metadata", "v0.6", with_(as_metadata(THREE, claim_grant=True), [ID_JAG_URN, "verified_email"],
                                  "agent_auth", "identity_assertion", "assertion_types_supported")),  # D3
    ("registration-request", "v0.7-B", {"type": "refresh", "refresh_token": "art_1"}),
    ("registration-request", "v0.7-B", {"type": "identity_assertion", "assertion_type": ID_JAG_URN, "assertion": JWT}),
    ("registration-request", "v0.6", {"type": "service_auth", "login_hint": "ada@example.com"}),
    ("registration-request", "v0.6", {"type": "anonymous"}),
    ("registration-request", "v0.3", {"type": "identity_assertion", "assertion_type": "verified_email",
                                      "assertion": "ada@example.com"}),
    ("registration-request", "v0.1", {"type": "anonymous", "requested_credential_type": "api_key"}),
    ("registration-request", "v0.1", {"type": "identity_assertion", "assertion_type": ID_JAG_URN, "assertion": JWT,
                                      "requested_credential_type": "access_token"}),
    ("registration-response", "v0.7-B", NESTED_ANON),
    ("registration-response", "v0.7-B", NESTED_IA),
    ("registration-response", "v0.7-B", NESTED_SVC),
    ("registration-response", "v0.7-B", NESTED_REFRESH),
    ("registration-response", "v0.7-B", NESTED_STEP_UP),
    ("registration-response", "v0.7-B", LOGIN_REQUIRED),
    ("registration-response", "v0.6", FLAT_ANON),
    ("registration-response", "v0.6", with_(FLAT_ANON, 1_780_000_000, "assertion_expires")),  # D28: warning
    ("registration-response", "v0.7-A", FLAT_IA),
    ("registration-response", "v0.6", FLAT_SVC),
    ("registration-response", "v0.6", FLAT_STEP_UP),
    ("registration-response", "v0.5", LOGIN_REQUIRED),
    ("registration-response", "v0.5", with_(FLAT_SVC, "email-verification", "registration_type")),
    ("registration-response", "v0.4", with_(FLAT_IA, "agent-provider", "registration_type")),
    ("registration-response", "v0.2", with_(without(FLAT_SVC, "claim"), "email-verification", "registration_type")),
    ("registration-response", "v0.1", {"registration_id": "reg_1", "registration_type": "agent-provider",
                                       "credential_type": "api_key", "credential": "sk_test_1",
                                       "credential_expires": None, "scopes": ["api.read"]}),
    ("claim-request", "v0.6", {"claim_token": "clm_x", "email": "ada@example.com"}),
    ("claim-request", "v0.7-A", {"type": "login_hint", "claim_token": "clm_x", "login_hint": "ada@example.com"}),
    ("claim-request", "v0.7-A", {"type": "identity_assertion", "claim_token": "clm_x", "assertion": JWT}),
    ("claim-request", "v0.7-B", {"type": "service_auth", "claim_token": "clm_x", "login_hint": "ada@example.com"}),
    ("claim-response", "v0.2", {"registration_id": "reg_1", "claim_attempt_id": "cla_1", "status": "initiated",
                                "expires_at": TS}),
    ("claim-response", "v0.6", {"registration_id": "reg_1", "claim_attempt_id": "cla_1", "status": "initiated",
                                "expires_at": TS, "claim_attempt": CEREMONY}),
    ("claim-response", "v0.7-A", {"registration_id": "reg_1", "registration_type": "identity_assertion",
                                  "status": "claimed", "identity_assertion": JWT, "assertion_expires": TS}),
    ("claim-response", "v0.7-B", {"id": "reg_1", "type": "service_auth", "attempt": ATTEMPT}),
    ("claim-complete-request", "v0.2", {"claim_token": "clm_x", "otp": "123456"}),
    ("claim-complete-request", "v0.5", {"claim_attempt_token": "cvt_1", "user_code": "000042"}),
    ("claim-complete-request", "v0.7-B", {"claim_token": "clm_x", "user_code": "123456"}),
    ("claim-complete-response", "v0.1", {"registration_id": "reg_1", "status": "claimed"}),
    ("claim-complete-response", "v0.3", {"registration_id": "reg_1", "status": "claimed",
                                         "identity_assertion": JWT, "assertion_expires": TS}),
    ("claim-complete-response", "v0.7-B", {"id": "reg_1", "status": "claimed", "identity": NESTED_REFRESH["identity"]}),
    ("token-response", "v0.7-B", {"access_token": "at_1", "token_type": "Bearer", "expires_in": 3600,
                                  "scope": "api.read api.write"}),
    ("token-response", "v0.2", {"access_token": "at_1", "token_type": "bearer"}),
    ("claim-grant-response", "v0.6", {"access_token": "at_1", "token_type": "Bearer", "expires_in": 3600,
                                      "scope": "api.read", "identity_assertion": JWT, "assertion_expires": TS}),
    ("error", "v0.7-B", {"error": "invalid_request", "message": "bad body"}),
    ("error", "v0.6", {"error": "invalid_request"}),  # D10: missing text is a warning, not a schema error
    ("error", "v0.7-B", {"error": "rate_limit_exceeded", "error_description": "slow down", "retry_after": 30}),
    ("oauth-error", "v0.7-B", {"error": "invalid_grant", "error_description": "assertion expired"}),
    ("set-error", "v0.7-B", {"err": "invalid_issuer", "description": "issuer not trusted"}),
    ("id-jag", "v0.7-B", ID_JAG),
    ("id-jag", "v0.4", without(ID_JAG, "auth_time")),  # auth_time required only since v0.5
    ("id-jag", "v0.6", {**without(ID_JAG, "email_verified"), "phone_number_verified": True, "aud": [AS_, RS]}),
    ("id-jag-header", "v0.7-B", {"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "k1"}),
    ("service-assertion", "v0.7-B", {"iss": AS_, "sub": "reg_1", "aud": AS_, "jti": "jti_1", "iat": 1, "exp": 3601}),
    ("set", "v0.7-B", SET),
    ("set-header", "v0.7-B", {"typ": "secevent+jwt", "alg": "ES256", "kid": "k1"}),
    ("set-header", "v0.1", {"typ": "logout+jwt", "alg": "ES256"}),
]


@pytest.mark.parametrize(("name", "profile", "instance"), GOOD)
def test_good_instances_validate(name: str, profile: str | None, instance: Any) -> None:
    assert validate(instance, name, profile) == []


BAD: list[tuple[str, str | None, Any, set[tuple[str, str]]]] = [
    ("prm", None, without(PRM, "resource"), {("", "required")}),
    ("prm", None, with_(PRM, "http://api.service.example.com/", "resource"), {("/resource", "pattern")}),
    ("prm", None, with_(PRM, ["header", "cookie"], "bearer_methods_supported"),
     {("/bearer_methods_supported/1", "enum")}),
    ("prm", None, with_(PRM, AS_, "authorization_servers"), {("/authorization_servers", "type")}),
    ("prm", None, with_(PRM, "https://user:pw@api.example.com/", "resource"), {("/resource", "pattern")}),
    ("as-metadata", "v0.7-B", with_(as_metadata(THREE), ["user_claimed", "anonymous"],
                                    "agent_auth", "identity_types_supported"),
     {("/agent_auth/identity_types_supported/0", "enum")}),
    ("as-metadata", "v0.7-B", with_(as_metadata(THREE), [], "agent_auth", "identity_types_supported"),
     {("/agent_auth/identity_types_supported", "minItems")}),  # D16: empty identity types is an error
    ("as-metadata", "v0.7-B", with_(as_metadata(THREE), "auth.md", "agent_auth", "skill"),
     {("/agent_auth/skill", "pattern")}),  # D29
    ("as-metadata", "v0.7-B", with_(as_metadata(THREE), None, "agent_auth", "identity_endpoint"),
     {("/agent_auth/identity_endpoint", "type")}),  # D13 stub
    ("as-metadata", "v0.7-B", without(as_metadata(THREE), "grant_types_supported"), {("", "required")}),  # D7
    ("as-metadata", "v0.7-B", without(as_metadata(THREE), "agent_auth", "claim_endpoint"),
     {("/agent_auth", "required")}),
    ("as-metadata", "v0.7-B", without(as_metadata(THREE), "agent_auth", "identity_assertion"),
     {("/agent_auth", "required")}),
    ("as-metadata", "v0.7-B", with_(as_metadata(THREE), ["id-jag"], "agent_auth", "identity_assertion",
                                    "assertion_types_supported"),
     {("/agent_auth/identity_assertion/assertion_types_supported/0", "enum"),
      ("/agent_auth/identity_assertion/assertion_types_supported", "contains")}),
    ("as-metadata", "v0.7-B", with_(as_metadata(THREE), ["not a uri"], "agent_auth", "events_supported"),
     {("/agent_auth/events_supported/0", "pattern")}),
    ("as-metadata", "v0.6", as_metadata(THREE), {("/grant_types_supported", "contains")}),  # D17
    ("as-metadata", "v0.4", as_metadata(["anonymous"]), {("/grant_types_supported", "contains")}),
    ("as-metadata", "v0.5", as_metadata(THREE, claim_grant=True),
     {("/agent_auth/identity_types_supported/1", "enum")}),  # service_auth is v0.6+
    ("as-metadata", "v0.1", with_(AS_V01, ["access_token"], "agent_auth", "anonymous", "credential_types_supported"),
     {("/agent_auth/anonymous/credential_types_supported/0", "enum")}),
    ("as-metadata", "v0.1", without(AS_V01, "agent_auth", "register_uri"), {("/agent_auth", "required")}),
    ("registration-request", "v0.7-B", {"type": "anonymous", "extra": 1}, {("/extra", "additionalProperties")}),
    ("registration-request", "v0.7-B", {"type": "magic"}, {("/type", "enum")}),
    ("registration-request", "v0.7-B", {"type": "service_auth"}, {("", "required")}),
    ("registration-request", "v0.7-B", {"type": "service_auth", "login_hint": "ada"}, {("/login_hint", "pattern")}),
    ("registration-request", "v0.6", {"type": "refresh", "refresh_token": "art_1"}, {("/type", "enum")}),
    ("registration-request", "v0.6", {"type": "identity_assertion", "assertion_type": "verified_email",
                                      "assertion": "ada@example.com"},
     {("/assertion_type", "const"), ("/assertion", "pattern")}),  # and an email is not an ID-JAG
    ("registration-request", "v0.3", {"type": "identity_assertion", "assertion_type": "verified_email",
                                      "assertion": "not-an-email"}, {("/assertion", "pattern")}),
    ("registration-request", "v0.1", {"type": "anonymous", "requested_credential_type": "access_token"},
     {("/requested_credential_type", "const")}),
    ("registration-request", "v0.1", {"type": "anonymous"}, {("", "required")}),
    ("registration-response", "v0.7-B", with_(NESTED_IA, {"post_claim": ["api.read"]}, "scopes"),
     {("/scopes", "type")}),  # D27: array for the clean match
    ("registration-response", "v0.7-B", without(NESTED_SVC, "claim", "attempt"), {("/claim", "required")}),
    ("registration-response", "v0.7-B", with_(NESTED_ANON, "tomorrow", "identity", "expires_at"),
     {("/identity/expires_at", "pattern")}),
    ("registration-response", "v0.7-B", with_(NESTED_ANON, "2026-02-30T00:00:00Z", "identity", "expires_at"),
     {("/identity/expires_at", "format")}),
    ("registration-response", "v0.7-B", with_(LOGIN_REQUIRED, "3600", "max_age"), {("/max_age", "type")}),
    ("registration-response", "v0.7-B", {"error": "invalid_request", "message": "x"}, {("/error", "enum")}),
    ("registration-response", "v0.4", FLAT_STEP_UP, {("/registration_type", "enum")}),
    ("registration-response", "v0.4", with_(without(FLAT_SVC, "claim"), "email-verification", "registration_type"),
     {("", "required")}),
    ("registration-response", "v0.5", with_(FLAT_IA, "agent-provider", "registration_type"),
     {("/registration_type", "enum")}),
    ("registration-response", "v0.6", with_(FLAT_SVC, "12345", "claim", "user_code"),
     {("/claim/user_code", "pattern")}),
    ("registration-response", "v0.1", {"registration_id": "reg_1", "registration_type": "anonymous",
                                       "credential_type": "access_token", "credential": "k", "scopes": [],
                                       "claim_url": AS_ + "/agent/auth/claim", "claim_token": "c",
                                       "claim_token_expires": TS, "post_claim_scopes": []},
     {("/credential_type", "const")}),
    ("claim-request", "v0.6", {"claim_token": "clm_x", "email": "ada"}, {("/email", "pattern")}),
    ("claim-request", "v0.6", {"claim_token": "clm_x", "login_hint": "ada@example.com"},
     {("", "required"), ("/login_hint", "additionalProperties")}),
    ("claim-request", "v0.7-A", {"type": "identity_assertion", "claim_token": "clm_x"}, {("", "required")}),
    ("claim-request", "v0.7-A", {"type": "service_auth", "claim_token": "c", "login_hint": "a@b"}, {("/type", "enum")}),
    ("claim-request", "v0.7-B", {"type": "login_hint", "claim_token": "c", "login_hint": "a@b"}, {("/type", "const")}),
    ("claim-response", "v0.6", {"registration_id": "reg_1", "claim_attempt_id": "cla_1", "status": "initiated",
                                "expires_at": TS, "claim_attempt": {**CEREMONY, "user_code": "١٢٣٤٥٦"}},
     {("/claim_attempt/user_code", "pattern")}),  # Arabic-Indic digits are not ASCII digits
    ("claim-response", "v0.7-A", {"registration_id": "reg_1", "status": "claimed"}, {("", "required")}),
    ("claim-response", "v0.7-B", {"id": "reg_1", "type": "service_auth", "attempt": {"verification_uri": "x"}},
     {("/attempt", "required"), ("/attempt/verification_uri", "pattern")}),
    ("claim-complete-request", "v0.7-B", {"claim_token": "clm_x", "user_code": "12a456"}, {("/user_code", "pattern")}),
    ("claim-complete-request", "v0.7-B", {"claim_token": "clm_x", "otp": "123456"},
     {("", "required"), ("/otp", "additionalProperties")}),
    ("claim-complete-response", "v0.7-B", {"id": "reg_1", "status": "claimed",
                                           "identity": {"assertion": JWT, "expires_at": TS}},
     {("/identity", "required")}),
    ("claim-complete-response", "v0.1", {"registration_id": "reg_1", "status": "claimed", "credential": "k"},
     {("", "dependentRequired")}),
    ("token-response", "v0.7-B", {"access_token": "at_1", "token_type": "Bearer", "expires_in": "3600"},
     {("/expires_in", "type")}),
    ("token-response", "v0.7-B", {"token": "at_1", "token_type": "Bearer"}, {("", "required")}),  # IN-THE-WILD P13
    ("token-response", "v0.7-B", {"access_token": "at_1", "token_type": "mac"}, {("/token_type", "pattern")}),
    ("error", "v0.7-B", {"message": "no code"}, {("", "required")}),
    ("oauth-error", "v0.7-B", {"error": "invalid_grant", "error_description": "naïve"},
     {("/error_description", "pattern")}),
    ("set-error", "v0.7-B", {"error": "invalid_request"}, {("", "required")}),
    ("id-jag", "v0.7-B", without(ID_JAG, "exp"), {("", "required")}),  # D21
    ("id-jag", "v0.5", without(ID_JAG, "auth_time"), {("", "required")}),
    ("id-jag", "v0.7-B", with_(ID_JAG, False, "email_verified"), {("", "anyOf")}),
    ("id-jag", "v0.7-B", with_(ID_JAG, [AS_, 5], "aud"), {("/aud/1", "type")}),
    ("id-jag", "v0.7-B", with_(ID_JAG, "1780000000", "iat"), {("/iat", "type")}),
    ("id-jag-header", "v0.7-B", {"typ": "JWT", "alg": "none"}, {("/typ", "const"), ("/alg", "not")}),
    ("service-assertion", "v0.7-B", {"iss": AS_, "sub": "reg_1", "aud": AS_, "jti": "j", "iat": 1},
     {("", "required")}),
    ("set", "v0.7-B", with_(SET, [], "events"), {("/events", "type")}),
    ("set", "v0.7-B", with_(SET, {}, "events"), {("/events", "minProperties")}),
    ("set", "v0.7-B", without(SET, "sub"), {("", "required")}),
    ("set-header", "v0.7-B", {"typ": "logout+jwt", "alg": "ES256"}, {("/typ", "const")}),
]


@pytest.mark.parametrize(("name", "profile", "instance", "expected"), BAD)
def test_bad_instances_report_pointer_and_keyword(name: str, profile: str | None, instance: Any,
                                                  expected: set[tuple[str, str]]) -> None:
    found = validate(instance, name, profile)
    assert {(v.pointer, v.keyword) for v in found} == expected
    assert all(isinstance(v, SchemaViolation) and v.message and v.schema_path for v in found)


def test_identity_type_message_names_the_value_and_the_allowed_set() -> None:
    doc = with_(as_metadata(THREE), ["user_claimed"], "agent_auth", "identity_types_supported")
    (v,) = validate(doc, "as-metadata", "v0.6")
    assert v.pointer == "/agent_auth/identity_types_supported/0"
    assert v.value == '"user_claimed"'  # JSON, as the document wrote it (display.show_value)
    assert '"user_claimed"' in v.message
    assert all(t in v.message for t in ("anonymous", "identity_assertion", "service_auth"))


def test_nested_v07b_response_against_flat_profiles_and_back() -> None:
    assert validate(NESTED_ANON, "registration-response", "v0.7-B") == []
    assert validate(FLAT_ANON, "registration-response", "v0.6") == []
    flat_under_b = validate(FLAT_ANON, "registration-response", "v0.7-B")
    assert ("", "required") in {(v.pointer, v.keyword) for v in flat_under_b}
    nested_under_a = validate(NESTED_ANON, "registration-response", "v0.7-A")
    assert ("", "required") in {(v.pointer, v.keyword) for v in nested_under_a}


def test_discriminated_union_reports_only_the_chosen_branch() -> None:
    # type=service_auth: the message is about login_hint, not about identity_assertion's members.
    found = validate({"type": "service_auth", "assertion": JWT}, "registration-request", "v0.7-B")
    assert {(v.pointer, v.keyword) for v in found} == {("", "required"), ("/assertion", "additionalProperties")}
    assert "login_hint" in found[0].message


def test_unexpected_members_point_at_the_member_in_document_order() -> None:
    found = validate({"type": "anonymous", "b": 1, "a": 2}, "registration-request", "v0.7-B")
    assert [v.pointer for v in found] == ["/a", "/b"]


def test_pointer_escapes_per_rfc_6901() -> None:
    found = validate(with_(SET, {REVOKED: {}, "a/b~c": 1}, "events"), "set", "v0.7-B")
    assert {v.pointer for v in found} >= {"/events/a~1b~0c"}


def test_array_indices_sort_numerically() -> None:
    types = ["anonymous"] * 2 + [f"bad{i}" for i in range(10)]
    doc = with_(as_metadata(THREE), types, "agent_auth", "identity_types_supported")
    pointers = [v.pointer for v in validate(doc, "as-metadata", "v0.7-B") if v.keyword == "enum"]
    assert pointers == [f"/agent_auth/identity_types_supported/{i}" for i in range(2, 12)]


def test_placeholders_are_silent_only_when_allowed() -> None:
    doc = with_(with_(NESTED_ANON, "<service-signed JWT>", "identity", "assertion"), "…", "identity", "expires_at")
    doc = with_(doc, "<seconds>", "claim", "expires_at")
    strict = validate(doc, "registration-response", "v0.7-B")
    assert {v.pointer for v in strict} == {"/identity/assertion", "/identity/expires_at", "/claim/expires_at"}
    assert validate(doc, "registration-response", "v0.7-B", allow_placeholders=True) == []
    # a placeholder does not excuse a missing member
    assert validate(without(doc, "id"), "registration-response", "v0.7-B", allow_placeholders=True)


@pytest.mark.parametrize("value", ["<user email>", "reg_...", "…", "https://x/claim?token=..."])
def test_is_placeholder(value: str) -> None:
    assert schemas.is_placeholder(value)


@pytest.mark.parametrize("value", ["ada@example.com", "reg_1", 5, None])
def test_is_not_placeholder(value: object) -> None:
    assert not schemas.is_placeholder(value)


def test_validate_by_exact_schema_name_ignores_kind_default() -> None:
    assert validate(FLAT_ANON, "registration-response-v0.6-v0.7-A") == []
    assert validate(FLAT_ANON, "registration-response-v0.6-v0.7-A", "v0.7-B") != []


def test_deep_nesting_does_not_raise() -> None:
    deep: Any = "x"
    for _ in range(5000):
        deep = [deep]
    result = validate({"resource": RS, "scopes_supported": deep}, "prm")
    assert result and all(isinstance(v, SchemaViolation) for v in result)
