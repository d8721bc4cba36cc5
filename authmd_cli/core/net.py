"""The only module that imports httpx: HTTP clients with the project's defaults.

Every outgoing request (the test provider's SET delivery, the sandbox's JWKS fetches, later
`probe` and `simulate`) goes through a client made here, so they all share:

* timeouts (connect/read/write/pool, `DEFAULT_TIMEOUT` seconds unless given);
* `User-Agent: authmd/<version>`, so a service's logs show who is calling;
* no redirects unless asked: a redirect is a finding for probe, and following one blindly
  would send a SET or a JWKS request somewhere the configuration never named;
* a bounded response size: the transport counts the bytes of each response body and raises
  `ResponseTooLarge` past `max_bytes` (a `Content-Length` over the bound fails before reading).
  `Accept-Encoding: identity` is sent so the bytes counted are the bytes decoded;
* an injectable `transport` (e.g. `httpx.ASGITransport(app)` to drive an app in-process); the
  size bound wraps it too;
* `fetch()` for services we do not control (probe, simulate): redirects followed by hand with
  every hop checked (scheme, credentials, the address guard after DNS resolution), a body cap
  that holds after decompression, one deadline per request that a slow drip cannot stretch,
  `Retry-After` honoured once within it (and within the caller's overall deadline); every
  failure a classified `FetchError`, never raised, whatever URL a server hands it.

Callers import this module inside the functions that use it (httpx is heavy; `authmd --help`
must not load it) and catch `HTTPError`, which this module re-exports.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import os
import socket
import ssl
import sys
import threading
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from typing import TypeVar
from urllib.parse import urljoin, urlsplit

from authmd_cli import __version__


def _without_httpx_command_line() -> None:
    """httpx's package imports its own command-line client (`httpx._main`: click, rich.console,
    rich.progress, pygments) only to re-export `httpx.main`. With typer installed those are all
    importable, which costs ~40 ms on every authmd run that makes a request (a third of httpx's
    import). authmd never calls `httpx.main`, so a placeholder takes the submodule's place, unless
    httpx was imported already (then nothing changes)."""
    import sys
    import types

    if "httpx" in sys.modules or "httpx._main" in sys.modules:
        return
    placeholder = types.ModuleType("httpx._main", "placeholder: authmd does not load httpx's command line")

    def main(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("httpx's command line is not loaded inside authmd; run `httpx` itself")

    placeholder.main = main  # type: ignore[attr-defined]
    sys.modules["httpx._main"] = placeholder


_without_httpx_command_line()
import httpx  # noqa: E402 - after the placeholder above

USER_AGENT = f"authmd/{__version__}"
DEFAULT_TIMEOUT = 10.0
MAX_RESPONSE_BYTES = 1024 * 1024  # far above any discovery document, JWKS or protocol answer

HTTPError = httpx.HTTPError  # what callers catch, without importing httpx themselves


class ResponseTooLarge(httpx.HTTPError):
    """The response body is longer than the client's `max_bytes`."""

    def __init__(self, request: httpx.Request, max_bytes: int) -> None:
        super().__init__(f"response from {request.url} is larger than {max_bytes} bytes")
        self.request = request
        self.max_bytes = max_bytes


def _declared_too_long(response: httpx.Response, max_bytes: int) -> bool:
    declared = response.headers.get("content-length", "")
    return declared.isdigit() and int(declared) > max_bytes


class _BoundedStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, request: httpx.Request, max_bytes: int) -> None:
        self._inner, self._request, self._max = inner, request, max_bytes

    def __iter__(self) -> Iterator[bytes]:
        seen = 0
        for chunk in self._inner:
            seen += len(chunk)
            if seen > self._max:
                raise ResponseTooLarge(self._request, self._max)
            yield chunk

    def close(self) -> None:
        self._inner.close()


class _AsyncBoundedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, request: httpx.Request, max_bytes: int) -> None:
        self._inner, self._request, self._max = inner, request, max_bytes

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in self._inner:
            seen += len(chunk)
            if seen > self._max:
                raise ResponseTooLarge(self._request, self._max)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class ProxyFailedError(Exception):
    """A request sent through a proxy the environment names failed at the proxy, or before it
    answered: the service is not to blame, and `_classify` says so."""

    def __init__(self, proxy: str, cause: Exception) -> None:
        super().__init__(str(cause))
        self.proxy, self.cause = proxy, cause


