"""`authmd lint`: options, `--list-rules`, `--explain`; the body calls the lint engine and a renderer."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from authmd_cli.cli.runner import check_format, echo_json, emit, one_line, read_stdin, run, split_list
from authmd_cli.core.errors import UsageError
from authmd_cli.core.exit_codes import ExitCode

if TYPE_CHECKING:
    from authmd_cli.lint.rules.base import Rule


LINT_FORMATS = ("text", "json", "sarif", "github")


def _rule_registry() -> dict[str, Rule]:
    from authmd_cli.lint.rules import REGISTRY

    return REGISTRY


def _list_rules(fmt: str) -> int:
    from authmd_cli.lint.rules.reference import list_text

    rules = [r for _, r in sorted(_rule_registry().items())]
    if fmt == "json":
        echo_json([r.to_dict() for r in rules])
        return ExitCode.OK
    if fmt != "text":
        raise UsageError("--list-rules supports --format text or json")
    typer.echo(list_text(rules))
    return ExitCode.OK


def _explain(ref: str, fmt: str) -> int:
    from authmd_cli.core.suggest import did_you_mean
    from authmd_cli.lint.rule_refs import rule_vocabulary
    from authmd_cli.lint.rules.base import lookup
    from authmd_cli.lint.rules.reference import explain_dict, explain_text

    _rule_registry()
    found = lookup(ref)
    if found is None:
        raise UsageError(f"--explain: unknown rule {ref!r}{did_you_mean(ref, rule_vocabulary())}")
    if fmt == "json":
        echo_json(explain_dict(found))
    else:
        typer.echo(explain_text(found))
    return ExitCode.OK


def _lint_body(paths: Sequence[str], *, profile: str | None, select: tuple[str, ...],
               ignore: tuple[str, ...], strict: bool | None, fmt: str | None, config: str | None,
               no_config: bool, output: str | None, color: bool | None, verbose: bool = False,
               jobs: int | None = None) -> int:
    from dataclasses import replace

    from authmd_cli.lint.config import Overrides, resolve_settings
    from authmd_cli.lint.engine import lint_paths
    from authmd_cli.lint.pool import default_jobs
    from authmd_cli.render import default_format

    settings = resolve_settings(
        Path.cwd(),
        config=Path(config) if config is not None else None,
        isolated=no_config,
        overrides=Overrides(profile=profile, select=select, ignore=ignore, strict=strict, format=fmt),
    )
    options = replace(settings.options, verbose=True) if verbose else settings.options
    report = lint_paths(list(paths) or ["."], options, read_stdin=read_stdin, jobs=jobs or default_jobs())
    emit(report, settings.format or default_format(os.environ), output=output, color=color)
    internal = [d for d in report.diagnostics if d.code == "TL006"]
    if internal:
        # Exit 2 is not silent: the report carries the TL006 diagnostic(s), and stderr says why in
        # one line even when stdout is a JSON/SARIF report a CI job never prints.
        more = f" (+{len(internal) - 1} more)" if len(internal) > 1 else ""
        typer.echo(f"authmd: internal error: {one_line(internal[0].message)}{more} (please report; "
                   "TL006 in the report)", err=True)
    return report.exit_code(strict=settings.strict)


def lint_command(  # noqa: PLR0917 - typer maps parameters to options
    paths: Annotated[list[str] | None, typer.Argument(
        help="auth.md files, PRM / AS metadata JSON files, site directories, or - for stdin. "
             "Default: the current directory.", show_default=False, metavar="PATH")] = None,
    profile: Annotated[str | None, typer.Option(
        "--profile", "-p", metavar="PROFILE",
        help="Pin the protocol profile (v0.1 … v0.7-B, no-registration, latest); default: detect.")] = None,
    select: Annotated[list[str] | None, typer.Option(
        "--select", metavar="RULES",
        help="Only these rules: codes, names or prefixes; comma-separated, repeatable.",
        show_default=False)] = None,
    ignore: Annotated[list[str] | None, typer.Option(
        "--ignore", metavar="RULES",
        help="Skip these rules (added to the config's ignore list); comma-separated, repeatable.",
        show_default=False)] = None,
    strict: Annotated[bool | None, typer.Option(
        "--strict/--no-strict", help="Warnings fail the run (exit 1).", show_default=False)] = None,
    fmt: Annotated[str | None, typer.Option(
        "--format", "-f", metavar="FORMAT",
        help="text, json, sarif or github (default: the config's, github under GitHub Actions, else text).",
        show_default=False)] = None,
    config: Annotated[str | None, typer.Option(
        "--config", metavar="FILE",
        help="Use this config file instead of discovering .authmd.yaml / pyproject.toml.",
        show_default=False)] = None,
    no_config: Annotated[bool, typer.Option(
        "--no-config", help="Ignore every config file (defaults and flags only).")] = False,
    output: Annotated[str | None, typer.Option(
        "--output", "-o", metavar="FILE", help="Write the report to this file instead of stdout.",
        show_default=False)] = None,
    color: Annotated[bool | None, typer.Option(
        "--color/--no-color", help="Force colour on or off (default: on a terminal, unless NO_COLOR).",
        show_default=False)] = None,
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v",
        help="One finding per legacy construct or old-shaped example instead of one per document.")] = False,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, metavar="N",
        help="Lint directories in N processes (default: the number of CPUs); the report is the same.",
        show_default=False)] = None,
    list_rules: Annotated[bool, typer.Option(
        "--list-rules", help="List every rule (with --format json: as JSON) and exit.")] = False,
    explain: Annotated[str | None, typer.Option(
        "--explain", metavar="CODE|NAME", help="Print a rule's documentation and exit.",
        show_default=False)] = None,
) -> None:
    """Check auth.md files and their discovery documents.

    Exit codes: 0 no errors, 1 errors found (or warnings with --strict), 2 usage, config or
    input error.
    """

    def body() -> int:
        chosen = check_format(fmt, LINT_FORMATS)
        if list_rules:
            return _list_rules(chosen or "text")
        if explain is not None:
            return _explain(explain, chosen or "text")
        return _lint_body(paths or [], profile=profile, select=split_list(select),
                          ignore=split_list(ignore), strict=strict, fmt=chosen, config=config,
                          no_config=no_config, output=output, color=color, verbose=verbose, jobs=jobs)

    run(body)


def register(app: typer.Typer) -> None:
    app.command("lint")(lint_command)
