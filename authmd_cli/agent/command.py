"""The body of `authmd simulate user-claimed|agent-verified` (`cli/simulate.py` only parses options).

It checks the options, picks who plays the user, builds the ID-JAG source and the `Driver`, runs
`run.simulate`, renders, and returns the exit code: 0 passed, 1 a check failed or the flow could
not finish (also "nothing to simulate"), 3 the service could not be reached, 130 interrupted.
Console I/O goes through the `Console` callables passed in; nothing here exits.
"""

from __future__ import annotations

import ipaddress
import json
import math
import secrets
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from authmd_cli.agent.driver import AssertionSource, Driver
from authmd_cli.agent.flows import Options
from authmd_cli.agent.human import CommandHuman, FixedCode, HookHuman, Human, NoHuman, handoff_lines
from authmd_cli.agent.record import Recorder, Step
from authmd_cli.agent.target import Discovered
from authmd_cli.agent.wire import Consent, HandOff, HumanAnswer, Wait
from authmd_cli.core.errors import OutputError, UsageError
from authmd_cli.core.exit_codes import ExitCode

DEFAULT_TIMEOUT = 900.0  # the whole run, ceremony included (an attempt lives 600 s, SPEC §7.2)
REQUEST_TIMEOUT = 15.0
DISCOVERY_TIMEOUT = 30.0
FORMATS = ("text", "json")
BUILTIN_PROVIDER_PATH = "/test-provider"  # `authmd serve`'s built-in test issuer: <origin>/test-provider


@dataclass
class Console:
    """What the command may do with the terminal (the CLI passes typer's functions)."""

    out: Callable[[str], None]
    err: Callable[[str], None]
    interactive: bool = False
    prompt: Callable[[str], str] | None = None
    confirm: Callable[[str], bool] | None = None
    same_screen: bool = False  # stdout and stderr are the same terminal


@dataclass
class Args:
    flow: str
    url: str
    method: str = "anonymous"
    login_hint: str | None = None
    claim: str | None = None
    email: str | None = None
    sub: str | None = None
    api: str | None = None
    profile: str | None = None
    yes: bool = False
    allow_private: bool = False
    dry_run: bool = False
    negative: bool = False
    fmt: str = "text"
    transcript: Path | None = None
    force: bool = False
    show_secrets: bool = False
    timeout: float = DEFAULT_TIMEOUT
    user_code: str | None = None
    human_command: str | None = None
    auto_confirm: bool = False
    provider_key: Path | None = None
    provider_issuer: str | None = None
    second_provider_key: Path | None = None
    second_provider_issuer: str | None = None
    assertion: str | None = None
    assertion_command: str | None = None
    revoke: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------ option checks


def shown_url(value: str) -> str:
    """`value` for an error message: quoted, a password (URL userinfo) or other secret never echoed."""
    from authmd_cli.core.display import inline

    text = value.strip()
    if "@" in text and "://" not in text:  # `user:pw@host`: let the redactor see the userinfo
        text = "https://" + text
    return repr(inline(text, width=120))


def malformed(exc: ValueError) -> str:
    """urlsplit's complaint in words: `Invalid IPv6 URL`, `Port out of range 0-65535`, `Port could not…`."""
    if "port" in str(exc).lower():
        return "not a valid URL: the port must be a number from 0 to 65535"
    return "not a valid URL: a bracketed IPv6 host is malformed"


def normalise_url(value: str) -> str:
    """A domain (`example.com` → https), an origin, or an API URL; nothing else."""
    text = value.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        _ = parts.port  # urlsplit checks the port only when asked
    except ValueError as exc:
        raise UsageError(f"{shown_url(value)}: {malformed(exc)}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{shown_url(value)}: expected a domain, an origin or an API URL")
    if parts.username is not None or parts.password is not None:
        raise UsageError(f"{shown_url(value)}: credentials in a URL are refused (remove the user:password@ part)")
    return text


def _no_credentials(value: str | None, option: str) -> None:
    """A malformed URL, or one with userinfo (a password would be sent, or copied into every token's
    `iss`): refused, the password not echoed."""
    if value is None:
        return
    try:
        parts = urlsplit(value.strip())
        has = parts.username is not None or parts.password is not None
        _ = parts.port
    except ValueError as exc:
        raise UsageError(f"{option} {shown_url(value)}: {malformed(exc)}") from None
    if has:
        raise UsageError(f"{option} {shown_url(value)}: credentials in a URL are refused (remove the "
                         "user:password@ part)")


