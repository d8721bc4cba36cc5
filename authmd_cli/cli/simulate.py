"""`authmd simulate user-claimed|agent-verified`: options only; the body is
authmd_cli/agent/command.py (httpx, jwt and jsonschema load only inside it)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from authmd_cli.cli.runner import run, sub_app

if TYPE_CHECKING:
    from authmd_cli.agent.command import Console
    from authmd_cli.agent.target import Discovered

simulate_app = sub_app("simulate", "Act as a test agent through a whole flow and check the service at every step.")

Url = Annotated[str, typer.Argument(metavar="URL", help="A domain, an origin, or an API URL.")]
Profile = Annotated[str | None, typer.Option(
    "--profile", "-p", metavar="PROFILE", help="Pin the generation (default: detected from the documents).",
    show_default=False)]
Api = Annotated[str | None, typer.Option("--api", metavar="URL", help="The API URL to call with the tokens "
                                         "(default: the PRM resource).", show_default=False)]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Send requests with side effects without asking, and "
                                   "answer the consent gate.")]
AllowPrivate = Annotated[bool, typer.Option("--allow-private", help="Allow loopback and private addresses "
                                            "(e.g. `authmd serve` on 127.0.0.1).")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Print the requests as curl commands; send only the "
                                      "read-only discovery GETs.")]
Negative = Annotated[bool, typer.Option("--negative", help="Also send the conformance requests a good service "
                                        "must refuse.")]
Format = Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="Report format: text or json.")]
Transcript = Annotated[str | None, typer.Option(
    "--transcript", metavar="FILE", help="Write a Markdown transcript of every request and answer "
    "(secrets masked; the claim token never).", show_default=False)]
Force = Annotated[bool, typer.Option("--force", help="Replace an existing transcript file.")]
ShowSecrets = Annotated[bool, typer.Option("--show-secrets", help="Print tokens and codes in full (the claim "
                                           "token stays masked).")]
Timeout = Annotated[float, typer.Option("--timeout", metavar="SECONDS", help="Deadline for the whole run, "
                                        "ceremony included.")]
UserCode = Annotated[str | None, typer.Option(
    "--user-code", metavar="CODE", help="The code the user read from the page (read-back ceremonies).",
    show_default=False)]
HumanCommand = Annotated[str | None, typer.Option(
    "--human-command", metavar="CMD", help="A command that plays the user: it gets AUTHMD_VERIFICATION_URI, "
    "AUTHMD_USER_CODE, AUTHMD_LOGIN_HINT, AUTHMD_ISSUER and prints the read-back code.", show_default=False)]
AutoConfirm = Annotated[bool, typer.Option("--auto-confirm", help="Confirm through `authmd serve --test-hooks` "
                                           "(CI).")]
NoRevoke = Annotated[bool, typer.Option("--no-revoke", help="Keep the access token (skip RFC 7009 revocation).")]


@simulate_app.command("user-claimed")
def user_claimed_command(  # noqa: PLR0917 - typer maps parameters to options
    url: Url,
    method: Annotated[str, typer.Option("--method", "-m", metavar="METHOD",
                                        help="anonymous or service_auth.")] = "anonymous",
    login_hint: Annotated[str | None, typer.Option("--login-hint", metavar="EMAIL",
                                                   help="service_auth: the user's account.",
                                                   show_default=False)] = None,
    claim: Annotated[str | None, typer.Option("--claim", metavar="EMAIL",
                                              help="anonymous: claim the registration for this account.",
                                              show_default=False)] = None,
    profile: Profile = None, api: Api = None, yes: Yes = False, allow_private: AllowPrivate = False,
    dry_run: DryRun = False, negative: Negative = False, fmt: Format = "text", transcript: Transcript = None,
    force: Force = False, show_secrets: ShowSecrets = False, timeout: Timeout = 900.0, user_code: UserCode = None,
    human_command: HumanCommand = None, auto_confirm: AutoConfirm = False, no_revoke: NoRevoke = False,
) -> None:
    """Register as a user-claimed agent (anonymous, optionally claimed; or service_auth) and check every step.

    Example:

    \b
      authmd simulate user-claimed http://127.0.0.1:8000 --allow-private --yes --claim ada@example.com --auto-confirm
      (codes, options and the user hand-off: docs/simulate.md)

    Exit codes: 0 every check passed, 1 a check failed or the flow could not finish, 2 usage,
    3 the service could not be reached, 130 interrupted.
    """

    def body() -> int:
        from authmd_cli.agent.command import Args, is_tty, simulate_command

        args = Args("user-claimed", url, method=method, login_hint=login_hint, claim=claim, api=api,
                    profile=profile, yes=yes, allow_private=allow_private, dry_run=dry_run, negative=negative,
                    fmt=fmt, transcript=Path(transcript) if transcript else None, force=force,
                    show_secrets=show_secrets, timeout=timeout, user_code=user_code, human_command=human_command,
                    auto_confirm=auto_confirm, revoke=not no_revoke)
        return simulate_command(args, _console(is_tty()), probe_discovery)

    run(body)


@simulate_app.command("agent-verified")
def agent_verified_command(  # noqa: PLR0917 - typer maps parameters to options
    url: Url,
    provider_key: Annotated[str | None, typer.Option(
        "--provider-key", metavar="PATH", help="The test issuer's ES256 key: mint a fresh ID-JAG whenever one "
        "is needed.", show_default=False)] = None,
    provider_issuer: Annotated[str | None, typer.Option(
        "--provider-issuer", metavar="URL", help="Its issuer (default: `authmd serve`'s <origin>/test-provider).",
        show_default=False)] = None,
    assertion: Annotated[str | None, typer.Option("--assertion", metavar="JWT", help="An ID-JAG minted elsewhere "
                                                  "(used once: each jti is single-use).",
                                                  show_default=False)] = None,
    assertion_command: Annotated[str | None, typer.Option(
        "--assertion-command", metavar="CMD", help="Prints a fresh ID-JAG on stdout each time one is needed "
        "(gets AUTHMD_AUD and AUTHMD_RESOURCE).", show_default=False)] = None,
    sub: Annotated[str | None, typer.Option("--sub", metavar="SUB",
                                            help="The user's id at the provider (default: a fresh one).",
                                            show_default=False)] = None,
    email: Annotated[str | None, typer.Option("--email", metavar="EMAIL",
                                              help="The user's verified email (default: <sub>@example.com).",
                                              show_default=False)] = None,
    second_provider_key: Annotated[str | None, typer.Option(
        "--second-provider-key", metavar="PATH", help="A second trusted issuer's key (--negative: same sub, two "
        "issuers).", show_default=False)] = None,
    second_provider_issuer: Annotated[str | None, typer.Option(
        "--second-provider-issuer", metavar="URL", help="The second issuer.", show_default=False)] = None,
    profile: Profile = None, api: Api = None, yes: Yes = False, allow_private: AllowPrivate = False,
    dry_run: DryRun = False, negative: Negative = False, fmt: Format = "text", transcript: Transcript = None,
    force: Force = False, show_secrets: ShowSecrets = False, timeout: Timeout = 900.0, user_code: UserCode = None,
    human_command: HumanCommand = None, auto_confirm: AutoConfirm = False, no_revoke: NoRevoke = False,
) -> None:
    """Register with an ID-JAG (agent verified): clean match, step-up ceremony or login_required; check every step.

    Example:

    \b
      authmd simulate agent-verified http://127.0.0.1:8000 --allow-private --yes --provider-key provider.key --negative
      (codes, options and the user hand-off: docs/simulate.md)

    Exit codes: 0 every check passed, 1 a check failed or the flow could not finish, 2 usage,
    3 the service could not be reached, 130 interrupted.
    """

    def body() -> int:
        from authmd_cli.agent.command import Args, is_tty, simulate_command

        args = Args("agent-verified", url, email=email, sub=sub, api=api, profile=profile, yes=yes,
                    allow_private=allow_private, dry_run=dry_run, negative=negative, fmt=fmt,
                    transcript=Path(transcript) if transcript else None, force=force, show_secrets=show_secrets,
                    timeout=timeout, user_code=user_code, human_command=human_command, auto_confirm=auto_confirm,
                    provider_key=Path(provider_key) if provider_key else None, provider_issuer=provider_issuer,
                    second_provider_key=Path(second_provider_key) if second_provider_key else None,
                    second_provider_issuer=second_provider_issuer, assertion=assertion,
                    assertion_command=assertion_command, revoke=not no_revoke)
        return simulate_command(args, _console(is_tty()), probe_discovery)

    run(body)


def _console(interactive: bool) -> Console:
    import sys

    from authmd_cli.agent.command import Console

    return Console(out=typer.echo, err=lambda m: typer.echo(m, err=True), interactive=interactive,
                   same_screen=interactive and sys.stdout.isatty(),
                   prompt=lambda text: str(typer.prompt(text, default="", show_default=False)),
                   confirm=lambda text: bool(typer.confirm(text, default=False)))


def probe_discovery(url: str, api: str | None, allow_private: bool, timeout: float) -> Discovered:
    """The probe's discovery walk, handed to the flows as `agent.target.Discovered` (agent and
    probe are sibling layers: this is the one place that joins them)."""
    from authmd_cli.agent.target import Discovered
    from authmd_cli.agent.wire import Request, Response
    from authmd_cli.core import net
    from authmd_cli.probe.discovery import WalkOptions, discover
    from authmd_cli.probe.target import parse_target

    d = discover(parse_target(url, api=api), limits=net.FetchLimits(allow_private=allow_private),
                 deadline_s=timeout, options=WalkOptions(api=api, check_served=False))
    trace = tuple(
        (Request(f"discover: {ex.step}", ex.method, ex.url, dict(ex.request_headers), side_effect=False,
                 family="discovery"),
         Response(ex.status or 0, {k.lower(): v for k, v in ex.final.headers}, ex.body, ex.ms,
                  error=f"{ex.failure.kind}: {ex.failure.message}" if ex.failure else None))
        for ex in d.exchanges)
    server = d.servers[0] if d.servers else None
    answered = server.exchange if server is not None else None
    as_url = answered.url if answered is not None else (d.endpoints.as_metadata or url)
    as_doc = d.documents.get("as")
    bad = as_doc.json_error if as_doc is not None else None
    problem = f"not valid JSON at line {bad.line}, column {bad.column}: {bad.message}" if bad else None
    return Discovered(as_url, d.as_metadata, d.prm_metadata, d.endpoints.api, d.profile, d.reachable, trace,
                      as_problem=problem)


def register(app: typer.Typer) -> None:
    app.add_typer(simulate_app, name="simulate")
