"""`authmd lint` on hostile inputs and arguments: lone surrogates, huge numbers, site layouts it
must not skip, output/baseline paths that must not clobber files, symlinks, endless files.

Every test drives the real CLI (typer's CliRunner) on real files in tmp_path.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from authmd_cli.cli.app import app

SURROGATE_PRM = '{"resource":"http://a.example/\\ud800","authorization_servers":["\\ud800"]}'
GOOD_PRM = '{"resource": "https://api.example.com", "authorization_servers": ["https://auth.example.com"]}\n'
BROKEN_PRM = '{"resource":"ftp://broken","authorization_servers":5}\n'
# MD005 (a fixable heading style) so --fix has something to write.
FIXABLE = "# auth.md\n\n## step 1: discover\n\nHello.\n"


def _lint(runner: CliRunner, *args: str) -> Any:
    return runner.invoke(app, ["lint", "--no-config", *args])


def _report(output: str) -> dict[str, Any]:
    data = json.loads(output)
    assert isinstance(data, dict)
    return data


# ---------------------------------------------------------------- lone surrogates, huge numbers


@pytest.mark.parametrize("fmt", ["text", "github", "json", "sarif"])
def test_lone_surrogate_in_json_is_a_finding_not_a_crash(
        runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path("prm4.json").write_text(SURROGATE_PRM, encoding="ascii")
    result = _lint(runner, "prm4.json", "-f", fmt, "-o", "out.txt")
    assert result.exit_code == 1, result.output
    out = Path("out.txt").read_text(encoding="utf-8")
    assert "unpaired UTF-16 surrogate" in out
    assert "internal error" not in result.output


def test_lone_surrogate_names_the_string_and_position(runner: CliRunner, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("prm4.json").write_text(SURROGATE_PRM, encoding="ascii")
    result = _lint(runner, "prm4.json", "-f", "json")
    diags = [d for d in _report(result.stdout)["diagnostics"] if d["code"] == "TL002"]
    assert len(diags) == 1
    assert '"http://a.example/\\ud800"' in diags[0]["message"]
    assert "RFC 8259 §8.2" in diags[0]["message"]
    assert (diags[0]["location"]["line"], diags[0]["location"]["column"]) == (1, 13)


def test_lone_surrogate_in_auth_md_example_is_md008(runner: CliRunner, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("auth.md").write_text('# auth.md\n\nHello.\n\n```json\n{"a": "\\udc00x"}\n```\n', encoding="utf-8")
    for fmt in ("text", "github"):
        result = _lint(runner, "auth.md", "--select", "MD008", "-f", fmt)
        assert result.exit_code == 1, result.output
        assert "MD008" in result.stdout
        assert "unpaired UTF-16 surrogate" in result.stdout


def test_five_thousand_digit_number_is_one_plain_finding(runner: CliRunner, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("prm.json").write_text('{"resource": "https://a.example",\n "x": ' + "1" * 5000 + "}\n", encoding="utf-8")
    result = _lint(runner, "prm.json", "-f", "json")
    diags = _report(result.stdout)["diagnostics"]
    assert [d["code"] for d in diags] == ["TL002"]
    message = diags[0]["message"]
    assert "a number with 5000 digits" in message
    assert "sys.set_int_max_str_digits" not in message
    assert "\n" not in message
    assert (diags[0]["location"]["line"], diags[0]["location"]["column"]) == (2, 7)


@pytest.mark.skipif(os.name != "posix", reason="non-UTF-8 file names are a POSIX thing")
@pytest.mark.parametrize("fmt", ["text", "github", "json", "sarif"])
def test_non_utf8_file_name_renders(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    fmt: str) -> None:
    monkeypatch.chdir(tmp_path)
    name = os.fsdecode(b"caf\xe9")  # surrogate-escaped by Python
    try:
        Path(name).mkdir()
    except (UnicodeEncodeError, OSError):
        pytest.skip("the file system refuses non-UTF-8 names")
    (Path(name) / "auth.md").write_text("# auth.md\n\n<!-- authmd-disable TL999 -->\n", encoding="utf-8")
    result = _lint(runner, name, "--select", "TL004", "-f", fmt, "-o", "out.txt")
    assert result.exit_code == 1, result.output
    assert "TL004" in Path("out.txt").read_text(encoding="utf-8")


# ---------------------------------------------------------------- every document of a site is linted

AUTH_MD = "# auth.md\n\n<!-- authmd-disable TL999 -->\n\nHello.\n"  # TL004 at 3:1


def test_upper_case_auth_md_in_a_directory_is_linted(runner: CliRunner, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("d4").mkdir()
    Path("d4/AUTH.MD").write_text(AUTH_MD, encoding="utf-8")
    result = _lint(runner, "d4", "--strict", "--select", "TL", "-f", "json")
    report = _report(result.stdout)
    assert result.exit_code == 1, result.output
    assert [d["source"] for d in report["documents"]] == ["d4/AUTH.MD"]
    assert [(d["code"], d["location"]["line"]) for d in report["diagnostics"]] == [("TL004", 3)]


def test_auth_md_in_two_letter_cases_both_linted(runner: CliRunner, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("d").mkdir()
    Path("d/auth.md").write_text("# auth.md\n\nHello.\n", encoding="utf-8")
    try:
        Path("d/Auth.md").write_text(AUTH_MD, encoding="utf-8")
    except OSError:
        pytest.skip("case-insensitive file system")
    if len(os.listdir("d")) != 2:
        pytest.skip("case-insensitive file system")
    report = _report(_lint(runner, "d", "--select", "TL", "-f", "json").stdout)
    assert sorted(d["source"] for d in report["documents"]) == ["d/Auth.md", "d/auth.md"]
    assert [d["location"]["source"] for d in report["diagnostics"]] == ["d/Auth.md"]


@pytest.mark.parametrize("kind", ["dangling-link", "fifo"])
def test_unreadable_auth_md_in_a_directory_is_an_error(runner: CliRunner, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path("s").mkdir()
    if kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        os.mkfifo("s/auth.md")
    else:
        Path("s/auth.md").symlink_to("nowhere.md")
    result = _lint(runner, "s", "-f", "json")
    assert result.exit_code == 1, result.output
    diags = _report(result.stdout)["diagnostics"]
    assert [(d["code"], d["location"]["source"]) for d in diags] == [("TL001", "s/auth.md")]
    assert ("nowhere.md" if kind == "dangling-link" else "not a regular file") in diags[0]["message"]


def test_every_path_suffixed_prm_is_linted(runner: CliRunner, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    wk = Path("site/.well-known/oauth-protected-resource")
    wk.mkdir(parents=True)
    Path("site/auth.md").write_text("# auth.md\n\nHello.\n", encoding="utf-8")
    (wk / "api").write_text(GOOD_PRM, encoding="utf-8")
    (wk / "zzz").write_text(BROKEN_PRM, encoding="utf-8")
    result = _lint(runner, "site", "-f", "json")
    report = _report(result.stdout)
    assert result.exit_code == 1, result.output
    sources = [d["source"] for d in report["documents"]]
    assert "site/.well-known/oauth-protected-resource/api" in sources
    assert "site/.well-known/oauth-protected-resource/zzz" in sources
    errors = {d["location"]["source"] for d in report["diagnostics"] if d["severity"] == "error"}
    assert "site/.well-known/oauth-protected-resource/zzz" in errors
    # Linted alone, zzz gets the same errors: being in a site does not hide any.
    alone = _report(_lint(runner, str(wk / "zzz"), "-f", "json").stdout)
    codes_alone = sorted(d["code"] for d in alone["diagnostics"] if d["severity"] == "error")
    codes_site = sorted(d["code"] for d in report["diagnostics"] if d["severity"] == "error"
                        and d["location"]["source"].endswith("/zzz"))
    assert codes_site == codes_alone


def test_dotfiles_under_well_known_are_not_documents(runner: CliRunner, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    wk = Path("site/.well-known/oauth-protected-resource")
    (wk / ".git").mkdir(parents=True)
    Path("site/auth.md").write_text("# auth.md\n\nHello.\n", encoding="utf-8")
    (wk / "api").write_text(GOOD_PRM, encoding="utf-8")
    (wk / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (wk / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    report = _report(_lint(runner, "site", "-f", "json").stdout)
    sources = [d["source"] for d in report["documents"]]
    assert "site/.well-known/oauth-protected-resource/api" in sources
    assert not [s for s in sources if "/." in s.replace("/.well-known/", "/")]


# ---------------------------------------------------------------- nothing written before a failure


@pytest.fixture
def fixable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    Path("auth.md").write_text(FIXABLE, encoding="utf-8")
    return tmp_path / "auth.md"


def _fixable_changes(runner: CliRunner) -> bool:
    """Sanity: --fix does change the fixture (so 'unchanged' below means something)."""
    Path("probe.md").write_text(FIXABLE, encoding="utf-8")
    runner.invoke(app, ["lint", "--no-config", "--fix", "probe.md"])
    return Path("probe.md").read_text(encoding="utf-8") != FIXABLE


@pytest.mark.parametrize("extra", [
    ["--baseline", "notjson.json"],
    ["-o", "nodir/out.txt"],
])
def test_fix_writes_nothing_when_a_later_step_would_fail(runner: CliRunner, fixable: Path,
                                                         extra: list[str]) -> None:
    assert _fixable_changes(runner)
    Path("notjson.json").write_text("nope\n", encoding="utf-8")
    result = _lint(runner, "--fix", "auth.md", *extra)
    assert result.exit_code == 2, result.output
    assert fixable.read_text(encoding="utf-8") == FIXABLE
    assert "fixed" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_baseline_is_not_recorded_when_the_output_cannot_be_written(runner: CliRunner, fixable: Path) -> None:
    result = _lint(runner, "auth.md", "--baseline", "new.json", "-o", "nodir/out.txt")
    assert result.exit_code == 2, result.output
    assert "nodir" in result.output
    assert not Path("new.json").exists()


@pytest.mark.parametrize("output", ["auth.md", "./auth.md", "sub/../auth.md"])
def test_output_is_never_an_input_file(runner: CliRunner, fixable: Path, output: str) -> None:
    Path("sub").mkdir()
    for args in (["auth.md"], ["."]):
        result = _lint(runner, *args, "-o", output)
        assert result.exit_code == 2, result.output
        assert "one of the linted files" in result.output
        assert fixable.read_text(encoding="utf-8") == FIXABLE


def test_update_baseline_never_replaces_a_file_that_is_not_a_baseline(runner: CliRunner, fixable: Path) -> None:
    Path("other.md").write_text(FIXABLE, encoding="utf-8")
    for args in (["auth.md", "--baseline", "auth.md"], ["other.md", "--baseline", "auth.md"]):
        result = _lint(runner, *args, "--update-baseline")
        assert result.exit_code == 2, result.output
        assert fixable.read_text(encoding="utf-8") == FIXABLE
    assert "replaces only a baseline" in result.output


def test_update_baseline_replaces_a_baseline(runner: CliRunner, fixable: Path) -> None:
    assert _lint(runner, "auth.md", "--baseline", "bl.json").exit_code == 0
    first = _report(Path("bl.json").read_text(encoding="utf-8"))
    Path("auth.md").write_text("# auth.md\n\nHello.\n", encoding="utf-8")
    result = _lint(runner, "auth.md", "--baseline", "bl.json", "--update-baseline")
    assert result.exit_code == 0, result.output
    assert _report(Path("bl.json").read_text(encoding="utf-8")) != first


# ---------------------------------------------------------------- bounded reads


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.parametrize(("option", "what"), [("--baseline", "baseline"), ("--config", "config")])
def test_endless_baseline_or_config_is_refused_in_one_line(runner: CliRunner, fixable: Path, option: str,
                                                          what: str) -> None:
    result = runner.invoke(app, ["lint", option, "/dev/zero", "auth.md"])
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1
    assert f"cannot read the {what}" in result.output or f"cannot read {what}" in result.output
    assert "larger than" in result.output


def test_oversized_baseline_file_is_refused(runner: CliRunner, fixable: Path) -> None:
    from authmd_cli.core.files import MAX_SMALL_FILE

    with open("big.json", "wb") as fh:
        fh.truncate(MAX_SMALL_FILE + 1)  # sparse: costs no disk
    result = _lint(runner, "auth.md", "--baseline", "big.json")
    assert result.exit_code == 2, result.output
    assert "larger than" in result.output


def test_init_config_oversized_is_refused(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from authmd_cli.core.files import MAX_SMALL_FILE

    monkeypatch.chdir(tmp_path)
    with open("authmd.yaml", "wb") as fh:
        fh.truncate(MAX_SMALL_FILE + 1)
    result = runner.invoke(app, ["init", "--config", "authmd.yaml"])
    assert result.exit_code == 2, result.output
    assert "larger than" in result.output
    assert sorted(os.listdir()) == ["authmd.yaml"]


# ---------------------------------------------------------------- symlinks are written through


@pytest.mark.skipif(os.name != "posix", reason="symlinks and modes")
def test_fix_writes_through_a_symlinked_auth_md(runner: CliRunner, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("real").mkdir()
    target = Path("real/auth.md")
    target.write_text(FIXABLE, encoding="utf-8")
    target.chmod(0o640)
    Path("site").mkdir()
    Path("site/auth.md").symlink_to("../real/auth.md")
    result = _lint(runner, "--fix", "site/auth.md", "--select", "MD005")
    assert "fixed 1 finding(s)" in result.output, result.output
    assert Path("site/auth.md").is_symlink()
    assert os.readlink("site/auth.md") == "../real/auth.md"
    fixed = target.read_text(encoding="utf-8")
    assert fixed != FIXABLE
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(os.listdir("site")) == ["auth.md"] and sorted(os.listdir("real")) == ["auth.md"]



def test_well_known_backup_file_alone_is_not_a_site(runner: CliRunner, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("e/.well-known").mkdir(parents=True)
    Path("e/.well-known/oauth-protected-resource.bak").write_text(BROKEN_PRM, encoding="utf-8")
    result = _lint(runner, "e", "--strict")
    assert result.exit_code == 2, result.output
    assert "no auth.md or discovery documents found" in result.output


@pytest.mark.skipif(os.name != "posix", reason="symlinks and modes")
def test_migrate_yes_writes_through_a_symlinked_auth_md(runner: CliRunner, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    legacy = (Path(__file__).resolve().parents[1] / "fixtures" / "profiles" / "v0.3" / "auth.md").read_text(
        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    Path("real").mkdir()
    Path("site").mkdir()
    Path("real/auth.md").write_text(legacy, encoding="utf-8")
    Path("real/auth.md").chmod(0o640)
    Path("site/auth.md").symlink_to("../real/auth.md")
    result = runner.invoke(app, ["migrate", "site", "--to", "v0.7-B", "--yes"])
    assert result.exit_code == 0, result.output
    assert Path("site/auth.md").is_symlink()
    assert Path("real/auth.md").read_text(encoding="utf-8") != legacy
    assert Path("real/auth.md").stat().st_mode & 0o777 == 0o640


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_update_baseline_writes_through_a_symlinked_baseline(runner: CliRunner, fixable: Path) -> None:
    Path("shared").mkdir()
    assert _lint(runner, "auth.md", "--baseline", "shared/bl.json").exit_code == 0
    Path("bl.json").symlink_to("shared/bl.json")
    Path("auth.md").write_text("# auth.md\n\nHello.\n", encoding="utf-8")
    before = Path("shared/bl.json").read_text(encoding="utf-8")
    result = _lint(runner, "auth.md", "--baseline", "bl.json", "--update-baseline")
    assert result.exit_code == 0, result.output
    assert Path("bl.json").is_symlink()
    assert Path("shared/bl.json").read_text(encoding="utf-8") != before


@pytest.mark.skipif(os.name != "posix", reason="non-UTF-8 file names are a POSIX thing")
def test_baseline_round_trips_a_non_utf8_file_name(runner: CliRunner, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    name = os.fsdecode(b"caf\xe9")
    try:
        Path(name).mkdir()
    except (UnicodeEncodeError, OSError):
        pytest.skip("the file system refuses non-UTF-8 names")
    (Path(name) / "auth.md").write_text(AUTH_MD, encoding="utf-8")
    first = _lint(runner, name, "--select", "TL004", "--baseline", "bl.json")
    assert first.exit_code == 0, first.output
    again = _lint(runner, name, "--select", "TL004", "--baseline", "bl.json")
    assert again.exit_code == 0, again.output
    assert "1 known finding(s)" in again.output


def test_a_report_that_fails_to_render_leaves_the_old_output_file(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import authmd_cli.render as render_pkg

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(render_pkg, "render", broken)
    prm = tmp_path / "prm.json"
    prm.write_text(GOOD_PRM)
    out = tmp_path / "report.json"
    out.write_text("yesterday's report\n")
    result = _lint(CliRunner(), str(prm), "-f", "json", "-o", str(out))
    assert result.exit_code != 0
    assert out.read_text() == "yesterday's report\n"  # the file is opened only once the text exists
