"""`authmd lint --fix` / `--diff`: safe fixes only, every other byte kept, a second run changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from authmd_cli.cli.app import app
from authmd_cli.lint import fixes
from authmd_cli.lint.engine import LintOptions, lint_documents
from authmd_cli.lint.loader import load_document

AUTH_MD = """\
# auth.md

Acme Notes supports agentic registration. The API is `https://api.acme-notes.io`; registration lives at \
`https://auth.acme-notes.io`.

## Step 1: Discover

```
GET /.well-known/oauth-protected-resource HTTP/1.1
Host: api.acme-notes.io
```

```
{"resource": "https://api.acme-notes.io"}
```

```js
{"resource": "https://api.acme-notes.io"}
```

```
{"resource": "https://api.acme-notes.io", }
```

## 2. Pick a method

Text.
"""
PRM = ('{\r\n  "resource": "https://api.acme-notes.io",\r\n  "authorization_servers": ["https://auth.acme-notes.io/"],'
       '\r\n  "scopes_supported": ["notes.read"]\r\n}\r\n')
AS = json.dumps({
    "issuer": "https://auth.acme-notes.io", "token_endpoint": "https://auth.acme-notes.io/oauth2/token",
    "grant_types_supported": ["urn:ietf:params:oauth:grant-type:jwt-bearer"],
    "agent_auth": {"skill": "https://acme-notes.io/auth.md",
                   "identity_endpoint": "https://auth.acme-notes.io/agent/identity",
                   "identity_types_supported": ["identity_assertion"],
                   "identity_assertion": {"assertion_types_supported": ["urn:ietf:params:oauth:token-type:id-jag"]}},
}, indent=4) + "\n"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "site" / ".well-known").mkdir(parents=True)
    (tmp_path / "site" / "auth.md").write_text(AUTH_MD, encoding="utf-8")
    (tmp_path / "site" / ".well-known" / "oauth-protected-resource").write_bytes(PRM.encode())
    (tmp_path / "site" / ".well-known" / "oauth-authorization-server").write_text(AS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "site"


def _codes(runner: CliRunner, *codes: str) -> list[tuple[str, int]]:
    out = runner.invoke(app, ["lint", "--no-config", "site", "--format", "json", "--select", ",".join(codes)])
    return [(d["code"], d["location"]["line"]) for d in json.loads(out.stdout)["diagnostics"]]


def test_diff_previews_exactly_the_safe_fixes(site: Path) -> None:
    runner = CliRunner()
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    result = runner.invoke(app, ["lint", "--no-config", "site", "--diff"])
    assert result.exit_code == 1
    changed = [ln for ln in result.stdout.splitlines() if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]
    assert changed == [
        '-  "authorization_servers": ["https://auth.acme-notes.io/"],',
        '+  "authorization_servers": ["https://auth.acme-notes.io"],',
        "-## Step 1: Discover", "+## Step 1 — Discover",
        "-```", "+```http",
        "-```", "+```json",
        "-## 2. Pick a method", "+## Step 2 — Pick a method",
    ]
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before  # --diff writes nothing


def test_fix_keeps_every_other_byte_and_a_second_run_changes_nothing(site: Path) -> None:
    runner = CliRunner()
    assert _codes(runner, "MD005", "MD007", "XD002")  # something to fix
    result = runner.invoke(app, ["lint", "--no-config", "site", "--fix"])
    assert "authmd: fixed 5 finding(s) in 2 file(s)" in result.stderr
    md = (site / "auth.md").read_text(encoding="utf-8")
    assert md == (AUTH_MD.replace("## Step 1: Discover", "## Step 1 — Discover")
                  .replace("## 2. Pick a method", "## Step 2 — Pick a method")
                  .replace("```\nGET", "```http\nGET")
                  .replace('```\n{"resource": "https://api.acme-notes.io"}', '```json\n{"resource": "https://api.acme-notes.io"}'))
    prm = (site / ".well-known" / "oauth-protected-resource").read_bytes()
    assert prm == PRM.replace('acme-notes.io/"]', 'acme-notes.io"]').encode()  # CRLF and layout kept
    # What remains is what no fix may touch: the ```js block and the broken JSON block.
    assert [code for code, _ in _codes(runner, "MD005", "MD007", "XD002")] == ["MD007", "MD007"]
    snapshot = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    again = runner.invoke(app, ["lint", "--no-config", "site", "--diff"])
    assert again.exit_code == 0 and again.stdout == ""
    runner.invoke(app, ["lint", "--no-config", "site", "--fix"])
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == snapshot


def test_a_real_issuer_mismatch_is_not_fixed(site: Path) -> None:
    prm = site / ".well-known" / "oauth-protected-resource"
    prm.write_text(PRM.replace("https://auth.acme-notes.io/", "https://login.acme-notes.io"), encoding="utf-8")
    result = CliRunner().invoke(app, ["lint", "--no-config", "site", "--diff", "--select", "XD002"])
    assert result.exit_code == 0 and result.stdout == ""


def test_fix_and_diff_refuse_stdin_and_each_other(site: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["lint", "-", "--fix"], input="# auth.md\n").exit_code == 2
    both = runner.invoke(app, ["lint", "site", "--fix", "--diff"])
    assert both.exit_code == 2 and "cannot be combined" in both.stderr


_SECTIONS = ["Discover", "Pick a method", "Register", "Claim ceremony", "Exchange the assertion",
             "Use the access_token"]
_STYLES = [lambda n, t: f"## Step {n} — {t}", lambda n, t: f"## Step {n}: {t}", lambda n, t: f"## Step {n} - {t}",
           lambda n, t: f"## {n}. {t}", lambda n, t: f"## {t}", lambda n, t: f"## step {n}. {t.lower()}",
           lambda n, t: f"##   Step {n} — {t}  "]


def _section_ids(text: str) -> list[str | None]:
    doc = load_document("auth.md", text)
    assert doc.auth is not None
    return [s.section_id for s in doc.auth.sections]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(styles=st.lists(st.sampled_from(range(len(_STYLES))), min_size=len(_SECTIONS), max_size=len(_SECTIONS)),
       crlf=st.booleans())
def test_heading_fixes_keep_the_sections_and_converge(styles: list[int], crlf: bool) -> None:
    body = "# auth.md\n\nIntro.\n\n" + "".join(
        _STYLES[s](n, t) + "\n\nText.\n\n" for n, (s, t) in enumerate(zip(styles, _SECTIONS, strict=True), 1))
    if crlf:
        body = body.replace("\n", "\r\n")

    def fix_once(text: str) -> str:
        doc = load_document("auth.md", text)
        report = lint_documents([doc], [], LintOptions(select=("MD005",)))
        profiles = {info.source: info.profile for info in report.documents}
        return fixes.apply(text, fixes.plan(report.diagnostics, {"auth.md": text}, {"auth.md": doc}, (), profiles))

    once = fix_once(body)
    assert _section_ids(once) == _section_ids(body)  # the meaning (which section is which) is kept
    assert fix_once(once) == once  # converged: nothing left to fix
    report = lint_documents([load_document("auth.md", once)], [], LintOptions(select=("MD005",)))
    assert report.diagnostics == []
    assert once.count("\r\n") == body.count("\r\n")
