"""A walk -> a report: the lint engine over the fetched documents, plus the transport findings.

Fetched documents keep their URL as `source` (so every renderer locates findings at the URL, with
line and column inside the body); the auth.md, PRM and AS metadata form one `Site`, so lint's
cross-document rules run exactly as on files. Transport findings get their code, name and
configured severity here the way the engine stamps lint's, and obey the same select/ignore/
severity options. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from authmd_cli.core.diagnostics import Diagnostic, Finding, Report
from authmd_cli.core.display import scrub
from authmd_cli.lint.engine import LintOptions
from authmd_cli.probe.discovery import Discovery
from authmd_cli.probe.model import Exchange
from authmd_cli.probe.transport import looks_html, transport_findings
from authmd_cli.protocol.model import Document, Site

PROBE_REPORT_VERSION = "1"


# Failure kinds of a request that never left (core.net.check_address refused it, or the overall
# deadline ran out before it: probe.fetch / core.net.fetch).
_NOT_SENT = frozenset({"deadline", "private-address", "credentials-in-url", "scheme", "invalid-url"})


@dataclass
class ProbeReport:
    """One target's result: lint's `Report` (documents, diagnostics, summary) plus what only a
    probe has. `to_dict()` keeps lint's JSON contract and adds `target`, `trace`,
    `requests_with_side_effects`, `generation`, `capabilities`, `verdict` and `ruleset`."""

    discovery: Discovery
    report: Report
    capabilities: list[dict[str, Any]] = field(default_factory=list)
    verdict: str = ""

    def slim(self) -> ProbeReport:
        """This report without response bodies and parsed documents, for runs over many targets:
        memory stays bounded by what the output needs (the trace keeps every size)."""
        from dataclasses import replace

        d = replace(self.discovery, exchanges=tuple(e.slim() for e in self.discovery.exchanges), documents={},
                    auth_md=None, challenge=None, prm=None, prm_attempts=(), servers=(), openid=None, skill=None,
                    jwks=None, served=())
        return ProbeReport(d, self.report, self.capabilities, self.verdict)

    @property
    def side_effects(self) -> int:
        """Requests with possible side effects that were sent: one the address guard refused or the
        deadline stopped never left this machine (its first hop failed before sending)."""
        def sent(e: Exchange) -> bool:
            first = e.hops[0].failure if e.hops else None
            return first is None or first.kind not in _NOT_SENT

        return sum(1 for e in self.discovery.exchanges if e.side_effect and sent(e))

    def exit_code(self, *, strict: bool = False) -> int:
        from authmd_cli.core.exit_codes import ExitCode

        if not self.discovery.reachable:
            return int(ExitCode.UNREACHABLE)
        if self.discovery.gaps:  # reachable but not assessed: failing, like a 5xx, never a pass
            return int(ExitCode.FINDINGS)
        return self.report.exit_code(strict=strict)

    def to_dict(self, tool_version: str) -> dict[str, Any]:
        from authmd_cli.render.json import report_document

        d = self.discovery
        out = report_document(self.report, tool_version)
        out.update({
            "target": {"given": d.target.given, "origin": d.target.origin, "api": d.target.api},
            "generation": {"profile": d.profile, "dialect": d.dialect, "no_registration": d.no_registration},
            "endpoints": {k: scrub(v) if isinstance(v, str) else v for k, v in d.endpoints.to_dict().items()},
            "not_checkable": [scrub(u) for u in d.not_checkable],
            "trace": [e.trace_dict() for e in d.exchanges],
            "requests_with_side_effects": self.side_effects,
            "capabilities": self.capabilities,
            "verdict": self.verdict,
            "reachable": d.reachable,
            "not_assessed": [g.to_dict() for g in d.gaps],
            "ruleset": ruleset(),
        })
        return out


def ruleset() -> dict[str, Any]:
    """The rule set a run used, as `authmd --version` prints it (`N rules, <8 hex digits>`: a
    fingerprint of every rule's code, name, default severity and retirement), plus the tool
    version, so a pinned CI run notices when its results may change (issue 8). Computed from the
    registry the same way as `cli.version` (a test keeps the two equal; probe sits below cli)."""
    from authmd_cli import __version__
    from authmd_cli.lint.rules import REGISTRY

    rows = sorted((r.code, r.name, r.severity.value, r.retired) for r in REGISTRY.values())
    digest = hashlib.sha256()
    for code, name, severity, retired in rows:
        digest.update(f"{code}|{name}|{severity}|{retired}\n".encode())
    live = sum(1 for *_, retired in rows if not retired)
    return {"version": f"{live} rules, {digest.hexdigest()[:8]}", "tool": __version__}


def _stamp(found: list[tuple[str, Finding]], options: LintOptions) -> list[Diagnostic]:
    from authmd_cli.lint.engine import selected_rules

    active = {r.code: r for r in selected_rules(options)}
    out: list[Diagnostic] = []
    for code, f in found:
        r = active.get(code)
        if r is None:
            continue
        severity = next((options.severity[k] for k in (r.code, r.code.lower(), r.name) if k in options.severity),
                        f.severity or r.severity)
        out.append(Diagnostic(r.code, r.name, severity, f.message, f.location, f.hint, f.related))
    return out


@dataclass(frozen=True)
class LintInput:
    """What the lint engine is given for a walk: the documents (the very objects), the site, the
    options (with the no-registration profile applied). Two equal inputs give the same report."""

    documents: tuple[Document, ...]
    sites: tuple[Site, ...]
    options: LintOptions

    def same_as(self, other: LintInput) -> bool:
        def ids(site: Site) -> tuple[str, int, int, int]:
            return site.root, id(site.auth_md), id(site.prm), id(site.as_metadata)

        return (len(self.documents) == len(other.documents) and len(self.sites) == len(other.sites)
                and all(a is b for a, b in zip(self.documents, other.documents, strict=True))
                and [ids(s) for s in self.sites] == [ids(s) for s in other.sites]
                and self.options == other.options)


def lint_input(d: Discovery, options: LintOptions) -> LintInput:
    """The auth.md (or the `skill` document when the root has none), the PRM and the AS metadata of
    every server, the first three as one site."""
    from authmd_cli.protocol.model import Site

    opts = options
    if opts.profile is None and d.profile == "no-registration":
        from dataclasses import replace

        opts = replace(opts, profile="no-registration")
    docs = d.documents
    by_url = {e.url: e for e in d.exchanges}

    def usable(doc: Document | None, json_role: bool) -> Document | None:
        if doc is None:
            return None
        ex = by_url.get(doc.source)
        if json_role and ex is not None and looks_html(ex):
            return None  # an HTML page where JSON belongs is PR003's, not an "invalid JSON" as well
        return doc

    auth = usable(docs.get("auth.md"), False) or usable(docs.get("skill"), False)
    prm = usable(docs.get("prm"), True)
    servers = [usable(s.document, True) for s in d.servers]
    first = servers[0] if servers else None
    documents = [x for x in (auth, prm, first) if x is not None]
    documents += [x for x in servers[1:] if x is not None and x not in documents]
    present = sum(x is not None for x in (auth, prm, first))
    sites = (Site(d.target.origin, auth, prm, first),) if present >= 2 else ()
    return LintInput(tuple(documents), sites, opts)


def run_lint(given: LintInput) -> Report:
    from authmd_cli.lint.engine import lint_documents

    return lint_documents(list(given.documents), list(given.sites), given.options)


def early_lint(d: Discovery, options: LintOptions) -> tuple[LintInput, Report]:
    """The lint report of a walk not finished yet (`WalkOptions.before_last_step`), with its input:
    `analyse` uses it only when the finished walk gives the lint engine the same input."""
    given = lint_input(d, options)
    return given, run_lint(given)


def not_assessed(d: Discovery, report: Report) -> list[tuple[str, Finding]]:
    """The verdict's "could not be assessed" as a finding (PR023), so that every format says why
    the run fails, when some document it names has no error of its own in `report` yet (a 429 is
    only a PR016 warning; a 5xx or no answer is already an error, and saying it twice is noise)."""
    from authmd_cli.core.diagnostics import Location, Severity

    explained = {loc.source for x in report.diagnostics if x.severity is Severity.ERROR
                 for loc in (x.location, *x.related)}
    if not d.gaps or all(g.url in explained for g in d.gaps):
        return []
    first = d.gaps[0]
    return [("PR023", Finding(
        "the service could not be assessed: " + ", ".join(g.describe() for g in d.gaps),
        Location(first.url), related=tuple(Location(g.url) for g in d.gaps[1:]),
        hint=("probe again later (the service did not deliver them)" if all(g.outage for g in d.gaps)
              else "serve each document itself at its URL, not an HTML page")))]


def walk_findings(d: Discovery) -> list[tuple[str, Finding]]:
    """What the walk itself left out: the `authorization_servers` entries past the bound (PR022)."""
    from authmd_cli.core.display import inline
    from authmd_cli.lint.rules.base import at
    from authmd_cli.probe.discovery import MAX_AUTH_SERVERS

    doc = d.documents.get("prm")
    if d.servers_listed <= MAX_AUTH_SERVERS or doc is None:
        return []
    skipped = d.servers_listed - MAX_AUTH_SERVERS
    first = d.servers[0].identifier if d.servers else ""
    return [("PR022", Finding(
        f"`authorization_servers` lists {d.servers_listed} authorization servers; the probe followed the first "
        f"{MAX_AUTH_SERVERS} and not the other {skipped} (agents use the first, {inline(first)})",
        at(doc, pointer="/authorization_servers"),
        hint="list the authorization server agents use first, and only the few a client may choose from"))]


def analyse(d: Discovery, options: LintOptions | None = None, *, extra: list[tuple[str, Finding]] | None = None,
            verified: dict[str, bool] | None = None, early: tuple[LintInput, Report] | None = None) -> ProbeReport:
    """Judge a walk: lint findings + transport findings (+ `extra`, from --check-endpoints and
    --active, whose live results are `verified`). `early`: the lint report made before the walk's
    last step (`early_lint`), used when its input is still the input."""
    from authmd_cli.probe.capability import capability_table, verdict

    given = lint_input(d, options or LintOptions())
    report = early[1] if early is not None and early[0].same_as(given) else run_lint(given)
    report.extend(_stamp([*transport_findings(d), *walk_findings(d), *(extra or [])], given.options))
    report.extend(_stamp(not_assessed(d, report), given.options))
    report = report.sorted()
    table = capability_table(d, report, verified)  # matches locations to the trace's URLs: before scrubbing
    return ProbeReport(d, scrubbed(report), table, verdict(d, report, table))


def scrubbed(report: Report) -> Report:
    """`report` as it may be shown: every location (a fetched or advertised URL, which may carry a
    token in its query), message and hint through `core.display.scrub`, as the trace is. The one
    place probe findings pass before any format renders them (text, JSON, SARIF, GitHub)."""
    from dataclasses import replace

    from authmd_cli.core.diagnostics import Location

    def where(loc: Location) -> Location:
        return replace(loc, source=scrub(loc.source))

    diagnostics = [replace(x, message=scrub(x.message), hint=None if x.hint is None else scrub(x.hint),
                           location=where(x.location), related=tuple(where(r) for r in x.related))
                   for x in report.diagnostics]
    documents = [replace(info, source=scrub(info.source)) for info in report.documents]
    return Report(documents, diagnostics).sorted()
