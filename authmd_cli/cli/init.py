"""`authmd init`: the body lives in authmd_cli/site/writer.py; jinja2 and yaml load only inside it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from authmd_cli.cli.runner import run


def init_cli_command(  # noqa: PLR0917 - typer maps parameters to options
    config: Annotated[str | None, typer.Option(
        "--config", "-c", metavar="FILE",
        help="Service description (default: ./authmd.yaml; without one, a short wizard writes it).",
        show_default=False)] = None,
    out: Annotated[str, typer.Option(
        "--out", "-o", metavar="DIR", help="Site directory to write auth.md and .well-known/ into.")] = ".",
    profile: Annotated[str | None, typer.Option(
        "--profile", "-p", metavar="PROFILE",
        help="Override the config's profile: v0.7-B, v0.7-A, v0.6, no-registration, latest.",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Overwrite files init did not write, or that were edited since.")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Print what would change as a diff; write nothing.")] = False,
    check: Annotated[bool, typer.Option(
        "--check", help="Exit 1 (and print the diff) when the files differ from the config's output.")] = False,
    yes: Annotated[bool, typer.Option(
        "--yes", "-y", help="Wizard: accept every default without prompting.")] = False,
) -> None:
    """Generate auth.md and its discovery documents from one YAML config.

    Example:

    \b
      authmd init --config authmd.yaml --out public
      authmd init --config authmd.yaml --out public --check   # CI: exit 1 on drift

    Exit codes: 0 written (or up to date), 1 --check found drift, 2 usage, config or output error.
    """

    def body() -> int:
        from authmd_cli.site.writer import init_command

        return init_command(config=Path(config) if config is not None else None, out=Path(out),
                            profile=profile, force=force, dry_run=dry_run, check=check, yes=yes)

    run(body)


def register(app: typer.Typer) -> None:
    app.command("init")(init_cli_command)
