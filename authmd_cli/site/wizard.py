"""The short `authmd init` wizard: a few questions → `authmd.yaml` (then init generates from it).

The logic takes `ask(prompt, default) -> str` and `confirm(prompt, default) -> bool`, so tests
drive it with scripted answers; the CLI passes typer's prompts. When not interactive (`--yes`,
or stdin is not a TTY) every default is taken without prompting. The YAML is written with
comments and then loaded through the normal validated path, so a wizard answer can never
produce a config that `authmd init --config` would reject.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from authmd_cli.core.errors import ConfigError, OutputError

Ask = Callable[[str, str], str]
Confirm = Callable[[str, bool], bool]

PLACEHOLDER_API = "https://api.example.com/"
MAX_TRIES = 5


def _typer_ask(prompt: str, default: str) -> str:
    import typer

    return str(typer.prompt(prompt, default=default, show_default=True))


def _typer_confirm(prompt: str, default: bool) -> bool:
    import typer

    return bool(typer.confirm(prompt, default=default))


def _url_check(answer: str, *, query: bool = True) -> str | None:
    """The config's own URL rule (https; http only on loopback), so an answer the wizard takes
    never fails validation after the last question."""
    from authmd_cli.site.config import url_problem

    if " " in answer:
        return f"{answer!r} contains a space"
    return url_problem(answer, query=query)


_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5B\x5D-\x7E]+")  # RFC 6749 §3.3, as in config.schema.json
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _line_check(answer: str) -> str | None:
    return None if len(answer) <= 300 else "at most 300 characters"


def _scopes_check(answer: str) -> str | None:
    names = [s for s in answer.replace(",", " ").split() if s]
    if not names:
        return "name at least one scope"
    bad = [n for n in names if not _SCOPE_TOKEN.fullmatch(n)]
    return f"{bad[0]!r} is not a scope token (no quotes or backslashes)" if bad else None


def _contact_check(answer: str) -> str | None:
    if not answer or _EMAIL.fullmatch(answer):
        return None
    if "://" in answer:
        return _url_check(answer)
    return "expected an email address or an https URL"


def _resource_check(answer: str) -> str | None:
    problem = _url_check(answer, query=False)
    path = urlsplit(answer).path
    if problem is None and path not in ("", "/") and path.endswith("/"):
        problem = "drop the trailing '/' after the path (RFC 9728 §3.1)"
    return problem


def _default_issuer(api: str) -> str:
    """`https://api.x.y/` → `https://auth.x.y`; otherwise the API's own origin."""
    u = urlsplit(api)
    host = u.netloc
    if host.startswith("api."):
        host = "auth." + host[4:]
    return f"{u.scheme}://{host}"


def _scope_description(name: str) -> str:
    base, _, verb = name.rpartition(".")
    subject = base or name
    if verb in ("read", "view", "list"):
        return f"Read {subject}."
    if verb in ("write", "edit", "manage"):
        return f"Create and change {subject}."
    return f"Use {name}."


def collect(ask: Ask, confirm: Confirm, *, interactive: bool,
            say: Callable[[str], None] = lambda _text: None) -> dict[str, Any]:
    """Ask the questions; returns the config mapping (YAML-ready). `say` shows a problem."""

    def q(prompt: str, default: str, check: Callable[[str], str | None] | None = None) -> str:
        if not interactive:
            return default
        for _ in range(MAX_TRIES):
            answer = ask(prompt, default).strip()
            problem = check(answer) if check else None
            if problem is None:
                return answer
            say(f"{problem}; try again" if repr(answer) in problem else f"{answer!r}: {problem}; try again")
        raise ConfigError(f"{prompt}: no valid answer after {MAX_TRIES} tries")

    def yn(prompt: str, default: bool) -> bool:
        return confirm(prompt, default) if interactive else default

    def optional_url(answer: str) -> str | None:
        return None if not answer else _url_check(answer)

    name = q("Service name", "My Service", lambda a: _line_check(a) if a else "a name is required")
    description = q("One-line description (optional)", "", lambda a: _line_check(a) if a else None)
    api = q("API base URL (the protected resource)", PLACEHOLDER_API, _resource_check)
    issuer = q("Authorization server issuer URL", _default_issuer(api), lambda a: _url_check(a, query=False))
    idjag = yn("Accept ID-JAGs from agent providers (identity_assertion)?", False)
    providers = q("Trusted providers, comma-separated (optional)", "") if idjag else ""
    service_auth = yn("Offer email registration with a claim ceremony (service_auth)?", True)
    anonymous = yn("Offer anonymous registration (pre-claim scopes)?", False)
    scopes_raw = q("Scopes, comma-separated", "api.read, api.write", _scopes_check)
    scopes = list(dict.fromkeys(s for s in scopes_raw.replace(",", " ").split() if s))
    pre: list[str] = []
    if anonymous:
        pre_raw = q("Scopes an unclaimed anonymous agent gets", scopes[0],
                    lambda a: None if a and all(s in scopes for s in a.replace(",", " ").split())
                    else f"choose from {', '.join(scopes)}")
        pre = list(dict.fromkeys(pre_raw.replace(",", " ").split()))
    docs = q("API documentation URL (optional)", "", optional_url)
    contact = q("Contact for integration problems, email or URL (optional)", "", _contact_check)

    registration = idjag or service_auth or anonymous
    data: dict[str, Any] = {"profile": "v0.7-B" if registration else "no-registration"}
    service: dict[str, Any] = {"name": name}
    if description:
        service["description"] = description
    if docs:
        service["docs_url"] = docs
    if contact:
        service["contact"] = contact
    data["service"] = service
    data["resource_server"] = {"resource": api}
    data["authorization_server"] = {"issuer": issuer}
    data["scopes"] = [{"name": s, "description": _scope_description(s)} for s in scopes]
    if registration:
        methods: dict[str, Any] = {}
        if idjag:
            names = [p.strip() for p in providers.split(",") if p.strip()]
            methods["identity_assertion"] = {"trusted_providers": names} if names else True
        methods["service_auth"] = service_auth
        methods["anonymous"] = anonymous
        data["methods"] = methods
        if anonymous:
            data["pre_claim_scopes"] = pre
    return data


