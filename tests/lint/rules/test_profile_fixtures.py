"""Integration: every whole-file profile fixture lints clean under its own pinned profile.

tests/fixtures/profiles/<label>/ holds auth.md + both well-known documents, written from SPEC
facts for each profile (SPEC §1.2, §3.2, §5, §6, §11). Linted as a site with all families, a
fixture must produce no error and no warning: they are the reference every rule is checked
against. Unpinned, each is detected as its own profile (the auth.md carries the fingerprints).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from authmd_cli.core.diagnostics import Severity
from authmd_cli.lint.engine import LintOptions, lint_paths
from authmd_cli.protocol.profiles import ALL_LABELS, LATEST

PROFILES = Path(__file__).resolve().parents[2] / "fixtures" / "profiles"


@pytest.mark.parametrize("label", ALL_LABELS)
def test_profile_fixture_lints_clean_when_pinned(label: str) -> None:
    report = lint_paths([str(PROFILES / label)], LintOptions(profile=label))
    problems = [f"{d.code} {d.severity.value} {d.location}: {d.message}" for d in report.diagnostics
                if d.severity is not Severity.INFO]
    assert problems == []
    assert len(report.documents) == 3


@pytest.mark.parametrize("label", ALL_LABELS)
def test_profile_fixture_auth_md_detected_unpinned(label: str) -> None:
    report = lint_paths([str(PROFILES / label)], LintOptions())
    auth = next(d for d in report.documents if d.source.endswith("auth.md"))
    assert auth.profile == label
    assert not [d for d in report.diagnostics if d.severity is Severity.ERROR]
    # Following an older generation is one info (GN001), never a warning, when nothing is pinned.
    gn001 = [d for d in report.diagnostics if d.code == "GN001" and d.location.source == auth.source]
    if label in (LATEST, "no-registration"):
        assert gn001 == []
    else:
        assert [d.severity for d in gn001] == [Severity.INFO]
        assert gn001[0].location.line is not None
