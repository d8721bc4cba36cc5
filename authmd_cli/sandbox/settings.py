"""What the sandbox needs to know about the service it plays (pure data, no I/O).

`settings_from_metadata` derives every served path from the PRM and AS metadata that
`generate` rendered for the served origin, so the routes are exactly the URLs the documents
advertise (they cannot drift, DESIGN "init = config → rendering functions"). Defaults are
the reference's (SPEC §13.2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from authmd_cli.protocol.profiles import PROFILES, Profile

if TYPE_CHECKING:
    from authmd_cli.site.config import ServiceConfig

SUPPORTED_PROFILES = ("v0.7-B", "v0.7-A")
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
    """Served paths, all taken from the config's URLs (`settings_from_config`): the config holds the
    protocol's default paths, so there is no second copy of them here."""

    prm: str
    as_metadata: str
    auth_md: str
    identity: str
    claim: str
    events: str
    token: str
    revoke: str
    api: str
    jwks: str = "/.well-known/jwks.json"  # the service's own JWKS (SPEC §12-A item 6): not in the config

    @property
    def complete(self) -> str:
        return self.claim.rstrip("/") + "/complete"  # SPEC §6.5: <claim_endpoint>/complete


@dataclass(frozen=True)
class SandboxSettings:
    """What the sandbox plays. The service's facts (scopes, methods, paths, the SPEC §13.2 timings)
    come from the config through `settings_from_config`, whose defaults are the protocol's; only
    the sandbox's own knobs below `skew` have defaults here."""

    profile: Profile
    issuer: str  # AS issuer = the served origin (no trailing slash), also the assertion iss/aud
    resource: str  # PRM `resource`
    service_name: str
    scopes_supported: tuple[str, ...]
    pre_claim_scopes: tuple[str, ...]
    post_claim_scopes: tuple[str, ...]
    methods: frozenset[str]
    trusted: Mapping[str, TrustedProvider]
    paths: Paths
    access_token_ttl: int
    assertion_ttl: int
    claim_window: int
    attempt_ttl: int
    user_code_ttl: int
    interval: int
    refresh_ttl: int
    max_auth_age: int
    step_up: bool  # SPEC §8.5: a verified-email match needs a ceremony; off → refuse
    events: bool  # serve the RFC 8935 SET receiver
    skew: int = 60
    session_ttl: int = 86400
    # SPEC §14 D23: lock an attempt after a few wrong codes; cap re-mints per registration
    max_code_failures: int = 5
    max_attempts: int = 20
    poll_grace: float = 0.5  # jitter allowance before `slow_down` (seconds)
    max_body: int = 64 * 1024
    # Providers the config names without an issuer: auth.md lists them, but no ID-JAG of theirs
    # can be verified here (no issuer, no JWKS); the banner says so rather than drop them.
    named_only: tuple[str, ...] = ()

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


def _path(url: str) -> str:
    return urlsplit(url).path or "/"


def settings_from_config(cfg: ServiceConfig, *, trusted: Mapping[str, TrustedProvider] | None = None,
                         **overrides: Any) -> SandboxSettings:
    """Settings for a config already re-based on the served origin (`cfg.with_origin`). Every
    served path is taken from the same URLs `generate` publishes, so routes and documents agree."""
    from authmd_cli.site.generate import as_metadata_url, prm_url

    profile = check_profile(cfg.profile)
    asrv = cfg.authorization_server
    if asrv is None:
        raise ValueError("serve needs an authorization_server in the config")
    paths = Paths(
        prm=_path(prm_url(cfg)), as_metadata=_path(as_metadata_url(cfg)), auth_md=_path(cfg.skill),
        identity=_path(asrv.identity_endpoint), claim=_path(asrv.claim_endpoint),
        events=_path(asrv.events_endpoint), token=_path(asrv.token_endpoint),
        revoke=_path(asrv.revocation_endpoint), api=cfg.resource_server.example_path,
    )
    trust = {p.issuer: TrustedProvider(p.issuer, p.name)
             for p in cfg.methods.trusted_providers if p.issuer and cfg.methods.identity_assertion}
    trust.update(trusted or {})
    settings = SandboxSettings(
        profile=profile, issuer=asrv.issuer, resource=cfg.resource_server.resource,
        service_name=cfg.service.name, scopes_supported=cfg.scope_names,
        pre_claim_scopes=cfg.pre_claim_scopes or cfg.scope_names[:1],
        post_claim_scopes=cfg.post_claim_scopes or cfg.scope_names,
        methods=frozenset(cfg.methods.enabled), trusted=trust, paths=paths,
        access_token_ttl=cfg.tokens.access_token_ttl, assertion_ttl=cfg.tokens.assertion_ttl,
        claim_window=cfg.ceremony.claim_window, attempt_ttl=cfg.ceremony.attempt_ttl,
        user_code_ttl=cfg.ceremony.user_code_ttl, interval=cfg.ceremony.interval,
        refresh_ttl=cfg.ceremony.refresh_token_ttl, max_auth_age=cfg.id_jag.max_auth_age,
        step_up=cfg.methods.step_up, events=cfg.events,
        named_only=tuple(p.name for p in cfg.methods.trusted_providers
                         if not p.issuer and cfg.methods.identity_assertion),
    )
    return replace(settings, **overrides) if overrides else settings
