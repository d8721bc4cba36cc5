"""The `authmd` command line (typer): parse options, call the library, render, map exit codes.

Nothing else lives here. Each command is a thin typer function that packs its options and hands
a body to `_run`, the ONE place exceptions become exit codes:
  AuthmdError   -> `authmd: error: <message>` on stderr, its exit code (usually 2);
  anything else -> `authmd: internal error: <type>: <message> (please report)`, exit 2
                   (AUTHMD_DEBUG=1 re-raises, for developers).
Typer/click usage errors exit 2 on their own. Every heavy module (jsonschema, httpx, jwt, jinja2,
starlette, rich, yaml) is imported inside a command body, so `authmd --version` and `--help`
import none of them (`python -X importtime -m authmd_cli --version`).

Adding a command is additive: write `def <name>_command(...)` in its section below, register it
on `app` (or on a sub-app like `schema_app`), and keep its body a call into the library.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from authmd_cli import __version__
from authmd_cli.errors import AuthmdError, OutputError, UsageError
from authmd_cli.exit_codes import ExitCode

if TYPE_CHECKING:
    from authmd_cli.diagnostics import Report
    from authmd_cli.rules.base import Rule

DEBUG_ENV = "AUTHMD_DEBUG"

_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="authmd",
    help="Lint, generate, probe, simulate and serve auth.md agent-registration documents.",
    rich_markup_mode=None,  # plain click help: no rich import for --help
    pretty_exceptions_enable=False,
    add_completion=False,
    no_args_is_help=True,
    context_settings=_SETTINGS,
)


def _sub_app(name: str, help_text: str) -> typer.Typer:
    """A command group (`authmd schema …`, `authmd provider …`) with the root's settings."""
    sub = typer.Typer(name=name, help=help_text, rich_markup_mode=None, no_args_is_help=True,
                      context_settings=_SETTINGS)
    app.add_typer(sub, name=name)
    return sub


schema_app = _sub_app("schema", "Print the bundled JSON Schemas (for editors and other tools).")


# ================================================================== error mapping (the one place)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _run(body: Callable[[], int | None]) -> None:
    """Run a command body and turn its result or exception into an exit code."""
    try:
        code = body()
    except typer.Exit:
        raise
    except (typer.Abort, KeyboardInterrupt, EOFError):
        # A prompt answered with Ctrl-C / Ctrl-D: not "findings" (1); the shell's convention.
        typer.echo("authmd: interrupted", err=True)
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    except AuthmdError as err:
        typer.echo(f"authmd: error: {_one_line(str(err))}", err=True)
        raise typer.Exit(int(err.exit_code)) from None
    except OSError as err:
        if err.errno == errno.EPIPE:  # `authmd lint | head`: click quiets the pipe and exits
            raise
        _internal(err)
    except Exception as err:  # the last line of defence: never a traceback
        _internal(err)
    if code:
        raise typer.Exit(int(code))


def _internal(err: BaseException) -> None:
    if os.environ.get(DEBUG_ENV, "") not in ("", "0"):
        raise err
    # The message is cut short: an unexpected exception may carry a value from the input (a token).
    detail = _one_line(str(err))
    if len(detail) > 120:
        detail = detail[:117] + "..."
    typer.echo(f"authmd: internal error: {type(err).__name__}: {detail} (please report; "
               f"{DEBUG_ENV}=1 shows the traceback)", err=True)
    raise typer.Exit(int(ExitCode.USAGE)) from None