# What a proxy's failure looks like from here: it cannot be reached, or refuses the tunnel.
_PROXY_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.ProxyError)


class _BoundedTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, max_bytes: int, proxy: str | None = None) -> None:
        self._inner, self._max, self._proxy = inner, max_bytes, proxy

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "https":
            _require_trust()
        try:
            response = self._inner.handle_request(request)
        except _PROXY_ERRORS as exc:
            if self._proxy is None:
                raise
            raise ProxyFailedError(self._proxy, exc) from exc
        if _declared_too_long(response, self._max):
            response.close()
            raise ResponseTooLarge(request, self._max)
        if not isinstance(response.stream, httpx.SyncByteStream):
            raise TypeError("a synchronous transport answered with an asynchronous stream")
        response.stream = _BoundedStream(response.stream, request, self._max)
        return response

    def close(self) -> None:
        self._inner.close()


class _AsyncBoundedTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, max_bytes: int, proxy: str | None = None) -> None:
        self._inner, self._max, self._proxy = inner, max_bytes, proxy

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "https":
            _require_trust()
        try:
            response = await self._inner.handle_async_request(request)
        except _PROXY_ERRORS as exc:
            if self._proxy is None:
                raise
            raise ProxyFailedError(self._proxy, exc) from exc
        if _declared_too_long(response, self._max):
            await response.aclose()
            raise ResponseTooLarge(request, self._max)
        if not isinstance(response.stream, httpx.AsyncByteStream):
            raise TypeError("an asynchronous transport answered with a synchronous stream")
        response.stream = _AsyncBoundedStream(response.stream, request, self._max)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The verification context every client shares, built once and trusted lazily.

    It is what httpx builds by default (`ssl.create_default_context`: TLS client, hostname check,
    certificates required) except that the CA bundle is loaded by `_require_trust`, on the first
    https request: loading it costs ~20 ms of CPU, which a simulate run against `http://127.0.0.1`
    never needs, and a probe of 200 targets pays once. Until then the context trusts nothing, so
    a handshake can never succeed without the bundle (fail closed)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # check_hostname=True, CERT_REQUIRED
    keylog = os.environ.get("SSLKEYLOGFILE")  # as ssl.create_default_context does
    if keylog and not sys.flags.ignore_environment:
        ctx.keylog_filename = keylog
    return ctx


_trust_lock = threading.Lock()
_trusted = False


def _require_trust() -> None:
    """Load the CA bundle into `tls_context()` once, where httpx would take it from: SSL_CERT_FILE,
    SSL_CERT_DIR, else certifi's bundle."""
    global _trusted
    if _trusted:
        return
    with _trust_lock:
        if _trusted:
            return
        ctx = tls_context()
        if os.environ.get("SSL_CERT_FILE"):
            ctx.load_verify_locations(cafile=os.environ["SSL_CERT_FILE"])
        elif os.environ.get("SSL_CERT_DIR"):
            ctx.load_verify_locations(capath=os.environ["SSL_CERT_DIR"])
        else:
            import certifi

            ctx.load_verify_locations(cafile=certifi.where())
        _trusted = True


def _headers(extra: Mapping[str, str] | None) -> dict[str, str]:
    return {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **(extra or {})}


def client(*, timeout: float = DEFAULT_TIMEOUT, follow_redirects: bool = False,
           max_bytes: int = MAX_RESPONSE_BYTES, headers: Mapping[str, str] | None = None,
           transport: httpx.BaseTransport | None = None, base_url: str = "") -> httpx.Client:
    """A synchronous client with the defaults above; close it (`with net.client() as c:`)."""
    inner = transport if transport is not None else httpx.HTTPTransport(verify=tls_context())
    mounts = {} if transport is not None else _proxy_mounts(
        lambda url: _BoundedTransport(httpx.HTTPTransport(verify=tls_context(), proxy=url), max_bytes, proxy=url))
    return httpx.Client(timeout=timeout, follow_redirects=follow_redirects, headers=_headers(headers),
                        transport=_BoundedTransport(inner, max_bytes), base_url=base_url, mounts=mounts)


