"""defaults < file < flags, and how each key lands in LintOptions."""

from __future__ import annotations

import pytest

from authmd_cli.core.diagnostics import Severity
from authmd_cli.core.errors import UsageError
from authmd_cli.lint.config import LoadedConfig, Overrides, merge, parse_config
from authmd_cli.lint.engine import LintOptions
from authmd_cli.lint.rule_refs import resolve_rule_ref

FILE = """\
profile: v0.6
select: [TL, unused-directive]
ignore: [unknown-document]
severity:
  TL005: error
  invalid-directive: warning
  not-protocol: off
extension-keys: [agent_auth.rekey_uri, x_logo]
per-file-ignores:
  "legacy/*.md": [TL004, unused-directive]
strict: true
format: json
"""


def _loaded() -> LoadedConfig:
    return parse_config(FILE, ".authmd.yaml", kind="yaml")


def test_defaults() -> None:
    settings = merge(LoadedConfig(None, {}), Overrides())
    assert settings.options == LintOptions()
    assert (settings.strict, settings.format) == (False, None)


def test_file_values_land_in_options_with_names_normalised_to_codes() -> None:
    s = merge(_loaded(), Overrides())
    assert s.options.profile == "v0.6"
    assert s.options.select == ("TL", "TL005")
    assert s.options.ignore == ("TL003", "TL007")  # severity off == ignore
    assert dict(s.options.severity) == {"TL005": Severity.ERROR, "TL004": Severity.WARNING}
    assert s.options.allowed_extension_keys == ("agent_auth.rekey_uri", "x_logo")
    assert dict(s.options.per_file_ignores) == {"legacy/*.md": ("TL004", "TL005")}
    assert (s.strict, s.format) == (True, "json")


def test_flags_override_scalars() -> None:
    s = merge(_loaded(), Overrides(profile="latest", strict=False, format="sarif"))
    assert s.options.profile == "v0.7-B"  # alias resolved to the label
    assert (s.strict, s.format) == (False, "sarif")


def test_select_flag_replaces_and_beats_the_file_ignore() -> None:
    s = merge(_loaded(), Overrides(select=("unknown-document",)))
    assert s.options.select == ("TL003",)
    assert "TL003" not in s.options.ignore
    assert "TL007" in s.options.ignore


def test_ignore_flag_adds_to_the_file_list() -> None:
    s = merge(_loaded(), Overrides(ignore=("TL001", "invalid-json")))
    assert s.options.ignore == ("TL003", "TL007", "TL001", "TL002")


def test_unknown_flag_rule_is_a_usage_error_with_suggestion() -> None:
    with pytest.raises(UsageError) as info:
        merge(LoadedConfig(None, {}), Overrides(select=("invalid-jsn",)))
    assert "--select" in str(info.value) and "did you mean 'invalid-json'" in str(info.value)


def test_unknown_flag_profile_lists_profiles() -> None:
    with pytest.raises(UsageError) as info:
        merge(LoadedConfig(None, {}), Overrides(profile="v0.8"))
    assert "v0.7-B" in str(info.value) and "no-registration" in str(info.value)


def test_unknown_flag_format() -> None:
    with pytest.raises(UsageError):
        merge(LoadedConfig(None, {}), Overrides(format="xml"))


@pytest.mark.parametrize(("ref", "code"), [("TL004", "TL004"), ("tl004", "TL004"),
                                           ("invalid-directive", "TL004"), (" unused-directive ", "TL005")])
def test_resolve_rule_ref(ref: str, code: str) -> None:
    assert resolve_rule_ref(ref) == code


def test_prefix_only_where_allowed() -> None:
    assert resolve_rule_ref("tl", allow_prefix=True) == "TL"
    with pytest.raises(ValueError, match="unknown rule"):
        resolve_rule_ref("TL")
    with pytest.raises(ValueError, match="unknown rule"):
        resolve_rule_ref("ZZ", allow_prefix=True)