# ================================================================== root


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"authmd {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", "-V", callback=_version_callback, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Lint, generate, probe, simulate and serve auth.md agent-registration documents."""


# ================================================================== shared helpers


def _split_list(values: Sequence[str] | None) -> tuple[str, ...]:
    """`--select A,B --select C` -> ("A", "B", "C")."""
    out: list[str] = []
    for value in values or ():
        out += [v.strip() for v in value.split(",") if v.strip()]
    return tuple(out)


def _check_format(fmt: str | None, allowed: Sequence[str]) -> str | None:
    if fmt is None:
        return None
    if fmt not in allowed:
        raise UsageError(f"unknown format {fmt!r}; expected one of: {', '.join(allowed)}")
    return fmt


def _read_stdin() -> bytes | None:
    from authmd_cli.loader import read_capped

    return read_capped(sys.stdin.buffer)


def _emit(report: Report, fmt: str, *, output: str | None, color: bool | None,
          rules: dict[str, Rule] | None = None) -> None:
    """Render to stdout, or to `--output FILE` (never coloured unless forced)."""
    from authmd_cli.render import render

    if output is None:
        render(report, fmt, stream=sys.stdout, color=color, rules=rules, tool_version=__version__,
               environ=os.environ)
        return
    try:
        with open(output, "w", encoding="utf-8", newline="\n") as stream:
            render(report, fmt, stream=stream, color=bool(color), rules=rules, tool_version=__version__,
                   environ=os.environ)
    except OSError as err:
        raise OutputError(f"cannot write report: {err.strerror or err}", source=output) from None


def _echo_json(value: Any, stream: TextIO | None = None) -> None:
    import json

    out = stream or sys.stdout
    out.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


# ================================================================== lint

LINT_FORMATS = ("text", "json", "sarif", "github")


def _rule_registry() -> dict[str, Rule]:
    from authmd_cli.rules import REGISTRY

    return REGISTRY


def _list_rules(fmt: str) -> int:
    from authmd_cli.rules.reference import list_text

    rules = [r for _, r in sorted(_rule_registry().items())]
    if fmt == "json":
        _echo_json([r.to_dict() for r in rules])
        return ExitCode.OK
    if fmt != "text":
        raise UsageError("--list-rules supports --format text or json")
    typer.echo(list_text(rules))
    return ExitCode.OK


def _explain(ref: str, fmt: str) -> int:
    from authmd_cli.config import rule_vocabulary
    from authmd_cli.rules.base import lookup
    from authmd_cli.rules.reference import explain_dict, explain_text
    from authmd_cli.suggest import did_you_mean

    _rule_registry()
    found = lookup(ref)
    if found is None:
        raise UsageError(f"--explain: unknown rule {ref!r}{did_you_mean(ref, rule_vocabulary())}")
    if fmt == "json":
        _echo_json(explain_dict(found))
    else:
        typer.echo(explain_text(found))
    return ExitCode.OK


def _lint_body(paths: Sequence[str], *, profile: str | None, select: tuple[str, ...],
               ignore: tuple[str, ...], strict: bool | None, fmt: str | None, config: str | None,
               no_config: bool, output: str | None, color: bool | None) -> int:
    from authmd_cli.config import Overrides, resolve_settings
    from authmd_cli.lint import lint_paths
    from authmd_cli.render import default_format

    settings = resolve_settings(
        Path.cwd(),
        config=Path(config) if config is not None else None,
        isolated=no_config,
        overrides=Overrides(profile=profile, select=select, ignore=ignore, strict=strict, format=fmt),
    )
    report = lint_paths(list(paths) or ["."], settings.options, read_stdin=_read_stdin)
    _emit(report, settings.format or default_format(os.environ), output=output, color=color)
    internal = [d for d in report.diagnostics if d.code == "TL006"]
    if internal:
        # Exit 2 is not silent: the report carries the TL006 diagnostic(s), and stderr says why in
        # one line even when stdout is a JSON/SARIF report a CI job never prints.
        more = f" (+{len(internal) - 1} more)" if len(internal) > 1 else ""
        typer.echo(f"authmd: internal error: {_one_line(internal[0].message)}{more} (please report; "
                   "TL006 in the report)", err=True)
    return report.exit_code(strict=settings.strict)


@app.command("lint")
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
        chosen = _check_format(fmt, LINT_FORMATS)
        if list_rules:
            return _list_rules(chosen or "text")
        if explain is not None:
            return _explain(explain, chosen or "text")
        return _lint_body(paths or [], profile=profile, select=_split_list(select),
                          ignore=_split_list(ignore), strict=strict, fmt=chosen, config=config,
                          no_config=no_config, output=output, color=color)

    _run(body)


# ================================================================== schema


def _schema_list_body(fmt: str) -> int:
    from authmd_cli.schemas import list_schemas

    infos = list_schemas()
    if fmt == "json":
        _echo_json([info.to_dict() for info in infos])
        return ExitCode.OK
    width = max((len(info.name) for info in infos), default=0)
    for info in infos:
        typer.echo(f"{info.name.ljust(width)}  {info.title}".rstrip())
    return ExitCode.OK


def _schema_show_body(name: str, profile: str | None) -> int:
    from authmd_cli.schemas import list_schemas, schema_text
    from authmd_cli.suggest import did_you_mean

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
    """List the bundled JSON Schemas."""
    _run(lambda: _schema_list_body(_check_format(fmt, ("text", "json")) or "text"))


@schema_app.command("show")
def schema_show_command(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Schema name (see `authmd schema list`).")],
    profile: Annotated[str | None, typer.Option(
        "--profile", "-p", metavar="PROFILE",
        help="The profile's variant of the schema (default: latest).")] = None,
) -> None:
    """Print one schema as JSON."""
    _run(lambda: _schema_show_body(name, profile))


# ================================================================== init   (added by its owner)


@app.command("init")
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

    Exit codes: 0 written (or up to date), 1 --check found drift, 2 usage, config or output error.
    """

    def body() -> int:
        from authmd_cli.init import init_command

        return init_command(config=Path(config) if config is not None else None, out=Path(out),
                            profile=profile, force=force, dry_run=dry_run, check=check, yes=yes)

    _run(body)