def async_client(*, timeout: float = DEFAULT_TIMEOUT, follow_redirects: bool = False,
                 max_bytes: int = MAX_RESPONSE_BYTES, headers: Mapping[str, str] | None = None,
                 transport: httpx.AsyncBaseTransport | None = None, base_url: str = "",
                 max_connections: int | None = None) -> httpx.AsyncClient:
    """The asynchronous twin of `client` (the sandbox fetches JWKS inside its event loop).
    `max_connections` sizes the connection pool (probe: a pool of walks, each with several
    requests in flight; httpx's default of 100 would queue them)."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections) \
        if max_connections is not None else httpx.Limits(max_connections=100, max_keepalive_connections=20)
    mounts: dict[str, httpx.AsyncBaseTransport | None] = {}
    if transport is not None:
        inner = transport
    else:
        inner = httpx.AsyncHTTPTransport(verify=tls_context(), limits=limits)
        mounts = _proxy_mounts(lambda url: _AsyncBoundedTransport(
            httpx.AsyncHTTPTransport(verify=tls_context(), limits=limits, proxy=url), max_bytes, proxy=url))
    return httpx.AsyncClient(timeout=timeout, follow_redirects=follow_redirects, headers=_headers(headers),
                             transport=_AsyncBoundedTransport(inner, max_bytes), base_url=base_url, mounts=mounts)


_T = TypeVar("_T")


def _proxy_mounts(make: Callable[[str], _T]) -> dict[str, _T | None]:
    """The proxies the environment names (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY), as httpx
    reads them, each through `make` (so the body cap holds through a proxy too).

    httpx applies them itself only when it builds its own transport; ours wraps the transport to
    cap the body, so without this a probe behind a corporate proxy would silently go direct. A
    NO_PROXY entry maps to None: the default (direct) transport. The private-address guard
    (`check_address`) still resolves the target's name here, so behind a proxy whose network
    alone can resolve it, only `--allow-private` lets the request go."""
    from httpx._utils import get_environment_proxies  # httpx's own parser of those variables

    from authmd_cli.core.errors import UsageError

    out: dict[str, _T | None] = {}
    for pattern, url in get_environment_proxies().items():
        if url is None:
            out[pattern] = None
            continue
        try:
            out[pattern] = make(url)
        except ImportError:  # httpx: SOCKS needs the optional socksio package
            raise UsageError(f"the proxy the environment names for {pattern} URLs, {_shown(url)}, is a SOCKS proxy, "
                             "which needs the `socksio` package (pip install 'httpx[socks]'); or unset "
                             "ALL_PROXY / HTTP_PROXY / HTTPS_PROXY") from None
        except (ValueError, httpx.InvalidURL) as exc:  # an unknown scheme, a malformed URL
            raise UsageError(f"the proxy the environment names for {pattern} URLs, {_shown(url)}, cannot be used: "
                             f"{exc}; fix or unset ALL_PROXY / HTTP_PROXY / HTTPS_PROXY") from None
    return out


def _shown(url: str) -> str:
    from authmd_cli.core.display import scrub

    return scrub(url)  # a proxy URL may carry user:password@


def check_proxies() -> None:
    """Raise UsageError (one line) when a proxy the environment names cannot be used, before any
    work starts (probe's worker processes would otherwise each fail on their first request)."""
    _proxy_mounts(lambda url: httpx.AsyncHTTPTransport(proxy=url))


# ----------------------------------------------------------------------------- probe-grade fetches
#
# `fetch` is what `probe` (and `simulate`) use against services they do not control: every
# limit holds whatever the server does.
# * redirects are followed by hand, so each hop's URL is checked before it is requested
#   (scheme, credentials in the URL, and the address guard after DNS resolution);
# * the body is read raw and decoded here (gzip/deflate) with zlib's `max_length`, so the size
#   cap holds after decompression: a gzip bomb is refused, never inflated;
# * one deadline per request covers connect, headers and the whole body, so a server that drips
#   a byte a second (each read within the read timeout) still ends on time;
# * a 429/503 with `Retry-After` is retried once when the wait fits the deadline;
# * an optional overall `deadline` (the probe's --deadline) bounds the whole chain: every hop,
#   the Retry-After wait and the retry are cut to the time left before it;
# * a URL is parsed once up front (`url_problem`) the way both `urlsplit` and httpx read it, so
#   no string a server sends (a Location, a link in a document) reaches the socket layer as an
#   impossible port or a half-open IP literal, where it would raise instead of being reported.


class FetchError(Exception):
    """Why a fetch produced no usable response (the message does not repeat the URL, which the
    hop carries). `kind` is stable (reports and tests name it):
    "invalid-url", "credentials-in-url", "scheme", "private-address", "dns", "connect", "tls",
    "timeout", "reset", "protocol", "too-large", "encoding", "redirect-loop", "too-many-redirects",
    "redirect-location" (a 3xx whose `Location` is no usable URL; the 3xx hop is kept before it),
    "deadline" (the caller's overall deadline ran out before this hop or retry)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class Hop:
    """One HTTP request and its response (or the error that ended it)."""

    method: str
    url: str
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    ms: float = 0.0
    error: FetchError | None = None
    retried_after: float | None = None  # seconds waited on a Retry-After before this answer

    def header(self, name: str) -> str | None:
        low = name.lower()
        return next((v for k, v in self.headers if k.lower() == low), None)


@dataclass(frozen=True)
class FetchLimits:
    timeout: float = DEFAULT_TIMEOUT  # per request: connect + headers + the whole body
    max_bytes: int = MAX_RESPONSE_BYTES  # decoded body size
    max_redirects: int = 5
    allow_private: bool = False  # loopback, private, link-local and other non-global addresses
    retry_after_max: float = 10.0  # never wait longer than this on one Retry-After


_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_BLOCKED_TEXT = {"loopback": "a loopback address", "private": "a private address",
                 "link-local": "a link-local address", "reserved": "a reserved address",
                 "multicast": "a multicast address", "unspecified": "an unspecified address"}


def address_class(ip: str) -> str | None:
    """None for a global unicast address; else why it is not one ("loopback", "private", …)."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    for name, flag in (("loopback", addr.is_loopback), ("link-local", addr.is_link_local),
                       ("unspecified", addr.is_unspecified), ("multicast", addr.is_multicast),
                       ("private", addr.is_private), ("reserved", addr.is_reserved)):
        if flag:
            return name
    return None if addr.is_global else "reserved"


