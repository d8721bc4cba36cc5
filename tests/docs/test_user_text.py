"""What users read cites what users can read: docs/protocol.md and RFCs, never the internal digest
(`SPEC §…`, `IN-THE-WILD …`), and every docs/protocol.md citation names a section that exists."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from authmd_cli.cli.app import app
from authmd_cli.core.citations import to_user

REPO = Path(__file__).resolve().parents[2]
PROTOCOL = (REPO / "docs" / "protocol.md").read_text(encoding="utf-8")
INTERNAL = re.compile(r"\bSPEC\b|IN-THE-WILD")
_CITE = re.compile(r"docs/protocol\.md((?:[ ,/\-]+(?:§\d+(?:\.\d+)?|D\d+|P\d+)\b)+)")


def _sections() -> set[str]:
    found = set()
    for m in re.finditer(r"^##+ (\d+(?:\.\d+)?)\.? ", PROTOCOL, re.M):
        found.add("§" + m.group(1))
    found |= set(re.findall(r"^- \*\*(D\d+|P\d+) ", PROTOCOL, re.M))
    return found


SECTIONS = _sections()


def _check(text: str, where: str) -> None:
    bad = INTERNAL.search(text)
    assert bad is None, f"{where}: cites the internal digest: …{text[max(0, bad.start() - 60):bad.end() + 40]}…"
    for m in _CITE.finditer(text):
        for ref in re.findall(r"§\d+(?:\.\d+)?|D\d+|P\d+", m.group(1)):
            assert ref in SECTIONS, f"{where}: docs/protocol.md has no {ref} (cited as {m.group(0)!r})"


def test_protocol_md_has_every_numbered_part() -> None:
    assert {f"D{i}" for i in range(1, 31)} <= SECTIONS
    assert {f"P{i}" for i in range(1, 16)} <= SECTIONS
    assert {"§1.2", "§6.5", "§11.2", "§14", "§16"} <= SECTIONS


def test_rule_documentation() -> None:
    from authmd_cli.lint.rules import REGISTRY
    from authmd_cli.lint.rules.reference import explain_dict, explain_text, list_text

    for code, rule in REGISTRY.items():
        _check(explain_text(rule), f"--explain {code}")
        _check(json.dumps(explain_dict(rule), ensure_ascii=False), f"--explain {code} --format json")
    _check(list_text(REGISTRY.values()), "--list-rules")


def _inputs() -> Iterator[Path]:
    for base in (REPO / "tests" / "fixtures", REPO / "examples"):
        yield from (p for p in sorted(base.rglob("*")) if p.is_file() and p.suffix != ".yaml")


def test_messages_and_hints_on_every_fixture() -> None:
    from authmd_cli.lint.engine import LintOptions, lint_paths

    paths = [str(p) for p in _inputs()]
    assert len(paths) > 20
    for profile in (None, "latest", "v0.4", "no-registration"):
        report = lint_paths(paths, LintOptions(profile=profile))
        assert report.diagnostics
        for d in report.diagnostics:
            _check(f"{d.message}\n{d.hint or ''}", f"{d.location.source}: {d.code} (profile {profile})")


@pytest.mark.parametrize("schema", sorted((REPO / "schemas").glob("*.json")), ids=lambda p: p.name)
def test_schema_descriptions(schema: Path) -> None:
    _check(schema.read_text(encoding="utf-8"), f"schemas/{schema.name}")


def test_help_of_every_command() -> None:
    runner = CliRunner()

    def walk(cmd: object, path: list[str]) -> Iterator[list[str]]:
        yield path
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            yield from walk(sub, [*path, name])

    for path in walk(typer.main.get_command(app), []):
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0
        _check(result.stdout, f"authmd {' '.join(path)} --help")


@pytest.mark.parametrize("doc", ["README.md", "CHANGELOG.md", "docs/rules.md", "docs/protocol.md",
                                 "docs/sandbox.md"])
def test_user_documents(doc: str) -> None:
    _check((REPO / doc).read_text(encoding="utf-8"), doc)


@pytest.mark.parametrize("profile", ["v0.7-B", "v0.7-A", "v0.6", "no-registration"])
def test_generated_sites(profile: str) -> None:
    from authmd_cli.site.config import load_config_file
    from authmd_cli.site.generate import render_site

    for name, text in render_site(load_config_file(REPO / "examples" / "authmd.yaml", profile=profile)).items():
        _check(text, f"init --profile {profile}: {name}")


def test_the_citation_rewriter() -> None:
    assert to_user("(SPEC §3.3, §14 D12; IN-THE-WILD P5)") == "(docs/protocol.md §3.3, D12, P5)"
    assert to_user("SPEC §12-A item 3") == "docs/protocol.md D5"
    assert to_user("IN-THE-WILD §3, P11") == "docs/protocol.md §16, P11"
    assert to_user("see SPEC\n    §6.1") == "see docs/protocol.md\n    §6.1"  # wrapped text stays wrapped
    assert to_user("RFC 8414 §3.3") == "RFC 8414 §3.3"


def _config_keys() -> set[str]:
    keys: set[str] = set()
    for name in ("lint-config.schema.json", "config.schema.json"):
        schema = json.loads((REPO / "schemas" / name).read_text(encoding="utf-8"))
        keys |= set(schema["properties"])
    return keys


@pytest.mark.parametrize("doc", ["README.md", "docs/rules.md", "docs/sandbox.md", "docs/contributing.md"])
def test_config_keys_named_in_docs_exist(doc: str) -> None:
    """`key: value` snippets on a line that talks about a config file name keys the schemas define."""
    keys = _config_keys()
    for number, line in enumerate((REPO / doc).read_text(encoding="utf-8").splitlines(), 1):
        if not re.search(r"config|\.authmd\.ya?ml|authmd\.yaml|pyproject", line):
            continue
        for key in re.findall(r"`([a-z][a-z_-]*): [^`]*`", line):
            assert key in keys, f"{doc}:{number}: `{key}:` is not a config key ({', '.join(sorted(keys))})"
