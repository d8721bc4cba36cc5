"""`authmd probe`: options only; the body is `authmd_cli.probe.command.run_probe` (httpx and the
probe package load only inside it)."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from authmd_cli.cli.runner import read_stdin, run, split_list


def probe_command(  # noqa: PLR0917 - typer maps parameters to options
    targets: Annotated[list[str] | None, typer.Argument(
        help="Domains (example.com), origins (https://example.com:8443) or API URLs "
             "(https://api.example.com/v1/me).", show_default=False, metavar="TARGET")] = None,
    from_file: Annotated[str | None, typer.Option(
        "--from-file", metavar="FILE", help="Read more targets from FILE, one per line (- for stdin).",
        show_default=False)] = None,
    api: Annotated[str | None, typer.Option(
        "--api", metavar="URL", help="The API URL to request without a token first (default: the target's URL, "
                                     "else the PRM's resource).", show_default=False)] = None,
    fmt: Annotated[str | None, typer.Option(
        "--format", "-f", metavar="FORMAT", help="text, json, jsonl (one line per target), sarif or github "
                                                 "(default: github under GitHub Actions, else text).",
        show_default=False)] = None,
    output: Annotated[str | None, typer.Option(
        "--output", "-o", metavar="FILE", help="Write the report to this file instead of stdout.",
        show_default=False)] = None,
    profile: Annotated[str | None, typer.Option(
        "--profile", "-p", metavar="PROFILE", help="Judge the documents against this profile (default: detect).",
        show_default=False)] = None,
    select: Annotated[list[str] | None, typer.Option(
        "--select", metavar="RULES", help="Only these rules: codes, names or prefixes (PR, DS, …).",
        show_default=False)] = None,
    ignore: Annotated[list[str] | None, typer.Option(
        "--ignore", metavar="RULES", help="Skip these rules; comma-separated, repeatable.", show_default=False)] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail the run (exit 1).")] = False,
    allow_private: Annotated[bool, typer.Option(
        "--allow-private", help="Allow loopback, private and link-local addresses (a local service).")] = False,
    timeout: Annotated[float, typer.Option(
        "--timeout", metavar="SECONDS", help="Per request, body included.")] = 10.0,
    deadline: Annotated[float, typer.Option(
        "--deadline", metavar="SECONDS", help="For one target's whole probe.")] = 30.0,
    max_bytes: Annotated[int, typer.Option(
        "--max-bytes", metavar="BYTES", min=1024, help="Largest body accepted, after decompression.")] = 1024 * 1024,
    max_redirects: Annotated[int, typer.Option(
        "--max-redirects", metavar="N", min=0, max=20, help="Redirects followed per request.")] = 5,
    concurrency: Annotated[int, typer.Option(
        "--concurrency", metavar="N", min=1, max=256, help="Targets probed at the same time.")] = 8,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, metavar="N",
        help="Probe many targets in N processes (default: the number of CPUs; --concurrency is the total); "
             "the report is the same.", show_default=False)] = None,
    save: Annotated[str | None, typer.Option(
        "--save", metavar="DIR", help="Store every response (status, headers, body) for --replay.",
        show_default=False)] = None,
    replay: Annotated[str | None, typer.Option(
        "--replay", metavar="DIR", help="Analyse a --save snapshot offline instead of probing.",
        show_default=False)] = None,
    check_endpoints: Annotated[bool, typer.Option(
        "--check-endpoints", help="Also POST requests every live endpoint must refuse (changes nothing on a "
                                  "correct service; counted as requests with side effects).")] = False,
    active: Annotated[bool, typer.Option(
        "--active", help="Also register anonymously, exchange the assertion, call the API and revoke the token "
                         "(asks first; never claims).")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before --active.")] = False,
    color: Annotated[bool | None, typer.Option(
        "--color/--no-color", help="Force colour on or off (default: on a terminal, unless NO_COLOR).",
        show_default=False)] = None,
) -> None:
    """Walk a live service the way an agent does and report what it meets.

    Example:

    \b
      authmd probe example.com
      authmd probe http://127.0.0.1:8000/api --allow-private --check-endpoints
      (the trace, the findings, the capability table: README "authmd probe")

    Read-only by default (GET only). Exit codes: 0 no errors, 1 errors found (or warnings with
    --strict, or the service could not be assessed), 2 usage or input error, 3 the service could
    not be reached at all.
    """

    def body() -> int:
        from authmd_cli.core.errors import UsageError
        from authmd_cli.lint.engine import LintOptions
        from authmd_cli.lint.pool import default_jobs
        from authmd_cli.probe.command import CommandOptions, run_probe
        from authmd_cli.protocol.profiles import resolve
        from authmd_cli.render import default_format

        if profile is not None:
            try:
                resolve(profile)
            except KeyError as err:
                raise UsageError(str(err.args[0])) from None
        from authmd_cli.lint.config import resolve_flag_rules

        lint = LintOptions(profile=profile, select=resolve_flag_rules(split_list(select), "--select"),
                           ignore=resolve_flag_rules(split_list(ignore), "--ignore"))
        opts = CommandOptions(
            targets=tuple(targets or ()), from_file=from_file, api=api, fmt=fmt or default_format(os.environ),
            output=output, color=color, strict=strict, lint=lint, allow_private=allow_private, timeout=timeout,
            deadline=deadline,
            max_bytes=max_bytes, max_redirects=max_redirects, concurrency=concurrency, jobs=jobs or default_jobs(),
            save=save, replay=replay,
            check_endpoints=check_endpoints, active=active, yes=yes)
        tty = sys.stdin.isatty() and sys.stderr.isatty()

        def confirm(question: str) -> bool:
            return bool(typer.confirm(question, default=False, err=True))

        return run_probe(opts, read_stdin=read_stdin, confirm=confirm if tty else None,
                         progress=sys.stderr if sys.stderr.isatty() else None, stdout=sys.stdout)

    run(body)


def register(app: typer.Typer) -> None:
    app.command("probe")(probe_command)