def _split_problem(exc: ValueError) -> str:
    """urlsplit's complaint (`Invalid IPv6 URL`, `Port out of range 0-65535`, `Port could not be
    cast…`, `'zzz' does not appear to be an IPv4 or IPv6 address`) in words, with the RFC."""
    text = str(exc)
    if "port" in text.lower():
        return "the port is not a number from 0 to 65535 (RFC 3986 §3.2.3)"
    return "the bracketed IP literal of the host is malformed (RFC 3986 §3.2.2)"


def url_problem(url: str) -> str | None:
    """None when `url` is one URL to both parsers that handle it; else what is wrong, in words.

    `urlsplit` (the address guard, the walk) checks the port only when `.port` is read and takes
    `[v1.x]` for a host; httpx (the request) accepts ports past 65535, which the socket layer then
    raises on (OverflowError, inside an ExceptionGroup), reads `:+80` and `:1_0` as ports, and
    refuses control characters and malformed IDNA labels. A URL either parser refuses is never
    requested, so the guard and the connection always see the same host and port."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # RFC 3986 §3.2.3 port = *DIGIT; urlsplit checks it (and 0-65535) only when asked
    except ValueError as exc:
        return _split_problem(exc)
    try:
        httpx.URL(url)
    except httpx.InvalidURL as exc:
        if "IDNA" in str(exc):
            return "the host is not a valid internationalised domain name (RFC 5891)"
        return f"{str(exc).rstrip('.')} (RFC 3986)"
    except UnicodeError:
        if any("\ud800" <= ch <= "\udfff" for ch in url):  # RFC 8259 §8.2: a `\ud800` escape is no text
            return "the URL holds a character that cannot be sent (a lone UTF-16 surrogate)"
        return "the host is not a valid internationalised domain name (RFC 5891)"
    return None


async def check_address(url: str, *, allow_private: bool) -> None:
    """Raise `FetchError` unless `url` may be fetched: a valid (`url_problem`), absolute http(s)
    URL without credentials whose host resolves only to global addresses (or anything, with
    allow_private).

    Every address the name resolves to is checked, so a name with one private record is refused.
    httpx resolves the name again when it connects; a name whose records change in between (DNS
    rebinding) is outside what this guard can see."""
    problem = url_problem(url)
    if problem is not None:
        raise FetchError("invalid-url", f"not a valid URL: {problem}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("scheme" if parts.hostname else "invalid-url", f"not an absolute http(s) URL: {url}")
    if parts.username is not None or parts.password is not None:
        raise FetchError("credentials-in-url", "the URL carries credentials (user:password@); refused")
    if allow_private:
        return
    host = parts.hostname
    try:
        infos = [ipaddress.ip_address(host.strip("[]"))]
        addresses = [str(infos[0])]
    except ValueError:
        loop = asyncio.get_running_loop()
        try:
            found = await loop.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                           type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError("dns", f"cannot resolve {host}: {getattr(exc, 'strerror', None) or exc}") from None
        addresses = sorted({str(info[4][0]) for info in found})
    for ip in addresses:
        why = address_class(ip)
        if why is not None:
            raise FetchError("private-address", f"{host} resolves to {ip}, {_BLOCKED_TEXT[why]}; "
                             "refused (use --allow-private for a local service)")


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """RFC 9110 §10.2.3: delay-seconds or an HTTP-date (`now` = Unix time); None if unusable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


