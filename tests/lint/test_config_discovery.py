"""Config discovery: upward from the directory given, nearest wins, --config / --no-config."""

from __future__ import annotations

from pathlib import Path

import pytest

from authmd_cli.core.errors import ConfigError, UsageError
from authmd_cli.lint.config import Overrides, find_config, resolve_settings


def _tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_finds_config_in_an_ancestor(tmp_path: Path) -> None:
    _tree(tmp_path, {"proj/.authmd.yaml": "strict: true\n", "proj/a/b/c/x.md": ""})
    assert find_config(tmp_path / "proj/a/b/c") == (tmp_path / "proj/.authmd.yaml").resolve()


def test_nearest_directory_wins(tmp_path: Path) -> None:
    _tree(tmp_path, {
        "proj/.authmd.yaml": "strict: true\n",
        "proj/sub/pyproject.toml": "[tool.authmd]\nstrict = false\n",
        "proj/sub/deeper/.keep": "",
    })
    assert find_config(tmp_path / "proj/sub/deeper") == (tmp_path / "proj/sub/pyproject.toml").resolve()
    settings = resolve_settings(tmp_path / "proj/sub/deeper")
    assert settings.strict is False
    assert settings.config_path is not None and settings.config_path.name == "pyproject.toml"


def test_pyproject_without_tool_table_is_skipped(tmp_path: Path) -> None:
    _tree(tmp_path, {
        "proj/.authmd.yml": "format: json\n",
        "proj/sub/pyproject.toml": "[project]\nname = 'x'\n[tool.ruff]\nline-length = 100\n",
    })
    assert find_config(tmp_path / "proj/sub") == (tmp_path / "proj/.authmd.yml").resolve()
    assert resolve_settings(tmp_path / "proj/sub").format == "json"


def test_same_directory_order_yaml_then_yml_then_pyproject(tmp_path: Path) -> None:
    _tree(tmp_path, {
        ".authmd.yaml": "format: json\n",
        ".authmd.yml": "format: sarif\n",
        "pyproject.toml": "[tool.authmd]\nformat = 'github'\n",
    })
    assert find_config(tmp_path) == (tmp_path / ".authmd.yaml").resolve()
    (tmp_path / ".authmd.yaml").unlink()
    assert find_config(tmp_path) == (tmp_path / ".authmd.yml").resolve()
    (tmp_path / ".authmd.yml").unlink()
    assert find_config(tmp_path) == (tmp_path / "pyproject.toml").resolve()
    assert resolve_settings(tmp_path).format == "github"


def test_broken_pyproject_with_our_table_is_reported_not_skipped(tmp_path: Path) -> None:
    _tree(tmp_path, {"pyproject.toml": "[tool.authmd]\nstrict = \n"})
    with pytest.raises(ConfigError) as info:
        resolve_settings(tmp_path)
    assert (info.value.line, info.value.column) == (2, 10)


def test_no_config_means_defaults(tmp_path: Path) -> None:
    _tree(tmp_path, {".authmd.yaml": "strict: true\nformat: json\nselect: [TL004]\n"})
    settings = resolve_settings(tmp_path, isolated=True)
    assert settings.strict is False
    assert settings.format is None
    assert settings.options.select == ()
    assert settings.config_path is None


def test_explicit_config_replaces_discovery(tmp_path: Path) -> None:
    _tree(tmp_path, {".authmd.yaml": "format: json\n", "ci/lint.yaml": "format: sarif\n"})
    assert resolve_settings(tmp_path, config=Path("ci/lint.yaml")).format == "sarif"
    assert resolve_settings(tmp_path, config=tmp_path / "ci/lint.yaml").format == "sarif"


def test_explicit_standalone_toml_uses_its_top_level(tmp_path: Path) -> None:
    _tree(tmp_path, {"authmd.toml": "format = 'json'\nstrict = true\n"})
    settings = resolve_settings(tmp_path, config=Path("authmd.toml"))
    assert (settings.format, settings.strict) == ("json", True)


def test_explicit_missing_config_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_settings(tmp_path, config=Path("nope.yaml"))
    assert info.value.source == "nope.yaml"


def test_config_and_no_config_conflict(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        resolve_settings(tmp_path, config=Path("x.yaml"), isolated=True)


def test_non_utf8_config_is_a_config_error_with_position(tmp_path: Path) -> None:
    (tmp_path / ".authmd.yaml").write_bytes(b"strict: true\nformat: \xff\n")
    with pytest.raises(ConfigError) as info:
        resolve_settings(tmp_path)
    assert (info.value.line, info.value.column) == (2, 9)
    assert str(info.value).startswith(".authmd.yaml:2:9: ")


def test_flags_apply_without_any_file(tmp_path: Path) -> None:
    settings = resolve_settings(tmp_path, isolated=True, overrides=Overrides(strict=True, format="json"))
    assert (settings.strict, settings.format) == (True, "json")
