"""`authmd init` without a config (the wizard path): every refusal comes before authmd.yaml is
written, so a refused run leaves the directory as it was (the fix for a wizard that wrote its
config and then failed on a file it may not replace)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from authmd_cli.cli.app import app


def _init(tmp_path: Path, *args: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(app, ["init", "-y", *args])
    return res.exit_code, res.stderr


def test_a_hand_written_auth_md_refuses_before_the_wizard_writes(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "auth.md").write_text("# mine\n", encoding="utf-8")
    code, err = _init(tmp_path, monkeypatch=monkeypatch)
    assert code == 2 and err.count("\n") == 1
    assert "auth.md: exists and was not written by authmd init" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["auth.md"]  # no authmd.yaml, no .well-known
    assert (tmp_path / "auth.md").read_text(encoding="utf-8") == "# mine\n"


def test_out_under_a_file_refuses_before_the_wizard_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    code, err = _init(tmp_path, "--out", "afile/sub", monkeypatch=monkeypatch)
    assert code == 2 and err.count("\n") == 1
    assert "afile/sub: afile is not a directory" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_a_corrupt_manifest_refuses_before_the_wizard_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / ".authmd-init.json").write_text("{not json", encoding="utf-8")
    code, err = _init(tmp_path, "--out", "site", monkeypatch=monkeypatch)
    assert code == 2 and err.count("\n") == 1 and "cannot read the init manifest" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == [".authmd-init.json"]


def test_a_file_where_well_known_goes_refuses_before_anything_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / ".well-known").write_text("not a directory", encoding="utf-8")
    code, err = _init(tmp_path, "--out", "site", monkeypatch=monkeypatch)
    assert code == 2 and err.count("\n") == 1 and ".well-known: is not a directory" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == [".well-known"]


def test_with_force_the_wizard_writes_its_config_and_the_site(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "auth.md").write_text("# mine\n", encoding="utf-8")
    code, err = _init(tmp_path, "--force", monkeypatch=monkeypatch)
    assert code == 0, err
    assert (tmp_path / "authmd.yaml").is_file() and (tmp_path / ".authmd-init.json").is_file()
    assert (tmp_path / "auth.md").read_text(encoding="utf-8") != "# mine\n"
