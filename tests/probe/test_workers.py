"""Many targets over worker processes (`--jobs N`, probe.workers) against real servers on 127.0.0.1:
the same reports, in the same order, as one process; every target reported once as it finishes;
a failure inside a worker raised in the caller, never a hang. No timing is asserted."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from probe_sites import Answer, Routes, Site, clean_routes
from typer.testing import CliRunner

from authmd_cli.cli.app import app
from authmd_cli.core.net import FetchLimits
from authmd_cli.lint.engine import LintOptions
from authmd_cli.probe.analyse import ProbeReport
from authmd_cli.probe.run import ProbeOptions, probe_in_process, probe_targets
from authmd_cli.probe.target import Target, parse_target
from authmd_cli.probe.workers import probe_sharded, shares, worker_count

SiteFactory = Callable[[Callable[[str], Routes]], Site]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stable(report: ProbeReport) -> dict[str, Any]:
    """The report as JSON, without the one thing that differs between two runs: timings."""
    doc = report.to_dict("test")
    for hop in doc["trace"]:
        hop.pop("ms")
    return doc


def _mixed_targets(sandbox: Callable[[str], str], site: SiteFactory) -> list[Target]:
    """Clean and broken services of several generations, a bare origin, an unreachable port: each
    report differs from its neighbours, so a report in the wrong place cannot go unnoticed."""
    latest, dialect_a = sandbox("v0.7-B"), sandbox("v0.7-A")
    old = site(lambda o: clean_routes(o, "v0.6")).origin
    html = site(lambda o: {**clean_routes(o), "/auth.md": Answer(200, "<!doctype html><html></html>",
                                                                  {"Content-Type": "text/html"})})
    gone = site(lambda o: {**clean_routes(o), "/agent/identity": Answer(404, "", {"Content-Type": "text/plain"})})
    texts = [f"{latest}/api", f"{html.origin}/api", old, f"http://127.0.0.1:{_closed_port()}/api", gone.origin,
             latest, f"{gone.origin}/api", f"{old}/api", html.origin, f"{dialect_a}/api"]
    return [parse_target(t) for t in texts]


def _options(jobs: int, **kw: Any) -> ProbeOptions:
    return ProbeOptions(**{"limits": FetchLimits(allow_private=True, timeout=5), "concurrency": 3, "deadline_s": 20,
                           "jobs": jobs, **kw})


def test_processes_give_the_same_reports_in_the_same_order(sandbox: Callable[[str], str],
                                                           site: SiteFactory) -> None:
    targets = _mixed_targets(sandbox, site)
    assert worker_count(len(targets), _options(2)) == 2  # really sharded, not quietly one process
    done: list[int] = []
    one = [_stable(r) for r in probe_targets(targets, _options(1))]
    two = [_stable(r) for r in probe_targets(targets, _options(2), on_done=lambda i, _r: done.append(i))]
    assert two == one
    assert [d["target"]["given"] for d in two] == [t.given for t in targets]
    assert len({json.dumps(d["diagnostics"]) for d in one}) >= 4  # the targets' reports do differ
    assert sorted(done) == list(range(len(targets)))  # each target reported once, as it finished


def test_three_workers_over_an_uneven_pool_and_the_async_entry_agree(sandbox: Callable[[str], str],
                                                                     site: SiteFactory) -> None:
    import asyncio

    from authmd_cli.probe.run import probe_targets_async

    targets = _mixed_targets(sandbox, site) * 2
    base = [_stable(r) for r in probe_targets(targets, _options(1, concurrency=5))]
    three = probe_sharded(targets, _options(3, concurrency=5), 3, probe_in_process)
    done: list[int] = []
    from_loop = asyncio.run(probe_targets_async(targets, _options(2, concurrency=5),
                                                on_done=lambda i, _r: done.append(i)))
    assert [_stable(r) for r in three] == base
    assert [_stable(r) for r in from_loop] == base
    assert sorted(done) == list(range(len(targets)))


def test_reports_from_workers_keep_no_bodies(sandbox: Callable[[str], str], site: SiteFactory) -> None:
    reports = probe_targets(_mixed_targets(sandbox, site), _options(2))
    assert all(h.body == b"" for r in reports for e in r.discovery.exchanges for h in e.hops)
    assert all(r.discovery.documents == {} for r in reports)


def test_save_from_workers_replays_to_the_same_reports(sandbox: Callable[[str], str], site: SiteFactory,
                                                       tmp_path: Path) -> None:
    from authmd_cli.probe.run import replay

    targets = _mixed_targets(sandbox, site)
    live = probe_targets(targets, _options(2, save=tmp_path / "snap"))
    again = replay(tmp_path / "snap", _options(1))
    assert [r.report.diagnostics for r in again] == [r.report.diagnostics for r in live]


def test_a_failure_inside_a_worker_is_raised_not_hung(sandbox: Callable[[str], str]) -> None:
    origin = sandbox("v0.7-B")
    targets = [parse_target(f"{origin}/api")] * 8
    broken = _options(2, lint=LintOptions(profile="no-such-profile"))  # the lint engine raises on it
    with pytest.raises(KeyError):
        probe_targets(targets, _options(1, lint=LintOptions(profile="no-such-profile")))
    with pytest.raises(RuntimeError, match="KeyError"):
        probe_targets(targets, broken)


@pytest.mark.parametrize(("targets", "jobs", "concurrency", "expected"), [
    (1, 8, 32, 1),  # one target never starts a process
    (7, 2, 32, 1),  # too few targets to pay for a second process
    (8, 2, 32, 2),
    (200, 2, 32, 2),
    (200, 8, 3, 3),  # each worker needs a slot of the pool
    (200, 1, 32, 1),
])
def test_worker_count(targets: int, jobs: int, concurrency: int, expected: int) -> None:
    opts = ProbeOptions(limits=FetchLimits(), concurrency=concurrency, jobs=jobs)
    assert worker_count(targets, opts) == expected


def test_shares_keep_the_pool_total() -> None:
    assert shares(32, 2) == [16, 16]
    assert shares(5, 2) == [3, 2]
    assert shares(7, 3) == [3, 2, 2]


def test_cli_jobs_prints_the_same_jsonl(sandbox: Callable[[str], str], site: SiteFactory, tmp_path: Path) -> None:
    listing = tmp_path / "targets.txt"
    listing.write_text("\n".join(t.given for t in _mixed_targets(sandbox, site)) + "\n", encoding="utf-8")
    args = ["probe", "--allow-private", "--timeout", "5", "-f", "jsonl", "--concurrency", "3", "--from-file",
            str(listing)]
    one = CliRunner().invoke(app, [*args, "--jobs", "1"])
    two = CliRunner().invoke(app, [*args, "--jobs", "2"])

    def lines(output: str) -> list[dict[str, Any]]:
        out = []
        for line in output.strip().splitlines():
            doc = json.loads(line)
            for hop in doc["trace"]:
                hop.pop("ms")
            out.append(doc)
        return out

    assert one.exit_code == two.exit_code == 3  # the unreachable target is the worst outcome
    assert lines(two.output) == lines(one.output)
    assert len(lines(one.output)) == 10


# ---------------------------------------------------------------- the lint report started before the last step


def _walked(target: str) -> Any:
    """A live walk with a helper thread, as the pool runs it: (Walked, the options)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from authmd_cli.probe.run import walk_indexed

    opts = _options(1)
    with ThreadPoolExecutor(1) as helper:
        walked = asyncio.run(walk_indexed(parse_target(target), opts, helper=helper))
        assert walked.early is not None
        walked.early.result()
    return walked, opts


