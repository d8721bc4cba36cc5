"""A `\\ud800` escape in a double-quoted YAML string is no Unicode character and cannot be written
as UTF-8: the config loader refuses it at file:line:col, so init (also --dry-run) and serve stop
before writing or binding anything instead of crashing half-way through a site."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from init_inputs import EXAMPLE
from typer.testing import CliRunner

from authmd_cli.cli.app import app
from authmd_cli.core.errors import ConfigError
from authmd_cli.site.config import load_config


def _config(tmp_path: Path, name: str) -> Path:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("  name: "))
    lines[at] = f"  name: {name}\n"
    path = tmp_path / "sur.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("args", [[], ["--dry-run"]], ids=["write", "dry-run"])
def test_init_refuses_a_lone_surrogate_before_writing(tmp_path: Path, args: list[str]) -> None:
    cfg = _config(tmp_path, '"Bad \\ud800 Name"')
    line = next(n for n, text in enumerate(cfg.read_text(encoding="utf-8").splitlines(), 1) if "Bad" in text)
    res = CliRunner().invoke(app, ["init", "-c", str(cfg), "--out", str(tmp_path / "osur"), *args])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1, res.output
    assert f"{cfg}:{line}:9: the string holds a lone surrogate (\\ud800)" in res.stderr
    assert not (tmp_path / "osur").exists()


def test_serve_refuses_a_lone_surrogate(tmp_path: Path) -> None:
    cfg = _config(tmp_path, '"Bad \\udfff Name"')
    res = CliRunner().invoke(app, ["serve", "-c", str(cfg), "--port", "0", "--db", str(tmp_path / "s.db")])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1, res.output
    assert "lone surrogate (\\udfff)" in res.stderr and "Traceback" not in res.output


def test_an_escaped_utf16_pair_names_the_yaml_escape_to_use(tmp_path: Path) -> None:
    cfg = _config(tmp_path, '"Smile \\ud83d\\ude00"')
    with pytest.raises(ConfigError, match=r"surrogate pair .*write \\U0001f600"):
        load_config(cfg.read_text(encoding="utf-8"), str(cfg))
    ok = _config(tmp_path, '"Smile \\U0001F600"')
    assert load_config(ok.read_text(encoding="utf-8"), str(ok)).service.name == "Smile \U0001f600"


@given(st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3))
def test_any_surrogate_escape_in_a_key_or_value_is_refused(halves: str) -> None:
    escaped = "".join(f"\\u{ord(c):04x}" for c in halves)
    for text in (f'service:\n  name: "x{escaped}"\n', f'"k{escaped}": 1\n'):
        with pytest.raises(ConfigError, match="surrogate"):
            load_config(text, "c.yaml")
