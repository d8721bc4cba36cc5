"""The pre-commit hooks (.pre-commit-hooks.yaml), validated and run through pre-commit's own `try-repo`,
which installs authmd from this repository exactly as a user's pre-commit would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PRE_COMMIT = BIN / "pre-commit"
HOOKS = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))

needs_tools = pytest.mark.skipif(not PRE_COMMIT.exists() or shutil.which("git") is None,
                                 reason="needs pre-commit (a dev dependency) and git")


def test_the_hooks_are_the_documented_ones() -> None:
    assert [h["id"] for h in HOOKS] == ["authmd-lint", "authmd-init-check"]
    assert all(h["language"] == "python" and h["entry"].startswith("authmd ") for h in HOOKS)


@needs_tools
def test_the_manifest_passes_pre_commits_own_validation() -> None:
    proc = subprocess.run([str(PRE_COMMIT), "validate-manifest", str(REPO / ".pre-commit-hooks.yaml")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=60,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"})


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")  # one install of authmd for the module's tests


def _try_repo(consumer: Path, hook: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "NO_COLOR", "FORCE_COLOR")}
    env["PRE_COMMIT_HOME"] = str(home)
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    return subprocess.run([str(PRE_COMMIT), "try-repo", str(REPO), hook, "--all-files"], cwd=consumer, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.e2e
@needs_tools
def test_authmd_lint_hook_through_try_repo(tmp_path: Path, pre_commit_home: Path) -> None:
    consumer = tmp_path / "consumer"
    shutil.copytree(REPO / "examples" / "broken-site", consumer / "public")
    (consumer / "notes.md").write_text("# not an auth.md\n", encoding="utf-8")
    _git(consumer, "init", "-q")
    _git(consumer, "add", "-A")
    proc = _try_repo(consumer, "authmd-lint", pre_commit_home)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "public/.well-known/oauth-authorization-server:5:3: DS002 misplaced-member [error]" in proc.stdout
    assert "notes.md" not in proc.stdout.replace("(no files to check)", "")  # only protocol files are passed


@pytest.mark.e2e
@needs_tools
def test_authmd_init_check_hook_through_try_repo(tmp_path: Path, pre_commit_home: Path) -> None:
    consumer = tmp_path / "consumer"
    consumer.mkdir()
    shutil.copy(REPO / "examples" / "authmd.yaml", consumer / "authmd.yaml")
    subprocess.run([str(BIN / "authmd"), "init", "--config", "authmd.yaml", "--out", "."], cwd=consumer,
                   check=True, capture_output=True, timeout=60)
    _git(consumer, "init", "-q")
    _git(consumer, "add", "-A")
    clean = _try_repo(consumer, "authmd-init-check", pre_commit_home)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    with open(consumer / "auth.md", "a", encoding="utf-8") as f:
        f.write("hand edit\n")
    _git(consumer, "add", "-A")
    drift = _try_repo(consumer, "authmd-init-check", pre_commit_home)
    assert drift.returncode == 1
    assert "+hand edit" not in drift.stdout and "-hand edit" in drift.stdout
    assert "run `authmd init --config authmd.yaml --out . --force` to update them" in drift.stdout
