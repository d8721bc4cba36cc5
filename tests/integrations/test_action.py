"""The GitHub Action (action.yml + action/run.sh): its definition is consistent, and its script runs
authmd as the Action would (inputs as AUTHMD_* variables, outputs into $GITHUB_OUTPUT)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
SCRIPT = REPO / "action" / "run.sh"


def test_the_action_is_composite_and_uses_only_its_declared_inputs() -> None:
    assert ACTION["runs"]["using"] == "composite"
    text = (REPO / "action.yml").read_text(encoding="utf-8")
    used = set(re.findall(r"inputs\.([a-z][a-z-]*)", text))
    assert used == set(ACTION["inputs"]), used ^ set(ACTION["inputs"])
    ids = {step.get("id") for step in ACTION["runs"]["steps"]}
    for out in ACTION["outputs"].values():
        step = re.search(r"steps\.([a-z-]+)\.outputs", out["value"])
        assert step and step.group(1) in ids
    runs = [step["run"] for step in ACTION["runs"]["steps"] if "run" in step]
    assert any("$GITHUB_ACTION_PATH/action/run.sh" in r for r in runs)
    assert any('pip install' in r and '"$GITHUB_ACTION_PATH"' in r for r in runs)  # from its own checkout
    assert all(step.get("shell") == "bash" for step in ACTION["runs"]["steps"] if "run" in step)


def _run(tmp_path: Path, path_dirs: list[Path] | None = None, **inputs: str) -> tuple[subprocess.CompletedProcess[str],
                                                                                    dict[str, str]]:
    output = tmp_path / "github-output"
    output.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTHMD_", "GITHUB_"))}
    env["PATH"] = os.pathsep.join([*(str(p) for p in path_dirs or []), str(Path(sys.executable).parent),
                                   env.get("PATH", "")])
    env["GITHUB_OUTPUT"] = str(output)
    env["GITHUB_ACTIONS"] = "true"
    env.update({f"AUTHMD_{k.upper()}": v for k, v in inputs.items()})
    proc = subprocess.run(["bash", str(SCRIPT)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    outputs = dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines() if "=" in line)
    return proc, outputs


@pytest.fixture
def site(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    return tmp_path


def test_lint_annotates_and_records_the_exit_code(site: Path) -> None:
    proc, outputs = _run(site, command="lint", paths="examples/broken-site")
    assert proc.returncode == 0  # the step itself never fails: the last step exits with the code
    assert outputs == {"exit-code": "1"}
    annotations = [ln for ln in proc.stdout.splitlines() if ln.startswith("::")]
    assert any(ln.startswith("::error file=examples/broken-site/.well-known/oauth-authorization-server,line=5")
               for ln in annotations), proc.stdout


def test_sarif_is_written_for_the_upload_step(site: Path) -> None:
    proc, outputs = _run(site, command="lint", paths="examples/broken-site", format="sarif",
                         sarif_file="out/authmd.sarif")
    assert proc.returncode == 0, proc.stderr
    assert outputs == {"exit-code": "1", "sarif-file": "out/authmd.sarif"}
    report = json.loads((site / "out" / "authmd.sarif").read_text(encoding="utf-8"))
    assert report["version"] == "2.1.0" and report["runs"][0]["results"]


def test_strict_and_extra_arguments_reach_authmd(site: Path) -> None:
    # The legacy site pinned to latest has warnings only: clean without --strict, a failure with it.
    _, lenient = _run(site, paths="examples/legacy-site", args="--profile latest")
    _, strict = _run(site, paths="examples/legacy-site", args="--profile latest", strict="true")
    assert lenient == {"exit-code": "0"} and strict == {"exit-code": "1"}


def test_probe_is_run_with_the_target_and_format(site: Path, tmp_path: Path) -> None:
    # `authmd probe` needs the network; a stand-in on PATH shows the command line the Action builds.
    stub = tmp_path / "stub"
    stub.mkdir()
    (stub / "authmd").write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@" > argv.txt\nexit 3\n', encoding="utf-8")
    (stub / "authmd").chmod(0o755)
    _, outputs = _run(site, [stub], command="probe", paths="https://service.example", args="--timeout 5")
    assert (site / "argv.txt").read_text(encoding="utf-8").split() == [
        "probe", "https://service.example", "--format", "github", "--timeout", "5"]
    assert outputs == {"exit-code": "3"}


@pytest.mark.parametrize(("inputs", "problem"), [({"command": "fix"}, "command must be lint or probe"),
                                                 ({"format": "json"}, "format must be github or sarif")])
def test_bad_inputs_are_an_annotated_usage_error(site: Path, inputs: dict[str, str], problem: str) -> None:
    proc, outputs = _run(site, **inputs)
    assert outputs == {"exit-code": "2"}
    assert proc.stdout.startswith("::error title=authmd::" + problem)
