"""What the user typed -> a `Target` (pure).

Accepted (issue 8, SPEC §13.5): a domain (`example.com` -> `https://example.com`), an origin
(`https://example.com:8443`, `http://127.0.0.1:8000`), or a full API URL
(`https://api.example.com/v1/things`), whose origin is the service and whose URL is the first,
unauthenticated request (RFC 9728 §5.1). Credentials in a URL are refused: they would be sent to
every hop and echoed in the trace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from authmd_cli.core.errors import UsageError

_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


@dataclass(frozen=True)
class Target:
    given: str  # as typed (after stripping whitespace)
    origin: str  # scheme://host[:port], lower-cased scheme and host
    api: str | None = None  # the API URL to challenge first, when one is known

    @property
    def auth_md_url(self) -> str:
        return f"{self.origin}/auth.md"

    @property
    def key(self) -> str:
        """A file-system friendly name (snapshot folders of several targets)."""
        return re.sub(r"[^A-Za-z0-9.-]+", "_", self.origin.split("://", 1)[1])


def parse_target(text: str, *, api: str | None = None) -> Target:
    """A `Target`, or `UsageError` naming what is wrong with `text` (exit 2)."""
    raw = text.strip()
    if not raw:
        raise UsageError("empty target: give a domain, an origin or an API URL")
    url = raw if _SCHEME_RE.match(raw) else f"https://{raw}"
    origin, path_url = _split(url, raw)
    api_url = path_url
    if api is not None:
        api_origin, api_path = _split(api if _SCHEME_RE.match(api.strip()) else f"https://{api.strip()}", api)
        api_url = api_path or f"{api_origin}/"
    return Target(given=raw, origin=origin, api=api_url)


# The userinfo of a typed URL (`user:password@`), masked in every message: a refused target must
# not print the password it was refused for.
_USERINFO_RE = re.compile(r"^(?P<pre>(?:[A-Za-z][A-Za-z0-9+.-]*://)?)[^/?#@\s]*@")


def _masked(text: str) -> str:
    return _USERINFO_RE.sub(r"\g<pre>***@", text.strip())


def _bad_idn(host: str) -> bool:
    """A non-ASCII host that is no internationalised domain name (RFC 5891), e.g. bytes that are
    not UTF-8 in argv: the HTTP client would refuse it on every request."""
    if host.isascii():
        return False
    import idna  # httpx's own IDNA encoder (a dependency of httpx)

    try:
        idna.encode(host)
    except (idna.IDNAError, UnicodeError):
        return True
    return False


def _split(url: str, raw: str) -> tuple[str, str | None]:
    """(origin, the URL itself when it has a path or query, else None)."""
    shown = _masked(raw)
    from authmd_cli.core.net import url_problem  # the check every request passes (core.net.check_address)

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port past 65535 or not digits, a malformed IP literal (RFC 3986 §3.2.2-§3.2.3)
        raise UsageError(f"{shown!r} is not a valid URL: {url_problem(url)}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise UsageError(f"{shown!r}: only http and https targets can be probed")
    if parts.username is not None or parts.password is not None:
        raise UsageError(f"{shown!r} carries credentials (user:password@); refused, they would reach every hop")
    host = parts.hostname
    if not host or any(ch.isspace() for ch in url):
        raise UsageError(f"{shown!r} has no valid host name")
    if _bad_idn(host):
        raise UsageError(f"{shown!r} has no valid host name (not an internationalised domain name, RFC 5891)")
    # Refused here in one line rather than as a failed request: a URL the HTTP client reads
    # otherwise than urlsplit (`[v1.x]`, `[::1]x`) or cannot send (control characters).
    problem = url_problem(url)
    if problem is not None:
        raise UsageError(f"{shown!r} is not a valid URL: {problem}")
    scheme = parts.scheme.lower()
    shown_host = f"[{host}]" if ":" in host else host.lower()
    default = {"http": 80, "https": 443}[scheme]
    netloc = shown_host if port in (None, default) else f"{shown_host}:{port}"
    origin = f"{scheme}://{netloc}"
    if parts.path in ("", "/") and not parts.query:
        return origin, None
    return origin, urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