class _Decoder:
    """Content-Encoding decoding with a hard cap on the decoded size (RFC 9110 §8.4)."""

    def __init__(self, encoding: str, max_bytes: int, url: str) -> None:
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip() and c.strip().lower() != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise FetchError("encoding", f"unsupported Content-Encoding {encoding!r}")
        self._coding = codings[0] if codings else None
        self._z = zlib.decompressobj(16 + zlib.MAX_WBITS) if self._coding in ("gzip", "x-gzip") else (
            zlib.decompressobj() if self._coding == "deflate" else None)
        self._raw_deflate = False
        self._max, self._url = max_bytes, url
        self.out = bytearray()

    def _too_large(self) -> FetchError:
        return FetchError("too-large", f"the body is larger than {self._max} bytes"
                          + (" once decompressed" if self._coding else ""))

    def feed(self, chunk: bytes) -> None:
        if self._z is None:
            if len(self.out) + len(chunk) > self._max:
                raise self._too_large()
            self.out += chunk
            return
        room = self._max - len(self.out)
        try:
            data = self._z.decompress(chunk, room + 1)
        except zlib.error:
            if self._coding == "deflate" and not self.out and not self._raw_deflate:
                # RFC 9110 says zlib-wrapped; some servers send raw deflate.
                self._raw_deflate = True
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                self.feed(chunk)
                return
            raise FetchError("encoding", f"the {self._coding} body is corrupt") from None
        if len(data) > room:  # output stopped at max_length: there is more than the cap allows
            raise self._too_large()
        self.out += data

    def finish(self) -> bytes:
        if self._z is not None:
            tail = self._z.flush()
            if len(self.out) + len(tail) > self._max:
                raise self._too_large()
            self.out += tail
        return bytes(self.out)


