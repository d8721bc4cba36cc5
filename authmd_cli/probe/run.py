"""Running probes: one or many targets, live (a bounded pool of concurrent walks) or replayed
from snapshots. The command line calls `probe_targets` / `replay`; both return one
`ProbeReport` per target, in the order the targets were given."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from authmd_cli.lint.engine import LintOptions
from authmd_cli.probe.analyse import ProbeReport, analyse
from authmd_cli.probe.discovery import WalkOptions, walk
from authmd_cli.probe.target import Target

if TYPE_CHECKING:
    import httpx

    from authmd_cli.core.diagnostics import Report
    from authmd_cli.core.net import FetchLimits
    from authmd_cli.probe.fetch import Fetcher

DEFAULT_DEADLINE = 30.0  # seconds for one target's whole probe
DEFAULT_CONCURRENCY = 8


@dataclass(frozen=True)
class ProbeOptions:
    limits: FetchLimits
    lint: LintOptions = field(default_factory=LintOptions)
    api: str | None = None
    deadline_s: float = DEFAULT_DEADLINE
    concurrency: int = DEFAULT_CONCURRENCY
    check_endpoints: bool = False
    active: bool = False
    save: Path | None = None


async def probe_one(target: Target, fetcher: Fetcher, options: ProbeOptions, *, checks: bool | None = None,
                    active: bool | None = None) -> ProbeReport:
    """Walk one target with `fetcher`, run the requested extra checks, judge the result."""
    from authmd_cli.probe.checks import active_flow, check_endpoints

    d = await walk(target, fetcher, WalkOptions(api=options.api))
    extra = []
    verified = None
    if (options.check_endpoints if checks is None else checks) and d.reachable:
        extra += await check_endpoints(d, fetcher)
    if (options.active if active is None else active) and d.reachable:
        result = await active_flow(d, fetcher)
        extra += result.findings
        verified = result.verified
    d = replace(d, exchanges=tuple(fetcher.exchanges))
    return analyse(d, options.lint, extra=extra, verified=verified)


async def probe_targets_async(targets: Sequence[Target], options: ProbeOptions, *,
                              on_done: Callable[[int, ProbeReport], None] | None = None,
                              transport: httpx.AsyncBaseTransport | None = None) -> list[ProbeReport]:
    """Probe every target, at most `options.concurrency` at a time, each within its own deadline."""
    from authmd_cli.core import net
    from authmd_cli.probe.fetch import LiveFetcher

    gate = asyncio.Semaphore(max(1, options.concurrency))
    results: list[ProbeReport | None] = [None] * len(targets)

    async def one(i: int, target: Target) -> None:
        async with gate:
            # A client (connection pool) per walk: targets are different hosts, and one shared pool
            # of hundreds of connections costs httpcore more bookkeeping than the requests.
            async with net.async_client(timeout=options.limits.timeout, max_bytes=options.limits.max_bytes,
                                        transport=transport, max_connections=16) as client:
                fetcher = LiveFetcher(client, options.limits, deadline=time.monotonic() + options.deadline_s)
                report = await probe_one(target, fetcher, options)
            if options.save is not None:
                from authmd_cli.probe.snapshot import save

                where = options.save if len(targets) == 1 else options.save / f"{i:03d}-{target.key}"
                save(where, target, report.discovery.exchanges)
            # Several targets: keep what the output needs, not every body (memory stays bounded).
            results[i] = report.slim() if len(targets) > 1 else report
            if on_done is not None:
                on_done(i, report)

    await asyncio.gather(*(one(i, t) for i, t in enumerate(targets)))
    return [r for r in results if r is not None]


def probe_targets(targets: Sequence[Target], options: ProbeOptions, *,
                  on_done: Callable[[int, ProbeReport], None] | None = None) -> list[ProbeReport]:
    return asyncio.run(probe_targets_async(targets, options, on_done=on_done))


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

    return asyncio.run(go())


def replay_report(directory: Path, lint: LintOptions) -> Report:
    """`authmd lint --snapshot DIR`: the findings of every saved target as one lint report."""
    from authmd_cli.core.diagnostics import Report
    from authmd_cli.core.net import FetchLimits

    merged = Report()
    for report in replay(directory, ProbeOptions(limits=FetchLimits(), lint=lint)):
        merged.documents.extend(report.report.documents)
        merged.extend(report.report.diagnostics)
    return merged.sorted()
