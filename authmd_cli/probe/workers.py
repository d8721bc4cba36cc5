"""Many targets over worker processes (`authmd probe --jobs N`).

A probe of one target waits on the network; a probe of hundreds is CPU-bound in one event loop
(parsing each auth.md, httpx's per-request work, the lint engine over what came back: ~25-30 ms of
CPU per target against a few hundred ms of waiting), so one core caps the rate whatever the
pool size. Here `jobs` processes each run their own event loop with their share of the pool
(`--concurrency` is the total, over all processes). Each slot of every worker takes the next
target index from one shared counter when it is free, so targets start in the order given,
as in one process, and a worker slowed by its targets simply takes fewer. Every finished
target's slim report (no bodies: `ProbeReport.slim`) comes back at once through a queue: the
caller's `on_done` is called as targets finish and the list is returned in input order, the
same reports as in one process.

Every request still goes through `core.net.fetch` inside the worker, with the same limits: the
address guard, the body cap, the per-request timeout and the overall deadline are per request
and per target, whichever process sends them. One target, or a few, never start a process.
"""

from __future__ import annotations

import asyncio
import queue
import signal
import threading
import traceback
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from authmd_cli.probe.analyse import ProbeReport
    from authmd_cli.probe.options import ProbeOptions
    from authmd_cli.probe.target import Target

# A worker process costs a fork and its own warm-up (imports, compiled schemas) on its first
# target: below this many targets per worker a process does not pay for itself.
MIN_TARGETS_PER_WORKER = 4
_POLL_S = 0.5  # how often the reader checks that the workers are alive while none answers


def worker_count(targets: int, options: ProbeOptions) -> int:
    """Processes to use: at most `options.jobs`, never more than the pool has slots (each worker
    needs one), and only with MIN_TARGETS_PER_WORKER targets each; 1 means this process."""
    return max(1, min(options.jobs, options.concurrency, targets // MIN_TARGETS_PER_WORKER))


def shares(concurrency: int, workers: int) -> list[int]:
    """`concurrency` slots split over `workers` as evenly as possible (the total is unchanged)."""
    base, extra = divmod(concurrency, workers)
    return [base + (1 if w < extra else 0) for w in range(workers)]


# What each worker runs (probe.run.probe_in_process: passed in, as probe.run imports this module):
# its event loop's share of the pool over the targets `next_index` hands out, reporting to `on_done`.
ShareRunner = Callable[..., Coroutine[Any, Any, list["ProbeReport"]]]


def probe_sharded(targets: Sequence[Target], options: ProbeOptions, workers: int, run_share: ShareRunner, *,
                  on_done: Callable[[int, ProbeReport], None] | None = None,
                  stop: threading.Event | None = None) -> list[ProbeReport]:
    """Probe `targets` in `workers` processes; reports in input order, `on_done(i, report)` in
    this thread as each arrives. A failure inside a worker is raised here (RuntimeError with the
    worker's traceback); the workers are stopped whatever happens, and as soon as `stop` is set
    (the caller was cancelled: what came back so far is returned)."""
    import multiprocessing

    # fork where the platform has it (as lint's pool): the workers inherit the imported modules
    # and warm caches; spawn elsewhere (every argument below pickles).
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    counter = ctx.Value("l", 0)  # the next target index no worker has taken
    results_q: Any = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(run_share, list(targets), replace(options, concurrency=share, jobs=1),
                                               counter, results_q), daemon=True, name=f"authmd-probe-{w}")
             for w, share in enumerate(shares(options.concurrency, workers))]
    results: list[ProbeReport | None] = [None] * len(targets)
    left = len(targets)
    try:
        for p in procs:
            p.start()
        while left and not (stop is not None and stop.is_set()):
            try:
                kind, i, payload = results_q.get(timeout=_POLL_S)
            except queue.Empty:
                dead = [p for p in procs if p.exitcode not in (None, 0)]
                if dead:
                    raise RuntimeError(f"probe worker {dead[0].name} exited with code {dead[0].exitcode}") from None
                continue
            if kind == "error":
                raise RuntimeError(f"probe worker failed on target {i}:\n{payload}")
            results[i] = payload
            left -= 1
            if on_done is not None:
                on_done(i, payload)
    finally:
        for p in procs:
            if left:
                p.terminate()
            p.join()
        results_q.close()
    return [r for r in results if r is not None]


def _worker(run_share: ShareRunner, targets: list[Target], options: ProbeOptions, counter: Any,
            results_q: Any) -> None:
    """One worker process: its own event loop, `options.concurrency` slots, targets taken from the
    shared counter; every report (or the traceback that ended a target) goes to `results_q`."""
    def take() -> int | None:
        with counter.get_lock():
            i = int(counter.value)
            if i >= len(targets):
                return None
            counter.value = i + 1
        return i

    current: list[int] = []

    def next_index() -> int | None:
        i = take()
        if i is not None:
            current.append(i)
        return i

    def done(i: int, report: ProbeReport) -> None:
        current.remove(i)
        results_q.put(("report", i, report))

    # Ctrl-C reaches the whole process group: the parent stops the workers (terminate), so a
    # worker does not print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        asyncio.run(run_share(targets, options, on_done=done, count=len(targets), next_index=next_index))
    except Exception:  # raised in the parent, with this traceback (the parent stops the others)
        results_q.put(("error", current[0] if current else -1, traceback.format_exc()))
    finally:
        results_q.close()
        results_q.join_thread()  # every report is in the pipe before the process ends
