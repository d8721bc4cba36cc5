"""The body of `authmd serve` (`cli/serve.py` only parses options and calls it; `authmd provider …`
lives in authmd_cli/provider/commands.py).

Output goes through the `echo` callable passed in; nothing here exits. Errors are
`AuthmdError`s, mapped to exit codes by `cli/runner.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from authmd_cli.core.errors import ConfigError, UsageError
from authmd_cli.core.exit_codes import ExitCode
from authmd_cli.sandbox.settings import SUPPORTED_PROFILES, TrustedProvider

if TYPE_CHECKING:
    from authmd_cli.site.config import ServiceConfig

Echo = Callable[[str], None]
DEFAULT_CONFIG_FILE = Path("authmd.yaml")
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


def _load_config(config: Path | None, profile: str | None) -> tuple[ServiceConfig, str]:
    from dataclasses import replace

    from authmd_cli.protocol.profiles import resolve
    from authmd_cli.sandbox.defaults import default_config
    from authmd_cli.site.config import load_config_file, misnamed_service_config

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
        misnamed_service_config(Path.cwd(), "serve")
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


def exposure_warnings(host: str, *, test_hooks: bool) -> list[str]:
    """What to say before listening beyond loopback; loudest when the test hooks (which sign
    anyone in as anyone and mint tokens) would be reachable from other machines."""
    from authmd_cli.sandbox.server import is_loopback

    if is_loopback(host):
        return []
    lines = [f"authmd: warning: listening on {host or 'every interface'}, not loopback: the sandbox signs "
             "anyone in; use it only on a trusted network"]
    if test_hooks:
        lines.append(f"authmd: WARNING: --test-hooks on {host or 'every interface'}: anyone who can reach this "
                     "port can use /_test to sign in as any user, confirm any claim and mint ID-JAGs; "
                     "use --test-hooks on 127.0.0.1 only")
    return lines


def serve_command(*, config: Path | None, profile: str | None, host: str, port: int, db: Path | None,
                  test_hooks: bool, provider_key: Path | None, test_provider: bool, trust: Sequence[str],
                  origin: str | None, log_level: str, echo: Echo, warn: Echo) -> int:
    from authmd_cli.sandbox.server import banner, start

    if log_level.lower() not in LOG_LEVELS:
        raise UsageError(f"--log-level {log_level!r}: expected one of {', '.join(LOG_LEVELS)}")
    log_level = log_level.lower()
    cfg, source = _load_config(config, profile)
    sandbox = start(cfg, host=host, port=port, db=db, test_hooks=test_hooks,
                    builtin_provider=test_provider, provider_key_path=provider_key, trusted=parse_trust(trust),
                    origin=origin, notice=warn)
    for line in exposure_warnings(host, test_hooks=test_hooks):  # once the options proved usable
        warn(line)

    def ready() -> None:
        for line in banner(sandbox, test_hooks=test_hooks, provider_key_path=provider_key):
            echo(line)
        echo(f"  config           {source}" + (f"; state in {db}" if db else "; state in memory"))
        echo("Press Ctrl-C to stop.")

    stopped_by = sandbox.run(log_level=log_level, on_ready=ready)
    warn(f"authmd: stopped ({stopped_by})" if stopped_by else "authmd: stopped")
    return ExitCode.OK
