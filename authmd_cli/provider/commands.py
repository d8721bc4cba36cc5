"""Bodies of `authmd provider …` (keygen, jwks, mint, serve, revoke): `cli/provider.py` only parses options
and calls these. The provider's logic is in provider.py; this module reads key files, checks
options and reports.

Output goes through the `echo` callable passed in; nothing here exits. Errors are
`AuthmdError`s, mapped to exit codes by `cli/runner.py`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from authmd_cli.core.errors import OutputError, UnreachableError, UsageError
from authmd_cli.core.exit_codes import ExitCode

if TYPE_CHECKING:
    from authmd_cli.core.tokens import SigningKey

Echo = Callable[[str], None]


def _shown(value: str) -> str:
    """`value` quoted for an error message, a URL's password (or any secret) never echoed."""
    from authmd_cli.core.display import inline

    return repr(inline(value, width=120))


def _check_url(value: str, option: str) -> None:
    from urllib.parse import urlsplit

    try:
        u = urlsplit(value)
        _ = u.port  # urlsplit checks the port only when asked
    except ValueError as exc:
        raise UsageError(f"{option} {_shown(value)}: {_malformed(exc)}") from None
    if u.scheme not in ("http", "https") or not u.netloc:
        raise UsageError(f"{option} {_shown(value)}: expected an absolute http(s) URL")
    _no_credentials(value, option)


def _malformed(exc: ValueError) -> str:
    """urlsplit's complaint in words: `Invalid IPv6 URL`, `Port out of range 0-65535`, `Port could not…`."""
    if "port" in str(exc).lower():
        return "not a valid URL: the port must be a number from 0 to 65535"
    return "not a valid URL: a bracketed IPv6 host is malformed"


def _no_credentials(value: str, option: str) -> None:
    """A password in a URL would be sent, copied into tokens (`iss`, `aud`) and logged: refused."""
    from urllib.parse import urlsplit

    try:
        u = urlsplit(value)
        has = u.username is not None or u.password is not None
    except ValueError:
        return  # not a URL: the URL check (or the token's consumer) says so
    if has and "://" in value:
        raise UsageError(f"{option} {_shown(value)}: credentials in a URL are refused (remove the "
                         "user:password@ part)")


def _key(path: Path) -> SigningKey:
    from authmd_cli.provider.issuer import load_key_file

    return load_key_file(path)


def keygen_command(*, key: Path, force: bool, echo: Echo) -> int:
    from authmd_cli.provider.issuer import keygen

    if key.is_dir():  # --force would not help: say what is wrong, not "exists"
        raise OutputError("is a directory; --key takes the path of the key file to write", source=str(key))
    if key.exists() and not force:
        raise OutputError("exists; pass --force to replace the key", source=str(key))
    try:
        made = keygen(key, overwrite=force)
    except OSError as exc:
        raise OutputError(f"cannot write the key: {exc.strerror or exc}", source=str(key)) from None
    echo(f"wrote {key} (ES256, mode 0600), kid {made.kid}")
    return ExitCode.OK


def jwks_command(*, key: Path, echo: Echo) -> int:
    from authmd_cli.provider.issuer import provider_jwks

    echo(json.dumps(provider_jwks(_key(key)), indent=2))
    return ExitCode.OK


def mint_command(*, key: Path, issuer: str, aud: str, sub: str, email: str | None, client_id: str | None,
                 resource: str | None, auth_age: int, ttl: int, omit: Sequence[str], spoil: Sequence[str],
                 as_json: bool, echo: Echo) -> int:
    from authmd_cli.core.tokens import system_clock
    from authmd_cli.provider.issuer import IdJagRequest, check_switches, mint_id_jag_with_claims

    try:
        o, s = check_switches(omit, spoil)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if email is None and "email" not in o:
        # SPEC §8.2/§14 D21: an ID-JAG without a verified email is refused (missing_verified_email);
        # leaving it out must be a deliberate negative test, not a forgotten flag.
        raise UsageError("--email is required (an ID-JAG carries the user's verified email, docs/protocol.md §8.2); "
                         "pass --omit email to mint one without it")
    for value, option in ((issuer, "--iss"), (aud, "--aud"), (resource, "--resource")):
        if value is not None:
            _no_credentials(value, option)
    req = IdJagRequest(issuer=issuer, aud=aud, sub=sub, email=email, client_id=client_id, resource=resource,
                       auth_age=auth_age, ttl=ttl, omit=o, spoil=s)
    now = system_clock()
    token, claims = mint_id_jag_with_claims(_key(key), req, now)
    if as_json:
        echo(json.dumps({"assertion_type": "urn:ietf:params:oauth:token-type:id-jag", "assertion": token,
                         "expires_in": ttl, "claims": claims}, indent=2))
    else:
        echo(token)
    return ExitCode.OK


def provider_serve_command(*, key: Path, host: str, port: int, issuer: str | None, echo: Echo) -> int:
    from authmd_cli.core.server import bind, origin_of, serve_until_signal
    from authmd_cli.core.urls import is_wildcard_host, wildcard_host_problem
    from authmd_cli.provider.issuer import provider_app

    if issuer is not None:
        _check_url(issuer, "--issuer")  # refuses credentials in the URL without echoing them
    elif is_wildcard_host(host):  # the rule `authmd serve` applies: 0.0.0.0 is no issuer a client can use
        raise UsageError(wildcard_host_problem(host, "--issuer", "the provider"))

    signing = _key(key)
    sock = bind(host, port)
    iss = (issuer or origin_of(sock, host)).rstrip("/")
    app = provider_app(signing, iss)
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", server_header=False))
    echo(f"authmd test provider {iss}: JWKS at {iss}/.well-known/jwks.json (kid {signing.kid})")
    echo("Press Ctrl-C to stop.")
    try:
        serve_until_signal(server, sock)
    finally:
        sock.close()
    return ExitCode.OK


def revoke_command(*, key: Path, issuer: str, aud: str, sub: str, events_url: str, echo: Echo) -> int:
    """Sign a revocation SET and POST it (RFC 8935); report the receiver's answer."""
    from authmd_cli.core import net
    from authmd_cli.core.tokens import system_clock
    from authmd_cli.provider.issuer import build_set, post_set

    _check_url(events_url, "--events-url")
    _no_credentials(issuer, "--iss")
    _no_credentials(aud, "--aud")
    token = build_set(_key(key), issuer=issuer, aud=aud, sub=sub, now=system_clock())
    try:
        result = post_set(events_url, token)
    except net.HTTPError as exc:
        raise UnreachableError(f"cannot deliver the SET: {net.describe_error(exc)}", source=events_url) from None
    echo(f"{events_url}: HTTP {result.status}" + (" (accepted)" if result.status == 202 else ""))
    if result.body:  # the receiver's text: its control characters must not drive the terminal
        from authmd_cli.core.display import printable

        echo(printable(result.body))
    return ExitCode.OK if result.status == 202 else ExitCode.FINDINGS
