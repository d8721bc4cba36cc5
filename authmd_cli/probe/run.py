"""Running probes: one or many targets, live (a bounded pool of concurrent walks) or replayed
from snapshots. The command line calls `probe_targets` / `replay`; both return one
`ProbeReport` per target, in the order the targets were given.

A probe is a network part (`gather`: the walk and the extra checks, mostly waiting) and a CPU
part (`judge`: the lint engine and the transport rules). One target runs both in the event
loop. Several targets: the walks share the event loop and each finished walk is judged in one
helper thread, so a pool slot moves on to its next target at once; with `jobs` > 1 and enough
targets the targets are spread over worker processes (`probe.workers`), each running this same
pool with its share of the slots."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from authmd_cli.lint.engine import LintOptions
from authmd_cli.probe.analyse import ProbeReport, analyse
from authmd_cli.probe.discovery import Discovery, WalkOptions, walk
from authmd_cli.probe.options import DEFAULT_CONCURRENCY, DEFAULT_DEADLINE, ProbeOptions
from authmd_cli.probe.target import Target

# The GIL switch interval while walks share a process with the judging thread (see probe_in_process);
# measured with bench/probe_latency.py: 0.5 ms against the default 5 ms takes 200 targets at 100 ms
# latency from ~1.47x to ~1.35x the ideal.
JUDGE_SWITCH_INTERVAL = 0.0005

__all__ = ["DEFAULT_CONCURRENCY", "DEFAULT_DEADLINE", "ProbeOptions", "Walked", "gather", "judge", "probe_in_process",
           "probe_one", "probe_targets", "probe_targets_async", "replay", "replay_report"]

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

    import httpx

    from authmd_cli.core.diagnostics import Finding, Report
    from authmd_cli.probe.analyse import LintInput
    from authmd_cli.probe.fetch import Fetcher


@dataclass(frozen=True)
class Walked:
    """What the network part of a probe gathered, before it is judged (`judge`)."""

    discovery: Discovery
    extra: list[tuple[str, Finding]]
    verified: dict[str, bool] | None
    # The lint report started before the walk's last step, in the helper thread (analyse.early_lint).
    early: Future[tuple[LintInput, Report]] | None = None


async def gather(target: Target, fetcher: Fetcher, options: ProbeOptions, *, checks: bool | None = None,
                 active: bool | None = None, helper: Executor | None = None) -> Walked:
    """The network part of one probe: the walk, then the requested extra checks. With a `helper`
    thread the auth.md is parsed there, and the fetched documents are linted there while the
    walk's last step is in flight (WalkOptions.parse_auth_md_in / before_last_step)."""
    from authmd_cli.probe.analyse import early_lint
    from authmd_cli.probe.checks import active_flow, check_endpoints

    early: list[Future[tuple[LintInput, Report]]] = []

    def before_last_step(found: Discovery) -> None:
        if helper is not None:
            early.append(helper.submit(early_lint, found, options.lint))

    d = await walk(target, fetcher, WalkOptions(api=options.api, parse_auth_md_in=helper,
                                                before_last_step=before_last_step if helper else None))
    extra: list[tuple[str, Finding]] = []
    verified = None
    if (options.check_endpoints if checks is None else checks) and d.reachable:
        extra += await check_endpoints(d, fetcher)
    if (options.active if active is None else active) and d.reachable:
        result = await active_flow(d, fetcher)
        extra += result.findings
        verified = result.verified
    return Walked(replace(d, exchanges=tuple(fetcher.exchanges)), extra, verified, early[0] if early else None)


def judge(walked: Walked, options: ProbeOptions) -> ProbeReport:
    """The CPU part: the lint engine and the transport rules over what was gathered. Pure. (The
    early lint report, when there is one, ran first in the same single helper thread, or is
    waited for here.)"""
    early = walked.early.result() if walked.early is not None else None
    return analyse(walked.discovery, options.lint, extra=walked.extra, verified=walked.verified, early=early)