def address_problem(url: str, *, resolve: Callable[[str], list[str]] | None = None) -> str | None:
    """Why `url` is not a public address (loopback, private, link-local), or None. Resolves the
    host, so a public name pointing at 127.0.0.1 is caught too."""
    host = urlsplit(url).hostname or ""
    if not host:
        return "which has no host"
    try:
        addresses = [host.strip("[]")] if _is_ip(host) else (resolve or _resolve)(host)
    except OSError:
        return None  # unresolvable: the request itself will report it
    from authmd_cli.core.net import address_class

    for addr in addresses:
        kind = address_class(addr)
        if kind is not None:
            return f"a {kind} address ({addr})"
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _resolve(host: str) -> list[str]:
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None)})


def check_args(a: Args) -> Args:
    if a.fmt not in FORMATS:
        raise UsageError(f"--format {a.fmt!r}: choose {' or '.join(FORMATS)}")
    if a.flow == "user-claimed":
        if a.method not in ("anonymous", "service_auth"):
            raise UsageError(f"--method {a.method!r}: user-claimed runs anonymous or service_auth")
        if a.method == "service_auth" and not a.login_hint:
            raise UsageError("--method service_auth needs --login-hint EMAIL (the user's account)")
        if a.method == "service_auth" and a.claim:
            raise UsageError("--claim is for --method anonymous (service_auth claims with --login-hint)")
    if a.user_code is not None and (len(a.user_code) != 6 or not a.user_code.isascii() or not a.user_code.isdigit()):
        raise UsageError("--user-code: six ASCII digits")
    humans = [x for x in (a.user_code, a.human_command, a.auto_confirm or None) if x]
    if len(humans) > 1:
        raise UsageError("give one of --user-code, --human-command, --auto-confirm")
    if not math.isfinite(a.timeout) or a.timeout <= 0:  # nan compares false with everything: no deadline at all
        raise UsageError(f"--timeout {a.timeout!r}: a positive number of seconds")
    if a.profile is not None:
        _check_profile(a.profile)
    if a.transcript is not None:
        _check_transcript(a.transcript, a.force)
    _no_credentials(a.provider_issuer, "--provider-issuer")
    _no_credentials(a.second_provider_issuer, "--second-provider-issuer")
    _no_credentials(a.api, "--api")
    return replace(a, url=normalise_url(a.url))


def _check_profile(label: str) -> None:
    """Before any request: an unknown generation, or one without a registration, runs nothing."""
    from authmd_cli.protocol.profiles import resolve

    try:
        profile = resolve(label)
    except KeyError as exc:
        raise UsageError(f"--profile: {exc.args[0]}") from None
    if profile.registration_path is None:
        raise UsageError(f"--profile {profile.label}: this generation has no agent registration to simulate")


def _check_transcript(path: Path, force: bool) -> None:
    """Before the flow runs (it registers at the service): a transcript that cannot be written must
    not be found out only after the side effects."""
    import os

    if path.is_dir():
        raise OutputError("is a directory; --transcript takes a file path", source=str(path))
    if path.exists() and not force:
        raise OutputError("the transcript file exists (use --force to replace it)", source=str(path))
    parent = path.parent
    if not parent.is_dir():
        raise OutputError(f"cannot write the transcript: the directory {parent} does not exist", source=str(path))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write the transcript: the directory {parent} is not writable", source=str(path))


# ------------------------------------------------------------------ the person


class TerminalHuman:
    """A person at the terminal: a clear panel, then (read-back) a prompt for the code."""

    def __init__(self, console: Console, clock: Callable[[], float] = time.time) -> None:
        self.console = console
        self.clock = clock

    def answer(self, handoff: HandOff) -> HumanAnswer:
        from authmd_cli.core.display import printable

        panel = [printable(line) for line in handoff_lines(handoff)]
        left = _time_left(handoff, self.clock())
        if left is not None:
            panel.append(f"The attempt expires in {_mmss(left)}.")
        width = max(len(line) for line in panel) + 2
        self.console.err("┌" + "─" * width + "┐")
        for line in panel:
            self.console.err("│ " + line.ljust(width - 1) + "│")
        self.console.err("└" + "─" * width + "┘")
        if handoff.direction == "show":
            return HumanAnswer(note="shown to the user on the terminal")
        assert self.console.prompt is not None
        code = self.console.prompt("Code from the page (6 digits, empty to give up)").strip()
        if not code:
            return HumanAnswer(gave_up=True, note="gave up at the prompt")
        return HumanAnswer(code=code, note="code typed at the terminal")


