"""The real-style corpus (tests/fixtures/wild, issue 11): every finding true, one per root cause.

Each fixture shows one defect pattern of IN-THE-WILD (or none: a wording or layout that real
files use and that must lint clean). `expected.json` lists every finding lint must produce, as
`CODE file:line`; a fixture listed with no finding must have none, at any severity. Fixtures
are linted as users lint them: a file alone, a directory as a site, nothing pinned.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from authmd_cli.lint.engine import LintOptions, lint_paths

WILD = Path(__file__).resolve().parents[1] / "fixtures" / "wild"
EXPECTED: dict[str, list[str]] = json.loads((WILD / "expected.json").read_text(encoding="utf-8"))["fixtures"]


def findings(name: str) -> list[str]:
    """`CODE file:line` of every finding, file relative to the fixture (the fixture file itself)."""
    path = WILD / name
    base = path if path.is_dir() else path.parent
    report = lint_paths([str(path)], LintOptions())
    out = []
    for d in report.diagnostics:
        rel = Path(d.location.source).resolve().relative_to(base.resolve()).as_posix()
        out.append(f"{d.code} {rel}:{d.location.line}")
    return sorted(out)


def _fixtures() -> set[str]:
    out: set[str] = set()
    for group in ("precision", "noise", "recall"):
        for p in (WILD / group).iterdir():
            out.add(f"{group}/{p.name}")
    return out


def test_every_fixture_has_expectations() -> None:
    assert _fixtures() == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_findings_are_exactly_the_expected_ones(name: str) -> None:
    assert findings(name) == sorted(EXPECTED[name])
