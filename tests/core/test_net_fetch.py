"""`core.net.fetch` (what probe and simulate use against services they do not control) against real
servers on 127.0.0.1: redirects by hand, loops and limits, the address guard, the decoded-size cap,
Retry-After; and its pure pieces, with property tests where inputs are open-ended."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import given
from hypothesis import strategies as st

from authmd_cli.core import net
from authmd_cli.core.net import FetchError, FetchLimits, address_class, retry_after_seconds

pytestmark = pytest.mark.e2e
PAYLOAD = b'{"ok": true}'
# `Location` values that are no usable URL (RFC 9110 §10.2.2: a URI-reference, RFC 3986): an
# unclosed or bogus IP literal (§3.2.2), a port that is not digits or is past 65535 (§3.2.3).
BAD_LOCATIONS = ["http://127.0.0.1:99999/x", "http://127.0.0.1:70000/x", "http://[::1]:99999/x", "http://[::1/x",
                 "http://::1]/x", "http://[zzz]/x", "//evil.invalid:abc/x", "http://127.0.0.1:-1/x",
                 "http://127.0.0.1:+80/x", "http://[::1]x/"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        p = self.path
        if p == "/ok":
            self._send(200, PAYLOAD, Content_Type="application/json")
        elif p.startswith("/hop/"):
            n = int(p.rsplit("/", 1)[1])
            self._send(302, Location=f"/hop/{n + 1}" if n < 9 else "/ok")
        elif p == "/loop-a":
            self._send(301, Location="/loop-b")
        elif p == "/loop-b":
            self._send(301, Location=f"http://127.0.0.1:{self.server.server_address[1]}/loop-a")
        elif p == "/to-credentials":
            self._send(302, Location="http://user:pw@127.0.0.1/ok")
        elif p == "/to-ftp":
            self._send(302, Location="ftp://127.0.0.1/x")
        elif p == "/gzip":
            self._send(200, gzip.compress(PAYLOAD), Content_Encoding="gzip")
        elif p == "/deflate-raw":
            c = zlib.compressobj(wbits=-zlib.MAX_WBITS)
            self._send(200, c.compress(PAYLOAD) + c.flush(), Content_Encoding="deflate")
        elif p == "/bomb":
            self._send(200, gzip.compress(b"0" * 5_000_000), Content_Encoding="gzip")
        elif p == "/brotli":
            self._send(200, b"xx", Content_Encoding="br")
        elif p == "/busy":
            self._send(503, b"busy", Retry_After="3600")
        elif p.startswith("/bad-location/"):
            self._send(302, Location=BAD_LOCATIONS[int(p.rsplit("/", 1)[1])])
        elif p == "/slow-busy":  # slow, then asks to come back later: the wait must fit the time left
            time.sleep(0.6)
            self._send(503, b"busy", Retry_After="2")
        elif p.startswith("/slow-hop/"):
            time.sleep(0.4)
            self._send(302, Location=f"/slow-hop/{int(p.rsplit('/', 1)[1]) + 1}")
        else:
            self._send(404)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._send(303, Location="/ok")


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def fetch(url: str, method: str = "GET", deadline_s: float | None = None, **limits: object) -> list[net.Hop]:
    async def go() -> list[net.Hop]:
        async with net.async_client() as client:
            lim = FetchLimits(**{"allow_private": True, "timeout": 5.0, **limits})  # type: ignore[arg-type]
            deadline = None if deadline_s is None else time.monotonic() + deadline_s
            return await net.fetch(client, method, url, limits=lim, content=b"x" if method == "POST" else None,
                                   deadline=deadline)
    return asyncio.run(go())


def test_redirects_are_followed_by_hand_and_every_hop_is_kept(origin: str) -> None:
    hops = fetch(f"{origin}/hop/7")
    assert [h.status for h in hops] == [302, 302, 302, 200]
    assert hops[-1].body == PAYLOAD and hops[-1].url == f"{origin}/ok"


def test_redirect_limit_and_loop_are_named(origin: str) -> None:
    hops = fetch(f"{origin}/hop/0", max_redirects=3)
    assert hops[-1].error is not None and hops[-1].error.kind == "too-many-redirects"
    loop = fetch(f"{origin}/loop-a")
    assert loop[-1].error is not None and loop[-1].error.kind == "redirect-loop"


@pytest.mark.parametrize(("path", "kind"), [("/to-credentials", "credentials-in-url"), ("/to-ftp", "scheme")])
def test_each_redirect_target_is_checked_before_it_is_requested(origin: str, path: str, kind: str) -> None:
    hops = fetch(origin + path)
    assert hops[-1].error is not None and hops[-1].error.kind == kind and hops[-1].status is None


@pytest.mark.parametrize("n", range(len(BAD_LOCATIONS)))
def test_an_unusable_location_is_a_redirect_location_failure_after_the_3xx_hop(origin: str, n: int) -> None:
    # Once an uncaught OverflowError (port 99999 reached the socket) or a "reset" (httpx's own
    # redirect parser choked on `http://[::1/x`) with the 302 lost.
    hops = fetch(f"{origin}/bad-location/{n}")
    assert [h.status for h in hops] == [302, None]
    assert hops[0].header("location") == BAD_LOCATIONS[n]
    last = hops[-1]
    assert last.error is not None and last.error.kind == "redirect-location", last.error
    assert "Location" in last.error.message


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/x", "https://localhost:99999/x", "http://127.0.0.1:70000/",
                                 "http://[::1/x", "http://[zzz]/x", "http://127.0.0.1:+80/x", "https://[v1.x]/",
                                 "http://127.0.0.1/\x7f", "http://a\x00b/x"])
@pytest.mark.parametrize("allow_private", [True, False])
def test_an_unusable_url_is_refused_as_invalid_never_raised(url: str, allow_private: bool) -> None:
    # The address guard read `.port` (ValueError past 65535) and httpx took `:+80` as port 80:
    # both now see one verdict, made before any name is resolved or socket opened.
    with pytest.raises(FetchError) as caught:
        asyncio.run(net.check_address(url, allow_private=allow_private))
    assert caught.value.kind == "invalid-url"
    hops = fetch(url, allow_private=allow_private)
    assert len(hops) == 1 and hops[0].error is not None and hops[0].error.kind == "invalid-url"


def test_an_exception_group_from_the_connect_is_classified() -> None:
    # anyio's connect (happy eyeballs) wraps each attempt's error in a group; socket.connect
    # raises OverflowError for a port past 65535.
    group = ExceptionGroup("connect", [OverflowError("connect(): port must be 0-65535.")])
    assert net._classify(group, "http://127.0.0.1:99999/").kind == "invalid-url"


def test_loopback_is_refused_without_allow_private(origin: str) -> None:
    hops = fetch(f"{origin}/ok", allow_private=False)
    assert len(hops) == 1 and hops[0].error is not None and hops[0].error.kind == "private-address"
    assert "loopback" in hops[0].error.message


def test_post_303_continues_with_get(origin: str) -> None:
    hops = fetch(f"{origin}/post", method="POST")
    assert [(h.method, h.status) for h in hops] == [("POST", 303), ("GET", 200)]


@pytest.mark.parametrize("path", ["/gzip", "/deflate-raw"])
def test_bodies_are_decoded_by_hand(origin: str, path: str) -> None:
    assert fetch(origin + path)[-1].body == PAYLOAD


def test_cap_holds_after_decompression_and_unknown_encodings_are_named(origin: str) -> None:
    bomb = fetch(f"{origin}/bomb", max_bytes=100_000)[-1]
    assert bomb.error is not None and bomb.error.kind == "too-large" and bomb.body == b""
    br = fetch(f"{origin}/brotli")[-1]
    assert br.error is not None and br.error.kind == "encoding"


def test_retry_after_beyond_the_limit_is_not_waited_for(origin: str) -> None:
    hops = fetch(f"{origin}/busy", retry_after_max=1.0)
    assert [h.status for h in hops] == [503] and hops[0].retried_after is None


def test_retry_after_is_not_waited_for_past_the_deadline(origin: str) -> None:
    # 0.6 s to answer, then "come back in 2 s": within the per-request timeout and the
    # Retry-After cap, but a wait and a retry would overrun the caller's deadline (1.5 s).
    started = time.monotonic()
    hops = fetch(f"{origin}/slow-busy", deadline_s=1.5)
    assert [h.status for h in hops] == [503] and hops[0].retried_after is None
    assert time.monotonic() - started < 1.5 + 1.0  # was 0.6 + 2 + 0.6 s


def test_redirect_hops_share_the_deadline(origin: str) -> None:
    # Each hop takes 0.4 s; every hop had the full timeout, so 5 hops ran past a 1 s deadline.
    started = time.monotonic()
    hops = fetch(f"{origin}/slow-hop/0", deadline_s=1.0)
    last = hops[-1]
    assert last.error is not None and last.error.kind in ("deadline", "timeout"), last.error
    assert len(hops) <= 4
    assert time.monotonic() - started < 1.0 + 1.0


@pytest.mark.parametrize(("ip", "why"), [
    ("127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("192.168.0.1", "private"), ("169.254.169.254", "link-local"),
    ("::1", "loopback"), ("fe80::1", "link-local"), ("::ffff:10.0.0.1", "private"), ("0.0.0.0", "unspecified"),
    ("224.0.0.1", "multicast"), ("100.64.0.1", "reserved"), ("93.184.216.34", None), ("2606:4700::1111", None),
])
def test_address_class(ip: str, why: str | None) -> None:
    assert address_class(ip) == why


def test_retry_after_forms() -> None:
    assert retry_after_seconds("120", 0.0) == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470.0) == 10.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490.0) == 0.0
    assert retry_after_seconds("soon", 0.0) is None and retry_after_seconds(None, 0.0) is None


@given(st.binary(max_size=4096), st.integers(min_value=1, max_value=5000), st.sampled_from(["", "gzip", "deflate"]))
def test_decoder_never_returns_more_than_the_cap(data: bytes, cap: int, coding: str) -> None:
    body = gzip.compress(data) if coding == "gzip" else zlib.compress(data) if coding == "deflate" else data
    decoder = net._Decoder(coding, cap, "http://x/")
    try:
        for i in range(0, len(body), 97):
            decoder.feed(body[i:i + 97])
        out = decoder.finish()
    except FetchError as err:
        assert err.kind == "too-large" and len(data) > cap
    else:
        assert out == data and len(out) <= cap


@pytest.mark.parametrize("url_tail", ["/ok\ud800", "/ok?x=\udc80"])
def test_a_lone_surrogate_in_the_url_is_a_classified_error_not_a_crash(origin: str, url_tail: str) -> None:
    # A document's `\ud800` escape becomes a URL httpx cannot encode: the fetch names it instead of raising.
    hops = fetch(origin + url_tail)
    assert len(hops) == 1 and hops[0].error is not None
    assert hops[0].error.kind == "invalid-url" and "surrogate" in str(hops[0].error)
