"""`authmd migrate` writes nothing until every check has passed and the change is confirmed, keeps
file modes, and refuses standard input (it rewrites files in place)."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from authmd_cli.cli.app import app

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def v06(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An authmd.yaml at profile v0.6 and the site `authmd init` generated from it into pub/."""
    monkeypatch.chdir(tmp_path)
    text = (REPO / "examples" / "authmd.yaml").read_text(encoding="utf-8")
    (tmp_path / "authmd.yaml").write_text(text.replace("profile: v0.7-B", "profile: v0.6", 1), encoding="utf-8")
    assert CliRunner().invoke(app, ["init", "--out", "pub"]).exit_code == 0
    return tmp_path / "authmd.yaml"


@pytest.fixture
def legacy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(REPO / "examples" / "legacy-site", tmp_path / "site")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "site"


def _migrate(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, ["migrate", *args])
    return res.exit_code, res.stdout, res.stderr


def test_an_edited_site_file_refuses_before_the_config_is_changed(v06: Path) -> None:
    before = v06.read_bytes()
    with (v06.parent / "pub" / "auth.md").open("a", encoding="utf-8") as f:
        f.write("edit\n")
    code, stdout, err = _migrate("authmd.yaml", "--to", "v0.7-B", "--out", "pub", "--yes")
    assert code == 2 and err.count("\n") == 1
    assert "pub/auth.md: was edited since authmd init wrote it" in err and "--force" in err
    assert "migrated" not in stdout and v06.read_bytes() == before
    # the hint's option exists: --force replaces the edited file, after the config is migrated
    code, stdout, err = _migrate("authmd.yaml", "--to", "v0.7-B", "--out", "pub", "--yes", "--force")
    assert code == 0, err
    assert "migrated authmd.yaml" in stdout and "updated pub/auth.md" in stdout
    assert "profile: v0.7-B" in v06.read_text(encoding="utf-8")
    assert "edit\n" not in (v06.parent / "pub" / "auth.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("make_bad", ["file", "corrupt-manifest"])
def test_a_bad_out_refuses_before_the_config_is_changed(v06: Path, make_bad: str) -> None:
    before = v06.read_bytes()
    if make_bad == "file":
        (v06.parent / "afile").write_text("x", encoding="utf-8")
        out, expected = "afile", "afile: exists and is not a directory"
    else:
        (v06.parent / "pub" / ".authmd-init.json").write_text("{", encoding="utf-8")
        out, expected = "pub", "cannot read the init manifest"
    code, stdout, err = _migrate("authmd.yaml", "--to", "v0.7-B", "--out", out, "--yes")
    assert code == 2 and err.count("\n") == 1 and expected in err
    assert stdout == "" and v06.read_bytes() == before


def test_force_without_out_is_a_usage_error(v06: Path) -> None:
    code, _, err = _migrate("authmd.yaml", "--force", "--yes")
    assert code == 2 and "--out" in err and "profile: v0.6" in v06.read_text(encoding="utf-8")


def test_the_draft_config_waits_for_confirmation(legacy: Path) -> None:
    draft = legacy.parent / "draft.yaml"
    code, _, err = _migrate("site", "--draft-config", "draft.yaml")
    assert code == 1 and "file(s) not written" in err
    assert not draft.exists()
    code, stdout, err = _migrate("site", "--diff", "--draft-config", "draft.yaml")
    assert code == 1 and not draft.exists()
    assert "wrote" not in stdout and "--- /dev/null\n+++ b/draft.yaml\n" in stdout
    code, stdout, err = _migrate("site", "--yes", "--draft-config", "draft.yaml")
    assert code == 0, err
    assert "wrote draft.yaml" in stdout and "profile: v0.7-B" in draft.read_text(encoding="utf-8")


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664])
def test_yes_keeps_each_file_mode(legacy: Path, mode: int) -> None:
    files = [legacy / "auth.md", legacy / ".well-known" / "oauth-authorization-server"]
    for f in files:
        f.chmod(mode)
    code, stdout, err = _migrate("site", "--yes")
    assert code == 0, err
    assert all(f"migrated {f.relative_to(legacy.parent)}" in stdout for f in files)
    assert [stat.S_IMODE(f.stat().st_mode) for f in files] == [mode, mode]


def test_yes_keeps_the_config_mode(v06: Path) -> None:
    v06.chmod(0o600)
    code, _, err = _migrate("authmd.yaml", "--yes")
    assert code == 0, err
    assert stat.S_IMODE(v06.stat().st_mode) == 0o600


def test_standard_input_is_refused_in_one_line(legacy: Path) -> None:
    res = CliRunner().invoke(app, ["migrate", "-"], input="# auth.md\n")
    assert res.exit_code == 2 and res.stderr.count("\n") == 1
    assert "cannot rewrite standard input" in res.stderr and "No such file" not in res.stderr
