"""Meta-tests over the rule registry: stable, unique, documented, and each rule tested."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from authmd_cli.core.diagnostics import Severity
from authmd_cli.lint.rules import REGISTRY, lookup

TESTS = Path(__file__).resolve().parents[2]
# Codes are never reused or renumbered: this list only ever grows (retired rules stay in it).
FAMILIES = {"TL": "tool", "MD": "structure", "EX": "examples", "DS": "discovery", "XD": "consistency",
            "GN": "generations", "SC": "security",
            "PR": "transport"}


def test_codes_and_names_are_unique_and_well_formed() -> None:
    names = [r.name for r in REGISTRY.values()]
    assert len(names) == len(set(names))
    for code, r in REGISTRY.items():
        assert code == r.code
        assert re.fullmatch(r"[A-Z]{2}\d{3}", code)
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", r.name)
        assert FAMILIES[code[:2]] == r.family, f"{code} registered in module {r.family}"
        assert isinstance(r.severity, Severity)


def test_every_rule_is_documented() -> None:
    for r in REGISTRY.values():
        assert r.summary, f"{r.code} has no docstring"
        assert len(r.doc.splitlines()) >= 3, f"{r.code} docstring must say why, bad and good"
        assert r.spec, f"{r.code} cites no spec section"


def test_lookup_by_code_name_and_case() -> None:
    for r in REGISTRY.values():
        assert lookup(r.code) is r
        assert lookup(r.code.lower()) is r
        assert lookup(r.name) is r
    assert lookup("no-such-rule") is None


def _test_functions() -> list[tuple[str, str]]:
    out = []
    # PR rules are checked by probe, so their tests live in tests/probe.
    for path in [*TESTS.rglob("test_*.py"), *(TESTS.parent / "probe").rglob("test_*.py")]:
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                out.append((node.name, ast.get_source_segment(text, node) or ""))
    return out


def test_every_rule_has_a_test_case_that_checks_the_line() -> None:
    # HELPERS convention: a test per rule named after its code, asserting the code AND the line.
    functions = _test_functions()
    untested = [code for code in REGISTRY
                if not any(code.lower() in name and re.search(r"\bline", src) for name, src in functions)]
    assert untested == []


def test_issue_required_rule_names_exist() -> None:
    required = {
        "missing-h1", "h1-not-auth-md", "missing-section", "section-order", "heading-style", "intro-hosts",
        "fence-language", "invalid-json-example", "invalid-http-example", "merge-conflict-marker",
        "duplicate-heading", "placeholder-host", "errors-table", "unknown-identity-type", "empty-array",
        "endpoint-url", "skill-url", "endpoint-collapse", "grant-types", "uri-template", "skill-mismatch",
        "issuer-mismatch", "authorization-server-is-metadata-url", "resource-mismatch", "example-drift",
        "host-drift", "legacy-profile", "mixed-generations", "dialect", "secret-in-example",
        "insecure-endpoint", "unreadable-file", "invalid-directive", "unused-directive",
    }
    missing = sorted(n for n in required if lookup(n) is None)
    assert missing == []


def test_rule_reference_page_is_current() -> None:
    from authmd_cli.lint.rules.reference import render_reference

    page = (TESTS.parent / "docs" / "rules.md").read_text(encoding="utf-8")
    assert page == render_reference(REGISTRY), "run: python -m authmd_cli.lint.rules.reference > docs/rules.md"


def test_reference_has_an_anchor_for_every_doc_url() -> None:
    from authmd_cli.core.diagnostics import rule_doc_url

    page = (TESTS.parent / "docs" / "rules.md").read_text(encoding="utf-8")
    for r in REGISTRY.values():
        anchor = rule_doc_url(r.code, r.name).rsplit("#", 1)[1]
        assert f"### {r.code} {r.name}" in page and anchor == f"{r.code.lower()}-{r.name}"
