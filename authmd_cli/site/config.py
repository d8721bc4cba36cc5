"""The `authmd.yaml` service description: typed, frozen, every default filled (SPEC §13.6).

`load_config(text, source)` is the only way in: safe YAML (authmd_cli.core.yamlsafe) → JSON Schema
`config` (draft 2020-12; errors worded and mapped back to `file:line:col` by config_errors) →
semantic checks the schema cannot express (URL rules, scope subsets, endpoint clashes) →
`ServiceConfig`. Everything raises `ConfigError` with one line; nothing here writes files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from authmd_cli.core.config_errors import Problem, check_schema, mapping_problem, one_of, problem
from authmd_cli.core.errors import ConfigError
from authmd_cli.core.suggest import did_you_mean
from authmd_cli.core.urls import is_loopback_host
from authmd_cli.core.yamlsafe import PathKey, YamlDoc, decode_config_bytes, load_yaml
from authmd_cli.protocol import profiles

# Profiles `init` can write (the issue's list; older generations are lint fixtures only).
INIT_PROFILES: tuple[str, ...] = ("v0.7-B", "v0.7-A", "v0.6", profiles.NO_REGISTRATION)
DEFAULT_PROFILE = profiles.LATEST

# Reference defaults (SPEC §13.2, §6.1 endpoint paths).
DEFAULT_ENDPOINTS: dict[str, str] = {
    "identity_endpoint": "/agent/identity",
    "claim_endpoint": "/agent/identity/claim",
    "events_endpoint": "/agent/event/notify",
    "token_endpoint": "/oauth2/token",
    "revocation_endpoint": "/oauth2/revoke",
}
METHOD_ORDER: tuple[str, ...] = ("identity_assertion", "service_auth", "anonymous")


# ---------------------------------------------------------------------------- the typed config


@dataclass(frozen=True)
class Scope:
    name: str
    description: str


@dataclass(frozen=True)
class Service:
    name: str
    description: str | None = None
    logo_uri: str | None = None
    docs_url: str | None = None
    pricing_url: str | None = None
    tos_url: str | None = None
    privacy_url: str | None = None
    contact: str | None = None  # an email address or an https URL


@dataclass(frozen=True)
class ResourceServer:
    resource: str  # PRM `resource`, as written (RFC 9728 §3.3 compares exact strings)
    bearer_methods: tuple[str, ...] = ("header",)
    example_path: str = "/"


@dataclass(frozen=True)
class AuthorizationServer:
    """Absolute URLs; endpoints given as paths in YAML are resolved against the issuer."""

    issuer: str  # no trailing "/" (RFC 8414 §2/§3.1; SPEC §14 D4)
    identity_endpoint: str
    claim_endpoint: str
    events_endpoint: str
    token_endpoint: str
    revocation_endpoint: str

    @property
    def claim_complete_endpoint(self) -> str:
        """v0.7-B: attempts complete at `<claim_endpoint>/complete` (SPEC §5.3, §6.5)."""
        return self.claim_endpoint.rstrip("/") + "/complete"


@dataclass(frozen=True)
class TrustedProvider:
    name: str
    issuer: str | None = None


@dataclass(frozen=True)
class Methods:
    identity_assertion: bool = False
    service_auth: bool = True
    anonymous: bool = False
    step_up: bool = True  # ID-JAG first-link step-up (SPEC §8.5); only meaningful with identity_assertion
    trusted_providers: tuple[TrustedProvider, ...] = ()

    @property
    def enabled(self) -> tuple[str, ...]:
        """Enabled identity types in canonical order (the order of the Register subsections)."""
        return tuple(m for m in METHOD_ORDER if getattr(self, m))

    @property
    def claim_capable(self) -> bool:
        """Whether any registration can lead to a claim ceremony (SPEC §7.1, §13.4)."""
        return self.service_auth or self.anonymous or (self.identity_assertion and self.step_up)

    @property
    def issues_refresh_tokens(self) -> bool:
        """v0.7-B refresh tokens come from `/claim/complete` (service_auth, claimed anonymous; SPEC §9.4)."""
        return self.service_auth or self.anonymous or (self.identity_assertion and self.step_up)


@dataclass(frozen=True)
class Ceremony:
    claim_window: int = 86400
    attempt_ttl: int = 600
    user_code_ttl: int = 600
    interval: int = 5
    refresh_token_ttl: int = 2592000


@dataclass(frozen=True)
class Tokens:
    access_token_ttl: int = 3600
    assertion_ttl: int = 3600


@dataclass(frozen=True)
class IdJag:
    max_auth_age: int = 3600


@dataclass(frozen=True)
class ServiceConfig:
    profile: str  # canonical label, one of INIT_PROFILES
    service: Service
    site: str  # service root that serves /auth.md (no trailing "/")
    skill: str  # absolute URL of the auth.md (agent_auth.skill)
    resource_server: ResourceServer
    authorization_server: AuthorizationServer | None  # None only for no-registration without an AS
    scopes: tuple[Scope, ...] = ()
    pre_claim_scopes: tuple[str, ...] = ()
    post_claim_scopes: tuple[str, ...] = ()
    methods: Methods = Methods()
    ceremony: Ceremony = Ceremony()
    tokens: Tokens = Tokens()
    id_jag: IdJag = IdJag()
    events: bool = False

    @property
    def profile_info(self) -> profiles.Profile:
        return profiles.resolve(self.profile)

    @property
    def registration(self) -> bool:
        return self.profile != profiles.NO_REGISTRATION

    @property
    def scope_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.scopes)

    def with_origin(self, origin: str) -> ServiceConfig:
        """The same service re-based on `origin` (scheme://host[:port]): every protocol URL
        (site, skill, resource, issuer, endpoints) keeps its path and takes the new origin.
        `serve` renders for the host it is served on with this; service links (docs, logo,
        terms) are left alone because they are pages elsewhere."""
        parts = urlsplit(origin)
        if not parts.scheme or not parts.netloc or parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError(f"origin must be scheme://host[:port], got {origin!r}")

        def move(url: str) -> str:
            u = urlsplit(url)
            return urlunsplit((parts.scheme, parts.netloc, u.path, u.query, u.fragment))

        asrv = self.authorization_server
        if asrv is not None:
            asrv = AuthorizationServer(*(move(getattr(asrv, f)) for f in (
                "issuer", "identity_endpoint", "claim_endpoint", "events_endpoint", "token_endpoint",
                "revocation_endpoint")))
        return replace(
            self, site=move(self.site), skill=move(self.skill), authorization_server=asrv,
            resource_server=replace(self.resource_server, resource=move(self.resource_server.resource)),
        )


# ---------------------------------------------------------------------------- semantic checks


class _Checker:
    def __init__(self, doc: YamlDoc, source: str) -> None:
        self.doc = doc
        self.source = source

    def fail(self, path: PathKey, message: str, *, key: bool = False) -> ConfigError:
        return problem(path, message, at_key=key).error(self.source, self.doc)

    def url(self, value: str, path: PathKey, *, query: bool = True) -> str:
        problem = url_problem(value, query=query)
        if problem is not None:
            raise self.fail(path, problem)
        return value


def url_problem(value: str, *, query: bool = True) -> str | None:
    """Why `value` cannot be a URL in the config, or None: absolute https (http only on
    loopback), no userinfo, no fragment (RFC 9728 §2, RFC 8414 §2; SPEC §14 D29; IN-THE-WILD P5).
    The wizard asks with the same rule, so an accepted answer never fails validation later."""
    from authmd_cli.core.display import scrub

    shown = scrub(value) if "@" in value else value  # a password in the URL is never echoed
    try:
        u = urlsplit(value)
        port = u.port  # raises ValueError on a bad port
    except ValueError as exc:
        return f"{shown!r} is not a valid URL ({exc})"
    host = (u.hostname or "").lower()
    if u.scheme not in ("https", "http") or not host:
        return f"{shown!r} is not an absolute https URL"
    if u.scheme == "http" and not is_loopback_host(host):
        return f"{shown!r} must use https (plain http is only allowed on loopback hosts)"
    if "@" in u.netloc:
        return f"{shown!r} must not carry credentials"
    if u.fragment or value.endswith("#"):
        return f"{shown!r} must not have a fragment"
    if not query and (u.query or "?" in value):
        return f"{shown!r} must not have a query"
    if "{" in value or "}" in value:
        return f"{shown!r} contains a URI template; publish a fixed URL (docs/protocol.md P12)"
    bad = re.search(r'[\s<>"\\^`|]', value)
    if bad:  # RFC 3986 §2: never literal in a URL; they would also break Markdown links in auth.md
        return f"{shown!r} contains {bad.group(0)!r}, which must be percent-encoded in a URL (RFC 3986 §2)"
    if port == 0 or not re.fullmatch(r"[a-z0-9.\-\[\]:]+", u.netloc.lower().rsplit("@", 1)[-1]):
        return f"{shown!r} has an invalid host"
    segments = u.path.split("/")[1:]
    if any(seg in (".", "..") or "\\" in seg or "%" in seg for seg in segments) or "//" in u.path:
        # Paths become file names in the site layout (RFC 9728 §3.1 insertion): keep them plain.
        return f"{shown!r} has an empty, dot, escaped or backslash path segment"
    return None


def _origin(url: str) -> str:
    u = urlsplit(url)
    return urlunsplit((u.scheme, u.netloc, "", "", ""))


def _resolve_endpoint(issuer: str, value: str) -> str:
    return issuer + value if value.startswith("/") else value


def _build(data: Mapping[str, Any], c: _Checker) -> ServiceConfig:
    label = profiles.resolve(str(data.get("profile", DEFAULT_PROFILE))).label
    registration = label != profiles.NO_REGISTRATION

    svc = data["service"]
    for key in ("logo_uri", "docs_url", "pricing_url", "tos_url", "privacy_url"):
        if key in svc:
            c.url(svc[key], ("service", key))
    contact = svc.get("contact")
    if contact is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", contact):
        if "://" not in contact:
            raise c.fail(("service", "contact"), f"{contact!r} is neither an email address nor an https URL")
        c.url(contact, ("service", "contact"))
    service = Service(name=svc["name"], **{k: svc.get(k) for k in (
        "description", "logo_uri", "docs_url", "pricing_url", "tos_url", "privacy_url", "contact")})

    rs = data["resource_server"]
    resource = c.url(rs["resource"], ("resource_server", "resource"), query=False)
    rpath = urlsplit(resource).path
    if rpath not in ("", "/") and rpath.endswith("/"):
        raise c.fail(("resource_server", "resource"), f"{resource!r}: drop the trailing '/' after the path "
                     "(RFC 9728 §3.1 would put the metadata at a directory URL)")
    example_path = rs.get("example_path", rpath or "/")
    prefix = rpath.rstrip("/")
    if prefix and example_path != prefix and not example_path.startswith(prefix + "/"):
        raise c.fail(("resource_server", "example_path"), f"{example_path!r} is outside the resource path "
                     f"{prefix!r} (RFC 9728 §3.3)")
    resource_server = ResourceServer(resource, tuple(rs.get("bearer_methods", ["header"])), example_path)

    site = c.url(data["site"], ("site",), query=False) if "site" in data else _origin(resource)
    site = site.rstrip("/")
    skill = c.url(data["skill"], ("skill",), query=False) if "skill" in data else site + "/auth.md"
    if not urlsplit(skill).path.endswith("/auth.md"):
        raise c.fail(("skill",), f"{skill!r} must be the URL of the auth.md file, ending in '/auth.md' "
                     "(docs/protocol.md D29)")

    asrv: AuthorizationServer | None = None
    as_data = data.get("authorization_server")
    if as_data is None and registration:
        raise c.fail((), f"missing required key 'authorization_server' (profile {label} offers registration)")
    if as_data is not None:
        issuer = c.url(as_data["issuer"], ("authorization_server", "issuer"), query=False)
        issuer = issuer[:-1] if issuer.endswith("/") else issuer
        eps: dict[str, str] = {}
        for key, default in DEFAULT_ENDPOINTS.items():
            raw = as_data.get(key, default)
            url = _resolve_endpoint(issuer, raw)
            eps[key] = c.url(url, ("authorization_server", key) if key in as_data else
                             ("authorization_server", "issuer"), query=False)
        asrv = AuthorizationServer(issuer=issuer, **eps)

    scope_items = data.get("scopes") or []
    scopes = tuple(Scope(s["name"], s["description"]) for s in scope_items)
    names = [s.name for s in scopes]
    for i, n in enumerate(names):
        if n in names[:i]:
            raise c.fail(("scopes", i, "name"), f"duplicate scope {n!r}")
    if registration and not scopes:
        raise c.fail(("scopes",) if "scopes" in data else (), "a registration profile needs at least one scope "
                     "(access tokens carry scopes; RFC 9728 scopes_supported)")

    m = data.get("methods") or {}
    ia = m.get("identity_assertion", False)
    ia_obj: Mapping[str, Any] = ia if isinstance(ia, Mapping) else {}
    providers = tuple(
        TrustedProvider(p) if isinstance(p, str) else TrustedProvider(p["name"], p.get("issuer"))
        for p in ia_obj.get("trusted_providers", [])
    )
    for i, p in enumerate(providers):
        if p.issuer:
            c.url(p.issuer, ("methods", "identity_assertion", "trusted_providers", i, "issuer"))
    methods = Methods(
        identity_assertion=bool(ia_obj.get("enabled", True)) if isinstance(ia, Mapping) else bool(ia),
        service_auth=bool(m.get("service_auth", "methods" not in data)),
        anonymous=bool(m.get("anonymous", False)),
        step_up=bool(ia_obj.get("step_up", True)),
        trusted_providers=providers,
    )
    if registration and not methods.enabled:
        raise c.fail(("methods",) if "methods" in data else (), "no registration method is enabled; use "
                     "'profile: no-registration' for a site without agent registration (docs/protocol.md D13)")

    def subset(key: str, values: Sequence[str]) -> None:
        for i, n in enumerate(values):
            if n not in names:
                raise c.fail((key, i), f"{n!r} is not one of the scopes{did_you_mean(n, names)}")

    pre = tuple(data.get("pre_claim_scopes", []))
    post = tuple(data.get("post_claim_scopes", names))
    subset("pre_claim_scopes", pre)
    subset("post_claim_scopes", post)
    if registration and methods.anonymous and not pre:
        raise c.fail(("pre_claim_scopes",) if "pre_claim_scopes" in data else ("methods", "anonymous"),
                     "anonymous registration needs pre_claim_scopes (the scopes an unclaimed agent gets)")
    if registration and not post:
        raise c.fail(("post_claim_scopes",), "must not be empty")
    if "pre_claim_scopes" in data and registration and not methods.anonymous:
        raise c.fail(("pre_claim_scopes",), "only anonymous registrations have pre-claim scopes; enable "
                     "methods.anonymous or remove this key", key=True)

    cer_d = data.get("ceremony") or {}
    ceremony = Ceremony(**{k: cer_d[k] for k in cer_d})
    if ceremony.attempt_ttl > ceremony.claim_window or ceremony.user_code_ttl > ceremony.claim_window:
        raise c.fail(("ceremony",), "attempt_ttl and user_code_ttl must not exceed claim_window")
    tokens = Tokens(**(data.get("tokens") or {}))
    id_jag = IdJag(**(data.get("id_jag") or {}))

    events = bool(data.get("events", methods.identity_assertion))
    if registration and events and not methods.identity_assertion:
        raise c.fail(("events",), "provider revocation events (RFC 8935 SETs) only apply to identity_assertion "
                     "registrations; enable methods.identity_assertion or set events: false")

    cfg = ServiceConfig(
        profile=label, service=service, site=site, skill=skill, resource_server=resource_server,
        authorization_server=asrv, scopes=scopes, pre_claim_scopes=pre, post_claim_scopes=post,
        methods=methods, ceremony=ceremony, tokens=tokens, id_jag=id_jag, events=events and registration,
    )
    if registration:
        _check_endpoint_clashes(cfg, data, c)
    return cfg


def _check_endpoint_clashes(cfg: ServiceConfig, data: Mapping[str, Any], c: _Checker) -> None:
    """Endpoints with different roles must differ, and none may be the auth.md (IN-THE-WILD P5)."""
    asrv = cfg.authorization_server
    assert asrv is not None
    used = ["identity_endpoint", "token_endpoint", "revocation_endpoint"]
    if cfg.methods.claim_capable:
        used.append("claim_endpoint")
    if cfg.events:
        used.append("events_endpoint")
    seen: dict[str, str] = {cfg.skill: "skill"}
    if cfg.methods.claim_capable and cfg.profile_info.ceremony == "complete":
        seen[asrv.claim_complete_endpoint] = "claim_endpoint + /complete"
    ident = urlsplit(asrv.identity_endpoint).path.rstrip("/").lower()
    if ident.endswith("/register"):
        # IN-THE-WILD P5: `/register` is where RFC 7591 client registration lives; agents and
        # `authmd lint` would take the agent registration endpoint for it.
        path = ("authorization_server", "identity_endpoint") if "identity_endpoint" in (
            data.get("authorization_server") or {}) else ("authorization_server",)
        raise c.fail(path, f"{asrv.identity_endpoint!r} ends in /register, the RFC 7591 client-registration "
                     "path; use another path (default /agent/identity)")
    for key in used:
        url = getattr(asrv, key)
        if url in seen:
            path = ("authorization_server", key) if key in (data.get("authorization_server") or {}) else (
                "authorization_server",)
            raise c.fail(path, f"{url!r} is also used as {seen[url]}; each endpoint needs its own URL")
        seen[url] = key


# Keys only the lint config has (lint/config.py's LINT_ONLY_KEYS; site may not import lint).
_LINT_ONLY_KEYS = ("select", "ignore", "severity", "extension-keys", "per-file-ignores", "strict", "format")


def _profile_problem(written: str) -> str | None:
    """Why init cannot write profile `written`, or None (authmd.yaml `profile` and `--profile`)."""
    try:
        label: str | None = profiles.resolve(written).label
    except KeyError:
        label = None
    if label in INIT_PROFILES:
        return None
    options = [*INIT_PROFILES, "latest"]
    if label is None:
        return one_of(written, options)
    return f"init does not generate {written!r}; expected one of: {', '.join(options)}"


def check_profile_option(profile: str) -> None:
    """Refuse a `--profile` init cannot write (UsageError), before anything is read or written."""
    why = _profile_problem(profile)
    if why is not None:
        from authmd_cli.core.errors import UsageError

        raise UsageError(f"--profile: {why}")


def load_config(text: str, source: str, *, profile: str | None = None) -> ServiceConfig:
    """Parse and validate `authmd.yaml` text. Raises ConfigError (`file:line:col: message`).
    `profile` (a label or alias) replaces the file's `profile` before validation."""
    doc = load_yaml(text, source)
    if doc.value is None:
        raise ConfigError("the config is empty; see examples/authmd.yaml", source=source, line=1, column=1)
    bad_root = mapping_problem(doc.value)
    if bad_root is not None:
        raise bad_root.error(source, doc)
    lint_keys = [k for k in _LINT_ONLY_KEYS if k in doc.value]
    if lint_keys and "service" not in doc.value and "resource_server" not in doc.value:
        # The other config file (`.authmd.yaml`, for `authmd lint`) given to init/serve.
        raise Problem((lint_keys[0],), "this is a lint config (the `.authmd.yaml` that `authmd lint` reads: "
                      "select, ignore, severity, …), not a service config; init and serve read authmd.yaml "
                      "with `service:` and `resource_server:` (see `authmd schema show config`)",
                      True).error(source, doc)
    if profile is not None:
        check_profile_option(profile)
        doc = YamlDoc({**doc.value, "profile": profiles.resolve(profile).label}, doc.positions, doc.key_positions)
    written = doc.value.get("profile")
    why = _profile_problem(written) if isinstance(written, str) else None  # other types: the schema says
    if why is not None:  # before the schema: a known profile init does not write deserves its own words
        raise problem(("profile",), why).error(source, doc)
    from authmd_cli.protocol.schemas import config_validator

    check_schema(doc.value, config_validator("config"), source, doc)
    return _build(doc.value, _Checker(doc, source))


def load_config_bytes(data: bytes, source: str, *, profile: str | None = None) -> ServiceConfig:
    return load_config(decode_config_bytes(data, source), source, profile=profile)


def load_config_file(path: str | Path, *, profile: str | None = None) -> ServiceConfig:
    from authmd_cli.core.errors import InputError
    from authmd_cli.core.files import read_capped

    p = Path(path)
    try:
        data = read_capped(p)
    except FileNotFoundError:
        raise InputError("no such file (create one with `authmd init`, or see examples/authmd.yaml)",
                         source=str(p)) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a YAML file", source=str(p)) from None
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), source=str(p)) from None
    return load_config_bytes(data, str(p), profile=profile)


def misnamed_service_config(directory: Path, command: str) -> None:
    """Raise InputError when `directory` has no authmd.yaml but its `.authmd.yaml` (the lint config's
    name) holds a service description: `init` and `serve` would otherwise start the wizard or the
    built-in sandbox and silently ignore what the user wrote."""
    import re

    from authmd_cli.core.errors import InputError

    if (directory / "authmd.yaml").is_file():
        return
    path = directory / ".authmd.yaml"
    try:
        text = path.read_text(encoding="utf-8", errors="replace")[:65536] if path.is_file() else ""
    except OSError:
        return
    if re.search(r"^service\s*:", text, re.M) and re.search(r"^resource_server\s*:", text, re.M):
        raise InputError(f".authmd.yaml holds a service config (service:, resource_server:); {command} reads "
                         "authmd.yaml (without the dot): rename it, or pass --config .authmd.yaml")
