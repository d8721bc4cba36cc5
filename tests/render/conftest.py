"""Fixtures for the renderer tests: one hand-built Report, a small rule set, golden files.

Golden files live in tests/golden/render/. Regenerate them after an intended output change:

    AUTHMD_UPDATE_GOLDENS=1 .venv/bin/pytest tests/render

then review the diff like any other code change.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from authmd_cli.core.diagnostics import Diagnostic, DocumentInfo, Finding, Location, Report, Severity
from authmd_cli.lint.rules.base import Rule

GOLDEN_DIR = Path(__file__).resolve().parent.parent / "golden" / "render"
UPDATE_ENV = "AUTHMD_UPDATE_GOLDENS"
TOOL_VERSION = "9.8.7"  # fixed, so goldens do not change with each release

URL_AS = "https://api.example.com/.well-known/oauth-authorization-server"
ODD_PATH = "docs/odd dir/a,b%c:d.md"  # every character GitHub and URIs care about


def _missing_h1(doc: object, ctx: object) -> Iterator[Finding]:
    """The document has no level-1 heading.

    Why: agents take the service name from the H1 (SPEC §2).
    Bad: a document starting with `## Register`.
    Good: `# Example API` as the first heading.
    """
    return iter(())


def _section_order(doc: object, ctx: object) -> Iterator[Finding]:
    """Sections are out of the canonical order."""
    return iter(())


def _prose_hint(doc: object, ctx: object) -> Iterator[Finding]:
    """A paragraph mentions an endpoint that is not documented."""
    return iter(())


def _bad_as(doc: object, ctx: object) -> Iterator[Finding]:
    """`authorization_servers` entries must be https URLs."""
    return iter(())


def _register_uri(doc: object, ctx: object) -> Iterator[Finding]:
    """`agent_auth.register_uri` is missing or not absolute."""
    return iter(())


def _retired(doc: object, ctx: object) -> Iterator[Finding]:
    """Old check, replaced by DS002."""
    return iter(())


def _undocumented(doc: object, ctx: object) -> Iterator[Finding]:
    return iter(())


def make_rules() -> dict[str, Rule]:
    """A small fixed rule set (not the live registry, whose docs change as rules evolve)."""
    rules = [
        Rule("MD001", "missing-h1", Severity.ERROR, "auth.md", "structure", "SPEC §2", _missing_h1),
        Rule("MD005", "section-order", Severity.WARNING, "auth.md", "structure", "SPEC §2.1", _section_order,
             aliases=("heading-order",)),
        Rule("XD003", "prose-endpoint", Severity.INFO, "site", "consistency", "SPEC §9", _prose_hint),
        Rule("DS002", "as-not-https", Severity.ERROR, "prm", "discovery", "RFC 9728 §2", _bad_as),
        Rule("DS007", "register-uri", Severity.WARNING, "as", "discovery", "SPEC §5.2", _register_uri),
        Rule("DS001", "old-as-check", Severity.ERROR, "prm", "discovery", "RFC 9728 §2", _retired,
             retired=True),
        Rule("TL009", "undocumented", Severity.INFO, "any", "tool", "none", _undocumented),
    ]
    # Deliberately not in code order: renderers must sort.
    return {r.code: r for r in rules}


def make_report() -> Report:
    docs = [
        DocumentInfo("site/auth.md", "auth.md", "v0.7-B", evidence=("v0.7-B: claim-grant URN (line 40)",)),
        DocumentInfo("site/.well-known/oauth-protected-resource", "protected-resource-metadata", "v0.7-A",
                     profile_origin="pinned"),
        DocumentInfo(URL_AS, "authorization-server-metadata", "v0.5", dialect="acme", mixed=True,
                     evidence=("v0.5: agent_auth.register_uri", "v0.7-A: agent_auth.claim_uri")),
        DocumentInfo(ODD_PATH, "auth.md", None),
        DocumentInfo("site/extra/auth.md", "auth.md", "v0.7-B", profile_origin="site"),
        DocumentInfo("<stdin>", "auth.md", "v0.7-B", profile_origin="default"),
    ]
    e, w, i = Severity.ERROR, Severity.WARNING, Severity.INFO
    diags = [
        Diagnostic("MD001", "missing-h1", e, "the document has no H1 heading",
                   Location("site/auth.md", 1, 1), hint="add `# Service name` as the first heading"),
        Diagnostic("MD005", "section-order", w, "section `Registration` comes before `Discovery` (café — ü)",
                   Location("site/auth.md", 12, 5)),
        Diagnostic("XD003", "prose-endpoint", i, "prose mentions `/oauth/revoke`, which no metadata lists",
                   Location("site/auth.md", 20)),
        Diagnostic("DS002", "as-not-https", e, "authorization server `http://as.example.com` is not https",
                   Location("site/.well-known/oauth-protected-resource", 3, 15, "/authorization_servers/0"),
                   hint="use an https URL (RFC 9728 §2)"),
        Diagnostic("DS007", "register-uri", w, "`register_uri` is 50% relative: `a:b,c`",
                   Location(URL_AS, None, None, "/agent_auth/register_uri"),
                   hint="make it absolute\nfor example https://api.example.com/register"),
        Diagnostic("XD003", "prose-endpoint", i, "prose mentions `/claim`, no metadata lists it",
                   Location(URL_AS)),
        Diagnostic("DS002", "as-not-https", w, "whole document: root pointer", Location(URL_AS, 1, 1, "")),
        Diagnostic("PR001", "unreachable", e, "could not read: 100% gone\r\nreally", Location(ODD_PATH),
                   hint="check the path, then retry"),
    ]
    return Report(docs, diags)


@pytest.fixture
def report() -> Report:
    return make_report()


@pytest.fixture
def rules() -> dict[str, Rule]:
    return make_rules()


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    """`golden(name, actual)`: compare with tests/golden/render/<name> (or rewrite it)."""

    def check(name: str, actual: str) -> None:
        path = GOLDEN_DIR / name
        if os.environ.get(UPDATE_ENV) == "1":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(actual.encode("utf-8"))
        if not path.exists():
            pytest.fail(f"golden file {path} missing: run with {UPDATE_ENV}=1 to create it")
        expected = path.read_bytes().decode("utf-8")
        assert actual == expected, f"output differs from {path} (set {UPDATE_ENV}=1 to update)"

    return check
