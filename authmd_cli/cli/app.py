"""The `authmd` command line (typer): the root app, and one module per command group.

Each command module (`lint`, `schema`, `init`, `serve`, `provider`) is a thin typer function that packs
its options and hands a body to `runner.run`, the ONE place exceptions become exit codes. Every heavy
module (jsonschema, httpx, jwt, jinja2, starlette, rich, yaml) is imported inside a command body, so
`authmd --version` and `--help` import none of them (`python -X importtime -m authmd_cli --version`).

Adding a command is additive: a module `cli/<name>.py` with the command and a `register(app)`, and
one entry in `GROUPS` below.

Only the command that runs is built: typer turns every registered function into a click command
(signature inspection, evaluation of every annotation) each time the app is called, ~20 ms for all
of them, so `main` registers just the group argv names (`app_for`). The full `app` answers the
root `--help`, completion, and anything that is not a known command name (click's own error).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Annotated, Protocol, cast

import typer

from authmd_cli.cli.runner import SETTINGS


class Registrar(Protocol):
    """A command module: `register(app)` adds its command or group."""

    def register(self, app: typer.Typer) -> None: ...



def _new_app() -> typer.Typer:
    return typer.Typer(
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


# Command names; each is the module `authmd_cli.cli.<name>`, imported only when its command is
# built. Commands list in this order in `--help` (typer lists commands first, then groups).
GROUPS = ("schema", "lint", "init", "migrate", "serve", "probe", "provider", "simulate")


def _build(names: Sequence[str]) -> typer.Typer:
    import sys

    built = _new_app()
    # The callback keeps the app a group even with one command registered (typer runs a lone
    # command as the root otherwise, and `authmd lint x` would lose its `lint`).
    built.callback()(_root)
    for name in names:
        # __import__, not importlib.import_module: it goes through the interpreter's import, which
        # `python -X importtime` reports (bench/lintspeed.py --importtime reads it).
        __import__(f"authmd_cli.cli.{name}")
        module = cast(Registrar, sys.modules[f"authmd_cli.cli.{name}"])
        module.register(built)
    return built


@functools.cache
def full_app() -> typer.Typer:
    """The app with every command (also `authmd_cli.cli.app.app`, built on first use)."""
    return _build(GROUPS)


def __getattr__(name: str) -> typer.Typer:
    # `app` (tests, docs, library users) is the full app, built when first asked for: a run of
    # one command imports only that command's module.
    if name == "app":
        return full_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def app_for(argv: Sequence[str]) -> typer.Typer:
    """The app to run for `argv`: one with only the named command group when argv starts with a
    command name (the same click tree for that command, so the same help, errors and exit codes),
    else the full app."""
    return _build(argv[:1]) if argv and argv[0] in GROUPS else full_app()


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point (`authmd`) and `python -m authmd_cli`."""
    import sys

    args = list(argv) if argv is not None else sys.argv[1:]
    app_for(args)(args=args, prog_name="authmd")
