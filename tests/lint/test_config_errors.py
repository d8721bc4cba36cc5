"""config_errors: one wording and one positioning of schema errors for both config files."""

from __future__ import annotations

import pytest

from authmd_cli.core.config_errors import (
    MAX_LISTED,
    Problem,
    describe,
    dotted,
    first_error,
    mapping_problem,
    problem,
)
from authmd_cli.core.errors import ConfigError
from authmd_cli.core.yamlsafe import load_yaml
from authmd_cli.lint.config import parse_config
from authmd_cli.protocol.schemas import validator
from authmd_cli.site.config import load_config

# A valid authmd.yaml in one line per section (flow style), to add one mistake to.
MINIMAL = ("service: {name: Fernpost}\nresource_server: {resource: 'https://api.example.net'}\n"
           "authorization_server: {issuer: 'https://auth.example.net'}\nscopes: [{name: read, description: Read.}]\n")


def _lint_error(text: str, kind: str = "yaml") -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "cfg.yaml", kind=kind)
    return info.value


def _service_error(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(text, "authmd.yaml")
    return info.value


@pytest.mark.parametrize(("lint_text", "service_text", "same"), [
    ("strict: maybe\n", MINIMAL + "events: maybe\n", ": expected true or false, got a string "),
    ("profile: v0.0\n", "profile: v0.0\n" + MINIMAL, ": expected one of: "),
    ("selct: []\n", MINIMAL + "evnts: true\n", "unknown key "),
    ("- a\n", "- a\n", "the config must be a mapping, got a list"),
])
def test_the_same_mistake_reads_the_same_in_both_configs(lint_text: str, service_text: str, same: str) -> None:
    assert same in str(_lint_error(lint_text))
    assert same in str(_service_error(service_text))


def test_every_problem_is_listed_in_file_order_each_with_its_position() -> None:
    # The validator reports `strict` and `format` before the unknown key; the file order wins.
    err = _lint_error("selct: 1\nstrict: 2\nformat: xml\nselect: [no-such-rule]\n")
    assert (err.line, err.column) == (1, 1)
    assert [line.split(": ")[0] for line in err.lines()] == [
        "cfg.yaml:1:1", "cfg.yaml:2:9", "cfg.yaml:3:9", "cfg.yaml:4:10"]
    assert "unknown rule 'no-such-rule'" in err.lines()[3]


def test_the_list_is_capped_with_a_count() -> None:
    text = "".join(f"k{i}: 1\n" for i in range(MAX_LISTED + 5))
    lines = _lint_error(text).lines()
    assert len(lines) == MAX_LISTED + 1
    assert lines[-1] == "cfg.yaml: and 5 more problems"
    assert lines[MAX_LISTED - 1].startswith(f"cfg.yaml:{MAX_LISTED}:1: unknown key ")


@pytest.mark.parametrize("text", ["service:\n  name: X\nresource_server: {resource: https://x.example}\n",
                                  "profile: v0.7-B\nmethods: {anonymous: true}\n"])
def test_a_service_config_given_as_lint_config_is_named_as_such(text: str) -> None:
    err = _lint_error(text)
    assert "this is a service config" in str(err) and "authmd.yaml" in str(err)
    assert err.others == ()


def test_a_lint_config_given_to_init_is_named_as_such() -> None:
    err = _service_error("# lint settings\nselect: [ALL]\nstrict: true\n")
    assert str(err).startswith("authmd.yaml:2:1: this is a lint config")


def test_one_problem_per_value() -> None:
    # "" fails both minLength and pattern of `line`: one mistake, reported once.
    err = _service_error(MINIMAL.replace("name: Fernpost", 'name: ""'))
    assert (err.line, err.column) == (1, 17)
    assert "more problem" not in str(err)


def test_a_bad_member_name_points_at_the_name() -> None:
    err = _lint_error("severity:\n  TL001: info\n  'Not A Rule': info\n")
    assert (err.line, err.column) == (3, 3)
    assert "'Not A Rule'" in str(err)


def test_toml_paths_are_named_from_the_table() -> None:
    err = _lint_error("[tool.authmd]\nstrict = 'yes'\n", kind="pyproject")
    assert (err.line, err.column) == (2, 1)
    assert str(err).startswith("cfg.yaml:2:1: tool.authmd.strict: ")


def test_pattern_errors_say_what_the_schema_title_expects() -> None:
    err = _service_error(MINIMAL.replace("https://api.example.net", "api.example.net"))
    title = validator("config").schema["$defs"]["url"]["title"]
    assert f"expected {title}, got " in str(err)


def test_describe_gives_one_problem_per_unknown_key_at_the_key() -> None:
    doc = load_yaml("service:\n  name: x\n  nmae: y\n  logo: z\nresource_server: {resource: https://x}\n", "a")
    errors = list(validator("config").iter_errors(doc.value))
    found = [p for e in errors for p in describe(e)]
    assert [(p.path, p.at_key) for p in found] == [(("service", "nmae"), True), (("service", "logo"), True)]
    assert [doc.position(p.path, key=p.at_key) for p in found] == [(3, 3), (4, 3)]


def test_problem_helpers() -> None:
    assert dotted(("a", 0, "b")) == "a[0].b"
    assert dotted(("x",), "tool.authmd") == "tool.authmd.x"
    assert dotted(()) == ""
    assert problem((), "bad") == Problem((), "bad", False)
    assert problem(("select", 1), "bad", at_key=True) == Problem(("select", 1), "select[1]: bad", True)
    assert mapping_problem({}) is None
    assert mapping_problem(None) == Problem((), "the config must be a mapping, got null")
    assert first_error([], "a", None) is None
    err = first_error([Problem(("b",), "second"), Problem(("a",), "first")], "a.yaml",
                      load_yaml("a: 1\nb: 2\n", "a.yaml"))
    assert err is not None and err.lines() == ["a.yaml:1:4: first", "a.yaml:2:4: second"]  # at the values
