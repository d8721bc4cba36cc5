"""What each protocol profile has: the one source of truth in code (SPEC §1.2, §5.3, §6, §11, §14 D1).

Rules, schemas selection, `init` and `serve` read these tables; nothing else hard-codes a
version difference. Labels are exactly those of SPEC §14 D1.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

ID_JAG_URN = "urn:ietf:params:oauth:token-type:id-jag"
JWT_BEARER_URN = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CLAIM_GRANT_URN = "urn:workos:agent-auth:grant-type:claim"
REVOKED_EVENT_URI = "https://schemas.workos.com/events/agent/auth/identity/assertion/revoked"

LATEST = "v0.7-B"
NO_REGISTRATION = "no-registration"
ALIASES = {"latest": LATEST, "v0.7.0-b": "v0.7-B", "v0.7.0-a": "v0.7-A", "v0.7.1": "v0.7-A"}


@dataclass(frozen=True)
class Profile:
    label: str
    order: int  # chronological rank; v0.7-A and v0.7-B share a rank (siblings, SPEC §1.1)
    registration_path: str | None  # "/agent/identity"
    claim_path: str | None
    events_path: str | None  # SET receiver (or the v0.1-v0.2 logout receiver)
    # agent_auth members the profile defines (SPEC §5.3)
    agent_auth_keys: frozenset[str] = frozenset()
    # identity endpoint key name in agent_auth ("register_uri" in v0.1)
    identity_key: str = "identity_endpoint"
    claim_key: str = "claim_endpoint"
    events_key: str | None = "events_endpoint"
    identity_types: frozenset[str] = frozenset()
    assertion_types: frozenset[str] = frozenset()
    grant_types: frozenset[str] = frozenset()  # grants the token endpoint takes
    has_token_endpoint: bool = True
    ceremony: str = "complete"  # "otp" (v0.1-v0.3), "poll" (v0.4-v0.7-A), "complete" (v0.7-B)
    envelope: str = "flat"  # "v0.1", "flat", "nested"
    has_refresh: bool = False
    has_step_up: bool = False  # interaction_required / login_required (v0.5+)
    # closed code sets per endpoint (SPEC §11, §14 D9): documented ∪ emitted
    errors_registration: frozenset[str] = frozenset()
    errors_claim: frozenset[str] = frozenset()
    errors_complete: frozenset[str] = frozenset()
    errors_token: frozenset[str] = frozenset()
    # codes a well-formed Errors table of this profile lists (the canonical file's table)
    errors_table_expected: frozenset[str] = frozenset()
    sections: tuple[str, ...] = ()  # expected section ids, in order (claim only when offered)
    top_level_oauth: bool = True  # RFC 8414 top-level fields exist (v0.2+)

    @property
    def all_error_codes(self) -> frozenset[str]:
        return self.errors_registration | self.errors_claim | self.errors_complete | self.errors_token

    def newer_than(self, other: Profile) -> bool:
        return self.order > other.order


# SPEC §8.4: the codes `/agent/identity` (and v0.7-A `/claim`) answers when ID-JAG verification
# fails, valid in every profile (the Errors table may fold them into `invalid_request`).
IDJAG_CODES: frozenset[str] = frozenset({
    "invalid_issuer", "invalid_signature", "expired", "replay_detected", "invalid_audience",
    "invalid_client_id", "missing_verified_email", "invalid_request",
})
# ... plus `issuer_not_enabled`, which SPEC §14 D9 keeps valid beside `invalid_issuer`.
_IDJAG_CODES = IDJAG_CODES | {"issuer_not_enabled"}
_TOKEN_BASE = frozenset({"invalid_request", "invalid_grant", "invalid_client", "unsupported_grant_type"})
_TOKEN_POLL = _TOKEN_BASE | {"authorization_pending", "expired_token", "slow_down", "access_denied"}
_AGENT_AUTH_V06 = frozenset({
    "skill", "identity_endpoint", "claim_endpoint", "events_endpoint", "identity_types_supported",
    "identity_assertion", "events_supported",
})
_SECTIONS_V02 = ("discover", "pick-a-method", "register", "claim", "exchange", "use", "errors", "revocation")


def _profile_table() -> dict[str, Profile]:
    p: dict[str, Profile] = {}
    reg_v01 = frozenset({
        "invalid_request", "anonymous_not_enabled", "verified_email_not_enabled", "issuer_not_enabled",
        "unsupported_credential_type", "invalid_signature", "replay_detected", "audience_mismatch",
        "credential_expired", "rate_limited",
    }) | _IDJAG_CODES
    otp_claim = frozenset({"invalid_request", "invalid_claim_token", "claimed_or_in_flight", "claim_expired",
                           "rate_limited"})
    otp_complete = frozenset({"invalid_request", "invalid_claim_token", "previously_claimed", "claim_expired",
                              "otp_invalid", "otp_expired", "otp_not_generated", "claim_superseded",
                              "claim_completed"})
    p["v0.1"] = Profile(
        label="v0.1", order=1, registration_path="/agent/auth", claim_path="/agent/auth/claim",
        events_path="/agent/auth/revoke",
        agent_auth_keys=frozenset({"skill", "register_uri", "claim_uri", "revocation_uri",
                                   "identity_types_supported", "anonymous", "identity_assertion",
                                   "events_supported"}),
        identity_key="register_uri", claim_key="claim_uri", events_key="revocation_uri",
        identity_types=frozenset({"anonymous", "identity_assertion"}),
        assertion_types=frozenset({ID_JAG_URN, "verified_email"}),
        grant_types=frozenset(), has_token_endpoint=False, ceremony="otp", envelope="v0.1",
        errors_registration=reg_v01, errors_claim=otp_claim, errors_complete=otp_complete,
        errors_table_expected=frozenset({"invalid_request", "anonymous_not_enabled", "issuer_not_enabled",
                                         "invalid_signature", "invalid_claim_token", "claim_expired",
                                         "otp_invalid", "rate_limited"}),
        sections=("discover", "pick-a-method", "register", "claim", "use", "errors"),
        top_level_oauth=False,
    )
    reg_v02 = (reg_v01 - {"unsupported_credential_type", "audience_mismatch", "credential_expired"})
    common_v02 = dict(
        registration_path="/agent/identity", claim_path="/agent/identity/claim",
        identity_types=frozenset({"anonymous", "identity_assertion"}),
        assertion_types=frozenset({ID_JAG_URN, "verified_email"}),
        errors_claim=otp_claim, errors_complete=otp_complete,
        sections=_SECTIONS_V02,
    )
    table_v02 = frozenset({"invalid_request", "anonymous_not_enabled", "issuer_not_enabled",
                           "invalid_claim_token", "claim_expired", "otp_invalid", "invalid_grant",
                           "rate_limited"})
    p["v0.2"] = Profile(
        label="v0.2", order=2, events_path="/agent/auth/revoke",
        agent_auth_keys=frozenset({"skill", "identity_endpoint", "claim_endpoint", "revocation_uri",
                                   "identity_types_supported", "identity_assertion", "events_supported"}),
        events_key="revocation_uri", grant_types=frozenset({JWT_BEARER_URN}), ceremony="otp",
        errors_registration=reg_v02, errors_token=_TOKEN_BASE, errors_table_expected=table_v02,
        **common_v02,  # type: ignore[arg-type]
    )
    agent_auth_v03 = frozenset({"skill", "identity_endpoint", "claim_endpoint", "events_endpoint",
                                "identity_types_supported", "identity_assertion", "events_supported"})
    p["v0.3"] = Profile(
        label="v0.3", order=3, events_path="/agent/event/notify", agent_auth_keys=agent_auth_v03,
        grant_types=frozenset({JWT_BEARER_URN}), ceremony="otp",
        errors_registration=reg_v02, errors_token=_TOKEN_BASE, errors_table_expected=table_v02,
        **common_v02,  # type: ignore[arg-type]
    )
    poll_claim = frozenset({"invalid_request", "invalid_claim_token", "claimed_or_in_flight", "claim_expired",
                            "rate_limited"})
    # v0.4+: the agent never calls /complete (it is the user's form); its codes are HTML-only.
    poll_complete = frozenset({"user_code_invalid", "user_code_expired", "claim_expired", "previously_claimed"})
    table_poll = frozenset({"invalid_request", "anonymous_not_enabled", "issuer_not_enabled",
                            "invalid_claim_token", "claim_expired", "claimed_or_in_flight",
                            "authorization_pending", "expired_token", "slow_down", "invalid_grant",
                            "rate_limited"})
    common_poll = dict(
        registration_path="/agent/identity", claim_path="/agent/identity/claim",
        events_path="/agent/event/notify", agent_auth_keys=agent_auth_v03,
        grant_types=frozenset({JWT_BEARER_URN, CLAIM_GRANT_URN}), ceremony="poll",
        errors_claim=poll_claim, errors_complete=poll_complete, errors_token=_TOKEN_POLL,
        sections=_SECTIONS_V02,
    )
    p["v0.4"] = Profile(
        label="v0.4", order=4, identity_types=frozenset({"anonymous", "identity_assertion"}),
        assertion_types=frozenset({ID_JAG_URN, "verified_email"}),
        errors_registration=reg_v02, errors_table_expected=table_poll,
        **common_poll,  # type: ignore[arg-type]
    )
    reg_v05 = reg_v02 | {"interaction_required", "login_required"}
    table_v05 = table_poll | {"interaction_required", "login_required"}
    p["v0.5"] = Profile(
        label="v0.5", order=5, identity_types=frozenset({"anonymous", "identity_assertion"}),
        assertion_types=frozenset({ID_JAG_URN, "verified_email"}), has_step_up=True,
        errors_registration=reg_v05, errors_table_expected=table_v05,
        **common_poll,  # type: ignore[arg-type]
    )
    reg_v06 = (reg_v05 - {"verified_email_not_enabled"}) | {"service_auth_not_enabled", "invalid_login_hint"}
    table_v06 = (table_v05 | {"service_auth_not_enabled"})
    three_types = frozenset({"anonymous", "identity_assertion", "service_auth"})
    p["v0.6"] = Profile(
        label="v0.6", order=6, identity_types=three_types, assertion_types=frozenset({ID_JAG_URN}),
        has_step_up=True, errors_registration=reg_v06, errors_table_expected=table_v06,
        **{**common_poll, "agent_auth_keys": _AGENT_AUTH_V06},  # type: ignore[arg-type]
    )
    p["v0.7-A"] = Profile(
        label="v0.7-A", order=7, identity_types=three_types, assertion_types=frozenset({ID_JAG_URN}),
        has_step_up=True, errors_registration=reg_v06,
        errors_table_expected=table_v06,
        **{**common_poll, "agent_auth_keys": _AGENT_AUTH_V06,  # type: ignore[arg-type]
           "errors_claim": poll_claim | {"invalid_login_hint", "ceremony_in_flight", "previously_claimed"}
           | _IDJAG_CODES | {"login_required"}},
    )
    reg_v07b = (reg_v06 - {"anonymous_not_enabled", "service_auth_not_enabled", "rate_limited"}) | {
        "anonymous_registration_disabled", "service_auth_registration_disabled", "invalid_refresh_token",
        "rate_limit_exceeded",
    }
    p["v0.7-B"] = Profile(
        label="v0.7-B", order=7, registration_path="/agent/identity", claim_path="/agent/identity/claim",
        events_path="/agent/event/notify", agent_auth_keys=_AGENT_AUTH_V06,
        identity_types=three_types, assertion_types=frozenset({ID_JAG_URN}),
        grant_types=frozenset({JWT_BEARER_URN}), ceremony="complete", envelope="nested", has_refresh=True,
        has_step_up=True, errors_registration=reg_v07b,
        errors_claim=frozenset({"invalid_request", "invalid_claim_token", "claim_expired", "already_claimed",
                                "invalid_login_hint", "claim_revoked", "too_many_attempts",
                                "auth_method_disabled", "rate_limit_exceeded"}),
        errors_complete=frozenset({"invalid_request", "invalid_claim", "invalid_claim_token",
                                   "claim_not_confirmed", "invalid_user_code", "user_code_expired",
                                   "already_claimed", "claim_expired", "claim_denied", "auth_method_disabled",
                                   "rate_limit_exceeded"}),
        errors_token=_TOKEN_BASE,
        errors_table_expected=frozenset({
            "invalid_request", "anonymous_registration_disabled", "service_auth_registration_disabled",
            "issuer_not_enabled", "interaction_required", "login_required", "invalid_login_hint",
            "invalid_refresh_token", "invalid_claim_token", "claim_expired", "already_claimed",
            "claim_not_confirmed", "invalid_user_code", "user_code_expired", "invalid_grant",
            "rate_limit_exceeded",
        }),
        sections=_SECTIONS_V02,
    )
    p[NO_REGISTRATION] = Profile(
        label=NO_REGISTRATION, order=0, registration_path=None, claim_path=None, events_path=None,
        has_token_endpoint=False, sections=(), top_level_oauth=False,
    )
    return p


PROFILES: dict[str, Profile] = _profile_table()
# Chronological list of the versioned profiles (no-registration is not a version).
VERSIONED: tuple[str, ...] = ("v0.1", "v0.2", "v0.3", "v0.4", "v0.5", "v0.6", "v0.7-A", "v0.7-B")
ALL_LABELS: tuple[str, ...] = (*VERSIONED, NO_REGISTRATION)


def range_label(labels: Iterable[str]) -> str:
    """Profiles as chronological runs: `v0.1`, `v0.4–v0.7-A`, `v0.3+` (a run that reaches the newest
    profile, as SPEC §14 writes "v0.6+"), runs joined by ", "; "?" for none."""
    idx = sorted({VERSIONED.index(x) for x in labels if x in VERSIONED})
    if not idx:
        return "?"
    runs: list[tuple[int, int]] = []
    for i in idx:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    last = len(VERSIONED) - 1
    return ", ".join(VERSIONED[a] if a == b else f"{VERSIONED[a]}+" if b == last else f"{VERSIONED[a]}–{VERSIONED[b]}"
                     for a, b in runs)


def resolve(label: str) -> Profile:
    """Profile by label or alias; raises KeyError with the valid names."""
    key = ALIASES.get(label.strip().lower(), label.strip())
    for name, prof in PROFILES.items():
        if name.lower() == key.lower():
            return prof
    raise KeyError(f"unknown profile {label!r} (known: {', '.join(ALL_LABELS)}, latest)")


# ------------------------------------------------------------------ renames (SPEC §1.2)


@dataclass(frozen=True)
class Rename:
    old: str
    new: str | None  # None: removed without successor
    introduced: str  # first profile without the old name
    note: str = ""


# Keyed by the old construct as it appears in JSON (member names, enum values, error codes).
RENAMES: dict[str, Rename] = {
    r.old: r
    for r in (
        Rename("register_uri", "identity_endpoint", "v0.2", "registration moved to /agent/identity"),
        Rename("claim_uri", "claim_endpoint", "v0.2"),
        Rename("revocation_uri", "events_endpoint", "v0.3",
               "the successor is the RFC 8935 SET receiver `events_endpoint`, not the RFC 7009 "
               "`revocation_endpoint` (docs/protocol.md D30)"),
        Rename("credential_types_supported", None, "v0.2",
               "credentials now come from the token endpoint (jwt-bearer exchange)"),
        Rename("requested_credential_type", None, "v0.2"),
        Rename("credential_type", None, "v0.2"),
        Rename("credential_expires", None, "v0.2"),
        Rename("unsupported_credential_type", None, "v0.2"),
        Rename("verified_email", "service_auth", "v0.6",
               "the email path is the top-level `service_auth` type with `login_hint`"),
        Rename("email-verification", "service_auth", "v0.6"),
        Rename("agent-provider", "identity_assertion", "v0.5"),
        Rename("verified_email_not_enabled", "service_auth_not_enabled", "v0.6"),
        Rename("service_auth_not_enabled", "service_auth_registration_disabled", "v0.7-B"),
        Rename("anonymous_not_enabled", "anonymous_registration_disabled", "v0.7-B"),
        Rename("claimed_or_in_flight", "already_claimed", "v0.7-B"),
        Rename("previously_claimed", "already_claimed", "v0.7-B"),
        Rename("rate_limited", "rate_limit_exceeded", "v0.7-B"),
        Rename("otp_invalid", "invalid_user_code", "v0.4", "the OTP claim became a user_code ceremony"),
        Rename("otp_expired", "user_code_expired", "v0.4"),
        Rename(CLAIM_GRANT_URN, None, "v0.7-B",
               "v0.7-B removed the polling claim grant: the agent completes at "
               "`<claim_endpoint>/complete` with the user_code the user reads back"),
        Rename("registration_id", "id", "v0.7-B", "v0.7-B nests the response envelope"),
        Rename("identity_assertion_expires", "identity.expires_at", "v0.7-B"),
        # Added for generation detection / GN rules (SPEC §1.2, §1.3 addendum, §6.1-§6.5).
        Rename("/agent/auth", "/agent/identity", "v0.2", "registration moved to /agent/identity and now returns "
               "an identity assertion; credentials come from the token endpoint"),
        Rename("/agent/auth/claim", "/agent/identity/claim", "v0.2"),
        Rename("/agent/auth/revoke", "/agent/event/notify", "v0.3",
               "provider revocation is an RFC 8417 SET pushed per RFC 8935 to `events_endpoint`"),
        Rename("registration_endpoint", "identity_endpoint", "v0.2",
               "`agent_auth.registration_endpoint` was a transitional pre-v0.2 key; a top-level "
               "`registration_endpoint` is RFC 7591 client registration, a different protocol"),
        Rename("otp", "user_code", "v0.4", "the emailed OTP became a user_code ceremony"),
        Rename("logout+jwt", "secevent+jwt", "v0.3", "provider revocation uses RFC 8417 SETs"),
        Rename("assertion_expires", "identity.expires_at", "v0.7-B", "v0.7-B nests the response envelope"),
        Rename("claim_url", "claim.url", "v0.7-B", "v0.7-B nests the response envelope"),
        Rename("claim_token_expires", "claim.expires_at", "v0.7-B", "v0.7-B nests the response envelope"),
        Rename("pre_claim_scopes", "scopes.pre_claim", "v0.7-B", "v0.7-B nests the response envelope"),
        Rename("post_claim_scopes", "scopes.post_claim", "v0.7-B", "v0.7-B nests the response envelope"),
        Rename("registration_type", "type", "v0.7-B", "v0.7-B nests the response envelope"),
        Rename("claim_attempt", "attempt", "v0.7-B", "v0.7-B reveals the code on the page; the agent "
               "completes at `<claim_endpoint>/complete`"),
        Rename("interval", None, "v0.7-B", "v0.7-B does not poll: the agent completes the claim with the "
               "user_code the user reads back"),
    )
}


@dataclass(frozen=True)
class Dialect:
    label: str
    description: str
    signals: tuple[str, ...] = field(default=())


# IN-THE-WILD §3. `authkit` is not a dialect of its own: it is profile v0.7-B (hosted variant).
DIALECTS: dict[str, Dialect] = {
    d.label: d
    for d in (
        Dialect("noform", "NoForm-style vocabulary: user_claimed / agent_verified identity types",
                ("user_claimed", "agent_verified", "user_claimed_supported", "complete_uri", "verify_uri",
                 "introspection_uri", "urn:auth.md:user_claimed")),
        Dialect("vendor-claim-grant", "reference-like wire with a vendor claim-polling grant URN", ()),
        Dialect("extension-block", "an object-valued agent_auth member the protocol does not define", ()),
        Dialect("templated", "extended vocabulary with RFC 6570 templates in endpoint values",
                ("rekey_uri", "documentation_uri", "registration_methods")),
    )
}

# Marketing names and short forms → wire values (IN-THE-WILD P3).
IDENTITY_TYPE_SUGGESTIONS: dict[str, str] = {
    "agent_verified": "identity_assertion",
    "agent-verified": "identity_assertion",
    "user_claimed": "anonymous or service_auth",
    "user-claimed": "anonymous or service_auth",
    "verified_email": "service_auth (verified_email was an assertion type of v0.1-v0.5)",
    "email": "service_auth",
    "id-jag": "identity_assertion",
    "id_jag": "identity_assertion",
    "none": "(omit agent_auth and use the no-registration profile)",
}
