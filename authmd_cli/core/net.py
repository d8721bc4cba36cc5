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
  size bound wraps it too.

Callers import this module inside the functions that use it (httpx is heavy; `authmd --help`
must not load it) and catch `HTTPError`, which this module re-exports.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping

import httpx

from authmd_cli import __version__

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


class _BoundedTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, max_bytes: int) -> None:
        self._inner, self._max = inner, max_bytes

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
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
    def __init__(self, inner: httpx.AsyncBaseTransport, max_bytes: int) -> None:
        self._inner, self._max = inner, max_bytes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if _declared_too_long(response, self._max):
            await response.aclose()
            raise ResponseTooLarge(request, self._max)
        if not isinstance(response.stream, httpx.AsyncByteStream):
            raise TypeError("an asynchronous transport answered with a synchronous stream")
        response.stream = _AsyncBoundedStream(response.stream, request, self._max)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def _headers(extra: Mapping[str, str] | None) -> dict[str, str]:
    return {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **(extra or {})}


def client(*, timeout: float = DEFAULT_TIMEOUT, follow_redirects: bool = False,
           max_bytes: int = MAX_RESPONSE_BYTES, headers: Mapping[str, str] | None = None,
           transport: httpx.BaseTransport | None = None, base_url: str = "") -> httpx.Client:
    """A synchronous client with the defaults above; close it (`with net.client() as c:`)."""
    inner = transport if transport is not None else httpx.HTTPTransport()
    return httpx.Client(timeout=timeout, follow_redirects=follow_redirects, headers=_headers(headers),
                        transport=_BoundedTransport(inner, max_bytes), base_url=base_url)


def async_client(*, timeout: float = DEFAULT_TIMEOUT, follow_redirects: bool = False,
                 max_bytes: int = MAX_RESPONSE_BYTES, headers: Mapping[str, str] | None = None,
                 transport: httpx.AsyncBaseTransport | None = None, base_url: str = "") -> httpx.AsyncClient:
    """The asynchronous twin of `client` (the sandbox fetches JWKS inside its event loop)."""
    inner = transport if transport is not None else httpx.AsyncHTTPTransport()
    return httpx.AsyncClient(timeout=timeout, follow_redirects=follow_redirects, headers=_headers(headers),
                             transport=_AsyncBoundedTransport(inner, max_bytes), base_url=base_url)


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
