"""`authmd migrate --to v0.7-B`: renames per the rename map, drops equal aliases, reports conflicting
ones, keeps layout, is idempotent, and the migrated metadata has no legacy findings left."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from authmd_cli.cli.app import app
from authmd_cli.lint.engine import LintOptions, lint_documents
from authmd_cli.lint.loader import load_document
from authmd_cli.lint.migrate import check_target, draft_config, migrate_as_metadata, migrate_auth_md
from authmd_cli.protocol.profiles import CLAIM_GRANT_URN, ID_JAG_URN, JWT_BEARER_URN

REPO = Path(__file__).resolve().parents[2]
AS = "https://auth.quillnote.io"


def _legacy_codes(text: str) -> list[str]:
    doc = load_document("as.json", text)
    report = lint_documents([doc], [], LintOptions(profile="v0.7-B"))
    return sorted(d.code for d in report.diagnostics if d.code.startswith("GN") or d.code in ("DS009",))


def test_v0_1_metadata() -> None:
    text = (REPO / "tests" / "fixtures" / "json" / "v0.1" / "as.json").read_text(encoding="utf-8")
    result = migrate_as_metadata(text)
    block = json.loads(result.text)["agent_auth"]
    assert list(block) == ["skill", "identity_endpoint", "claim_endpoint", "events_endpoint",
                           "identity_types_supported", "identity_assertion", "events_supported"]  # order kept
    assert block["identity_endpoint"] == "https://auth.service.example.com/agent/identity"
    assert block["events_endpoint"] == "https://auth.service.example.com/agent/event/notify"
    assert block["identity_types_supported"] == ["anonymous", "identity_assertion", "service_auth"]
    assert '"identity_types_supported": ["anonymous", "identity_assertion", "service_auth"],' in result.text
    assert result.notes == ["add issuer, token_endpoint, grant_types_supported (RFC 8414; docs/protocol.md §5.2): "
                            "authmd cannot know their values"]
    assert _legacy_codes(result.text) == []
    assert migrate_as_metadata(result.text).text == result.text


def test_an_alias_naming_another_url_is_reported_not_guessed() -> None:
    text = json.dumps({"issuer": AS, "agent_auth": {"register_uri": f"{AS}/agent/auth",
                                                    "identity_endpoint": f"{AS}/v2/register-agent"}}, indent=2)
    result = migrate_as_metadata(text)
    assert json.loads(result.text) == json.loads(text)
    assert len(result.notes) == 2 and "name different URLs" in result.notes[0]


def test_an_alias_equal_to_its_successor_is_dropped() -> None:
    text = json.dumps({"agent_auth": {"claim_uri": "https://AUTH.quillnote.io/agent/identity/claim",
                                      "claim_endpoint": f"{AS}/agent/identity/claim"}})
    result = migrate_as_metadata(text)
    assert json.loads(result.text)["agent_auth"] == {"claim_endpoint": f"{AS}/agent/identity/claim"}
    assert result.text.count("\n") == 1  # written on one line, kept on one line


def test_only_v0_7_b_is_a_document_target() -> None:
    assert check_target("latest") == "v0.7-B"
    with pytest.raises(ValueError, match="not supported"):
        check_target("v0.6")


_OLD = [("register_uri", "identity_endpoint", "/agent/auth", "/agent/identity"),
        ("claim_uri", "claim_endpoint", "/agent/auth/claim", "/agent/identity/claim"),
        ("revocation_uri", "events_endpoint", "/agent/auth/revoke", "/agent/event/notify")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(old=st.lists(st.sampled_from(range(3)), unique=True, min_size=1),
       successor=st.sampled_from(["absent", "equal", "other"]),
       verified_email=st.booleans(), claim_grant=st.booleans(), credential_types=st.booleans(),
       indent=st.sampled_from([None, 2, 4]))
def test_migrated_metadata_has_no_legacy_findings(  # noqa: PLR0917 - hypothesis passes them by keyword
        old: list[int], successor: str, verified_email: bool,
                                                  claim_grant: bool, credential_types: bool,
                                                  indent: int | None) -> None:
    block: dict[str, object] = {"skill": "https://quillnote.io/auth.md"}
    for i in old:
        old_key, new_key, old_path, new_path = _OLD[i]
        block[old_key] = AS + old_path
        if successor != "absent":
            block[new_key] = AS + (old_path if successor == "equal" else "/elsewhere" + new_path)
    block["identity_types_supported"] = ["anonymous", "identity_assertion"]
    block["identity_assertion"] = {"assertion_types_supported": [ID_JAG_URN, *(["verified_email"] if verified_email
                                                                                else [])]}
    if credential_types:
        block["anonymous"] = {"credential_types_supported": ["api_key"]}
    doc = {"issuer": AS, "token_endpoint": AS + "/oauth2/token",
           "grant_types_supported": [JWT_BEARER_URN, *([CLAIM_GRANT_URN] if claim_grant else [])],
           "agent_auth": block}
    text = json.dumps(doc, indent=indent) + "\n"
    result = migrate_as_metadata(text)
    migrated = json.loads(result.text)
    assert migrate_as_metadata(result.text).text == result.text  # a second run changes nothing
    if successor == "other":  # conflicting aliases stay, reported
        assert all(_OLD[i][0] in migrated["agent_auth"] for i in old)
        assert len(result.notes) == len(old)
        return
    assert result.notes == []
    for i in old:
        old_key, new_key, _, new_path = _OLD[i]
        assert old_key not in migrated["agent_auth"]
        assert migrated["agent_auth"][new_key] == AS + new_path  # legacy paths follow the rename map too
    assert _legacy_codes(result.text) == []


def test_auth_md_renames_only_inside_code_and_the_errors_table() -> None:
    text = (REPO / "tests" / "fixtures" / "profiles" / "v0.1" / "auth.md").read_text(encoding="utf-8")
    result = migrate_auth_md(text)
    before, after = text.splitlines(), result.text.splitlines()
    assert len(before) == len(after)
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert ("POST /agent/auth HTTP/1.1", "POST /agent/identity HTTP/1.1") in changed
    assert any("`rate_limit_exceeded`" in a for _, a in changed)
    assert all(b.startswith(("|", " ", '"', "POST", "GET", "{")) or "/agent/" in b for b, _ in changed)
    assert "/agent/auth" not in "\n".join(a for _, a in changed)
    assert len(result.notes) == 1 and "flat response envelope" in result.notes[0]
    assert migrate_auth_md(result.text).text == result.text


@pytest.fixture
def legacy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(REPO / "examples" / "legacy-site", tmp_path / "site")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "site"


def test_cli_diff_then_write(legacy: Path) -> None:
    runner = CliRunner()
    before = {p: p.read_bytes() for p in legacy.rglob("*") if p.is_file()}
    preview = runner.invoke(app, ["migrate", "site", "--diff"])
    assert preview.exit_code == 1 and "+| `rate_limit_exceeded` |" in preview.stdout
    refused = runner.invoke(app, ["migrate", "site"])  # not a terminal, no --yes: nothing written
    assert refused.exit_code == 1 and "not written" in refused.stderr
    assert {p: p.read_bytes() for p in legacy.rglob("*") if p.is_file()} == before
    done = runner.invoke(app, ["migrate", "site", "--yes"])
    assert done.exit_code == 0 and "migrated site/.well-known/oauth-authorization-server" in done.stdout
    again = runner.invoke(app, ["migrate", "site", "--diff"])
    assert again.exit_code == 0 and "nothing to migrate" in again.stderr


def test_cli_migrates_an_authmd_yaml_and_regenerates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = (REPO / "examples" / "authmd.yaml").read_text(encoding="utf-8")
    (tmp_path / "authmd.yaml").write_text(text.replace("profile: v0.7-B", "profile: v0.7-A                 # polling"),
                                          encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--config", "authmd.yaml", "--out", "site"]).exit_code == 0
    result = runner.invoke(app, ["migrate", "authmd.yaml", "--to", "latest", "--out", "site", "--yes"])
    assert result.exit_code == 0, result.output
    assert "profile: v0.7-B                 # polling" in (tmp_path / "authmd.yaml").read_text(encoding="utf-8")
    assert "updated site/auth.md" in result.stdout
    check = runner.invoke(app, ["init", "--config", "authmd.yaml", "--out", "site", "--check"])
    assert check.exit_code == 0
    bad = runner.invoke(app, ["migrate", "authmd.yaml", "--to", "v0.3"])
    assert bad.exit_code == 2 and "--to:" in bad.stderr


_PRM = {"resource": "https://api.quillnote.io", "resource_name": "Quillnote",
        "authorization_servers": ["https://auth.quillnote.io"], "scopes_supported": ["notes.read", "notes.write"]}


_LEGACY_AS = [*sorted((REPO / "tests" / "fixtures" / "json").glob("*/as*.json")),
              REPO / "examples" / "legacy-site" / ".well-known" / "oauth-authorization-server"]


@pytest.mark.parametrize("as_file", _LEGACY_AS, ids=lambda p: p.parent.name)
def test_a_draft_config_from_legacy_metadata_generates_a_clean_site(as_file: Path, tmp_path: Path) -> None:
    """The migration's end point: draft authmd.yaml → `authmd init` → a site that lints clean as v0.7-B."""
    from authmd_cli.lint.engine import lint_paths
    from authmd_cli.site.config import load_config
    from authmd_cli.site.generate import render_site

    migrated = json.loads(migrate_as_metadata(as_file.read_text(encoding="utf-8")).text)
    text, todo = draft_config(_PRM, migrated)
    assert "service.description" in todo
    cfg = load_config(text, "authmd.yaml")
    assert cfg.profile == "v0.7-B"
    for name, body in render_site(cfg).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(body, encoding="utf-8")
    report = lint_paths([str(tmp_path)], LintOptions(profile="v0.7-B", ignore=("MD012",)))  # fixtures' example hosts
    assert len(report.documents) == 3
    assert [d.code for d in report.diagnostics if d.severity.value != "info"] == []


