"""The lint engine: documents -> rules -> diagnostics (pure), plus `lint_paths` which reads files.

Flow (DESIGN "Data flows one way"): loaders build immutable `Document`s and `Site`s; every
selected rule whose scope matches runs against them with a `RuleContext` carrying the
effective profile (pinned > the newest generation in its site > its own detection > latest,
SPEC §14 D1-D3); the engine stamps code, name and configured severity on each `Finding`;
inline directives are applied last, per auth.md file. A rule that raises becomes TL006 (never a
traceback, never a silent pass).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from authmd_cli.core.diagnostics import Diagnostic, DocumentInfo, Finding, Location, Report, Severity
from authmd_cli.protocol.model import DocKind, Document, Site
from authmd_cli.protocol.profiles import LATEST, NO_REGISTRATION, PROFILES, Profile, resolve

if TYPE_CHECKING:
    from authmd_cli.lint.loader import Unit
    from authmd_cli.lint.rules.base import Rule, RuleContext


@dataclass(frozen=True)
class LintOptions:
    profile: str | None = None  # pinned profile label (already validated), None = detect
    select: tuple[str, ...] = ()  # rule codes or names (or code prefixes like "MD"); empty = all
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)  # per-rule override, code or name
    allowed_extension_keys: tuple[str, ...] = ()
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # glob -> codes
    # One finding per construct where a rule folds one root cause into a summary (GN001).
    verbose: bool = False


_SCOPES_FOR_KIND: dict[DocKind, frozenset[str]] = {
    DocKind.AUTH_MD: frozenset({"auth.md", "any"}),
    DocKind.PRM: frozenset({"json", "prm", "any"}),
    DocKind.AS_METADATA: frozenset({"json", "as", "any"}),
    DocKind.JSON: frozenset({"any"}),
    DocKind.UNKNOWN: frozenset({"any"}),
}


def _matches(rule_code: str, rule_name: str, aliases: Iterable[str], patterns: Iterable[str]) -> bool:
    for pat in patterns:
        p = pat.strip()
        if not p:
            continue
        if p.upper() == rule_code or p.lower() == rule_name or p.lower() in aliases:
            return True
        if p.isalpha() and p.isupper() and rule_code.startswith(p):  # family prefix "MD"
            return True
        if p.upper() == "ALL":
            return True
    return False


def selected_rules(options: LintOptions) -> list[Rule]:
    from authmd_cli.lint.rules import REGISTRY

    out: list[Rule] = []
    for code in sorted(REGISTRY):
        r = REGISTRY[code]
        if r.retired:
            continue
        if options.select and not _matches(r.code, r.name, r.aliases, options.select):
            continue
        if _matches(r.code, r.name, r.aliases, options.ignore):
            continue
        out.append(r)
    return out


def _severity_for(code: str, name: str, default: Severity, finding: Finding,
                  overrides: Mapping[str, Severity]) -> Severity:
    for key in (code, code.lower(), name):
        if key in overrides:
            return overrides[key]
    return finding.severity or default


def _profile_of(doc: Document, pinned: Profile | None, fallback: str | None) -> tuple[Profile, str]:
    """Effective profile and where it came from (DocumentInfo.profile_origin)."""
    if pinned is not None:
        return pinned, "pinned"
    own = doc.detection.profile
    # Within a site the newest generation any artefact shows wins: JSON alone cannot tell
    # siblings apart (v0.5 AS metadata reads as v0.4, v0.7-A as v0.6, an ID-JAG-only v0.7-B as
    # v0.3), while the auth.md usually can; an artefact left behind is then linted against the
    # site's generation, so its old names are reported as legacy constructs (SPEC §14 D2-D3).
    # An auth.md that says plainly it offers no registration keeps that reading (SPEC §14 D13):
    # metadata that advertises registration anyway is one cross-document finding (XD008), not
    # a missing Register section and an Errors table it never needed.
    if doc.kind is DocKind.AUTH_MD and own == NO_REGISTRATION:
        return PROFILES[own], "detected"
    if fallback in PROFILES:
        return PROFILES[fallback], ("detected" if fallback == own else "site")
    if own in PROFILES:
        return PROFILES[own], "detected"
    return PROFILES[LATEST], "default"


def _site_profile(site: Site) -> str | None:
    """Newest profile detected in any artefact of the site (SPEC §14 D2)."""
    best: Profile | None = None
    for d in (site.auth_md, site.as_metadata, site.prm):
        if d is None or d.detection.profile is None:
            continue
        p = PROFILES.get(d.detection.profile)
        if p is None:
            continue
        if best is None or p.order > best.order or (
            p.order == best.order and p.label == LATEST
        ):
            best = p
    return best.label if best else None


def lint_documents(documents: Sequence[Document], sites: Sequence[Site], options: LintOptions) -> Report:
    """Run every selected rule on every document (and site). Pure: no I/O."""
    from authmd_cli.lint.rules.base import RuleContext

    pinned = resolve(options.profile) if options.profile else None
    rules = selected_rules(options)
    ext = frozenset(options.allowed_extension_keys)
    report = Report()
    fallback: dict[str, str | None] = {}
    site_of: dict[str, Site] = {}
    for site in sites:
        sp = _site_profile(site)
        for d in (site.auth_md, site.prm, site.as_metadata):
            if d is not None:
                fallback[d.source] = sp
                site_of[d.source] = site

    validations: dict[tuple[Any, ...], list[Any]] = {}  # RuleContext.validate's memo, for this run only

    def context(profile: Profile, dialect: str | None) -> RuleContext:
        return RuleContext(profile=profile, pinned=pinned is not None, dialect=dialect, validations=validations,
                           allowed_extension_keys=ext, verbose=options.verbose)

    def run(rule: Rule, subject: Document | Site, ctx: RuleContext, source: str) -> list[Diagnostic]:
        if ctx.profile.label == NO_REGISTRATION and not rule.no_registration:
            return []
        try:
            findings = list(rule.check(subject, ctx))
        except Exception as exc:  # a rule bug surfaces as TL006 (exit 2), never a crash or a pass
            from authmd_cli.core.display import inline
            from authmd_cli.lint.rules import REGISTRY

            tl = REGISTRY["TL006"]
            # The exception text may quote the document (a token): scrubbed and cut short.
            return [Diagnostic(tl.code, tl.name, Severity.ERROR,
                               f"rule {rule.code} {rule.name} failed: {type(exc).__name__}: "
                               f"{inline(str(exc), width=120)}",
                               Location(source), "this is a bug in authmd; please report it")]
        return [
            Diagnostic(rule.code, rule.name, _severity_for(rule.code, rule.name, rule.severity, f, options.severity),
                       f.message, f.location, f.hint, f.related)
            for f in findings
        ]

    diags: list[Diagnostic] = []
    for doc in documents:
        profile, origin = _profile_of(doc, pinned, fallback.get(doc.source))
        det = doc.detection
        known = (doc.kind in (DocKind.AUTH_MD, DocKind.PRM, DocKind.AS_METADATA) and not det.not_protocol
                 and not doc.read_error)
        report.documents.append(DocumentInfo(
            source=doc.source, kind=doc.kind.value, profile=profile.label if known else None,
            dialect=det.dialect, evidence=tuple(e.describe() for e in det.evidence), mixed=det.mixed,
            profile_origin=origin,
        ))
        ctx = replace(context(profile, det.dialect), site=site_of.get(doc.source))
        scopes = _SCOPES_FOR_KIND[doc.kind]
        for r in rules:
            if r.scope not in scopes:
                continue
            if r.scope == "auth.md" and doc.auth is None:
                continue
            if r.scope in ("json", "prm", "as") and doc.json is None:
                continue
            # A file that could not be read, or is another format, gets only the tool rules.
            if (det.not_protocol or doc.read_error) and r.family != "tool":
                continue
            diags.extend(run(r, doc, ctx, doc.source))
        if doc.kind is DocKind.AUTH_MD and doc.auth is not None and not det.not_protocol and not doc.read_error:
            diags.extend(_embedded(doc, rules, replace(ctx, embedded=True), run))

    for site in sites:
        sp = _site_profile(site)
        profile = pinned or PROFILES.get(sp or LATEST, PROFILES[LATEST])
        dialect = next((d.detection.dialect for d in (site.as_metadata, site.auth_md, site.prm)
                        if d is not None and d.detection.dialect), None)
        ctx = context(profile, dialect)
        for r in rules:
            if r.scope == "site":
                diags.extend(run(r, site, ctx, site.root))

    diags = _apply_per_file_ignores(diags, options.per_file_ignores)
    report.diagnostics = _apply_suppressions(documents, diags, options, frozenset(r.code for r in rules))
    return report.sorted()


def _embedded(doc: Document, rules: Sequence[Rule], ctx: RuleContext,
              run: Callable[[Rule, Document, RuleContext, str], list[Diagnostic]]) -> list[Diagnostic]:
    """The discovery rules marked `embedded`, run on the PRM / AS metadata examples of an auth.md.

    A stub that collapses every endpoint onto the auth.md is as harmful in the auth.md's own
    example as in the served document (agents copy examples); positions are the auth.md's.
    """
    from authmd_cli.lint.rules.examples import embedded_discovery

    out: list[Diagnostic] = []
    for sub in embedded_discovery(doc, ctx.profile):
        scopes = _SCOPES_FOR_KIND[sub.kind]
        for r in rules:
            if r.embedded and r.scope in scopes and r.scope != "any":
                out.extend(run(r, sub, ctx, doc.source))
    return out


def _apply_per_file_ignores(diags: list[Diagnostic], table: Mapping[str, tuple[str, ...]]) -> list[Diagnostic]:
    if not table:
        return diags
    return [d for d in diags if not _file_ignores(d.location.source, d.code, d.name, table)]


def _file_ignores(source: str, code: str, name: str, table: Mapping[str, tuple[str, ...]]) -> bool:
    from fnmatch import fnmatch

    src = source.replace("\\", "/")
    return any((fnmatch(src, glob) or fnmatch(src.rsplit("/", 1)[-1], glob))
               and _matches(code, name, (), codes) for glob, codes in table.items())


def _apply_suppressions(documents: Sequence[Document], diags: list[Diagnostic], options: LintOptions,
                        active: frozenset[str]) -> list[Diagnostic]:
    from authmd_cli.lint.directives import apply_suppressions
    from authmd_cli.lint.rules import REGISTRY

    by_source: dict[str, list[Diagnostic]] = {}
    for d in diags:
        by_source.setdefault(d.location.source, []).append(d)
    out: list[Diagnostic] = []
    for doc in documents:
        if doc.kind is DocKind.AUTH_MD and doc.auth is not None:
            # TL004/TL005 are made here, after the rules ran: select/ignore, per-file-ignores
            # and severity overrides reach them through is_active / severity.
            def is_active(code: str, source: str = doc.source) -> bool:
                return code in active and not _file_ignores(source, code, REGISTRY[code].name,
                                                            options.per_file_ignores)

            out.extend(apply_suppressions(doc, by_source.pop(doc.source, []), is_active=is_active,
                                          severity=options.severity))
        else:
            out.extend(by_source.pop(doc.source, []))
    for rest in by_source.values():
        out.extend(rest)
    return out


def lint_paths(paths: Sequence[str], options: LintOptions, *,
               read_stdin: Callable[[], bytes | None] | None = None, jobs: int = 1) -> Report:
    """Read files, directories (site layouts) and `-`, then `lint_documents`.

    Streams: each unit (a site, a loose file, the files given together) is loaded, linted and
    dropped before the next, so memory holds the report, not every document. Units are
    independent (a site's rules see only that site), so the merged report is the one
    `lint_documents` gives for all documents at once. `jobs` > 1 lints units in that many
    worker processes; the report is the same, in the same order.
    """
    from functools import partial

    from authmd_cli.lint.loader import plan_inputs
    from authmd_cli.lint.pool import ordered_map

    units = plan_inputs(paths, read_stdin=read_stdin)
    merged = Report()
    for part in ordered_map(partial(_lint_unit, options=options), units, jobs=jobs):
        merged.documents.extend(part.documents)
        merged.diagnostics.extend(part.diagnostics)
    return merged.sorted()


def _lint_unit(unit: Unit, options: LintOptions) -> Report:
    """Load and lint one unit (module level: a worker process receives it by reference)."""
    from authmd_cli.lint.loader import load_unit

    inputs = load_unit(unit)
    return lint_documents(inputs.documents, inputs.sites, options)


def lint_text(text: str, *, source: str = "auth.md", options: LintOptions | None = None) -> Report:
    """Convenience for tests and library users: lint one document given as text."""
    from authmd_cli.lint.loader import load_document

    return lint_documents([load_document(source, text)], [], options or LintOptions())
