"""What discovery gives a flow: the `Target` (pure).

The flows need a handful of facts about the service — its endpoints, the AS `issuer` (the
ID-JAG `aud`, SPEC §14 D5), the PRM `resource` (the `resource` claim and the API to call), what
the consent gate shows (SPEC §3.5), the methods and grants on offer, and the generation, which
picks the envelope and the claim ceremony (SPEC §1.2, §7.3). Discovery itself (the walk, its
transport rules and findings) belongs to `probe`; the CLI hands its result to
`target_from_documents`, which only reads the two documents. A pinned `--profile` wins over
detection (SPEC §14 D1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from authmd_cli.agent.wire import Request, Response
from authmd_cli.protocol.profiles import CLAIM_GRANT_URN, ID_JAG_URN, LATEST, PROFILES, resolve

# An advertised grant that polls a claim (IN-THE-WILD §3 `vendor-claim-grant`: a private URN whose
# last segment names the claim, e.g. `urn:<vendor>:params:oauth:grant-type:claim_token`).
_CLAIM_GRANT_TAILS = ("grant-type:claim", "grant-type:claim_token")


class TargetError(ValueError):
    """The documents do not describe anything a flow can run against (message says why)."""


@dataclass(frozen=True)
class Target:
    issuer: str
    identity_endpoint: str
    profile: str  # a SPEC §14 D1 label
    profile_origin: str  # pinned | detected | default
    resource: str | None = None
    resource_name: str | None = None
    logo_uri: str | None = None
    scopes_supported: tuple[str, ...] = ()
    api_url: str | None = None
    token_endpoint: str | None = None
    revocation_endpoint: str | None = None
    claim_endpoint: str | None = None
    events_endpoint: str | None = None
    identity_types: tuple[str, ...] = ()
    assertion_types: tuple[str, ...] = ()
    grant_types: tuple[str, ...] = ()
    claim_grant: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ceremony(self) -> str:
        """complete (v0.7-B read-back) | poll (v0.4-v0.7-A) | otp (v0.1-v0.3), SPEC §7.3."""
        return PROFILES[self.profile].ceremony

    @property
    def envelope(self) -> str:
        return PROFILES[self.profile].envelope

    @property
    def nested(self) -> bool:
        return self.envelope == "nested"

    @property
    def has_refresh(self) -> bool:
        return PROFILES[self.profile].has_refresh

    @property
    def has_step_up(self) -> bool:
        return PROFILES[self.profile].has_step_up

    @property
    def complete_endpoint(self) -> str | None:
        """SPEC §6.5: `<claim_endpoint>/complete` (agent-facing in v0.1-v0.3 and v0.7-B)."""
        return self.claim_endpoint.rstrip("/") + "/complete" if self.claim_endpoint else None

    def offers(self, method: str) -> bool:
        """Advertised in `identity_types_supported` (SPEC §3.4: for anonymous and service_auth the
        list is informational from v0.6, so an absent list offers everything)."""
        return not self.identity_types or method in self.identity_types


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def claim_grant_of(grants: Sequence[str]) -> str | None:
    if CLAIM_GRANT_URN in grants:
        return CLAIM_GRANT_URN
    return next((g for g in grants if g.startswith("urn:") and g.endswith(_CLAIM_GRANT_TAILS)), None)


@dataclass(frozen=True)
class Discovered:
    """What discovery hands the flows: the documents an agent acts on and the requests that fetched
    them (for the report). `probe`'s walk produces it (the CLI adapts it, agent and probe being
    siblings); tests may build one by hand."""

    as_url: str
    as_meta: Mapping[str, Any] | None
    prm: Mapping[str, Any] | None = None
    api_url: str | None = None
    profile: str | None = None  # the generation the documents show (SPEC §14 D2), None: no signal
    reachable: bool = True
    trace: tuple[tuple[Request, Response], ...] = ()
    as_problem: str | None = None  # why the fetched AS metadata is unusable (not valid JSON, …), if it is


def target_from_documents(prm: Mapping[str, Any] | None, as_meta: Mapping[str, Any], *, as_url: str,
                          api_url: str | None = None, pinned: str | None = None,
                          detected: str | None = None) -> Target:
    """Build the Target from the documents discovery fetched (already parsed) and the generation it
    detected. Raises `TargetError` when no flow can run."""
    agent_auth = as_meta.get("agent_auth")
    if not isinstance(agent_auth, Mapping):
        raise TargetError("the authorization server metadata has no agent_auth block: this service offers no "
                          "agent registration")
    notes: list[str] = []
    identity = _str(agent_auth.get("identity_endpoint"))
    if identity is None and _str(agent_auth.get("register_uri")):
        identity = _str(agent_auth.get("register_uri"))
        notes.append("registration endpoint taken from the v0.1 member register_uri")
    if identity is None:
        raise TargetError("agent_auth has no identity_endpoint: there is nowhere to register")
    claim = _str(agent_auth.get("claim_endpoint")) or _str(agent_auth.get("claim_uri"))
    if _str(agent_auth.get("claim_endpoint")) and _str(agent_auth.get("claim_uri")):
        notes.append("claim_uri is a legacy alias of claim_endpoint; claim_endpoint is used")
    issuer = _str(as_meta.get("issuer")) or _origin(as_url)
    if pinned:
        try:
            profile, origin = resolve(pinned).label, "pinned"
        except KeyError as exc:
            raise TargetError(str(exc.args[0])) from None
    elif detected in PROFILES:
        profile, origin = str(detected), "detected"
    else:
        profile, origin = LATEST, "default"
    if profile not in PROFILES or PROFILES[profile].registration_path is None:
        raise TargetError(f"profile {profile} has no registration to simulate")
    grants = _strs(as_meta.get("grant_types_supported"))
    claim_grant = claim_grant_of(grants)
    if claim_grant and claim_grant != CLAIM_GRANT_URN:
        notes.append(f"the service advertises a private claim-polling grant {claim_grant}; it is used")
    ia = agent_auth.get("identity_assertion")
    assertion_types = _strs(ia.get("assertion_types_supported")) if isinstance(ia, Mapping) else ()
    from authmd_cli.core.urls import has_template

    templated = [u for u in (identity, claim, _str(as_meta.get("token_endpoint"))) if u and has_template(u)]
    if templated:  # IN-THE-WILD P12: a generic agent cannot expand `{agent_id}`
        raise TargetError(f"the metadata names a URI template ({templated[0]}); an agent cannot know what to put "
                          "in it, so there is no URL to send to")
    prm = prm or {}
    resource = _str(prm.get("resource")) or _str(as_meta.get("resource"))
    _refuse_surrogates([("the authorization server metadata", "issuer", issuer),
                        ("agent_auth", "identity_endpoint", identity), ("agent_auth", "claim_endpoint", claim),
                        ("the authorization server metadata", "token_endpoint", _str(as_meta.get("token_endpoint"))),
                        ("the authorization server metadata", "revocation_endpoint",
                         _str(as_meta.get("revocation_endpoint"))),
                        ("agent_auth", "events_endpoint", _str(agent_auth.get("events_endpoint"))),
                        ("the protected resource metadata", "resource", resource)])
    return Target(
        issuer=issuer.rstrip("/") if issuer else issuer, identity_endpoint=identity, profile=profile,
        profile_origin=origin, resource=resource,
        resource_name=_str(prm.get("resource_name")), logo_uri=_str(prm.get("resource_logo_uri")),
        scopes_supported=_strs(prm.get("scopes_supported")) or _strs(as_meta.get("scopes_supported")),
        api_url=api_url or resource, token_endpoint=_str(as_meta.get("token_endpoint")),
        revocation_endpoint=_str(as_meta.get("revocation_endpoint")), claim_endpoint=claim,
        events_endpoint=_str(agent_auth.get("events_endpoint")),
        identity_types=_strs(agent_auth.get("identity_types_supported")), assertion_types=assertion_types,
        grant_types=grants, claim_grant=claim_grant, notes=tuple(notes),
    )


def _refuse_surrogates(members: Sequence[tuple[str, str, str | None]]) -> None:
    """A URL holding a lone UTF-16 surrogate (a JSON `\\ud800` escape, RFC 8259 §8.2) names nothing a
    request can be sent to: no flow can run, and the finding names the member and its value."""
    from authmd_cli.core.display import inline
    from authmd_cli.core.strict_json import has_lone_surrogate

    for where, member, value in members:
        if value is not None and has_lone_surrogate(value):
            raise TargetError(f"{member} {inline(value, width=90)} in {where} holds a lone UTF-16 surrogate "
                              "(RFC 8259 §8.2): it is not a URL a request can be sent to")


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def supports_id_jag(target: Target) -> bool:
    """SPEC §3.4: an ID-JAG is sent only when its type is listed (provider trust is not
    trial-discoverable)."""
    return ID_JAG_URN in target.assertion_types
