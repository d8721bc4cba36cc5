"""URL helpers shared by lint, probe, init and serve (pure, stdlib only).

- SPEC §14 D4: identity checks compare exact strings first; a difference that vanishes after
  normalisation (trailing `/` on an empty path, host case, default port) is a warning.
- RFC 8414 §3.1 / RFC 9728 §3.1: well-known URLs are built by *inserting* the suffix between
  host and path, never by appending.
- SPEC §14 D12: placeholders are allowed inside strings of auth.md examples only.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from urllib.parse import SplitResult, urlsplit, urlunsplit

PRM_SUFFIX = "/.well-known/oauth-protected-resource"
AS_SUFFIX = "/.well-known/oauth-authorization-server"

_DEFAULT_PORTS = {"http": 80, "https": 443}
_TEMPLATE_RE = re.compile(r"\{[A-Za-z_][A-Za-z0-9_.-]*\}")
# Hosts reserved for documentation (RFC 2606 §3, §2) and the canonical example hosts (SPEC §3.2).
_PLACEHOLDER_HOST_RE = re.compile(
    r"(^|\.)(example\.(com|org|net)|example|test|invalid|localhost\.example)$", re.IGNORECASE
)
# SPEC §3.3, §14 D12: the placeholder forms of the canonical examples are `<…>` and an elision
# (`...` or `…`, alone or after a prefix as in `reg_...`). Template syntaxes (`{{x}}`, `${X}`) are
# not among them: left in a document they are unrendered text, and RFC 6570 `{x}` is has_template's.
_ANGLE_WHOLE_RE = re.compile(r"^<[^<>]*>$")
_PLACEHOLDER_ANYWHERE_RE = re.compile(r"<[^<>]*>|\.\.\.|…")
_ELLIPSES = ("...", "…")


# The rules ask the same few URLs of a site the same questions many times (~150 normalisations
# a site); the answers are pure functions of the string, so they are kept (bounded: memory stays
# flat over a directory of thousands of sites).
@functools.lru_cache(maxsize=4096)
def split(url: str) -> SplitResult | None:
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        return None
    return parts


def is_absolute(url: str) -> bool:
    parts = split(url)
    return bool(parts and parts.scheme and parts.netloc and parts.hostname)


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() in ("localhost",) or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_wildcard_host(host: str) -> bool:
    """`0.0.0.0`, `::`, `*` or `""`: every interface, which names no host a client can use."""
    if host.strip() in ("", "*"):
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_unspecified
    except ValueError:
        return False


def wildcard_host_problem(host: str, option: str, what: str) -> str:
    """The one message (serve, provider serve) for a wildcard --host with no URL given instead."""
    shown = host or '""'
    return (f"--host {shown} listens on every interface, which names no URL a client can use: "
            f"pass {option} http(s)://HOST[:PORT], the origin clients reach {what} at")


def has_userinfo(url: str) -> bool:
    """`http://user:pass@host`: credentials in the authority (RFC 3986 §3.2.1), which an origin or
    issuer must not carry (they would be printed and sent to every client)."""
    netloc = urlsplit(url).netloc if "://" in url else ""
    return "@" in netloc


def scheme_problem(url: str) -> str | None:
    """None when `url` is an absolute https URL (or http on loopback); else why not."""
    parts = split(url)
    if parts is None or not parts.scheme or not parts.netloc or not parts.hostname:
        return "is not an absolute URL"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and is_loopback_host(parts.hostname):
        return None
    if parts.scheme == "http":
        return "uses plain http (https is required except on loopback)"
    return f"uses the {parts.scheme!r} scheme (https is required)"


def has_template(url: str) -> bool:
    """RFC 6570 variables such as `{agent_id}` (IN-THE-WILD P12)."""
    return bool(_TEMPLATE_RE.search(url))


@functools.lru_cache(maxsize=4096)
def normalise(url: str) -> str:
    """Scheme and host lower-cased, default port dropped, empty path -> "" (SPEC §14 D4)."""
    parts = split(url)
    if parts is None:
        return url
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or _DEFAULT_PORTS.get(parts.scheme.lower()) == port else f"{host}:{port}"
    if parts.username or parts.password:
        netloc = f"{parts.netloc.rsplit('@', 1)[0]}@{netloc}"
    # Only a trailing `/` on an otherwise empty path is insignificant (RFC 3986 §6.2.3):
    # `…/claim` and `…/claim/` are different resources.
    path = "" if parts.path == "/" else parts.path
    return urlunsplit((parts.scheme.lower(), netloc, path, parts.query, parts.fragment))


def compare(a: str, b: str) -> str:
    """"same", "normalised" (equal only after SPEC §14 D4 normalisation) or "different"."""
    if a == b:
        return "same"
    return "normalised" if normalise(a) == normalise(b) else "different"


@functools.lru_cache(maxsize=4096)
def host(url: str) -> str | None:
    parts = split(url)
    return parts.hostname.lower() if parts and parts.hostname else None


def origin(url: str) -> str | None:
    parts = split(url)
    if not parts or not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


# Suffixes of authorization server metadata (RFC 8414 §3.1, and §5 for OpenID's): "any
# terminating `/` MUST be removed" from the issuer's path before inserting. RFC 9728 §3.1 removes
# only the `/` that follows the host, so a resource `https://h/api/` keeps its slash.
_AS_SUFFIXES = frozenset({AS_SUFFIX, "/.well-known/openid-configuration"})


def insert_well_known(identifier: str, suffix: str) -> str:
    """RFC 8414 §3.1 / RFC 9728 §3.1: https://h/p -> https://h/.well-known/x/p. A `/` alone after
    the host is dropped first; for AS metadata suffixes a `/` ending the issuer's path is too
    (`https://h/oauth/` -> `https://h/.well-known/oauth-authorization-server/oauth`)."""
    parts = urlsplit(identifier)
    path = parts.path
    if path == "/":
        path = ""
    elif suffix in _AS_SUFFIXES:
        path = path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, suffix + path, parts.query, ""))


def is_placeholder_host(hostname: str | None) -> bool:
    return bool(hostname and _PLACEHOLDER_HOST_RE.search(hostname.rstrip(".")))


def is_placeholder(value: str, *, partial: bool = False) -> bool:
    """A documentation placeholder (SPEC §3.3, §14 D12); the one definition every rule uses.

    Whole value (default): `"<service-signed JWT>"`, `"..."`, `"…"`, or a value that ends in an
    elision (`"reg_..."`, `"https://x/claim?token=..."`). With `partial=True` a placeholder anywhere
    in the value counts too: `"https://<host>/x"`, `"<host>/x"`, `"eyJ...xyz"` (served metadata,
    where any placeholder makes the value unusable, and schema checks of auth.md examples).
    """
    if partial:
        return _PLACEHOLDER_ANYWHERE_RE.search(value) is not None
    text = value.strip()
    return bool(_ANGLE_WHOLE_RE.match(text)) or text.endswith(_ELLIPSES)
