"""What a one-file lint loads: the start-up budget (bench/startup.py) depends on these staying lazy.

Speed itself is measured by the bench, never asserted; these pin what is imported or read, which
does not depend on how busy the machine is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

RunCli = Callable[..., subprocess.CompletedProcess[str]]  # the `run_cli` fixture (conftest.py)
REPO = Path(__file__).resolve().parents[2]
AUTH_MD = REPO / "tests" / "fixtures" / "md" / "v0.7-B.auth.md"  # no front matter: nothing needs YAML
PRM = REPO / "tests" / "fixtures" / "profiles" / "v0.7-B" / ".well-known" / "oauth-protected-resource"


def _imported(importtime_stderr: str) -> set[str]:
    """Top-level package names from `python -X importtime` output."""
    return {line.rsplit("|", 1)[1].strip().split(".")[0]
            for line in importtime_stderr.splitlines() if line.startswith("import time:") and "|" in line}


@pytest.mark.parametrize("env", [{}, {"NO_COLOR": "1"}], ids=["pipe", "no-color"])
def test_uncoloured_text_lint_imports_neither_rich_nor_yaml(run_cli: RunCli, tmp_path: Path,
                                                           env: dict[str, str]) -> None:
    # stdout is a pipe here, as in CI: text output without colour is plain string formatting,
    # and JSON member positions come from jsonpos's own scanner, not PyYAML.
    proc = run_cli("lint", "--no-config", str(AUTH_MD), cwd=tmp_path, env=env, python_flags=("-X", "importtime"))
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    assert proc.stdout.endswith("0 errors, 0 warnings, 0 infos in 1 document\n")
    imported = _imported(proc.stderr)
    assert {"authmd_cli", "jsonschema", "markdown_it"} <= imported  # the measurement works
    assert not imported & {"rich", "yaml"}, sorted(imported & {"rich", "yaml"})


def test_coloured_text_lint_uses_rich(run_cli: RunCli, tmp_path: Path) -> None:
    proc = run_cli("lint", "--no-config", str(AUTH_MD), cwd=tmp_path, env={"FORCE_COLOR": "1"},
                   python_flags=("-X", "importtime"))
    assert proc.returncode == 0
    assert "\x1b[" in proc.stdout
    assert "rich" in _imported(proc.stderr)


_OPENED = """
import json, sys
opened = []
sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == "open" else None)
from authmd_cli.lint.engine import LintOptions, lint_paths
report = lint_paths([sys.argv[1]], LintOptions())
print(json.dumps({"codes": [d.code for d in report.diagnostics],
                  "schemas": sorted({p.replace("\\\\", "/").rsplit("/", 1)[-1] for p in opened
                                     if "schema" in p.replace("\\\\", "/").rsplit("/", 2)[-2]})}))
"""


def test_prm_lint_reads_only_the_schemas_it_validates_against(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([sys.executable, "-c", _OPENED, str(PRM)], capture_output=True, text=True,
                          check=True, cwd=tmp_path, env=env, timeout=60)
    result = json.loads(proc.stdout)
    assert result["codes"] == []
    # The catalogue, the PRM schema and what it references; none of the other ~40 schema files.
    assert result["schemas"] == ["common.schema.json", "index.json", "prm.schema.json"]


def test_version_answers_without_importing_typer() -> None:
    import subprocess
    import sys

    code = ("import sys; sys.argv = ['authmd', '--version']; from authmd_cli.cli.entry import main; main(); "
            "print('typer' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    from authmd_cli import __version__

    lines = out.splitlines()
    assert lines[0] == f"authmd {__version__}" and lines[-1] == "False"