async def probe_one(target: Target, fetcher: Fetcher, options: ProbeOptions, *, checks: bool | None = None,
                    active: bool | None = None) -> ProbeReport:
    """Walk one target with `fetcher`, run the requested extra checks, judge the result."""
    return judge(await gather(target, fetcher, options, checks=checks, active=active), options)


async def walk_indexed(target: Target, options: ProbeOptions, *, transport: httpx.AsyncBaseTransport | None = None,
                       helper: Executor | None = None) -> Walked:
    """One target's network part within its own deadline, with a client of its own."""
    from authmd_cli.core import net
    from authmd_cli.probe.fetch import LiveFetcher

    # A client (connection pool) per walk: targets are different hosts, and one shared pool
    # of hundreds of connections costs httpcore more bookkeeping than the requests.
    async with net.async_client(timeout=options.limits.timeout, max_bytes=options.limits.max_bytes,
                                transport=transport, max_connections=16) as client:
        fetcher = LiveFetcher(client, options.limits, deadline=time.monotonic() + options.deadline_s)
        return await gather(target, fetcher, options, helper=helper)


def finish_indexed(i: int, target: Target, count: int, walked: Walked,
                   options: ProbeOptions) -> tuple[ProbeReport, ProbeReport]:
    """Judge target `i` of `count`, save it when asked. Returns (the full report, what the run
    keeps: the slim report when `count` > 1, so memory stays bounded)."""
    report = judge(walked, options)
    if options.save is not None:
        from authmd_cli.probe.snapshot import save

        where = options.save if count == 1 else options.save / f"{i:03d}-{target.key}"
        save(where, target, report.discovery.exchanges)
    return report, (report.slim() if count > 1 else report)


async def probe_targets_async(targets: Sequence[Target], options: ProbeOptions, *,
                              on_done: Callable[[int, ProbeReport], None] | None = None,
                              transport: httpx.AsyncBaseTransport | None = None) -> list[ProbeReport]:
    """Probe every target, at most `options.concurrency` at a time, each within its own deadline.

    With `options.jobs` > 1 and enough targets the targets are shared out over worker processes
    (`probe.workers`; not with an injected `transport`, which lives in this process): the same
    reports in the same order, `on_done` still called here as each target finishes (with the
    report the run keeps)."""
    from authmd_cli.probe.workers import probe_sharded, worker_count

    workers = worker_count(len(targets), options) if transport is None else 1
    if workers > 1:
        loop = asyncio.get_running_loop()

        def done_here(i: int, report: ProbeReport) -> None:  # called in the reader thread
            if on_done is not None:
                loop.call_soon_threadsafe(on_done, i, report)

        # Forked from a thread: the child starts without this thread's running event loop. The
        # callbacks queued above run before the result does (the loop runs callbacks in order).
        # Cancelled (Ctrl-C), the reader thread stops the workers instead of waiting for them.
        import threading

        stop = threading.Event()
        try:
            return await asyncio.to_thread(probe_sharded, targets, options, workers, probe_in_process,
                                           on_done=done_here, stop=stop)
        finally:
            stop.set()
    return await probe_in_process(targets, options, on_done=on_done, transport=transport)


