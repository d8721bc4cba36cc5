"""Bodies of `authmd serve` and `authmd provider …` (cli.py only parses options and calls these).

Output goes through the `echo` callable passed in; nothing here exits. Errors are
`AuthmdError`s, mapped to exit codes by cli.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from authmd_cli.errors import ConfigError, InputError, OutputError, UnreachableError, UsageError
from authmd_cli.exit_codes import ExitCode
from authmd_cli.sandbox.settings import SUPPORTED_PROFILES, TrustedProvider

if TYPE_CHECKING:
    from authmd_cli.service_config import ServiceConfig
    from authmd_cli.tokens import SigningKey

Echo = Callable[[str], None]
DEFAULT_CONFIG_FILE = Path("authmd.yaml")
DEFAULT_PROVIDER_KEY = Path("provider-key.pem")
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")  # uvicorn's names


def parse_trust(values: Sequence[str]) -> dict[str, TrustedProvider]:
    """`--trust ISSUER` or `--trust ISSUER=JWKS_URI` (default `<iss>/.well-known/jwks.json`)."""
    out: dict[str, TrustedProvider] = {}
    for value in values:
        issuer, _, jwks_uri = value.partition("=")
        issuer = issuer.strip().rstrip("/")
        if not issuer.startswith(("http://", "https://")):
            raise UsageError(f"--trust {value!r}: expected ISSUER-URL or ISSUER-URL=JWKS-URL")
        out[issuer] = TrustedProvider(issuer, issuer, jwks_uri.strip() or None)
    return out


def _check_url(value: str, option: str) -> None:
    from urllib.parse import urlsplit

    u = urlsplit(value)
    if u.scheme not in ("http", "https") or not u.netloc:
        raise UsageError(f"{option} {value!r}: expected an absolute http(s) URL")


def _load_config(config: Path | None, profile: str | None) -> tuple[ServiceConfig, str]:
    from dataclasses import replace

    from authmd_cli.profiles import resolve
    from authmd_cli.sandbox.defaults import default_config
    from authmd_cli.service_config import load_config_file

    label = None
    if profile is not None:
        try:
            label = resolve(profile).label
        except KeyError as exc:
            raise UsageError(str(exc.args[0])) from None
        if label not in SUPPORTED_PROFILES:
            raise UsageError(f"serve plays {', '.join(SUPPORTED_PROFILES)}, not {label}")
    path = config if config is not None else (DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None)
    if path is None:
        return default_config(label or "v0.7-B"), "built-in sandbox config"
    cfg = load_config_file(path)
    if label is not None:
        cfg = replace(cfg, profile=label)
    if cfg.profile not in SUPPORTED_PROFILES:
        raise ConfigError(f"serve plays profiles {', '.join(SUPPORTED_PROFILES)}; the config says "
                          f"{cfg.profile!r} (override with --profile)", source=str(path))
    if cfg.authorization_server is None:
        raise ConfigError("serve needs an authorization_server", source=str(path))
    return cfg, str(path)


def serve_command(*, config: Path | None, profile: str | None, host: str, port: int, db: Path | None,
                  test_hooks: bool, provider_key: Path | None, test_provider: bool, trust: Sequence[str],
                  origin: str | None, log_level: str, echo: Echo, warn: Echo) -> int:
    from authmd_cli.sandbox.server import banner, is_loopback, start

    if log_level.lower() not in LOG_LEVELS:
        raise UsageError(f"--log-level {log_level!r}: expected one of {', '.join(LOG_LEVELS)}")
    log_level = log_level.lower()
    cfg, source = _load_config(config, profile)
    if not is_loopback(host):
        warn(f"authmd: warning: listening on {host}, not loopback: the sandbox signs anyone in; "
             "use it only on a trusted network")
    sandbox = start(cfg, host=host, port=port, db=db, test_hooks=test_hooks,
                    builtin_provider=test_provider, provider_key_path=provider_key, trusted=parse_trust(trust),
                    origin=origin)

    def ready() -> None:
        for line in banner(sandbox, test_hooks=test_hooks, provider_key_path=provider_key):
            echo(line)
        echo(f"  config           {source}" + (f"; state in {db}" if db else "; state in memory"))
        echo("Press Ctrl-C to stop.")

    stopped_by = sandbox.run(log_level=log_level, on_ready=ready)
    warn(f"authmd: stopped ({stopped_by})" if stopped_by else "authmd: stopped")
    return ExitCode.OK


# ------------------------------------------------------------------ provider


def _key(path: Path) -> SigningKey:
    from authmd_cli.tokens import read_private_key

    try:
        return read_private_key(path)
    except FileNotFoundError:
        raise InputError("no such key file (create one with `authmd provider keygen`)", source=str(path)) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"not a usable ES256 private key: {exc}", source=str(path)) from None


def keygen_command(*, key: Path, force: bool, echo: Echo) -> int:
    from authmd_cli.provider import keygen

    if key.exists() and not force:
        raise OutputError("exists; pass --force to replace the key", source=str(key))
    try:
        made = keygen(key, overwrite=force)
    except OSError as exc:
        raise OutputError(f"cannot write the key: {exc.strerror or exc}", source=str(key)) from None
    echo(f"wrote {key} (ES256, mode 0600), kid {made.kid}")
    return ExitCode.OK


def jwks_command(*, key: Path, echo: Echo) -> int:
    from authmd_cli.provider import provider_jwks

    echo(json.dumps(provider_jwks(_key(key)), indent=2))
    return ExitCode.OK


def mint_command(*, key: Path, issuer: str, aud: str, sub: str, email: str | None, client_id: str | None,
                 resource: str | None, auth_age: int, ttl: int, omit: Sequence[str], spoil: Sequence[str],
                 as_json: bool, echo: Echo) -> int:
    from authmd_cli.provider import IdJagRequest, check_switches, id_jag_claims, mint_id_jag
    from authmd_cli.tokens import system_clock

    try:
        o, s = check_switches(omit, spoil)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if email is None and "email" not in o:
        # SPEC §8.2/§14 D21: an ID-JAG without a verified email is refused (missing_verified_email);
        # leaving it out must be a deliberate negative test, not a forgotten flag.
        raise UsageError("--email is required (an ID-JAG carries the user's verified email, SPEC §8.2); "
                         "pass --omit email to mint one without it")
    req = IdJagRequest(issuer=issuer, aud=aud, sub=sub, email=email, client_id=client_id, resource=resource,
                       auth_age=auth_age, ttl=ttl, omit=o, spoil=s)
    now = system_clock()
    token = mint_id_jag(_key(key), req, now)
    if as_json:
        echo(json.dumps({"assertion_type": "urn:ietf:params:oauth:token-type:id-jag", "assertion": token,
                         "expires_in": ttl, "claims": id_jag_claims(req, now)}, indent=2))
    else:
        echo(token)
    return ExitCode.OK


def provider_serve_command(*, key: Path, host: str, port: int, issuer: str | None, echo: Echo) -> int:
    from authmd_cli.provider import provider_app
    from authmd_cli.sandbox.server import bind, origin_of, serve_until_signal

    if issuer is not None:
        _check_url(issuer, "--issuer")

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
    import httpx

    from authmd_cli.provider import build_set, post_set
    from authmd_cli.tokens import system_clock

    _check_url(events_url, "--events-url")
    token = build_set(_key(key), issuer=issuer, aud=aud, sub=sub, now=system_clock())
    try:
        result = post_set(events_url, token)
    except httpx.HTTPError as exc:
        raise UnreachableError(f"cannot deliver the SET: {type(exc).__name__}", source=events_url) from None
    echo(f"{events_url}: HTTP {result.status}" + (" (accepted)" if result.status == 202 else ""))
    if result.body:
        echo(result.body)
    return ExitCode.OK if result.status == 202 else ExitCode.FINDINGS
