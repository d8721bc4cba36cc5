"""`authmd serve`: the body lives in authmd_cli/sandbox/commands.py; starlette/uvicorn/jwt load only inside it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from authmd_cli.cli.runner import run


def serve_cli_command(  # noqa: PLR0917 - typer maps parameters to options
    config: Annotated[str | None, typer.Option(
        "--config", "-c", metavar="FILE",
        help="Service description (default: ./authmd.yaml if present, else a built-in sandbox with every "
             "method on).", show_default=False)] = None,
    profile: Annotated[str | None, typer.Option(
        "--profile", "-p", metavar="PROFILE", help="Override the profile: v0.7-B (default) or v0.7-A.",
        show_default=False)] = None,
    host: Annotated[str, typer.Option(
        "--host", metavar="HOST",
        help="Address to listen on (loopback by default; 0.0.0.0 or :: needs --origin).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(
        "--port", metavar="PORT", help="Port (0 picks a free one).", min=0, max=65535)] = 8000,
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
        "--origin", metavar="URL",
        help="Public origin to render documents for: the URL clients use, whose host requests must name "
             "(default: http://HOST:PORT).",
        show_default=False)] = None,
    log_level: Annotated[str, typer.Option(
        "--log-level", metavar="LEVEL",
        help="uvicorn log level: critical, error, warning, info, debug, trace (requests are never logged: "
             "their URLs can carry claim attempt tokens).")] = "warning",
) -> None:
    """Run a local sandbox service that speaks the protocol exactly as the config describes.

    Example:

    \b
      authmd serve --config authmd.yaml --port 8765 --test-hooks
      (every option and route: docs/sandbox.md)

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

    run(body)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cli_command)
