"""Member vocabularies of the discovery documents (pure data, no imports beyond profiles).

What counts as a *known* member of PRM, AS metadata and the `agent_auth` block, which members
are URLs and what role each endpoint plays. Version differences are not encoded here: the
`agent_auth` member sets come from `profiles.PROFILES` (the one source of truth, SPEC §5.3).
"""

from __future__ import annotations

from authmd_cli.protocol.profiles import PROFILES, RENAMES

# RFC 9728 §2 (all registered members) plus the auth.md profile extension `resource_logo_uri`
# (SPEC §4.2, §12-A 19, §14 D15: never flagged).
PRM_MEMBERS: frozenset[str] = frozenset({
    "resource", "authorization_servers", "jwks_uri", "scopes_supported", "bearer_methods_supported",
    "resource_signing_alg_values_supported", "resource_name", "resource_documentation",
    "resource_policy_uri", "resource_tos_uri", "tls_client_certificate_bound_access_tokens",
    "authorization_details_types_supported", "dpop_signing_alg_values_supported",
    "dpop_bound_access_tokens_required", "signed_metadata", "resource_logo_uri",
})

# RFC 8414 §2 and the members later registered in the IANA "OAuth Authorization Server
# Metadata" registry (RFC 8628, 8705, 9101, 9126, 9207, 9449, 9728 §4, OpenID Connect
# Discovery / Session / Logout / CIBA). An AS document may also echo the PRM (SPEC §5.2).
AS_MEMBERS: frozenset[str] = frozenset({
    # RFC 8414 §2
    "issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint",
    "scopes_supported", "response_types_supported", "response_modes_supported", "grant_types_supported",
    "token_endpoint_auth_methods_supported", "token_endpoint_auth_signing_alg_values_supported",
    "service_documentation", "ui_locales_supported", "op_policy_uri", "op_tos_uri", "revocation_endpoint",
    "revocation_endpoint_auth_methods_supported", "revocation_endpoint_auth_signing_alg_values_supported",
    "introspection_endpoint", "introspection_endpoint_auth_methods_supported",
    "introspection_endpoint_auth_signing_alg_values_supported", "code_challenge_methods_supported",
    "signed_metadata",
    # later registrations
    "device_authorization_endpoint", "tls_client_certificate_bound_access_tokens", "mtls_endpoint_aliases",
    "require_signed_request_object", "pushed_authorization_request_endpoint",
    "require_pushed_authorization_requests", "authorization_response_iss_parameter_supported",
    "dpop_signing_alg_values_supported", "protected_resources", "authorization_details_types_supported",
    "introspection_signing_alg_values_supported", "introspection_encryption_alg_values_supported",
    "introspection_encryption_enc_values_supported", "authorization_signing_alg_values_supported",
    "authorization_encryption_alg_values_supported", "authorization_encryption_enc_values_supported",
    "client_id_metadata_document_supported",
    # OpenID Connect Discovery 1.0 §3 and friends (an `openid-configuration` read as AS metadata)
    "userinfo_endpoint", "acr_values_supported", "subject_types_supported",
    "id_token_signing_alg_values_supported", "id_token_encryption_alg_values_supported",
    "id_token_encryption_enc_values_supported", "userinfo_signing_alg_values_supported",
    "userinfo_encryption_alg_values_supported", "userinfo_encryption_enc_values_supported",
    "request_object_signing_alg_values_supported", "request_object_encryption_alg_values_supported",
    "request_object_encryption_enc_values_supported", "display_values_supported", "claim_types_supported",
    "claims_supported", "claims_locales_supported", "claims_parameter_supported",
    "request_parameter_supported", "request_uri_parameter_supported", "require_request_uri_registration",
    "check_session_iframe", "end_session_endpoint", "frontchannel_logout_supported",
    "frontchannel_logout_session_supported", "backchannel_logout_supported",
    "backchannel_logout_session_supported", "backchannel_authentication_endpoint",
    "backchannel_token_delivery_modes_supported",
    "backchannel_authentication_request_signing_alg_values_supported",
    "backchannel_user_code_parameter_supported", "prompt_values_supported",
    # the auth.md block itself
    "agent_auth",
}) | PRM_MEMBERS

# Every `agent_auth` member any profile defines (SPEC §5.3), plus the transitional pre-v0.2
# `registration_endpoint` (SPEC §1.3 addendum). Legacy and foreign-generation names are the
# generations family's business; here they are simply "known".
AGENT_AUTH_MEMBERS: frozenset[str] = frozenset().union(
    *(p.agent_auth_keys for p in PROFILES.values())
) | {"registration_endpoint"}

# Members of the per-type objects (`agent_auth.identity_assertion`, v0.1 `agent_auth.anonymous`).
TYPE_OBJECT_MEMBERS: dict[str, frozenset[str]] = {
    "identity_assertion": frozenset({"assertion_types_supported", "credential_types_supported"}),
    "anonymous": frozenset({"credential_types_supported"}),
}

# Old names that the generations family reports (SPEC §1.2); never "unknown" here.
LEGACY_NAMES: frozenset[str] = frozenset(RENAMES)

# Endpoint members and their role (SPEC §5.2, §5.3; IN-THE-WILD P5). Aliases of one role
# (`register_uri` / `identity_endpoint`) share it: their agreement is a generations matter (D30).
AGENT_AUTH_ENDPOINTS: dict[str, str] = {
    "identity_endpoint": "registration", "register_uri": "registration", "registration_endpoint": "registration",
    "claim_endpoint": "claim", "claim_uri": "claim",
    "events_endpoint": "events", "revocation_uri": "events",
}
TOP_ENDPOINTS: dict[str, str] = {
    "token_endpoint": "token", "revocation_endpoint": "token-revocation",
    "authorization_endpoint": "authorization", "registration_endpoint": "client-registration",
    "introspection_endpoint": "introspection", "device_authorization_endpoint": "device-authorization",
    "pushed_authorization_request_endpoint": "par", "userinfo_endpoint": "userinfo",
    "end_session_endpoint": "end-session", "backchannel_authentication_endpoint": "ciba",
}
# URL-valued members that are identifiers or documents rather than endpoints.
TOP_URL_MEMBERS: frozenset[str] = frozenset({"issuer", "resource", "jwks_uri"})

# Flattened stand-ins for the nested form (IN-THE-WILD P4).
FLATTENED: dict[str, str] = {
    "identity_assertion_supported": "identity_assertion",
    "anonymous_supported": "anonymous",
    "service_auth_supported": "service_auth",
}

# Keys invented by readiness-scanner advice (IN-THE-WILD §1) → the real member.
INVENTED: dict[str, str] = {
    "supported_identity_types": "identity_types_supported",
    "identity_types": "identity_types_supported",
    "claims_url": "claim_endpoint",
    "claim_url": "claim_endpoint",
    "revocation_url": "events_endpoint",
    "identity_url": "identity_endpoint",
    "registration_url": "identity_endpoint",
}

# Top-level AS members that sometimes land inside `agent_auth` (IN-THE-WILD P4).
TOP_LEVEL_ONLY: frozenset[str] = frozenset({
    "issuer", "token_endpoint", "revocation_endpoint", "grant_types_supported",
})