# ================================================================== serve  (added by its owner)
# The body lives in authmd_cli/sandbox/commands.py; starlette/uvicorn/jwt load only inside it.


@app.command("serve")
def serve_cli_command(  # noqa: PLR0917 - typer maps parameters to options
    config: Annotated[str | None, typer.Option(
        "--config", "-c", metavar="FILE",
        help="Service description (default: ./authmd.yaml if present, else a built-in sandbox with every "
             "method on).", show_default=False)] = None,
    profile: Annotated[str | None, typer.Option(
        "--profile", "-p", metavar="PROFILE", help="Override the profile: v0.7-B (default) or v0.7-A.",
        show_default=False)] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port (0 picks a free one).", min=0, max=65535)] = 8000,
    db: Annotated[str | None, typer.Option(
        "--db", metavar="PATH", help="SQLite file for state and keys (default: in memory).",
        show_default=False)] = None,
    test_hooks: Annotated[bool, typer.Option(
        "--test-hooks", help="Mount /_test endpoints that sign users in and confirm claims (CI only).")] = False,
    provider_key: Annotated[str | None, typer.Option(
        "--provider-key", metavar="PATH",
        help="Key file of the built-in test provider (created 0600 if missing), for `authmd provider mint`.",
        show_default=False)] = None,
    test_provider: Annotated[bool, typer.Option(
        "--test-provider/--no-test-provider",
        help="Trust the built-in test provider (its JWKS is served under /test-provider).")] = True,
    trust: Annotated[list[str] | None, typer.Option(
        "--trust", metavar="ISSUER[=JWKS_URL]", help="Also trust this provider; repeatable.",
        show_default=False)] = None,
    origin: Annotated[str | None, typer.Option(
        "--origin", metavar="URL", help="Public origin to render documents for (default: http://HOST:PORT).",
        show_default=False)] = None,
    log_level: Annotated[str, typer.Option(
        "--log-level", metavar="LEVEL",
        help="uvicorn log level: critical, error, warning, info, debug, trace (requests are never logged: "
             "their URLs can carry claim attempt tokens).")] = "warning",
) -> None:
    """Run a local sandbox service that speaks the protocol exactly as the config describes.

    Exit codes: 0 stopped cleanly (Ctrl-C or SIGTERM), 2 usage, config or database error (also:
    the port is in use).
    """

    def body() -> int:
        from authmd_cli.sandbox.commands import serve_command

        return serve_command(config=Path(config) if config else None, profile=profile, host=host, port=port,
                             db=Path(db) if db else None, test_hooks=test_hooks,
                             provider_key=Path(provider_key) if provider_key else None,
                             test_provider=test_provider, trust=trust or [], origin=origin, log_level=log_level,
                             echo=typer.echo, warn=lambda m: typer.echo(m, err=True))

    _run(body)


# ================================================================== provider (added by its owner)
# Bodies live in authmd_cli/provider_commands.py; jwt/httpx/starlette load only inside them.

provider_app = _sub_app("provider", "A test identity provider: keys, JWKS, ID-JAG minting and revocation SETs.")
_KEY_OPTION = typer.Option("--key", "-k", metavar="PATH", help="The provider's ES256 private key (PEM).")
_DEFAULT_PROVIDER_ISSUER = "http://127.0.0.1:4000"


@provider_app.command("keygen")
def provider_keygen_command(
    key: Annotated[str, _KEY_OPTION] = "provider-key.pem",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing key file.")] = False,
) -> None:
    """Create an ES256 key pair in a file readable only by you (mode 0600)."""

    def body() -> int:
        from authmd_cli.provider_commands import keygen_command

        return keygen_command(key=Path(key), force=force, echo=typer.echo)

    _run(body)


