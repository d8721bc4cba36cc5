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
