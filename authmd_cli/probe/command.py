"""The body of `authmd probe` (the typer function in `cli/probe.py` only packs options).

Exit codes (the same as lint's, plus 3): 0 no errors, 1 errors (or warnings with --strict),
2 usage/config/input error or an internal failure (TL006), 3 the service could not be reached at
all (no request got an HTTP answer). With several targets the worst wins: 2, then 3, then 1.
"""

from __future__ import annotations

import codecs
import io
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from authmd_cli import __version__
from authmd_cli.core.errors import InputError, OutputError, UsageError
from authmd_cli.core.exit_codes import ExitCode
from authmd_cli.lint.engine import LintOptions
from authmd_cli.probe.analyse import ProbeReport
from authmd_cli.probe.target import Target, parse_target

FORMATS = ("text", "json", "jsonl", "sarif", "github")
MAX_TARGETS_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class CommandOptions:
    targets: tuple[str, ...] = ()
    from_file: str | None = None
    api: str | None = None
    fmt: str = "text"
    output: str | None = None
    color: bool | None = None
    strict: bool = False
    lint: LintOptions = field(default_factory=LintOptions)
    allow_private: bool = False
    timeout: float = 10.0
    deadline: float = 30.0
    max_bytes: int = 1024 * 1024
    max_redirects: int = 5
    concurrency: int = 8
    jobs: int = 1  # worker processes for many targets (probe.workers)
    save: str | None = None
    replay: str | None = None
    check_endpoints: bool = False
    active: bool = False
    yes: bool = False


def read_targets(opts: CommandOptions, read_stdin: Callable[[], bytes | None]) -> list[str]:
    """Arguments, then the lines of `--from-file` (`-` = stdin; blank lines and `#` comments skipped)."""
    out = list(opts.targets)
    if opts.from_file is not None:
        if opts.from_file == "-":
            data = read_stdin()
        else:
            try:
                with open(opts.from_file, "rb") as fh:
                    data = fh.read(MAX_TARGETS_FILE_BYTES + 1)
            except OSError as err:
                raise InputError(err.strerror or str(err), source=opts.from_file) from None
        if data is None or len(data) > MAX_TARGETS_FILE_BYTES:
            raise InputError("the target list is larger than 1 MiB", source=opts.from_file)
        for line in _decode_targets(data).splitlines():
            # U+FEFF also starts each file of a concatenation (`cat a.txt b.txt`); it is no white space.
            text = line.lstrip("\ufeff").split("#", 1)[0].strip()
            if text:
                out.append(text)
    return out