def test_the_early_lint_report_is_used_and_equals_a_lint_of_the_finished_walk(site: SiteFactory) -> None:
    from authmd_cli.probe.analyse import analyse, lint_input
    from authmd_cli.probe.run import judge

    s = site(lambda o: {**clean_routes(o), "/agent/identity": Answer(404, "", {"Content-Type": "text/plain"}),
                        "/auth.md": Answer(200, "# Agent registration\n\nNothing here yet.\n",
                                           {"Content-Type": "text/markdown"})})
    walked, opts = _walked(f"{s.origin}/api")
    given, _report = walked.early.result()
    assert given.same_as(lint_input(walked.discovery, opts.lint))  # the walk's last step changed no input
    with_early = judge(walked, opts)
    without = analyse(walked.discovery, opts.lint, extra=walked.extra, verified=walked.verified)
    assert _stable(with_early) == _stable(without)
    assert {d.code for d in without.report.diagnostics} >= {"PR013"}  # findings of both kinds are there
    assert any(not d.code.startswith("PR") for d in without.report.diagnostics)


def test_an_early_report_for_other_documents_is_not_used(site: SiteFactory) -> None:
    from authmd_cli.probe.analyse import analyse

    clean = site(clean_routes)
    broken = site(lambda o: {**clean_routes(o), "/auth.md": Answer(200, "# Agent registration\n",
                                                                    {"Content-Type": "text/markdown"})})
    walked, opts = _walked(f"{clean.origin}/api")
    other, _ = _walked(f"{broken.origin}/api")
    stale = other.early.result()
    leaked = {d.code for d in stale[1].diagnostics if d.code.startswith("MD")}
    assert leaked  # what would leak if the stale report were used (a stub auth.md's findings)
    assert not stale[0].same_as(walked.early.result()[0])
    judged = analyse(walked.discovery, opts.lint, early=stale)
    assert _stable(judged) == _stable(analyse(walked.discovery, opts.lint))
    assert not leaked & {d.code for d in judged.report.diagnostics}  # they did not leak in


def test_cancelling_the_async_entry_stops_the_workers(site: SiteFactory) -> None:
    import asyncio
    import multiprocessing

    from authmd_cli.probe.run import probe_targets_async

    s = site(lambda o: {**clean_routes(o), "/api": Answer(behaviour="hang")})  # the walks never finish
    targets = [parse_target(f"{s.origin}/api")] * 8

    async def cancel_midway() -> None:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(probe_targets_async(targets, _options(2)), timeout=1.0)

    asyncio.run(cancel_midway())  # returns once the reader thread has stopped and joined the workers
    assert multiprocessing.active_children() == []


def test_a_set_stop_ends_the_run_with_what_came_back(sandbox: Callable[[str], str]) -> None:
    import multiprocessing
    import threading

    origin = sandbox("v0.7-B")
    stop = threading.Event()
    stop.set()
    got = probe_sharded([parse_target(f"{origin}/api")] * 8, _options(2), 2, probe_in_process, stop=stop)
    assert got == []  # nothing was waited for
    assert multiprocessing.active_children() == []
