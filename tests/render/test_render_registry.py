"""The render() entry point: format names, default format, lazy imports."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from authmd_cli.core.diagnostics import Report
from authmd_cli.core.errors import UsageError
from authmd_cli.render import FORMATS, RENDERERS, default_format, render

# A fresh interpreter run from the repository root imports this checkout's authmd_cli.
REPO = Path(__file__).resolve().parents[2]


def test_format_names() -> None:
    assert set(RENDERERS) == {"text", "json", "sarif", "github"}
    assert tuple(RENDERERS) == FORMATS


@pytest.mark.parametrize(("environ", "expected"), [
    ({"GITHUB_ACTIONS": "true"}, "github"),
    ({"GITHUB_ACTIONS": "false"}, "text"),
    ({"GITHUB_ACTIONS": "TRUE"}, "text"),  # GitHub sets exactly "true"
    ({"CI": "true"}, "text"),
    ({}, "text"),
])
def test_default_format(environ: dict[str, str], expected: str) -> None:
    assert default_format(environ) == expected


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as info:
        render(Report(), "xml", stream=io.StringIO(), tool_version="0")
    assert info.value.exit_code == 2
    assert "xml" in str(info.value)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_every_format_renders_an_empty_report(fmt: str) -> None:
    out = io.StringIO()
    render(Report(), fmt, stream=out, color=False, tool_version="1.0", environ={})
    if fmt != "github":  # no findings, no annotations
        assert out.getvalue().endswith("\n")


_PROBE = """
import io, sys
from authmd_cli.core.diagnostics import Report
from authmd_cli.render import render
before = set(sys.modules)
render(Report(), sys.argv[1], stream=io.StringIO(), color=False, tool_version="0", environ={{}})
new = sorted(m for m in set(sys.modules) - before
             if m.startswith("authmd_cli.render.") or m == "rich" or m == "authmd_cli.lint.rules")
print(",".join(new))
"""


@pytest.mark.parametrize(("fmt", "expected"), [
    ("json", ["authmd_cli.render.json"]),
    ("github", ["authmd_cli.render._common", "authmd_cli.render.github"]),
    # Uncoloured text is plain string formatting: rich is imported only to colour.
    ("text", ["authmd_cli.render._common", "authmd_cli.render.text"]),
    # The renderers sit below lint: even SARIF never loads the rule registry (the CLI passes it in).
    ("sarif", ["authmd_cli.render._common", "authmd_cli.render.sarif"]),
])
def test_only_the_chosen_renderer_is_imported(fmt: str, expected: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-c", _PROBE.format(), fmt], capture_output=True, text=True,
                          check=True, cwd=REPO)
    assert proc.stdout.strip().split(",") == expected


def test_importing_the_package_imports_no_renderer() -> None:
    code = ("import sys, authmd_cli.render; "
            "print(sorted(m for m in sys.modules if m.startswith('authmd_cli.render.') or m == 'rich'))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert proc.stdout.strip() == "[]"
