"""What the sandbox needs to know about the service it plays (pure data, no I/O).

`settings_from_metadata` derives every served path from the PRM and AS metadata that
`generate` rendered for the served origin, so the routes are exactly the URLs the documents
advertise (they cannot drift, DESIGN "init = config → rendering functions"). Defaults are
the reference's (SPEC §13.2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from authmd_cli.profiles import PROFILES, Profile

SUPPORTED_PROFILES = ("v0.7-B", "v0.7-A")
ALL_METHODS = frozenset({"anonymous", "service_auth", "identity_assertion"})
BUILTIN_PROVIDER_PATH = "/test-provider"  # its issuer is <origin>/test-provider


@dataclass(frozen=True)
class TrustedProvider:
    """A provider on the trust list (SPEC §8.3 step 1, §12 "Trust list"). The display name
    comes from here, never from the ID-JAG (SPEC §7.5)."""

    issuer: str
    name: str
    jwks_uri: str | None = None  # None: <issuer>/.well-known/jwks.json (SPEC §8.3 step 3)
    builtin: bool = False  # keys held by the sandbox itself (no fetch)

    @property
    def resolved_jwks_uri(self) -> str:
        return self.jwks_uri or self.issuer.rstrip("/") + "/.well-known/jwks.json"


@dataclass(frozen=True)
class Paths:
    prm: str = "/.well-known/oauth-protected-resource"
    as_metadata: str = "/.well-known/oauth-authorization-server"
    auth_md: str = "/auth.md"
    jwks: str = "/.well-known/jwks.json"
    identity: str = "/agent/identity"
    claim: str = "/agent/identity/claim"
    events: str = "/agent/event/notify"
    token: str = "/oauth2/token"
    revoke: str = "/oauth2/revoke"
    api: str = "/api/resource"

    @property
    def complete(self) -> str:
        return self.claim.rstrip("/") + "/complete"  # SPEC §6.5: <claim_endpoint>/complete


@dataclass(frozen=True)
class SandboxSettings:
    profile: Profile
    issuer: str  # AS issuer = the served origin (no trailing slash), also the assertion iss/aud
    resource: str  # PRM `resource`
    service_name: str = "Sandbox service"
    scopes_supported: tuple[str, ...] = ("api.read", "api.write")
    pre_claim_scopes: tuple[str, ...] = ("api.read",)
    post_claim_scopes: tuple[str, ...] = ("api.read", "api.write")
    methods: frozenset[str] = ALL_METHODS
    trusted: Mapping[str, TrustedProvider] = field(default_factory=dict)
    paths: Paths = field(default_factory=Paths)
    # SPEC §13.2 reference defaults
    access_token_ttl: int = 3600
    assertion_ttl: int = 3600
    claim_window: int = 86400
    attempt_ttl: int = 600
    user_code_ttl: int = 600
    interval: int = 5
    refresh_ttl: int = 2_592_000
    max_auth_age: int = 3600
    skew: int = 60
    session_ttl: int = 86400
    # SPEC §14 D23: lock an attempt after a few wrong codes; cap re-mints per registration
    max_code_failures: int = 5
    max_attempts: int = 20
    poll_grace: float = 0.5  # jitter allowance before `slow_down` (seconds)
    max_body: int = 64 * 1024

    @property
    def nested(self) -> bool:
        return self.profile.envelope == "nested"

    @property
    def write_scopes(self) -> tuple[str, ...]:
        """Scopes only a claimed registration gets: what the API's POST demands."""
        extra = tuple(s for s in self.post_claim_scopes if s not in self.pre_claim_scopes)
        return extra[:1]

    @property
    def accepted_audiences(self) -> tuple[str, ...]:
        """SPEC §14 D5: `aud` = issuer; the PRM `resource` is also accepted."""
        return tuple(dict.fromkeys([self.issuer, self.issuer + "/", self.resource]))

    @property
    def origin(self) -> str:
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"

    def url(self, path: str) -> str:
        return self.origin + path


def check_profile(label: str) -> Profile:
    if label not in SUPPORTED_PROFILES:
        raise ValueError(f"serve supports profiles {', '.join(SUPPORTED_PROFILES)}, not {label!r}")
    return PROFILES[label]


def _path(url: Any, default: str) -> str:
    if not isinstance(url, str) or not url:
        return default
    path = urlsplit(url).path
    return path or "/"


def _prm_path(resource: str) -> str:
    """RFC 9728 §3.1: insert the well-known suffix between host and path."""
    path = urlsplit(resource).path
    path = "" if path == "/" else path.rstrip("/") if path.endswith("/") else path
    return "/.well-known/oauth-protected-resource" + path


def settings_from_metadata(profile_label: str, prm: Mapping[str, Any], as_meta: Mapping[str, Any], *,
                           service_name: str | None = None, api_path: str | None = None,
                           pre_claim_scopes: tuple[str, ...] | None = None,
                           post_claim_scopes: tuple[str, ...] | None = None,
                           trusted: Mapping[str, TrustedProvider] | None = None,
                           **overrides: Any) -> SandboxSettings:
    """Build settings from the documents the sandbox serves (rendered for its own origin)."""
    profile = check_profile(profile_label)
    agent = as_meta.get("agent_auth") or {}
    issuer = str(as_meta.get("issuer", "")).rstrip("/")
    resource = str(prm.get("resource", issuer + "/"))
    scopes = tuple(str(s) for s in prm.get("scopes_supported") or as_meta.get("scopes_supported") or ())
    paths = Paths(
        prm=_prm_path(resource),
        identity=_path(agent.get("identity_endpoint"), Paths.identity),
        claim=_path(agent.get("claim_endpoint"), Paths.claim),
        events=_path(agent.get("events_endpoint"), Paths.events),
        token=_path(as_meta.get("token_endpoint"), Paths.token),
        revoke=_path(as_meta.get("revocation_endpoint"), Paths.revoke),
        auth_md=_path(agent.get("skill"), Paths.auth_md),
        api=api_path or Paths.api,
    )
    methods = frozenset(str(m) for m in agent.get("identity_types_supported") or ()) & ALL_METHODS
    base = SandboxSettings(profile=profile, issuer=issuer, resource=resource, paths=paths,
                           methods=methods or ALL_METHODS, trusted=dict(trusted or {}))
    if service_name or prm.get("resource_name"):
        base = replace(base, service_name=str(service_name or prm.get("resource_name")))
    if scopes:
        base = replace(base, scopes_supported=scopes, post_claim_scopes=post_claim_scopes or scopes,
                       pre_claim_scopes=pre_claim_scopes or scopes[:1])
    return replace(base, **overrides) if overrides else base
