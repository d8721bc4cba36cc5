"""The built distributions work on their own: `python -m build` makes the sdist and, from it, the wheel;
the wheel goes into a fresh venv, and `authmd` runs from a directory with no source tree (schemas and
templates found inside the package; no examples/ assumed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.e2e]

# A service config written here: an install has no examples/authmd.yaml.
CONFIG = """\
profile: v0.7-B
service: {name: Fernpost, description: Parcel tracking for small shops.}
resource_server: {resource: "https://api.fernpost.io"}
authorization_server: {issuer: "https://auth.fernpost.io"}
scopes:
  - {name: parcels.read, description: Read parcels.}
"""


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the fresh venv's bin directory, the dist directory)."""
    pytest.importorskip("build")
    base = tmp_path_factory.mktemp("packaging")
    source = base / "source"  # a clean copy: build must not pick up caches or a developer's venv
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".venv", ".git", "*_cache", ".hypothesis",
                                                                "__pycache__", "demo-site", "dist"))
    dist = base / "dist"
    built = _run([sys.executable, "-m", "build", "--outdir", str(dist), str(source)], base)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    venv = base / "venv"
    assert _run([sys.executable, "-m", "venv", str(venv)], base).returncode == 0
    wheel = next(dist.glob("*.whl"))
    pip = _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)], base)
    assert pip.returncode == 0, pip.stderr[-2000:]
    return venv / "bin", dist


def test_sdist_and_wheel_carry_the_data(installed: tuple[Path, Path]) -> None:
    _, dist = installed
    names = zipfile.ZipFile(next(dist.glob("*.whl"))).namelist()
    assert "authmd_cli/_data/schemas/lint-config.schema.json" in names
    assert any(n.startswith("authmd_cli/_data/templates/auth.md/") for n in names)
    with tarfile.open(next(dist.glob("*.tar.gz"))) as sdist:
        members = [m.split("/", 1)[1] for m in sdist.getnames() if "/" in m]
    assert {"schemas/config.schema.json", "templates/auth.md/_base.md.j2", "README.md", "CHANGELOG.md"} <= set(members)


def test_lint_and_init_run_from_a_fresh_venv_without_the_source_tree(installed: tuple[Path, Path],
                                                                     tmp_path: Path) -> None:
    bin_dir, _ = installed
    authmd = str(bin_dir / "authmd")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GITHUB_ACTIONS", "VIRTUAL_ENV")}
    where = _run([str(bin_dir / "python"), "-c", "import authmd_cli; print(authmd_cli.__file__)"], tmp_path, env)
    assert str(bin_dir.parent) in where.stdout and str(REPO) not in where.stdout

    version = _run([authmd, "--version"], tmp_path, env)
    assert version.returncode == 0 and "profiles: " in version.stdout

    (tmp_path / "authmd.yaml").write_text(CONFIG, encoding="utf-8")
    init = _run([authmd, "init", "--out", "site"], tmp_path, env)
    assert init.returncode == 0, init.stderr
    assert (tmp_path / "site" / ".well-known" / "oauth-authorization-server").is_file()
    clean = _run([authmd, "lint", "site"], tmp_path, env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout.rstrip().endswith("0 errors, 0 warnings, 0 infos in 3 documents")

    shutil.copytree(REPO / "examples" / "broken-site", tmp_path / "broken")
    broken = _run([authmd, "lint", "broken", "--format", "sarif"], tmp_path, env)
    assert broken.returncode == 1 and '"ruleId": "DS002"' in broken.stdout  # schemas and rule docs found

    schema = _run([authmd, "schema", "show", "config"], tmp_path, env)
    assert schema.returncode == 0 and '"$id"' in schema.stdout

    wizard = _run([authmd, "init", "--yes", "--out", "fresh"], tmp_path / "site", env)  # no authmd.yaml here
    assert wizard.returncode == 0, wizard.stderr
    assert (tmp_path / "site" / "authmd.yaml").is_file() and (tmp_path / "site" / "fresh" / "auth.md").is_file()
