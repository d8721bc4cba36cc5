"""The CLI as a user runs it: `python -m authmd_cli` in a real process."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from authmd_cli import __version__

RunCli = Callable[..., subprocess.CompletedProcess[str]]  # the `run_cli` fixture (conftest.py)

HEAVY = ("jsonschema", "httpx", "jwt", "jinja2", "starlette", "rich", "yaml", "uvicorn", "markdown_it")


def _imported(importtime_stderr: str) -> set[str]:
    """Top-level package names from `python -X importtime` output."""
    names = set()
    for line in importtime_stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


def test_module_entry_point_version(run_cli: RunCli, tmp_path: Path) -> None:
    proc = run_cli("--version", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[0] == f"authmd {__version__}"


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("lint", "--help")])
def test_startup_imports_no_heavy_module(run_cli: RunCli, tmp_path: Path, args: tuple[str, ...]) -> None:
    proc = run_cli(*args, cwd=tmp_path, python_flags=("-X", "importtime"))
    assert proc.returncode == 0
    imported = _imported(proc.stderr)
    assert "authmd_cli" in imported  # the measurement itself works
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))


def test_config_discovered_from_a_parent_directory(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / ".authmd.yaml").write_text("select: [TL004, TL005]\nstrict: true\nformat: json\n", encoding="utf-8")
    work = tmp_path / "site" / "docs"
    work.mkdir(parents=True)
    (work / "auth.md").write_text("# auth.md\n\n<!-- authmd-disable-next-line TL004 -->\nx\n", encoding="utf-8")
    proc = run_cli("lint", "auth.md", cwd=work)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert [(d["code"], d["location"]["line"]) for d in report["diagnostics"]] == [("TL005", 3)]


def test_stdin_dash(run_cli: RunCli, tmp_path: Path) -> None:
    proc = run_cli("lint", "-", "--select", "TL004", "--format", "json", cwd=tmp_path,
                   stdin=b"# auth.md\n\n<!-- authmd-disable XX999 -->\n")
    assert proc.returncode == 1
    assert [d["location"]["source"] for d in json.loads(proc.stdout)["diagnostics"]] == ["<stdin>"]


@pytest.mark.parametrize(("setup", "args"), [
    ("missing", ("lint", "nope.md")),
    ("empty-dir", ("lint", "empty")),
    ("bad-config", ("lint", "ok.md")),
    ("bad-yaml", ("lint", "ok.md")),
    ("bad-flag", ("lint", "--bogus")),
])
def test_usage_and_input_errors_exit_2_with_one_line(run_cli: RunCli, tmp_path: Path, setup: str,
                                                     args: tuple[str, ...]) -> None:
    (tmp_path / "ok.md").write_text("# auth.md\n", encoding="utf-8")
    if setup == "empty-dir":
        (tmp_path / "empty").mkdir()
    if setup == "bad-config":
        (tmp_path / ".authmd.yaml").write_text("severity:\n  TL003: fatal\n", encoding="utf-8")
    if setup == "bad-yaml":
        (tmp_path / ".authmd.yaml").write_text("select: [TL003\n", encoding="utf-8")
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    if setup != "bad-flag":  # click prints its own usage block
        assert len(proc.stderr.splitlines()) == 1
        assert proc.stderr.startswith("authmd: error: ")
    if setup == "bad-config":
        assert proc.stderr.startswith("authmd: error: .authmd.yaml:2:10: ")


def test_non_utf8_file_is_a_finding_not_a_crash(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "auth.md").write_bytes(b"# auth.md\n\n\xff\xfe broken\n")
    proc = run_cli("lint", "auth.md", "--select", "TL001", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert [d["code"] for d in json.loads(proc.stdout)["diagnostics"]] == ["TL001"]


def test_output_file_and_text_on_a_pipe_has_no_colour(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "auth.md").write_text("# auth.md\n\n<!-- authmd-disable XX999 -->\n", encoding="utf-8")
    proc = run_cli("lint", "auth.md", "--select", "TL004", cwd=tmp_path)
    assert proc.returncode == 1
    assert "\x1b[" not in proc.stdout
    assert "auth.md:3:1" in proc.stdout
    proc = run_cli("lint", "auth.md", "--select", "TL004", "-f", "sarif", "-o", "out.sarif", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"
