"""Fetchers: how the discovery walk gets its answers.

`Fetcher` is the one interface the walk uses (`await fetcher.fetch(step, url, …)` -> `Exchange`),
so the same walk runs against the network (`LiveFetcher`, through `core.net.fetch`) and against a
saved snapshot (`ReplayFetcher`, `--replay DIR`). Both record every exchange in request order:
that list is the trace. A fetcher never raises for what a server does; failures are data.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from authmd_cli.probe.model import Exchange, Failure, Hop

if TYPE_CHECKING:
    import httpx

    from authmd_cli.core.net import FetchLimits


class Fetcher(Protocol):
    exchanges: list[Exchange]

    async def fetch(self, step: str, url: str, *, method: str = "GET", headers: Mapping[str, str] | None = None,
                    content: bytes | None = None, side_effect: bool = False, after: Exchange | None = None,
                    note: str = "") -> Exchange: ...


@dataclass
class _Recorder:
    """Numbers each request when it is *sent* and keeps `exchanges` in that order, so the trace
    (and a replay of it) does not depend on which concurrent answer came first."""

    exchanges: list[Exchange] = field(default_factory=list)
    _sent: int = 0

    def _reserve(self) -> int:
        self._sent += 1
        return self._sent - 1

    def _record(self, index: int, step: str, method: str, url: str, hops: Sequence[Hop], *, side_effect: bool,
                after: Exchange | None, note: str, headers: Mapping[str, str] | None) -> Exchange:
        ex = Exchange(index, step, method, url, tuple(hops), side_effect,
                      after.index if after is not None else None, note,
                      tuple((headers or {}).items()))
        self.exchanges.append(ex)
        self.exchanges.sort(key=lambda e: e.index)
        return ex


class LiveFetcher(_Recorder):
    """Fetches over the network with `core.net.fetch` and the given limits.

    `deadline` is a `time.monotonic()` instant after which nothing more is requested (each
    request's own timeout, its redirect hops, a Retry-After wait and the retry are cut to what is
    left), so a whole probe ends on time however many slow servers it meets. GETs of the same URL
    are made once and shared (the `skill` URL is usually the auth.md already fetched)."""

    def __init__(self, client: httpx.AsyncClient, limits: FetchLimits, *, deadline: float | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._client, self._limits, self._deadline, self._now = client, limits, deadline, monotonic
        self._gets: dict[str, asyncio.Future[Exchange]] = {}

    async def fetch(self, step: str, url: str, *, method: str = "GET", headers: Mapping[str, str] | None = None,
                    content: bytes | None = None, side_effect: bool = False, after: Exchange | None = None,
                    note: str = "") -> Exchange:
        if method == "GET" and not headers and url in self._gets:
            return await self._gets[url]
        pending: asyncio.Future[Exchange] | None = None
        if method == "GET" and not headers:
            pending = asyncio.get_running_loop().create_future()
            self._gets[url] = pending
        index = self._reserve()
        hops = await self._hops(method, url, headers, content)
        ex = self._record(index, step, method, url, hops, side_effect=side_effect, after=after, note=note,
                          headers=headers)
        if pending is not None:
            pending.set_result(ex)
        return ex

    async def _hops(self, method: str, url: str, headers: Mapping[str, str] | None,
                    content: bytes | None) -> list[Hop]:
        from dataclasses import replace

        from authmd_cli.core import net

        limits = self._limits
        until: float | None = None
        if self._deadline is not None:
            left = self._deadline - self._now()
            if left <= 0:
                return [Hop(method, url, failure=Failure("deadline", "the probe's overall deadline ran out "
                                                         "before this request"))]
            limits = replace(limits, timeout=min(limits.timeout, left))
            # The deadline bounds the whole exchange, not only its first hop: a Retry-After wait,
            # the retry and every redirect hop are cut to it too (on net.fetch's clock).
            until = time.monotonic() + left
        answers = await net.fetch(self._client, method, url, limits=limits, headers=headers, content=content,
                                  deadline=until)
        return [Hop(a.method, a.url, a.status, a.headers, a.body, a.ms,
                    None if a.error is None else Failure(a.error.kind, a.error.message), a.retried_after)
                for a in answers]


class ReplayFetcher(_Recorder):
    """Answers from a snapshot (`--replay DIR`): the walk makes the same requests in the same order
    and gets the recorded answers; a request the snapshot does not hold fails as "not-in-snapshot"."""

    def __init__(self, recorded: Sequence[Exchange]) -> None:
        super().__init__()
        self._left: list[Exchange] = list(recorded)
        self._gets: dict[str, Exchange] = {}

    async def fetch(self, step: str, url: str, *, method: str = "GET", headers: Mapping[str, str] | None = None,
                    content: bytes | None = None, side_effect: bool = False, after: Exchange | None = None,
                    note: str = "") -> Exchange:
        shared = method == "GET" and not headers
        if shared and url in self._gets:  # a GET made once live and shared: shared again
            return self._gets[url]
        index = self._reserve()
        hops: tuple[Hop, ...] | None = None
        for i, ex in enumerate(self._left):
            if ex.method == method and ex.url == url:
                hops = ex.hops
                del self._left[i]
                break
        if hops is None:
            hops = (Hop(method, url, failure=Failure("not-in-snapshot", f"the snapshot holds no {method} {url}")),)
        answer = Exchange(index, step, method, url, hops, side_effect, after.index if after is not None else None,
                          note, tuple((headers or {}).items()))
        if shared:
            self._gets[url] = answer
        # Yield once, as a live request does, so concurrent requests are numbered in the same order.
        await asyncio.sleep(0)
        self.exchanges.append(answer)
        self.exchanges.sort(key=lambda e: e.index)
        return answer