def _classify(exc: BaseException, url: str) -> FetchError:
    if isinstance(exc, FetchError):
        return exc
    if isinstance(exc, ProxyFailedError):  # the same kind, but the message names the proxy, not the service
        inner = _classify(exc.cause, url)
        return FetchError(inner.kind, f"through the proxy {_shown(exc.proxy)}: {inner.message}")
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        # anyio's connect (happy eyeballs) raises the attempts' errors as a group: they are alike.
        return _classify(exc.exceptions[0], url)
    if isinstance(exc, OverflowError):  # socket.connect: a port past 65535 that got this far
        return FetchError("invalid-url", f"cannot request it: {exc}")
    if isinstance(exc, ResponseTooLarge):
        return FetchError("too-large", f"the body is larger than {exc.max_bytes} bytes")
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return FetchError("timeout", "no complete answer in time")
    if isinstance(exc, httpx.ConnectError):
        text = str(exc)
        low = text.lower()
        if "ssl" in low or "certificate" in low or "tls" in low:
            return FetchError("tls", f"TLS failure: {text}")
        if "name or service" in low or "nodename" in low or "getaddrinfo" in low or "resolv" in low:
            return FetchError("dns", "cannot resolve the host name")
        return FetchError("connect", f"cannot connect: {text or 'connection refused'}")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError | ConnectionError):
        return FetchError("reset", "the connection was closed or reset mid-answer")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return FetchError("invalid-url", f"cannot request it: {exc}")
    if isinstance(exc, httpx.HTTPError):
        return FetchError("protocol", f"HTTP failure: {exc}")
    if isinstance(exc, UnicodeError):  # httpx cannot encode the URL (a lone surrogate, RFC 8259 §8.2)
        return FetchError("invalid-url", "cannot request it: the URL holds a character that cannot be sent "
                          "(a lone UTF-16 surrogate)")
    raise exc


async def _one(client: httpx.AsyncClient, method: str, url: str, *, headers: Mapping[str, str] | None,
               content: bytes | None, limits: FetchLimits, timeout: float | None = None) -> Hop:
    """One request and its whole answer within `timeout` seconds (default: `limits.timeout`)."""
    started = time.monotonic()
    try:
        async with asyncio.timeout(limits.timeout if timeout is None else timeout):
            request = client.build_request(method, url, headers=headers, content=content)
            response = await _send_single(client, request)
            try:
                decoder = _Decoder(response.headers.get("content-encoding", ""), limits.max_bytes, url)
                if method != "HEAD":
                    async for chunk in response.aiter_raw():
                        decoder.feed(chunk)
                body = decoder.finish()
            finally:
                await response.aclose()
    except Exception as exc:  # classified: every network outcome is a FetchError, never a traceback
        return Hop(method, url, ms=(time.monotonic() - started) * 1000, error=_classify(exc, url))
    return Hop(method, url, response.status_code, tuple(response.headers.multi_items()), body,
               (time.monotonic() - started) * 1000)