@provider_app.command("jwks")
def provider_jwks_command(key: Annotated[str, _KEY_OPTION] = "provider-key.pem") -> None:
    """Print the public JWK Set (kid = RFC 7638 thumbprint)."""

    def body() -> int:
        from authmd_cli.provider_commands import jwks_command

        return jwks_command(key=Path(key), echo=typer.echo)

    _run(body)


@provider_app.command("mint")
def provider_mint_command(  # noqa: PLR0917 - typer maps parameters to options
    aud: Annotated[str, typer.Option("--aud", help="The service's AS issuer (SPEC §14 D5).")],
    sub: Annotated[str, typer.Option("--sub", help="The user's stable id at the provider.")],
    email: Annotated[str | None, typer.Option("--email", help="Verified email claim.",
                                              show_default=False)] = None,
    key: Annotated[str, _KEY_OPTION] = "provider-key.pem",
    issuer: Annotated[str, typer.Option("--iss", help="Provider issuer.")] = _DEFAULT_PROVIDER_ISSUER,
    client_id: Annotated[str | None, typer.Option("--client-id", help="Default: the issuer.",
                                                  show_default=False)] = None,
    resource: Annotated[str | None, typer.Option("--resource", help="Optional `resource` claim (PRM resource).",
                                                 show_default=False)] = None,
    auth_age: Annotated[int, typer.Option("--auth-age", min=0,
                                          help="Seconds since the user signed in (auth_time).")] = 0,
    ttl: Annotated[int, typer.Option("--ttl", min=1, help="Lifetime: exp = iat + TTL.")] = 300,
    omit: Annotated[list[str] | None, typer.Option(
        "--omit", metavar="CLAIM", help="Leave out a claim (or header typ/kid); repeatable.",
        show_default=False)] = None,
    spoil: Annotated[list[str] | None, typer.Option(
        "--spoil", metavar="PART",
        help="Break one part: typ, signature, kid, iss, aud, exp, iat, auth_time, email_verified; repeatable.",
        show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON with the claims as well.")] = False,
) -> None:
    """Print an ID-JAG (typ oauth-id-jag+jwt) carrying every claim of SPEC §8.2."""

    def body() -> int:
        from authmd_cli.provider_commands import mint_command

        return mint_command(key=Path(key), issuer=issuer, aud=aud, sub=sub, email=email, client_id=client_id,
                            resource=resource, auth_age=auth_age, ttl=ttl, omit=_split_list(omit),
                            spoil=_split_list(spoil), as_json=as_json, echo=typer.echo)

    _run(body)


@provider_app.command("serve")
def provider_serve_cli_command(
    key: Annotated[str, _KEY_OPTION] = "provider-key.pem",
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0 picks a free one).")] = 4000,
    issuer: Annotated[str | None, typer.Option("--issuer", help="Issuer URL (default http://HOST:PORT).",
                                               show_default=False)] = None,
) -> None:
    """Serve the provider's JWKS at /.well-known/jwks.json.

    Exit codes: 0 stopped cleanly (Ctrl-C or SIGTERM), 2 usage error (also: the port is in use).
    """

    def body() -> int:
        from authmd_cli.provider_commands import provider_serve_command

        return provider_serve_command(key=Path(key), host=host, port=port, issuer=issuer, echo=typer.echo)

    _run(body)


@provider_app.command("revoke")
def provider_revoke_command(
    events_url: Annotated[str, typer.Option("--events-url", help="The service's events_endpoint.")],
    aud: Annotated[str, typer.Option("--aud", help="The service (its AS issuer).")],
    sub: Annotated[str, typer.Option("--sub", help="The user whose delegation is revoked.")],
    key: Annotated[str, _KEY_OPTION] = "provider-key.pem",
    issuer: Annotated[str, typer.Option("--iss", help="Provider issuer.")] = _DEFAULT_PROVIDER_ISSUER,
) -> None:
    """Sign a revocation SET and POST it to a service (RFC 8935); report the answer.

    Exit codes: 0 accepted (202), 1 refused, 2 usage, 3 unreachable.
    """

    def body() -> int:
        from authmd_cli.provider_commands import revoke_command

        return revoke_command(key=Path(key), issuer=issuer, aud=aud, sub=sub, events_url=events_url,
                              echo=typer.echo)

    _run(body)


# ================================================================== probe  (later)
# ================================================================== simulate (later)


# ================================================================== entry point


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point (`authmd`) and `python -m authmd_cli`."""
    app(args=list(argv) if argv is not None else None, prog_name="authmd")
