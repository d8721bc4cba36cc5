"""Baselines (`authmd lint --baseline FILE`): known findings survive line shifts, new ones are reported."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from authmd_cli.cli.app import app
from authmd_cli.core.diagnostics import Diagnostic, Location, Severity
from authmd_cli.core.errors import ConfigError
from authmd_cli.lint import baseline
from authmd_cli.lint.engine import LintOptions, lint_documents
from authmd_cli.lint.loader import load_document

REPO = Path(__file__).resolve().parents[2]
BROKEN_MD = (REPO / "examples" / "broken-site" / "auth.md").read_text(encoding="utf-8")


def _lint(text: str) -> tuple[list[Diagnostic], baseline.LineText]:
    doc = load_document("auth.md", text.encode("utf-8"))
    report = lint_documents([doc], [], LintOptions())
    lines = text.splitlines()

    def line_text(source: str, line: int | None) -> str | None:
        return lines[line - 1] if line and 0 < line <= len(lines) else None

    return report.diagnostics, line_text


def _baseline_of(text: str) -> Counter[baseline.Key]:
    diags, line_text = _lint(text)
    data = baseline.record(diags, line_text, tool_version="test")
    return baseline.parse(json.dumps(data), "b.json")


def test_a_run_against_its_own_baseline_reports_nothing() -> None:
    diags, line_text = _lint(BROKEN_MD)
    assert diags
    result = baseline.filter_new(diags, _baseline_of(BROKEN_MD), line_text)
    assert (result.new, result.known, result.fixed) == ([], len(diags), 0)


blank_lines = [i for i, line in enumerate(BROKEN_MD.splitlines()) if not line.strip()]


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(where=st.sampled_from(blank_lines), extra=st.integers(min_value=1, max_value=5))
def test_findings_survive_inserted_lines(where: int, extra: int) -> None:
    known = _baseline_of(BROKEN_MD)
    lines = BROKEN_MD.splitlines()
    shifted = "\n".join(lines[:where] + [""] * extra + lines[where:]) + "\n"
    diags, line_text = _lint(shifted)
    result = baseline.filter_new(diags, known, line_text)
    assert result.new == [] and result.fixed == 0


def test_a_changed_line_is_a_new_finding() -> None:
    known = _baseline_of(BROKEN_MD)
    changed = BROKEN_MD.replace("rate_limited", "rate_limitd")
    diags, line_text = _lint(changed)
    result = baseline.filter_new(diags, known, line_text)
    assert [d.code for d in result.new] and all(d.location.line for d in result.new)
    assert result.fixed >= 1  # the old `rate_limited` finding no longer occurs


def test_identical_findings_are_counted_and_internal_errors_never_absorbed() -> None:
    def diag(code: str) -> Diagnostic:
        return Diagnostic(code, "x", Severity.ERROR, "same", Location("a.md", 1, 1))

    def line_text(source: str, line: int | None) -> str | None:
        return "same line"

    recorded = baseline.record([diag("MD001")], line_text, tool_version="t")
    assert baseline.record([diag("TL006")], line_text, tool_version="t")["findings"] == []
    known = baseline.parse(json.dumps(recorded), "b.json")
    result = baseline.filter_new([diag("MD001"), diag("MD001"), diag("TL006")], known, line_text)
    assert [d.code for d in result.new] == ["MD001", "TL006"] and result.known == 1


@pytest.mark.parametrize(("text", "where"), [("{", (1, 2)), ("[]", (None, None)),
                                             ('{"version": 1, "findings": [{"code": 1}]}', (None, None))])
def test_a_file_that_is_not_a_baseline_is_a_config_error(text: str, where: tuple[int | None, int | None]) -> None:
    with pytest.raises(ConfigError) as info:
        baseline.parse(text, "b.json")
    assert (info.value.line, info.value.column) == where
    assert info.value.source == "b.json"


def test_cli_records_then_reports_only_new_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(REPO / "examples" / "broken-site", tmp_path / "site")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    plain = runner.invoke(app, ["lint", "--no-config", "site", "--format", "json"])
    count = len(json.loads(plain.stdout)["diagnostics"])
    assert count > 3
    first = runner.invoke(app, ["lint", "--no-config", "site", "--baseline", "b.json", "--format", "json"])
    assert first.exit_code == 0
    assert json.loads(first.stdout)["diagnostics"] == []
    recorded = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))["findings"]
    assert len(recorded) == count and {"code", "source", "fingerprint", "line", "message"} == set(recorded[0])

    md = tmp_path / "site" / "auth.md"
    md.write_text("\n\n" + md.read_text(encoding="utf-8") + "\n# A second title\n", encoding="utf-8")
    again = runner.invoke(app, ["lint", "--no-config", "site", "--baseline", "b.json", "--format", "json"])
    new = json.loads(again.stdout)["diagnostics"]
    assert [d["location"]["line"] for d in new] == [md.read_text(encoding="utf-8").count("\n")]  # only the new H1
    assert f"authmd: {count} known finding(s) in b.json not shown" in again.stderr

    update = runner.invoke(app, ["lint", "--no-config", "site", "--baseline", "b.json", "--update-baseline"])
    assert update.exit_code == 0
    clean = runner.invoke(app, ["lint", "--no-config", "site", "--baseline", "b.json", "--format", "json"])
    assert clean.exit_code == 0 and json.loads(clean.stdout)["diagnostics"] == []

    alone = runner.invoke(app, ["lint", "site", "--update-baseline"])
    assert alone.exit_code == 2 and "--update-baseline needs --baseline FILE" in alone.stderr
