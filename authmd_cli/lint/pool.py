"""Run lint units over worker processes, results in input order (`authmd lint --jobs N`).

Linting is CPU-bound Python, so threads would not help; each worker process loads and lints
whole units (a site, a loose file) and sends back only their `Report`, never the documents.
`imap` keeps the input order whatever order the workers finish in, so `--jobs N` prints the
same report as `--jobs 1`. A few units, or one job, run in this process (no pool to start).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def default_jobs() -> int:
    """The CPUs this process may run on (the affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def ordered_map(fn: Callable[[T], R], items: Sequence[T], *, jobs: int = 1) -> Iterator[R]:
    """`map(fn, items)`, spread over `jobs` processes when that can help; lazy either way, so
    the caller holds one result at a time. `fn` must be picklable (a module-level function or
    a functools.partial of one); an exception in a worker is raised here, at its item."""
    # A worker starts cold (it imports the parser and the schema library on its first unit), so
    # each gets at least two units; a site or two is faster in this process.
    workers = min(jobs, len(items) // 2)
    if workers <= 1:
        yield from map(fn, items)
        return
    import multiprocessing  # only when there is a pool to start (a one-file lint never does)

    # fork where the platform has it: the workers inherit the imported modules and warm caches
    # instead of importing everything again (spawn costs a fresh interpreter per worker).
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    # Units take milliseconds: batch them so inter-process traffic stays small, but keep enough
    # batches per worker that one slow batch does not leave the others idle at the end.
    chunk = max(1, min(16, len(items) // (workers * 8)))
    with ctx.Pool(workers) as pool:
        yield from pool.imap(fn, items, chunksize=chunk)
