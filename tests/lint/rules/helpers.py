"""Helpers shared by the rule tests (a plain module: the test files import it by name).

`CLEAN` is the clean v0.7-B auth.md fixture (tests/fixtures/md/v0.7-B.auth.md), written from SPEC
facts; bad cases change one thing in it with `replace` and find the line with `line_of`.
"""

from __future__ import annotations

from pathlib import Path

from authmd_cli.core.diagnostics import Diagnostic
from authmd_cli.lint.engine import LintOptions, lint_text

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
CLEAN = (FIXTURES / "md" / "v0.7-B.auth.md").read_text(encoding="utf-8")


def lint(text: str, code: str, profile: str | None = None) -> list[Diagnostic]:
    """The `code` diagnostics of an auth.md text, with only that rule selected."""
    report = lint_text(text, source="auth.md", options=LintOptions(select=(code,), profile=profile))
    return codes(report.diagnostics, code)


def codes(diags: list[Diagnostic], code: str) -> list[Diagnostic]:
    return [d for d in diags if d.code == code]


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the `nth` line containing `needle` (fails the test when there is none)."""
    seen = 0
    for n, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == nth:
                return n
    raise AssertionError(f"{needle!r} not in text")


def replace(old: str, new: str, text: str = CLEAN) -> str:
    """`text` with the first `old` replaced (which must be there)."""
    assert old in text, old
    return text.replace(old, new, 1)