def test_cli_draft_config_never_overwrites(legacy: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["migrate", "site", "--yes", "--draft-config", "authmd.yaml"])
    assert "wrote authmd.yaml" in first.stdout and (legacy.parent / "authmd.yaml").is_file()
    assert runner.invoke(app, ["init", "--config", "authmd.yaml", "--out", "new"]).exit_code == 0
    again = runner.invoke(app, ["migrate", "site", "--diff", "--draft-config", "authmd.yaml"])
    assert again.exit_code == 2 and "not overwriting" in again.stderr


def test_metadata_line_endings_and_bom_are_kept() -> None:
    text = "\ufeff" + json.dumps({"agent_auth": {"register_uri": f"{AS}/agent/auth"}}, indent=2).replace(
        "\n", "\r\n") + "\r\n"
    result = migrate_as_metadata(text)
    assert result.text.startswith("\ufeff{\r\n") and result.text.endswith("}\r\n")
    assert "\n" not in result.text.replace("\r\n", "")
    assert json.loads(result.text[1:])["agent_auth"] == {"identity_endpoint": f"{AS}/agent/identity"}
    assert migrate_as_metadata("{not json").text == "{not json"


def test_error_codes_follow_the_rename_map_to_their_newest_name() -> None:
    table = ("## Errors\n\n| Code | Where | What to do |\n| --- | --- | --- |\n"
             "| `verified_email_not_enabled` | register | Use another method. |\n"
             "| `issuer_not_enabled` | register | Pick another provider. |\n")
    result = migrate_auth_md(table)
    assert "| `service_auth_registration_disabled` | register |" in result.text
    assert "| `issuer_not_enabled` |" in result.text  # unchanged in every profile
    prose = "The `rate_limited` code is old.\n"
    assert migrate_auth_md(prose).text == prose  # prose outside code and tables is the author's


def test_a_legacy_row_whose_new_code_the_table_lists_is_removed_not_duplicated() -> None:
    table = ("## Errors\n\n| Code | Where | What to do |\n| --- | --- | --- |\n"
             "| `rate_limited` | any | Wait and retry. |\n"
             "| `rate_limit_exceeded` | any | Wait for Retry-After. |\n"
             "| `verified_email_not_enabled` | register | Use another method. |\n"
             "| `service_auth_not_enabled` | register | Use another method too. |\n")
    result = migrate_auth_md(table)
    rows = [line for line in result.text.splitlines() if line.startswith("| `")]
    assert rows == ["| `rate_limit_exceeded` | any | Wait for Retry-After. |",
                    "| `service_auth_registration_disabled` | register | Use another method. |"]
    assert any("line 5: legacy row removed" in c for c in result.changes)
    assert any("removed the legacy row(s) at line(s) 5, 8" in n for n in result.notes)
    assert migrate_auth_md(result.text).text == result.text  # a second run changes nothing