def _decode_targets(data: bytes) -> str:
    """The text of a target list: UTF-8 (a leading byte order mark dropped, as editors on Windows
    write it), or UTF-16 when a UTF-16 BOM says so (PowerShell's `>`). Line ends are any of
    LF, CRLF, CR (`str.splitlines`)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")


def _confirm_active(opts: CommandOptions, targets: Sequence[Target], confirm: Callable[[str], bool] | None) -> None:
    if not opts.active or opts.yes:
        return
    if confirm is None:
        raise UsageError("--active registers on the service and needs --yes when not run on a terminal")
    names = ", ".join(t.origin for t in targets[:3]) + (" …" if len(targets) > 3 else "")
    if not confirm(f"--active registers an anonymous agent on {names}, exchanges and revokes a token. Continue?"):
        raise UsageError("--active not confirmed; nothing was sent")


def exit_code(reports: Sequence[ProbeReport], strict: bool) -> int:
    codes = [r.exit_code(strict=strict) for r in reports]
    for worst in (ExitCode.USAGE, ExitCode.UNREACHABLE, ExitCode.FINDINGS):
        if int(worst) in codes:
            return int(worst)
    return int(ExitCode.OK)


def _refused_only(report: ProbeReport) -> str | None:
    """The refusal message when every request was refused as private (no --allow-private)."""
    ex = report.discovery.exchanges
    if ex and all(e.failure is not None and e.failure.kind == "private-address" for e in ex):
        failure = ex[0].failure
        return failure.message if failure is not None else None
    return None


def run_probe(opts: CommandOptions, *, read_stdin: Callable[[], bytes | None],
              confirm: Callable[[str], bool] | None, progress: TextIO | None, stdout: TextIO) -> int:
    """Probe (or replay), render to `stdout` (or `--output`), and return the exit code. The console
    comes in: `confirm` asks before --active (None: not a terminal), `progress` shows several targets."""
    from authmd_cli.core import net
    from authmd_cli.probe.run import ProbeOptions, probe_targets, replay

    if opts.fmt not in FORMATS:
        raise UsageError(f"unknown format {opts.fmt!r}; expected one of: {', '.join(FORMATS)}")
    for name, value in (("--timeout", opts.timeout), ("--deadline", opts.deadline)):
        if not value > 0:
            raise UsageError(f"{name} must be a positive number of seconds")
    net.check_proxies()
    limits = net.FetchLimits(timeout=opts.timeout, max_bytes=opts.max_bytes, max_redirects=opts.max_redirects,
                             allow_private=opts.allow_private)
    options = ProbeOptions(limits=limits, lint=opts.lint, deadline_s=opts.deadline, concurrency=opts.concurrency,
                           jobs=opts.jobs, check_endpoints=opts.check_endpoints, active=opts.active,
                           save=Path(opts.save) if opts.save else None)
    if opts.output is not None:  # before the probe, which may take minutes (core.files.output_problem)
        from authmd_cli.core.files import output_problem

        problem = output_problem(opts.output)
        if problem:
            raise OutputError(f"cannot write report: {problem}", source=opts.output)
    if options.save is not None:
        from authmd_cli.probe.snapshot import check_save_dir

        check_save_dir(options.save)
    if opts.replay is not None:
        if opts.targets or opts.from_file:
            raise UsageError("--replay DIR replays saved targets; give no targets with it")
        reports = replay(Path(opts.replay), options)
    else:
        texts = read_targets(opts, read_stdin)
        if not texts:
            raise UsageError("give a target (a domain, an origin or an API URL), --from-file FILE or --replay DIR")
        targets = [parse_target(t, api=opts.api) for t in texts]
        _confirm_active(opts, targets, confirm)
        done = [0]

        def on_done(i: int, report: ProbeReport) -> None:
            done[0] += 1
            if progress is not None:
                progress.write(f"\r[{done[0]}/{len(targets)}] {targets[i].origin:<60.60}")
                progress.flush()

        if options.save is not None:  # checked above; the earlier run's snapshots go now, not on refusal
            from authmd_cli.probe.snapshot import start_save

            start_save(options.save)
        reports = probe_targets(targets, options, on_done=on_done if len(targets) > 1 else None)
        if progress is not None and len(targets) > 1:
            progress.write("\n")
        if len(reports) == 1 and not opts.allow_private:
            refused = _refused_only(reports[0])
            if refused:
                raise UsageError(refused)
    write_reports(reports, opts, stdout)
    return exit_code(reports, opts.strict)


def write_reports(reports: Sequence[ProbeReport], opts: CommandOptions, stdout: TextIO) -> None:
    if opts.output is None:
        _render(reports, opts, stdout, to_file=False)
        return
    buf = io.StringIO()  # rendered first: opening the file truncates it (see cli.runner.emit)
    _render(reports, opts, buf, to_file=True)
    try:
        with open(opts.output, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(buf.getvalue())
    except OSError as err:
        raise OutputError(f"cannot write report: {err.strerror or err}", source=opts.output) from None


def _render(reports: Sequence[ProbeReport], opts: CommandOptions, stream: TextIO, *, to_file: bool) -> None:
    from authmd_cli.render import render
    from authmd_cli.render.text import should_color

    docs = [r.to_dict(__version__) for r in reports]
    if opts.fmt == "json":
        value = docs[0] if len(docs) == 1 else docs
        stream.write(json.dumps(value, indent=2, ensure_ascii=True) + "\n")
    elif opts.fmt == "jsonl":
        for doc in docs:
            stream.write(json.dumps(doc, ensure_ascii=True, separators=(",", ":")) + "\n")
    elif opts.fmt == "text":
        from authmd_cli.probe import text

        color = bool(opts.color) if to_file else should_color(stream, os.environ, opts.color)
        for i, (report, doc) in enumerate(zip(reports, docs, strict=True)):
            buf = io.StringIO()
            render(report.report, "text", stream=buf, color=color, tool_version=__version__, environ=os.environ)
            if i:
                stream.write("\n")
            text.render(doc, buf.getvalue(), stream)
    else:  # sarif / github: every target's findings in one report, located at the URLs
        from authmd_cli.core.diagnostics import Report
        from authmd_cli.lint.rules import REGISTRY

        merged = Report()
        for r in reports:
            merged.documents.extend(r.report.documents)
            merged.extend(r.report.diagnostics)
        render(merged.sorted(), opts.fmt, stream=stream, color=False, rules=dict(REGISTRY),
               tool_version=__version__, environ=os.environ)
