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