def _time_left(h: HandOff, now: float) -> float | None:
    if h.expires_in is not None:
        return h.expires_in
    if h.expires_at:
        from datetime import datetime

        try:
            return datetime.fromisoformat(h.expires_at.replace("Z", "+00:00")).timestamp() - now
        except ValueError:
            return None
    return None


def _mmss(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 60}:{s % 60:02d}"


def choose_human(a: Args, console: Console, driver: Driver) -> Human:
    if a.auto_confirm:
        return HookHuman(driver.post_json)
    if a.human_command:
        return CommandHuman(a.human_command)
    if a.user_code:
        return FixedCode(a.user_code)
    if console.interactive and console.prompt is not None:
        return TerminalHuman(console)
    return NoHuman()


def consent_gate(a: Args, console: Console) -> Callable[[Consent], bool]:
    def ask(c: Consent) -> bool:
        lines = [f"{c.resource_name or 'This service'} asks to register an agent for "
                 f"{c.identity or 'you'} ({c.method}).",
                 f"Logo: {c.logo_uri}" if c.logo_uri else "Logo: (none published)",
                 f"Scopes: {', '.join(c.scopes) or '(none listed)'}"]
        from authmd_cli.core.display import printable

        for line in lines:  # the service's own words (resource_name, logo URL): escaped, never raw
            console.err(printable(line))
        if a.yes:
            console.err("Consent given by --yes.")
            return True
        if console.interactive and console.confirm is not None:
            return console.confirm("Send this identity to the service?")
        return False
    return ask


# ------------------------------------------------------------------ ID-JAGs


def assertion_source(a: Args) -> AssertionSource:
    from authmd_cli.agent.idjag import Issuer
    from authmd_cli.provider.issuer import load_key_file

    sub = a.sub or "simulate-" + secrets.token_hex(6)
    src = AssertionSource(aud="", resource=None, sub=sub, email=a.email or f"{sub}@example.com",
                          fixed=a.assertion, command=a.assertion_command)
    if a.provider_key is not None:
        src.primary = Issuer(load_key_file(a.provider_key), a.provider_issuer or "")
    if a.second_provider_key is not None:
        if not a.second_provider_issuer:
            raise UsageError("--second-provider-key needs --second-provider-issuer")
        src.second = Issuer(load_key_file(a.second_provider_key), a.second_provider_issuer.rstrip("/"))
    return src


def _bind(src: AssertionSource, a: Args) -> Callable[[Any], None]:
    """Once discovery named the service: `aud` = its issuer, `resource` = the PRM resource (SPEC
    §14 D5); the test issuer of `authmd serve` is `<origin>/test-provider` unless named."""
    def bind(target: Any) -> None:
        src.aud, src.resource = target.issuer, target.resource
        if src.primary is not None and not src.primary.issuer:
            parts = urlsplit(target.issuer)
            src.primary = replace(src.primary, issuer=f"{parts.scheme}://{parts.netloc}{BUILTIN_PROVIDER_PATH}")
    return bind


# ------------------------------------------------------------------ run


Discover = Callable[[str, "str | None", bool, float], Discovered]


