"""init on disk: never overwrite what init did not write (or what was edited), dry-run, check."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from init_inputs import EXAMPLE, MINIMAL

from authmd_cli.core.errors import ConfigError, OutputError, UsageError
from authmd_cli.site.writer import MANIFEST, init_command, sha256


def _run(out: Path, **kw: object) -> tuple[int, str]:
    buf = io.StringIO()
    code = init_command(out=out, stdout=buf, cwd=out.parent, **kw)  # type: ignore[arg-type]
    return code, buf.getvalue()


def test_first_run_writes_site_and_manifest(tmp_path: Path) -> None:
    out = tmp_path / "site"
    code, _ = _run(out, config=EXAMPLE)
    assert code == 0
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == [".authmd-init.json", ".well-known/oauth-authorization-server",
                     ".well-known/oauth-protected-resource", "auth.md"]
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["files"]["auth.md"] == sha256((out / "auth.md").read_text())


def test_rerun_is_idempotent_and_updates_unedited_files(tmp_path: Path) -> None:
    out = tmp_path / "site"
    _run(out, config=EXAMPLE)
    code, text = _run(out, config=EXAMPLE)
    assert code == 0 and text.count("unchanged") == 3
    code, text = _run(out, config=EXAMPLE, profile="v0.7-A")  # init's own files may be replaced
    assert code == 0 and "updated" in text
    assert "urn:workos:agent-auth:grant-type:claim" in (out / ".well-known/oauth-authorization-server").read_text()


def test_refuses_a_file_init_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()
    (out / "auth.md").write_text("# my own file\n")
    with pytest.raises(OutputError) as info:
        _run(out, config=EXAMPLE)
    assert info.value.source == str(out / "auth.md")
    assert "not written by authmd init" in str(info.value)
    assert (out / "auth.md").read_text() == "# my own file\n"
    assert not (out / ".well-known").exists()  # nothing written at all
    code, _ = _run(out, config=EXAMPLE, force=True)
    assert code == 0 and (out / "auth.md").read_text().startswith("# auth.md\n")


def test_refuses_a_file_edited_since(tmp_path: Path) -> None:
    out = tmp_path / "site"
    _run(out, config=EXAMPLE)
    with (out / "auth.md").open("a") as fh:
        fh.write("\nlocal note\n")
    with pytest.raises(OutputError) as info:
        _run(out, config=EXAMPLE, profile="v0.6")
    assert info.value.source == str(out / "auth.md") and "edited since" in str(info.value)
    assert "grant-type:claim" not in (out / ".well-known/oauth-authorization-server").read_text()


def test_dry_run_prints_a_diff_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "site"
    code, text = _run(out, config=EXAMPLE, dry_run=True)
    assert code == 0 and not out.exists()
    assert "--- /dev/null\n+++ b/auth.md\n" in text
    _run(out, config=EXAMPLE)
    before = (out / "auth.md").read_text()
    code, text = _run(out, config=EXAMPLE, profile="v0.7-A", dry_run=True)
    assert "--- a/auth.md\n+++ b/auth.md\n" in text and "+    \"urn:workos:agent-auth:grant-type:claim\"" in text
    assert (out / "auth.md").read_text() == before


def test_check_reports_drift_with_exit_1(tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert _run(out, config=EXAMPLE, check=True)[0] == 1  # nothing there yet
    _run(out, config=EXAMPLE)
    assert _run(out, config=EXAMPLE, check=True)[0] == 0
    (out / ".well-known/oauth-protected-resource").write_text("{}\n")
    code, text = _run(out, config=EXAMPLE, check=True)
    assert code == 1 and "+++ b/.well-known/oauth-protected-resource" in text
    with pytest.raises(UsageError):
        _run(out, config=EXAMPLE, check=True, dry_run=True)


def test_files_no_longer_generated_are_removed_only_if_unedited(tmp_path: Path) -> None:
    out = tmp_path / "site"
    _run(out, config=EXAMPLE)
    code, text = _run(out, config=EXAMPLE, profile="no-registration")
    assert code == 0 and "removed" in text
    assert not (out / ".well-known/oauth-authorization-server").exists()
    _run(out, config=EXAMPLE)
    (out / ".well-known/oauth-authorization-server").write_text("{\"mine\": true}\n")
    code, text = _run(out, config=EXAMPLE, profile="no-registration")
    assert code == 0 and "kept" in text
    assert (out / ".well-known/oauth-authorization-server").read_text() == "{\"mine\": true}\n"
    assert ".well-known/oauth-authorization-server" not in json.loads((out / MANIFEST).read_text())["files"]


def test_bad_config_writes_nothing(tmp_path: Path) -> None:
    cfg = tmp_path / "authmd.yaml"
    cfg.write_text(MINIMAL.replace("service:", "servce:"))
    out = tmp_path / "site"
    with pytest.raises(ConfigError) as info:
        _run(out, config=cfg)
    assert (info.value.line, info.value.column) == (1, 1)
    assert not out.exists()


def test_symlinked_target_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    (out / "auth.md").symlink_to(victim)
    with pytest.raises(OutputError, match="symbolic link"):
        _run(out, config=EXAMPLE, force=True)
    assert victim.read_text() == "keep"


def test_path_suffixed_well_known_files(tmp_path: Path) -> None:
    cfg = tmp_path / "authmd.yaml"
    cfg.write_text(MINIMAL.replace("https://api.fernpost.net", "https://fernpost.net/api"))
    out = tmp_path / "site"
    _run(out, config=cfg)
    assert (out / ".well-known/oauth-protected-resource/api").is_file()
