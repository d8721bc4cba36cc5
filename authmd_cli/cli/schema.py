"""`authmd schema list|show`: print the bundled JSON Schemas."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from authmd_cli.cli.runner import check_format, echo_json, run, sub_app
from authmd_cli.core.errors import UsageError
from authmd_cli.core.exit_codes import ExitCode

schema_app = sub_app("schema", "Print the bundled JSON Schemas (for editors and other tools).")


def _schema_list_body(fmt: str) -> int:
    from authmd_cli.protocol.schemas import list_schemas

    infos = list_schemas()
    if fmt == "json":
        echo_json([info.to_dict() for info in infos])
        return ExitCode.OK
    width = max((len(info.name) for info in infos), default=0)
    for info in infos:
        typer.echo(f"{info.name.ljust(width)}  {info.title}".rstrip())
    return ExitCode.OK


def _schema_show_body(name: str, profile: str | None) -> int:
    from authmd_cli.core.suggest import did_you_mean
    from authmd_cli.protocol.schemas import list_schemas, schema_text

    known = [w for info in list_schemas() for w in (info.name, info.kind)]
    if name not in known:
        raise UsageError(f"unknown schema {name!r}{did_you_mean(name, known)}; `authmd schema list` "
                         "shows them all")
    try:
        text = schema_text(name, profile)
    except KeyError as err:  # unknown profile, or a kind the profile does not have
        raise UsageError(str(err.args[0]) if err.args else str(err)) from None
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return ExitCode.OK


@schema_app.command("list")
def schema_list_command(
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="text or json.")] = "text",
) -> None:
    """List the bundled JSON Schemas.

    Example:

    \b
      authmd schema list --format json
    """
    run(lambda: _schema_list_body(check_format(fmt, ("text", "json")) or "text"))


@schema_app.command("show")
def schema_show_command(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Schema name (see `authmd schema list`).")],
    profile: Annotated[str | None, typer.Option(
        "--profile", "-p", metavar="PROFILE",
        help="The profile's variant of the schema (default: latest).")] = None,
) -> None:
    """Print one schema as JSON.

    Example:

    \b
      authmd schema show as-metadata --profile v0.7-A
    """
    run(lambda: _schema_show_body(name, profile))


def register(app: typer.Typer) -> None:
    app.add_typer(schema_app, name="schema")
