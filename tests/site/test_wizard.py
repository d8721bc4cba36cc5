"""The init wizard: scripted answers in, a valid authmd.yaml out; no prompts when not interactive."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from authmd_cli.core.errors import ConfigError, OutputError
from authmd_cli.site.config import load_config_file
from authmd_cli.site.wizard import collect, config_yaml
from authmd_cli.site.writer import init_command


def _scripted(answers: list[str], confirms: list[bool]) -> tuple[object, object, list[str]]:
    asked: list[str] = []
    a: Iterator[str] = iter(answers)
    c: Iterator[bool] = iter(confirms)

    def ask(prompt: str, default: str) -> str:
        asked.append(prompt)
        return next(a)

    def confirm(prompt: str, default: bool) -> bool:
        asked.append(prompt)
        return next(c)

    return ask, confirm, asked


def test_scripted_answers_make_a_valid_config(tmp_path: Path) -> None:
    ask, confirm, asked = _scripted(
        ["Fernpost", "Posts for teams.", "https://api.fernpost.net/", "https://auth.fernpost.net",
         "Northwind Agent Cloud, Arbor Assist", "posts.read, posts.write", "posts.read",
         "https://docs.fernpost.net", "help@fernpost.net"],
        [True, True, True])
    out = tmp_path / "site"
    buf = io.StringIO()
    code = init_command(out=out, cwd=tmp_path, interactive=True, ask=ask, confirm=confirm,  # type: ignore[arg-type]
                        stdout=buf)
    assert code == 0
    cfg = load_config_file(tmp_path / "authmd.yaml")
    assert cfg.methods.enabled == ("identity_assertion", "service_auth", "anonymous")
    assert [p.name for p in cfg.methods.trusted_providers] == ["Northwind Agent Cloud", "Arbor Assist"]
    assert cfg.pre_claim_scopes == ("posts.read",)
    assert cfg.scope_names == ("posts.read", "posts.write")
    assert (out / "auth.md").is_file()
    assert len(asked) == 12


def test_invalid_answer_is_asked_again() -> None:
    ask, confirm, asked = _scripted(
        ["X", "", "not a url", "https://api.fernpost.net/", "https://auth.fernpost.net", "a.read", "", ""],
        [False, True, False])
    data = collect(ask, confirm, interactive=True)  # type: ignore[arg-type]
    assert data["resource_server"]["resource"] == "https://api.fernpost.net/"
    assert asked.count("API base URL (the protected resource)") == 2


def test_no_method_means_no_registration_profile() -> None:
    ask, confirm, _ = _scripted(["X", "", "https://api.fernpost.net/", "https://auth.fernpost.net", "a.read",
                                 "", ""], [False, False, False])
    data = collect(ask, confirm, interactive=True)  # type: ignore[arg-type]
    assert data["profile"] == "no-registration" and "methods" not in data


def test_not_interactive_never_prompts_and_takes_defaults(tmp_path: Path) -> None:
    def boom(*_: object) -> object:
        raise AssertionError("prompted")

    buf = io.StringIO()
    code = init_command(out=tmp_path / "site", cwd=tmp_path, yes=True, ask=boom, confirm=boom,  # type: ignore[arg-type]
                        stdout=buf)
    assert code == 0
    assert "placeholder hosts" in buf.getvalue()
    cfg = load_config_file(tmp_path / "authmd.yaml")
    assert cfg.methods.enabled == ("service_auth",)


def test_wizard_never_overwrites_an_existing_config(tmp_path: Path) -> None:
    (tmp_path / "authmd.yaml").write_text("service: {name: Mine}\n")
    with pytest.raises(ConfigError):  # an existing ./authmd.yaml is used (and here it is invalid)
        init_command(out=tmp_path / "site", cwd=tmp_path, yes=True, stdout=io.StringIO())
    assert (tmp_path / "authmd.yaml").read_text() == "service: {name: Mine}\n"
    from authmd_cli.site.wizard import run_wizard_to_file

    with pytest.raises(OutputError):
        run_wizard_to_file(tmp_path / "authmd.yaml", interactive=False, stdout=io.StringIO())


def test_dry_run_wizard_writes_nothing(tmp_path: Path) -> None:
    buf = io.StringIO()
    assert init_command(out=tmp_path / "site", cwd=tmp_path, yes=True, dry_run=True, stdout=buf) == 0
    assert not (tmp_path / "authmd.yaml").exists() and not (tmp_path / "site").exists()
    assert "would write" in buf.getvalue()


def test_yaml_quotes_awkward_answers() -> None:
    ask, confirm, _ = _scripted(['Notes: "v2" #1', "", "https://api.fernpost.net/", "https://auth.fernpost.net",
                                 "a.read", "", ""], [False, True, False])
    text = config_yaml(collect(ask, confirm, interactive=True))  # type: ignore[arg-type]
    from authmd_cli.site.config import load_config

    assert load_config(text, "w.yaml").service.name == 'Notes: "v2" #1'


def test_wizard_refuses_urls_the_config_would_refuse() -> None:
    """Regression: `http://api.foo.test` passed the prompt, then validation failed after the last
    question and every answer was lost. The prompt now applies the config's own URL rule."""
    ask, confirm, asked = _scripted(
        ["X", "", "http://api.fernpost.net", "https://api.fernpost.net/v1/", "https://api.fernpost.net/v1",
         "http://auth.fernpost.net", "https://auth.fernpost.net", "a.read", "ftp://docs", "", "ask Bob",
         "help@fernpost.net"],
        [False, True, False])
    said: list[str] = []
    data = collect(ask, confirm, interactive=True, say=said.append)  # type: ignore[arg-type]
    assert data["resource_server"]["resource"] == "https://api.fernpost.net/v1"
    assert data["authorization_server"]["issuer"] == "https://auth.fernpost.net"
    assert data["service"]["contact"] == "help@fernpost.net" and "docs_url" not in data["service"]
    assert asked.count("API base URL (the protected resource)") == 3
    assert asked.count("Authorization server issuer URL") == 2
    assert asked.count("Contact for integration problems, email or URL (optional)") == 2
    assert any("https" in line and "loopback" in line for line in said)
    assert any("trailing" in line for line in said)


def test_wizard_loopback_http_is_accepted() -> None:
    ask, confirm, _ = _scripted(["X", "", "http://127.0.0.1:8000", "http://127.0.0.1:8000", "a.read", "", ""],
                                [False, True, False])
    data = collect(ask, confirm, interactive=True)  # type: ignore[arg-type]
    assert data["resource_server"]["resource"] == "http://127.0.0.1:8000"


def test_wizard_refuses_scope_names_the_schema_refuses() -> None:
    ask, confirm, asked = _scripted(['X', '', 'https://api.fernpost.net', 'https://auth.fernpost.net',
                                     'a.read, "quoted"', 'a.read', '', ''], [False, True, False])
    data = collect(ask, confirm, interactive=True)  # type: ignore[arg-type]
    assert [s["name"] for s in data["scopes"]] == ["a.read"]
    assert asked.count("Scopes, comma-separated") == 2
