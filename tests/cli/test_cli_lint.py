"""`authmd lint` in-process (typer's CliRunner): options, config, formats, exit codes.

Every run selects the directive rules (TL004/TL005) or the tool family explicitly, so these
tests do not change meaning as content rules are added.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from authmd_cli import __version__
from authmd_cli.cli.app import app

CLEAN = "# auth.md\n\nHello.\n"
ERROR = "# auth.md\n\n<!-- authmd-disable TL999 -->\n\nHello.\n"  # TL004 (error) at 3:1
# TL005 (warning) at 3:1: TL004 runs (DIRECTIVES) but finds nothing on line 4. A directive naming a
# rule that does not run at all is not "unused", so the named rule must be selected too.
WARNING = "# auth.md\n\n<!-- authmd-disable-next-line invalid-directive -->\nHello.\n"
DIRECTIVES = "--select=TL004,TL005"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clean.md").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "error.md").write_text(ERROR, encoding="utf-8")
    (tmp_path / "warning.md").write_text(WARNING, encoding="utf-8")
    return tmp_path


def _json(output: str) -> dict[str, Any]:
    data = json.loads(output)
    assert isinstance(data, dict)
    return data


def _diags(output: str) -> list[tuple[str, str, int]]:
    return [(d["code"], d["location"]["source"], d["location"]["line"]) for d in _json(output)["diagnostics"]]


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == f"authmd {__version__}"


def test_no_arguments_shows_help_and_is_usage(runner: CliRunner) -> None:
    result = runner.invoke(app, [])
    assert result.exit_code == 2
    assert "lint" in result.output


@pytest.mark.usefixtures("site")
@pytest.mark.parametrize(("name", "extra", "code"), [
    ("clean.md", [], 0),
    ("error.md", [], 1),
    ("warning.md", [], 0),
    ("warning.md", ["--strict"], 1),
])
def test_exit_codes(runner: CliRunner, name: str, extra: list[str], code: int) -> None:
    result = runner.invoke(app, ["lint", name, DIRECTIVES, "--format", "json", *extra])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output


def test_json_report_positions(runner: CliRunner, site: Path) -> None:
    result = runner.invoke(app, ["lint", "error.md", "warning.md", DIRECTIVES, "-f", "json"])
    assert result.exit_code == 1
    assert sorted(_diags(result.stdout)) == [("TL004", "error.md", 3), ("TL005", "warning.md", 3)]


def test_default_path_is_the_current_directory(runner: CliRunner, site: Path) -> None:
    (site / "auth.md").write_text(ERROR, encoding="utf-8")  # `.` is read as a site layout
    result = runner.invoke(app, ["lint", DIRECTIVES, "-f", "json"])
    assert result.exit_code == 1
    assert [(c, Path(s).name, n) for c, s, n in _diags(result.stdout)] == [("TL004", "auth.md", 3)]


def test_stdin(runner: CliRunner, site: Path) -> None:
    result = runner.invoke(app, ["lint", "-", DIRECTIVES, "-f", "json"], input=ERROR.encode())
    assert result.exit_code == 1
    assert _diags(result.stdout) == [("TL004", "<stdin>", 3)]


def test_select_and_ignore_are_comma_separated_and_repeatable(runner: CliRunner, site: Path) -> None:
    both = runner.invoke(app, ["lint", "error.md", "warning.md", "--select", "TL004",
                               "--select", "unused-directive", "-f", "json"])
    assert sorted(c for c, _, _ in _diags(both.stdout)) == ["TL004", "TL005"]
    ignored = runner.invoke(app, ["lint", "error.md", "warning.md", "--select", "TL004,TL005",
                                  "--ignore", "invalid-directive", "-f", "json"])
    # TL004 is ignored, and a directive naming a rule that does not run is not "unused".
    assert _diags(ignored.stdout) == []
    assert ignored.exit_code == 0


def test_unknown_select_is_usage_error_with_suggestion(runner: CliRunner, site: Path) -> None:
    result = runner.invoke(app, ["lint", "clean.md", "--select", "unused-directiv"])
    assert result.exit_code == 2
    assert result.stderr.startswith("authmd: error: --select: unknown rule 'unused-directiv'")
    assert "did you mean 'unused-directive'" in result.stderr


def test_unknown_profile_is_usage_error(runner: CliRunner, site: Path) -> None:
    result = runner.invoke(app, ["lint", "clean.md", "--profile", "v9"])
    assert result.exit_code == 2
    assert "v0.7-B" in result.stderr


def test_pinned_profile_reaches_the_report(runner: CliRunner, site: Path) -> None:
    result = runner.invoke(app, ["lint", "clean.md", DIRECTIVES, "--profile", "v0.6", "-f", "json"])
    docs = _json(result.stdout)["documents"]
    assert [d["profile"] for d in docs] == ["v0.6"]


def test_unknown_format_is_usage_error(runner: CliRunner, site: Path) -> None:
    result = runner.invoke(app, ["lint", "clean.md", "--format", "xml"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_every_format_renders(runner: CliRunner, site: Path, fmt: str) -> None:
    result = runner.invoke(app, ["lint", "error.md", DIRECTIVES, "--format", fmt])
    assert result.exit_code == 1
    assert "TL004" in result.stdout


def test_github_format_is_default_under_actions(runner: CliRunner, site: Path) -> None:
    result = runner.invoke(app, ["lint", "error.md", DIRECTIVES], env={"GITHUB_ACTIONS": "true"})
    assert result.stdout.startswith("::error ")


def test_output_file(runner: CliRunner, site: Path) -> None:
    result = runner.invoke(app, ["lint", "error.md", DIRECTIVES, "-f", "json", "--output", "report.json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert _diags((site / "report.json").read_text(encoding="utf-8")) == [("TL004", "error.md", 3)]


def test_output_to_unwritable_place_is_exit_2(runner: CliRunner, site: Path) -> None:
    result = runner.invoke(app, ["lint", "clean.md", DIRECTIVES, "--output", "missing-dir/report.txt"])
    assert result.exit_code == 2
    assert result.stderr.startswith("authmd: error: missing-dir/report.txt: ")


# ------------------------------------------------------------------ config through the CLI


def test_config_file_is_discovered_and_flags_override_it(runner: CliRunner, site: Path) -> None:
    (site / ".authmd.yaml").write_text("select: [TL004, TL005]\nstrict: true\nformat: json\n", encoding="utf-8")
    strict = runner.invoke(app, ["lint", "warning.md"])
    assert strict.exit_code == 1
    assert _diags(strict.stdout) == [("TL005", "warning.md", 3)]  # format from the file
    relaxed = runner.invoke(app, ["lint", "warning.md", "--no-strict"])
    assert relaxed.exit_code == 0


def test_config_severity_and_per_file_ignores(runner: CliRunner, site: Path) -> None:
    (site / ".authmd.yaml").write_text(
        "select: [TL004, TL005]\nseverity:\n  invalid-directive: warning\n"
        "per-file-ignores:\n  'warn*.md': [unused-directive]\n", encoding="utf-8")
    result = runner.invoke(app, ["lint", "error.md", "warning.md", "-f", "json"])
    assert result.exit_code == 0  # TL004 lowered to a warning, TL005 ignored in warning.md
    data = _json(result.stdout)
    assert [(d["code"], d["severity"]) for d in data["diagnostics"]] == [("TL004", "warning")]


def test_no_config_ignores_the_file(runner: CliRunner, site: Path) -> None:
    (site / ".authmd.yaml").write_text("strict: true\nselect: [TL004, TL005]\n", encoding="utf-8")
    assert runner.invoke(app, ["lint", "warning.md"]).exit_code == 1
    assert runner.invoke(app, ["lint", "warning.md", DIRECTIVES, "--no-config"]).exit_code == 0


def test_bad_config_is_one_line_exit_2(runner: CliRunner, site: Path) -> None:
    (site / ".authmd.yaml").write_text("select: [TL004]\nselct: [TL005]\n", encoding="utf-8")
    result = runner.invoke(app, ["lint", "clean.md"])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("authmd: error: .authmd.yaml:2:1: ")


def test_explicit_config_flag(runner: CliRunner, site: Path) -> None:
    (site / "ci.yaml").write_text("strict: true\nselect: [TL004, TL005]\n", encoding="utf-8")
    assert runner.invoke(app, ["lint", "warning.md", "--config", "ci.yaml"]).exit_code == 1
    missing = runner.invoke(app, ["lint", "warning.md", "--config", "nope.yaml"])
    assert missing.exit_code == 2
    assert missing.stderr.startswith("authmd: error: nope.yaml: ")
    both = runner.invoke(app, ["lint", "warning.md", "--config", "ci.yaml", "--no-config"])
    assert both.exit_code == 2


# ------------------------------------------------------------------ inputs that cannot be linted


def test_missing_file_is_exit_2(runner: CliRunner, site: Path) -> None:
    result = runner.invoke(app, ["lint", "nope.md"])
    assert result.exit_code == 2
    assert result.stderr.startswith("authmd: error: ")
    assert "Traceback" not in result.output


def test_directory_without_documents_is_exit_2(runner: CliRunner, site: Path) -> None:
    (site / "empty").mkdir()
    (site / "empty" / "notes.txt").write_text("hi", encoding="utf-8")
    result = runner.invoke(app, ["lint", "empty"])
    assert result.exit_code == 2
    assert result.stderr.startswith("authmd: error: ")


def test_non_utf8_file_is_a_tl001_finding(runner: CliRunner, site: Path) -> None:
    (site / "latin1.md").write_bytes("# auth.md\n\ncaf\u00e9\n".encode("latin-1"))
    result = runner.invoke(app, ["lint", "latin1.md", "--select", "TL001", "-f", "json"])
    assert result.exit_code == 1
    assert _diags(result.stdout) == [("TL001", "latin1.md", 3)]  # the line of the undecodable byte


# ------------------------------------------------------------------ --list-rules / --explain


def test_list_rules_text(runner: CliRunner) -> None:
    result = runner.invoke(app, ["lint", "--list-rules"])
    assert result.exit_code == 0
    rows = [line.split()[:3] for line in result.stdout.splitlines()]
    assert rows[0] == ["CODE", "NAME", "SEVERITY"]
    assert ["TL004", "invalid-directive", "error"] in rows


def test_list_rules_json(runner: CliRunner) -> None:
    from authmd_cli.lint.rules import REGISTRY

    result = runner.invoke(app, ["lint", "--list-rules", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [r["code"] for r in data] == sorted(REGISTRY)
    assert data[0] == REGISTRY[data[0]["code"]].to_dict()


def test_list_rules_rejects_sarif(runner: CliRunner) -> None:
    assert runner.invoke(app, ["lint", "--list-rules", "--format", "sarif"]).exit_code == 2


@pytest.mark.parametrize("ref", ["TL005", "tl005", "unused-directive"])
def test_explain(runner: CliRunner, ref: str) -> None:
    result = runner.invoke(app, ["lint", "--explain", ref])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "TL005 unused-directive"
    assert "severity: warning" in lines
    assert "A disable directive suppressed nothing." in lines


def test_explain_json(runner: CliRunner) -> None:
    data = json.loads(runner.invoke(app, ["lint", "--explain", "TL004", "-f", "json"]).stdout)
    assert (data["code"], data["name"], data["severity"]) == ("TL004", "invalid-directive", "error")
    assert data["doc"].startswith("An `<!-- authmd-... -->` comment")


def test_explain_unknown_suggests(runner: CliRunner) -> None:
    result = runner.invoke(app, ["lint", "--explain", "invalid-directiv"])
    assert result.exit_code == 2
    assert "did you mean 'invalid-directive'" in result.stderr


def test_tl006_rule_crash_is_a_diagnostic_exit_2_and_one_stderr_line(
        runner: CliRunner, site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 2: "an internal failure is a diagnostic plus exit 2 with a one-line message", also
    # when stdout is a machine report (json/sarif) that a CI log never shows.
    from collections.abc import Iterator

    from authmd_cli.core.diagnostics import Severity
    from authmd_cli.lint.rules import REGISTRY
    from authmd_cli.lint.rules.base import Finding, Rule, RuleContext
    from authmd_cli.protocol.model import Document

    def crashing(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
        """Crashes on purpose.

        Why: tests the CLI's handling of the engine's guard.
        Bad/Good: n/a
        """
        raise RuntimeError("boom")
        yield

    monkeypatch.setitem(REGISTRY, "MD999", Rule("MD999", "crash-test", Severity.INFO, "auth.md", "structure",
                                                "test", crashing))
    result = runner.invoke(app, ["lint", "clean.md", "--select=MD999", "--format=json"])
    assert result.exit_code == 2
    assert [(d[0], d[1]) for d in _diags(result.stdout)] == [("TL006", "clean.md")]
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("authmd: internal error: rule MD999 crash-test failed: ")
    assert "Traceback" not in result.output
    clean = runner.invoke(app, ["lint", "clean.md", DIRECTIVES])
    assert clean.exit_code == 0 and clean.stderr == ""
