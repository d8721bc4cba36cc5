"""`authmd provider …`: bodies live in authmd_cli/provider/commands.py; jwt/httpx/starlette load only inside them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from authmd_cli.cli.runner import run, split_list, sub_app

provider_app = sub_app("provider", "A test identity provider: keys, JWKS, ID-JAG minting and revocation SETs.")
_KEY_OPTION = typer.Option("--key", "-k", metavar="PATH", help="The provider's ES256 private key (PEM).")
_DEFAULT_PROVIDER_ISSUER = "http://127.0.0.1:4000"


@provider_app.command("keygen")
def provider_keygen_command(
    key: Annotated[str, _KEY_OPTION] = "provider-key.pem",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing key file.")] = False,
) -> None:
    """Create an ES256 key pair in a file readable only by you (mode 0600).

    Example:

    \b
      authmd provider keygen --key provider-key.pem
    """

    def body() -> int:
        from authmd_cli.provider.commands import keygen_command

        return keygen_command(key=Path(key), force=force, echo=typer.echo)

    run(body)


@provider_app.command("jwks")
def provider_jwks_command(key: Annotated[str, _KEY_OPTION] = "provider-key.pem") -> None:
    """Print the public JWK Set (kid = RFC 7638 thumbprint).

    Example:

    \b
      authmd provider jwks --key provider-key.pem
    """

    def body() -> int:
        from authmd_cli.provider.commands import jwks_command

        return jwks_command(key=Path(key), echo=typer.echo)

    run(body)


@provider_app.command("mint")
def provider_mint_command(  # noqa: PLR0917 - typer maps parameters to options
    aud: Annotated[str, typer.Option("--aud", metavar="URL", help="The service's AS issuer (docs/protocol.md D5).")],
    sub: Annotated[str, typer.Option("--sub", metavar="SUB", help="The user's stable id at the provider.")],
    email: Annotated[str | None, typer.Option(
        "--email", metavar="EMAIL", help="Verified email claim; required unless --omit email.",
        show_default=False)] = None,
    key: Annotated[str, _KEY_OPTION] = "provider-key.pem",
    issuer: Annotated[str, typer.Option("--iss", metavar="URL", help="Provider issuer.")] = _DEFAULT_PROVIDER_ISSUER,
    client_id: Annotated[str | None, typer.Option("--client-id", metavar="ID", help="Default: the issuer.",
                                                  show_default=False)] = None,
    resource: Annotated[str | None, typer.Option(
        "--resource", metavar="URL", help="Optional `resource` claim (PRM resource).", show_default=False)] = None,
    auth_age: Annotated[int, typer.Option("--auth-age", min=0, metavar="SECONDS",
                                          help="Seconds since the user signed in (auth_time).")] = 0,
    ttl: Annotated[int, typer.Option("--ttl", min=1, metavar="SECONDS", help="Lifetime: exp = iat + TTL.")] = 300,
    omit: Annotated[list[str] | None, typer.Option(
        "--omit", metavar="CLAIM", help="Leave out a claim (or header typ/kid); repeatable.",
        show_default=False)] = None,
    spoil: Annotated[list[str] | None, typer.Option(
        "--spoil", metavar="PART",
        help="Break one part: typ, signature, kid, iss, aud, exp, iat, auth_time, email_verified; repeatable.",
        show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON with the claims as well.")] = False,
) -> None:
    """Print an ID-JAG (typ oauth-id-jag+jwt) with every claim of docs/protocol.md §8.2.

    Example:

    \b
      authmd provider mint --key provider-key.pem --iss http://127.0.0.1:4000 \\
          --aud http://127.0.0.1:8000 --sub u1 --email ada@example.com
    """

    def body() -> int:
        from authmd_cli.provider.commands import mint_command

        return mint_command(key=Path(key), issuer=issuer, aud=aud, sub=sub, email=email, client_id=client_id,
                            resource=resource, auth_age=auth_age, ttl=ttl, omit=split_list(omit),
                            spoil=split_list(spoil), as_json=as_json, echo=typer.echo)

    run(body)


@provider_app.command("serve")
def provider_serve_cli_command(
    key: Annotated[str, _KEY_OPTION] = "provider-key.pem",
    host: Annotated[str, typer.Option("--host", metavar="HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, metavar="PORT",
                                      help="Port (0 picks a free one).")] = 4000,
    issuer: Annotated[str | None, typer.Option("--issuer", metavar="URL", help="Issuer URL (default http://HOST:PORT).",
                                               show_default=False)] = None,
) -> None:
    """Serve the provider's JWKS at /.well-known/jwks.json.

    Example:

    \b
      authmd provider serve --key provider-key.pem --port 4000

    Exit codes: 0 stopped cleanly (Ctrl-C or SIGTERM), 2 usage error (also: the port is in use).
    """

    def body() -> int:
        from authmd_cli.provider.commands import provider_serve_command

        return provider_serve_command(key=Path(key), host=host, port=port, issuer=issuer, echo=typer.echo)

    run(body)


@provider_app.command("revoke")
def provider_revoke_command(
    events_url: Annotated[str, typer.Option("--events-url", metavar="URL", help="The service's events_endpoint.")],
    aud: Annotated[str, typer.Option("--aud", metavar="URL", help="The service (its AS issuer).")],
    sub: Annotated[str, typer.Option("--sub", metavar="SUB", help="The user whose delegation is revoked.")],
    key: Annotated[str, _KEY_OPTION] = "provider-key.pem",
    issuer: Annotated[str, typer.Option("--iss", metavar="URL", help="Provider issuer.")] = _DEFAULT_PROVIDER_ISSUER,
) -> None:
    """Sign a revocation SET and POST it to a service (RFC 8935); report the answer.

    Example:

    \b
      authmd provider revoke --key provider-key.pem --iss http://127.0.0.1:4000 \\
          --events-url http://127.0.0.1:8000/agent/event/notify --aud http://127.0.0.1:8000 --sub u1

    Exit codes: 0 accepted (202), 1 refused, 2 usage, 3 unreachable.
    """

    def body() -> int:
        from authmd_cli.provider.commands import revoke_command

        return revoke_command(key=Path(key), issuer=issuer, aud=aud, sub=sub, events_url=events_url,
                              echo=typer.echo)

    run(body)


def register(app: typer.Typer) -> None:
    app.add_typer(provider_app, name="provider")
