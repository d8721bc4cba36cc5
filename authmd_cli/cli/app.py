"""The `authmd` command line (typer): the root app, and one module per command group.

Each command module (`lint`, `schema`, `init`, `serve`, `provider`) is a thin typer function that packs
its options and hands a body to `runner.run`, the ONE place exceptions become exit codes. Every heavy
module (jsonschema, httpx, jwt, jinja2, starlette, rich, yaml) is imported inside a command body, so
`authmd --version` and `--help` import none of them (`python -X importtime -m authmd_cli --version`).

Adding a command is additive: a module `cli/<name>.py` with the command and a `register(app)`, and
one line in `_register` below.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import typer

from authmd_cli.cli import init, lint, migrate, probe, provider, schema, serve, simulate
from authmd_cli.cli.runner import SETTINGS

app = typer.Typer(
    name="authmd",
    rich_markup_mode=None,  # plain click help: no rich import for --help
    pretty_exceptions_enable=False,
    add_completion=True,  # --install-completion / --show-completion (typer; shells detected lazily)
    no_args_is_help=True,
    context_settings=SETTINGS,
)


def _version_callback(value: bool) -> None:
    if value:
        from authmd_cli.cli.version import version_text

        typer.echo(version_text())
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", "-V", callback=_version_callback, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Lint, generate, probe, simulate and serve auth.md agent-registration documents.

    Start here:

    \b
      authmd lint public/                             check a site (auth.md + discovery JSON)
      authmd init --config authmd.yaml --out public   write the three documents from one YAML file
      authmd serve --config authmd.yaml               try every flow against a local sandbox
      authmd lint --list-rules                        every rule (--explain CODE for one)

    Each command's --help has an example. Documentation: README.md and docs/ in the project.
    """


def _register() -> None:
    # Commands list in this order in `--help` (typer lists commands first, then groups).
    for module in (schema, lint, init, migrate, serve, probe, provider, simulate):
        module.register(app)


_register()


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point (`authmd`) and `python -m authmd_cli`."""
    app(args=list(argv) if argv is not None else None, prog_name="authmd")