def _y(value: Any) -> str:
    """A YAML flow value; JSON strings/lists are valid YAML and quote everything safely."""
    return json.dumps(value, ensure_ascii=False)


def config_yaml(data: dict[str, Any]) -> str:
    """The mapping as commented YAML (the file a person edits next)."""
    lines = [
        "# authmd.yaml — written by `authmd init`. Edit it, then run `authmd init` again.",
        "# Reference: `authmd schema show config`; a full example is examples/authmd.yaml.",
        "",
        f"profile: {data['profile']}    # v0.7-B | v0.7-A | v0.6 | no-registration",
        "",
        "service:",
    ]
    lines += [f"  {k}: {_y(v)}" for k, v in data["service"].items()]
    lines += ["", "resource_server:", f"  resource: {_y(data['resource_server']['resource'])}",
              "", "authorization_server:", f"  issuer: {_y(data['authorization_server']['issuer'])}",
              "  # endpoint paths default to /agent/identity, /agent/identity/claim, /agent/event/notify,",
              "  # /oauth2/token and /oauth2/revoke", "", "scopes:"]
    for s in data["scopes"]:
        lines += [f"  - name: {_y(s['name'])}", f"    description: {_y(s['description'])}"]
    if "methods" in data:
        lines += ["", "methods:"]
        for k, v in data["methods"].items():
            if isinstance(v, dict):
                lines += [f"  {k}:", f"    trusted_providers: {_y(v['trusted_providers'])}"]
            else:
                lines.append(f"  {k}: {_y(v)}")
    if "pre_claim_scopes" in data:
        lines += ["", f"pre_claim_scopes: {_y(data['pre_claim_scopes'])}"]
    return "\n".join(lines) + "\n"


def wizard_text(path: Path, *, interactive: bool, ask: Ask | None = None, confirm: Confirm | None = None,
                stdout: TextIO) -> tuple[str, dict[str, Any]]:
    """Collect answers and validate them as a config; returns the YAML for `path` and the mapping.
    Writes nothing: init renders and plans the site from this text before any file is written."""
    from authmd_cli.site.config import load_config

    if path.exists():
        raise OutputError("already exists; pass it with --config instead of running the wizard", source=str(path))
    data = collect(ask or _typer_ask, confirm or _typer_confirm, interactive=interactive,
                   say=lambda text: print(text, file=stdout))
    text = config_yaml(data)
    load_config(text, str(path))  # the same validation as --config; raises ConfigError
    return text, data


def write_wizard_config(path: Path, text: str, data: dict[str, Any], *, stdout: TextIO) -> None:
    """Write the wizard's config (never over an existing file: `O_EXCL`-like check just before)."""
    from authmd_cli.core.files import atomic_write

    if path.exists():
        raise OutputError("already exists; pass it with --config instead of running the wizard", source=str(path))
    try:
        atomic_write(path, text)
    except OSError as exc:
        raise OutputError(exc.strerror or str(exc), source=str(path)) from None
    stdout.write(f"wrote {path}\n")
    if urlsplit(data["resource_server"]["resource"]).hostname == urlsplit(PLACEHOLDER_API).hostname:
        stdout.write(f"note: {path} uses placeholder hosts (example.com); put your real URLs in it and run "
                     "`authmd init` again\n")


def run_wizard_to_file(path: Path, *, interactive: bool, ask: Ask | None = None, confirm: Confirm | None = None,
                       stdout: TextIO, dry_run: bool = False) -> Path | None:
    """Collect answers, validate them as a config, write `path` (never over an existing file).
    Returns the written path, or None on a dry run (the YAML is printed instead)."""
    text, data = wizard_text(path, interactive=interactive, ask=ask, confirm=confirm, stdout=stdout)
    if dry_run:
        stdout.write(f"would write {path}:\n{text}")
        return None
    write_wizard_config(path, text, data, stdout=stdout)
    return path