async def _send_single(client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    """Send one request and return the unread answer, without httpx's redirect step.

    `AsyncClient.send` parses a 3xx's Location even when it follows no redirect (to offer
    `response.next_request`) and raises RemoteProtocolError on one it cannot parse, closing the
    answer: `Location: http://[::1/x` looked like a reset and the 3xx vanished from the trace.
    `fetch` follows redirects by hand and judges each Location itself, so it sends through
    httpx's single-request step (transport choice, proxies, timeouts, the body left unread as
    with `stream=True`); `send` stays the fallback should a later httpx rename that step."""
    single = getattr(client, "_send_single_request", None)
    if single is None:
        return await client.send(request, stream=True)
    response: httpx.Response = await single(request)
    return response


def _time_left(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.monotonic()


def _next_url(url: str, location: str) -> tuple[str, str | None]:
    """(the URL a Location sends to, why it cannot be requested or None). RFC 9110 §10.2.2: the
    value is a URI-reference, resolved against the URL requested (RFC 3986 §5); one that is no
    URI, or names an impossible port, leaves nothing to follow. The scheme and credentials are
    judged by `check_address`, like any other URL."""
    text = location.strip()
    try:
        nxt = urljoin(url, text)
    except ValueError as exc:  # urljoin splits both URLs: an unclosed `[` of an IP literal raises
        return text, _split_problem(exc)
    return nxt, url_problem(nxt)


async def fetch(client: httpx.AsyncClient, method: str, url: str, *, limits: FetchLimits,
                headers: Mapping[str, str] | None = None, content: bytes | None = None,
                wall_clock: Callable[[], float] = time.time, deadline: float | None = None) -> list[Hop]:
    """Request `url`, following redirects by hand; every hop in order, the last one the answer.

    Never raises for what the network or the server does: a refused URL, a timeout, a reset, an
    oversized or undecodable body, a loop or too many redirects, a Location that is no URL become
    the last hop's `error`. A 303 (and a 301/302 after a POST) continues with GET and no body, as
    browsers do. `deadline` (a `time.monotonic()` instant) bounds the whole chain: each hop's
    timeout, the Retry-After wait and the retry are cut to the time left before it."""
    hops: list[Hop] = []
    seen: set[str] = set()
    retried = False
    while True:
        try:
            await check_address(url, allow_private=limits.allow_private)
        except FetchError as err:
            hops.append(Hop(method, url, error=err))
            return hops
        left = _time_left(deadline)
        if left is not None and left <= 0:
            hops.append(Hop(method, url, error=FetchError("deadline", "the overall deadline ran out before "
                                                                      "this request")))
            return hops
        hop = await _one(client, method, url, headers=headers, content=content, limits=limits,
                         timeout=limits.timeout if left is None else min(limits.timeout, left))
        if hop.status in (429, 503) and not retried:
            wait = retry_after_seconds(hop.header("retry-after"), wall_clock())
            left = _time_left(deadline)
            # RFC 9110 §10.2.3: the server asks for `wait` seconds. Waiting less would ignore it;
            # waiting when the retry could not also finish before the deadline would only overrun
            # it (a retry as slow as the first answer must fit in what is left), so the answer
            # stands as it is.
            fits = left is None or (wait is not None and wait + hop.ms / 1000 < left)
            if wait is not None and wait <= min(limits.retry_after_max, limits.timeout) and fits:
                retried = True
                await asyncio.sleep(wait)
                left = _time_left(deadline)
                if left is None or left > 0:  # else the first answer stands: there is no time to ask again
                    again = await _one(client, method, url, headers=headers, content=content, limits=limits,
                                       timeout=limits.timeout if left is None else min(limits.timeout, left))
                    hop = replace(again, retried_after=wait)
        hops.append(hop)
        if hop.error is not None or hop.status not in _REDIRECTS:
            return hops
        location = hop.header("location")
        if not location:
            return hops  # a 3xx without Location is the answer itself (the caller reports it)
        nxt, problem = _next_url(url, location)
        if problem is not None:
            # The 3xx stays in the hops (it is what the server answered); the failure after it
            # names the Location, which may not even split into a URL.
            hops.append(Hop(method, nxt, error=FetchError(
                "redirect-location", f"the Location header names no usable URL (RFC 9110 §10.2.2): {problem}")))
            return hops
        seen.add(url)
        if nxt in seen:
            hops.append(Hop(method, nxt, error=FetchError("redirect-loop", f"redirect loop back to {nxt}")))
            return hops
        if len(hops) > limits.max_redirects:
            hops.append(Hop(method, nxt, error=FetchError(
                "too-many-redirects", f"more than {limits.max_redirects} redirects (next: {nxt})")))
            return hops
        if hop.status == 303 or (hop.status in (301, 302) and method == "POST"):
            method, content = "GET", None
        url = nxt


def describe_error(exc: BaseException) -> str:
    """What went wrong with a request, in words a user can act on (never an exception class name).

    The URL is not repeated: callers name it as the error's source."""
    if isinstance(exc, ResponseTooLarge):
        return f"the response is larger than {exc.max_bytes} bytes"
    if isinstance(exc, httpx.ConnectTimeout):
        return "timed out while connecting"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out waiting for the answer"
    if isinstance(exc, httpx.ConnectError):
        text = str(exc).lower()
        if "refused" in text:
            return "connection refused (is the server running, on that port?)"
        if any(s in text for s in ("name or service not known", "nodename nor servname", "getaddrinfo",
                                   "name resolution", "no address associated")):
            return "the host name does not resolve"
        if "certificate" in text or "ssl" in text or "tls" in text:
            return "the TLS handshake failed (certificate or protocol)"
        return "cannot connect to the server"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server closed the connection without a valid HTTP answer"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "not an http:// or https:// URL"
    if isinstance(exc, httpx.InvalidURL):
        return "not a valid URL"
    if isinstance(exc, httpx.TooManyRedirects):
        return "too many redirects"
    if isinstance(exc, httpx.NetworkError):
        return "the network connection failed"
    return "the request failed"
