"""A bad config is ONE ConfigError `path:line:col: message`, positioned at the offending node."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from authmd_cli.core.errors import ConfigError
from authmd_cli.lint.config import parse_config, schema_path
from authmd_cli.protocol import profiles
from authmd_cli.protocol.schemas import load_schema


def _error(text: str, kind: str = "yaml") -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "cfg.yaml", kind=kind)
    err = info.value
    assert "\n" not in str(err)
    return err


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("profile: v0.6\nselect: [TL001\n", 3, 1),  # unclosed flow sequence: error at stream end
        ("\tprofile: v0.6\n", 1, 1),  # a tab cannot start a token
        ("strict: true\nstrict: false\n", 2, 1),  # duplicate key
    ],
)
def test_yaml_syntax_errors_have_positions(text: str, line: int, column: int) -> None:
    err = _error(text)
    assert (err.source, err.line, err.column) == ("cfg.yaml", line, column)
    assert str(err).startswith(f"cfg.yaml:{line}:{column}: ")


def test_unknown_key_points_at_the_key_with_suggestion() -> None:
    err = _error("profile: v0.6\nselct: [TL001]\n")
    assert (err.line, err.column) == (2, 1)
    assert "'selct'" in str(err) and "did you mean 'select'" in str(err)


def test_bad_severity_value_points_at_the_value() -> None:
    err = _error("severity:\n  TL003: fatal\n")
    assert (err.line, err.column) == (2, 10)
    assert '"fatal"' in str(err)  # values are quoted as JSON (display.show_value), as in authmd.yaml errors


def test_unknown_rule_name_in_select_suggests_the_real_one() -> None:
    err = _error("select:\n  - TL003\n  - invalid-directiv\n")
    assert (err.line, err.column) == (3, 5)
    assert "did you mean 'invalid-directive'" in str(err)


def test_unknown_rule_code_in_ignore() -> None:
    err = _error("ignore: [TL003, TL999]\n")
    assert (err.line, err.column) == (1, 17)
    assert "'TL999'" in str(err)


def test_unknown_rule_in_severity_points_at_the_key() -> None:
    err = _error("severity:\n  TL001: info\n  unused-directiv: warning\n")
    assert (err.line, err.column) == (3, 3)
    assert "did you mean 'unused-directive'" in str(err)


def test_unknown_rule_in_per_file_ignores() -> None:
    err = _error("per-file-ignores:\n  'docs/*.md': [TL003, unknown-documnt]\n")
    assert (err.line, err.column) == (2, 24)
    assert "did you mean 'unknown-document'" in str(err)


def test_unknown_profile_lists_the_profiles() -> None:
    err = _error("profile: v0.7-b\n")
    assert (err.line, err.column) == (1, 10)
    for label in profiles.ALL_LABELS:
        assert label in str(err)
    assert "did you mean 'v0.7-B'" in str(err)


def test_wrong_type() -> None:
    err = _error("strict: 'yes please'\n")
    assert (err.line, err.column) == (1, 9)


def test_root_must_be_a_mapping() -> None:
    err = _error("- a\n- b\n")
    assert (err.line, err.column) == (1, 1)


def test_bad_extension_key() -> None:
    err = _error("extension-keys: [rekey_uri, 'has space']\n")
    assert (err.line, err.column) == (1, 29)


def test_yaml_off_means_severity_off() -> None:
    loaded = parse_config("severity:\n  TL003: off\n", "cfg.yaml", kind="yaml")
    assert loaded.data["severity"] == {"TL003": "off"}


def test_empty_yaml_is_an_empty_config() -> None:
    assert parse_config("", "cfg.yaml", kind="yaml").data == {}
    assert parse_config("# nothing yet\n", "cfg.yaml", kind="yaml").data == {}


def test_yaml_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]
    err = _error("\n".join(lines) + "\n")
    assert err.line is not None


def test_recursive_yaml_alias_is_refused_not_a_hang() -> None:
    # `a: &a [*a]` once made every `authmd lint` below such a .authmd.yaml hang forever.
    err = _error("ignore: &a [MD001, *a]\n")
    assert (err.line, err.column) == (1, 20) and "recursive YAML alias" in str(err)


# ------------------------------------------------------------------ TOML


def test_pyproject_schema_error_names_the_key_path_and_line() -> None:
    text = "[project]\nname = 'x'\n\n[tool.authmd]\nprofile = 'v0.6'\nseverity = { TL003 = 'fatal' }\n"
    err = _error(text, kind="pyproject")
    assert (err.line, err.column) == (6, 14)
    assert "tool.authmd.severity.TL003" in str(err)


def test_pyproject_sub_table() -> None:
    err = _error("[tool.authmd.severity]\nTL003 = 'fatal'\n", kind="pyproject")
    assert (err.line, err.column) == (2, 1)


def test_pyproject_unknown_rule_in_array() -> None:
    err = _error("[tool.authmd]\nselect = ['TL003', 'unused-directiv']\n", kind="pyproject")
    assert (err.line, err.column) == (2, 20)
    assert "did you mean 'unused-directive'" in str(err)


def test_toml_syntax_error_has_position() -> None:
    err = _error("[tool.authmd]\nprofile = \n", kind="pyproject")
    assert (err.line, err.column) == (2, 11)


def test_pyproject_without_table() -> None:
    err = _error("[tool.other]\nx = 1\n", kind="pyproject")
    assert "[tool.authmd]" in str(err)


def test_valid_pyproject_table() -> None:
    loaded = parse_config("[tool.authmd]\nprofile = 'v0.6'\nignore = ['TL003']\n", "pyproject.toml",
                          kind="pyproject")
    assert loaded.data == {"profile": "v0.6", "ignore": ["TL003"]}


# ------------------------------------------------------------------ the bundled schema


def test_schema_is_draft_2020_12_with_id() -> None:
    from jsonschema import Draft202012Validator

    schema = load_schema("lint-config")
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://authmd.dev/schemas/lint-config.schema.json"


def test_schema_profile_enum_matches_the_profile_table() -> None:
    schema = load_schema("lint-config")
    assert set(schema["properties"]["profile"]["enum"]) == {*profiles.ALL_LABELS, "latest"}


def test_schema_format_enum_matches_the_renderers() -> None:
    from authmd_cli.render import FORMATS

    schema = load_schema("lint-config")
    assert tuple(schema["properties"]["format"]["enum"]) == FORMATS


def test_schema_lives_in_the_top_level_schemas_dir() -> None:
    assert schema_path().parent.name == "schemas"
    assert Path(schema_path()).is_file()
    assert json.loads(schema_path().read_text(encoding="utf-8")) == load_schema("lint-config")