def simulate_command(a: Args, console: Console, discover: Discover, *, client: Any = None,
                     sleep: Callable[[float], None] = time.sleep,
                     clock: Callable[[], float] = time.monotonic) -> int:
    from authmd_cli.agent import report
    from authmd_cli.agent.run import Plan, simulate
    from authmd_cli.core import net
    from authmd_cli.core.display import encodable, printable

    a = check_args(a)
    if not a.dry_run and not a.yes and not console.interactive:
        raise UsageError("simulate registers at the service (a side effect); not on a terminal, so it needs "
                         "--yes (or --dry-run to print the requests)")
    if not a.allow_private:
        why = address_problem(a.url)
        if why:
            raise UsageError(f"{a.url} is {why}; add --allow-private to simulate against it")
    refused = (lambda u: None) if a.allow_private else (lambda u: (f"which is {w}" if (w := address_problem(u))
                                                                    else None))
    src = assertion_source(a)
    if a.flow == "agent-verified" and not (src.primary or src.fixed or src.command) and not a.dry_run:
        raise UsageError("agent-verified needs an ID-JAG: --provider-key PATH (the test issuer's key), "
                         "--assertion JWT, or --assertion-command CMD")
    options = Options(method="identity_assertion" if a.flow == "agent-verified" else a.method,
                      login_hint=a.login_hint, claim_email=a.claim, email=src.email, revoke=a.revoke)
    plan = Plan(a.flow, a.url, options, api_url=a.api, profile=a.profile, negative=a.negative,
                url_refused=refused, before_flow=_bind(src, a))
    own_client = client is None
    http = client if client is not None else net.client(timeout=REQUEST_TIMEOUT)
    try:
        if a.dry_run:
            from authmd_cli.agent.dryrun import DryRunDriver

            dry = DryRunDriver(http, assertions=src, printer=console.out, show_secrets=a.show_secrets)
            bind = plan.before_flow

            def bind_dry(target: Any) -> None:
                dry.target = target
                if bind is not None:
                    bind(target)

            plan.before_flow = bind_dry
            driver: Driver = dry
        else:
            driver = Driver(http, assertions=src, sleep=sleep, clock=clock, deadline=clock() + a.timeout)
            driver.human = choose_human(a, console, driver)
            driver.consent = consent_gate(a, console)
            if console.interactive and a.fmt == "text":
                driver.on_step = lambda rec, step: _live(console, rec, step, a.show_secrets)
                spinner = Spinner(sleep, clock)
                driver.on_wait = spinner.announce
                driver.sleep = spinner.sleep
        discovered = discover(a.url, a.api, a.allow_private, min(a.timeout, DISCOVERY_TIMEOUT))
        if a.dry_run:
            for req, _resp in discovered.trace:
                console.out(f"# {req.step} (sent: read-only)")
                console.out(printable(report.curl(req, report.Masker((), (), show=a.show_secrets))))
        result = simulate(plan, driver, discovered)
    finally:
        if own_client:
            http.close()
    rec = result.rec
    if a.dry_run:
        return int(ExitCode.OK) if rec.outcome != "unreachable" else int(ExitCode.UNREACHABLE)
    # A service's strings reach the output: lone surrogates (no stream can encode them) and, in text,
    # control characters are escaped, so every format stays valid (JSON keeps `\\ud800` escapes).
    if a.fmt == "json":
        console.out(encodable(json.dumps(report.to_dict(rec, result.target_info, show_secrets=a.show_secrets),
                                         indent=2, ensure_ascii=False)))
    else:
        live = driver.on_step is not None and console.same_screen  # the steps are on the screen already
        console.out(printable(report.text(rec, result.target_info, show_secrets=a.show_secrets,
                                          steps=not live).rstrip("\n")))
    if a.transcript is not None:
        _write_transcript(a.transcript, printable(report.transcript(rec, result.target_info,
                                                                    show_secrets=a.show_secrets)))
    if rec.outcome == "interrupted":
        console.err("interrupted: " + ("; ".join(rec.left_behind()) or "nothing was left on the service"))
        return int(ExitCode.INTERRUPTED)
    if rec.outcome == "unreachable":
        return int(ExitCode.UNREACHABLE)
    return int(ExitCode.OK) if rec.outcome == "passed" else int(ExitCode.FINDINGS)


def _write_transcript(path: Path, text: str) -> None:
    from authmd_cli.core.files import atomic_write

    try:
        atomic_write(path, text, mode=0o600)
    except OSError as exc:
        raise OutputError(f"cannot write the transcript: {exc.strerror or exc}", source=str(path)) from None


def _live(console: Console, rec: Recorder, step: Step, show: bool) -> None:
    from authmd_cli.agent.report import masker, step_line
    from authmd_cli.core.display import printable

    m = masker(rec, show=show)
    for line in step_line(step, m):
        console.err(printable(line))


class Spinner:
    """On a terminal, a wait shows a spinner with what it waits for and the time left in the run
    (rich, loaded only here); Ctrl-C during it ends the run cleanly (the driver's KeyboardInterrupt)."""

    def __init__(self, sleep: Callable[[float], None], clock: Callable[[], float]) -> None:
        self._sleep, self._clock = sleep, clock
        self._label = "waiting"
        self._deadline: float | None = None

    def announce(self, w: Wait, left: float | None) -> None:
        self._label = w.reason
        self._deadline = None if left is None else self._clock() + left

    def sleep(self, seconds: float) -> None:
        from rich.console import Console as RichConsole

        end = self._clock() + seconds
        with RichConsole(stderr=True).status(self._text(end)) as status:
            while (remaining := end - self._clock()) > 0:
                self._sleep(min(1.0, remaining))
                status.update(self._text(end))

    def _text(self, end: float) -> str:
        left = f", {_mmss(self._deadline - self._clock())} left in the run" if self._deadline is not None else ""
        return f"{self._label}: next request in {max(0, end - self._clock()):.0f} s{left} (Ctrl-C stops)"


def is_tty() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()