async def probe_in_process(targets: Sequence[Target], options: ProbeOptions, *,
                           on_done: Callable[[int, ProbeReport], None] | None = None,
                           transport: httpx.AsyncBaseTransport | None = None,
                           count: int | None = None,
                           next_index: Callable[[], int | None] | None = None) -> list[ProbeReport]:
    """The bounded pool in this event loop. By default every target, in order; a worker process
    passes `next_index` (the next target index no process has taken yet, None when none is left)
    and `count` (the whole run's target count), and gets back only the reports it made (their
    indices went to `on_done`)."""
    total = len(targets) if count is None else count
    results: list[ProbeReport | None] = [None] * len(targets)
    if next_index is None:
        order = iter(range(len(targets)))

        def take() -> int | None:
            return next(order, None)
    else:
        take = next_index

    def keep(i: int, full: ProbeReport, kept: ProbeReport) -> None:
        results[i] = kept
        if on_done is not None:
            on_done(i, full if next_index is None else kept)

    from concurrent.futures import ThreadPoolExecutor

    if total == 1:
        # One target: its auth.md parsed and its documents linted in a helper thread while the walk
        # waits on the network (the lint engine's ~10 ms overlaps the last step), then judged here.
        with _short_switch_interval(), ThreadPoolExecutor(1, thread_name_prefix="authmd-probe-judge") as helper:
            for i in iter(take, None):
                walked = await walk_indexed(targets[i], options, transport=transport, helper=helper)
                keep(i, *finish_indexed(i, targets[i], total, walked, options))
        return [r for r in results if r is not None]

    # Several targets: the pool bounds the walks (the requests in flight); each walk's judgement
    # (~10 ms of lint engine) runs in one helper thread, so its slot takes the next target at once
    # and the event loop keeps answering the other walks' responses meanwhile (it gets the GIL
    # back within the interpreter's switch interval) instead of every walk of a round waiting
    # behind every judgement of that round. At most `slots` walks wait to be judged (memory stays
    # bounded); `on_done` is still called in this event loop.

    slots = max(1, min(options.concurrency, len(targets)))
    backlog = asyncio.Semaphore(slots)
    loop = asyncio.get_running_loop()
    settling: list[asyncio.Task[None]] = []

    async def settle(i: int, walked: Walked) -> None:
        try:
            keep(i, *await loop.run_in_executor(judge_thread, finish_indexed, i, targets[i], total, walked,
                                                options))
        finally:
            backlog.release()

    async def slot() -> None:
        while (i := take()) is not None:
            walked = await walk_indexed(targets[i], options, transport=transport, helper=judge_thread)
            await backlog.acquire()
            settling.append(asyncio.ensure_future(settle(i, walked)))

    with _short_switch_interval(), ThreadPoolExecutor(1, thread_name_prefix="authmd-probe-judge") as judge_thread:
        await asyncio.gather(*(slot() for _ in range(slots)))
        await asyncio.gather(*settling)
    return [r for r in results if r is not None]


@contextmanager
def _short_switch_interval() -> Iterator[None]:
    """While the event loop shares the process with a parsing or judging thread: the loop thread
    gives up the GIL on every socket call and waits up to the switch interval to get it back
    (5 ms by default: a convoy that stalls the walks). A shorter interval bounds each wait."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, JUDGE_SWITCH_INTERVAL))
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def probe_targets(targets: Sequence[Target], options: ProbeOptions, *,
                  on_done: Callable[[int, ProbeReport], None] | None = None) -> list[ProbeReport]:
    from authmd_cli.probe.workers import probe_sharded, worker_count

    workers = worker_count(len(targets), options)
    if workers > 1:  # no event loop in this process: the workers run their own
        return probe_sharded(targets, options, workers, probe_in_process, on_done=on_done)
    from authmd_cli.core import aio

    return aio.run(probe_targets_async(targets, options, on_done=on_done))


def replay(directory: Path, options: ProbeOptions) -> list[ProbeReport]:
    """Re-run the analysis of saved snapshots (`--save DIR`), offline. The extra checks run when
    the snapshot holds their requests."""
    from authmd_cli.probe.fetch import ReplayFetcher
    from authmd_cli.probe.snapshot import load, snapshot_dirs

    async def go() -> list[ProbeReport]:
        out = []
        for sub in snapshot_dirs(directory):
            target, recorded = load(sub)
            checks = any(e.step.startswith("check:") for e in recorded)
            active = any(e.step.startswith("active:") for e in recorded)
            out.append(await probe_one(target, ReplayFetcher(recorded), replace(options, api=None),
                                       checks=checks, active=active))
        return out

    from authmd_cli.core import aio

    return aio.run(go())


def replay_report(directory: Path, lint: LintOptions) -> Report:
    """`authmd lint --snapshot DIR`: the findings of every saved target as one lint report."""
    from authmd_cli.core.diagnostics import Report
    from authmd_cli.core.net import FetchLimits

    merged = Report()
    for report in replay(directory, ProbeOptions(limits=FetchLimits(), lint=lint)):
        merged.documents.extend(report.report.documents)
        merged.extend(report.report.diagnostics)
    return merged.sorted()
