"""lint never raises, and never reports an internal error, whatever it is given."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authmd_cli.lint.engine import LintOptions, lint_documents
from authmd_cli.lint.loader import load_document

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30)
    | st.sampled_from(["https://auth.quillnote.io", "http://x", "", "register_uri", "{id}", "<...>"]),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(
        st.sampled_from(["resource", "issuer", "agent_auth", "identity_endpoint", "register_uri", "skill",
                         "identity_types_supported", "grant_types_supported", "token_endpoint",
                         "authorization_servers", "events_supported", "claim_endpoint", "x"]) | st.text(max_size=6),
        inner, max_size=6),
    max_leaves=25,
)

md_fragments = st.lists(
    st.sampled_from([
        "# auth.md", "# Auth", "## Step 1 — Discover", "## 2. Register", "### 4a-alt", "## Errors",
        "| Code | Where | What to do |", "| --- | --- | --- |", "| `x` | y | z |", "```json", "```http", "```",
        "{\"resource\": \"https://api.quillnote.io\"}", "POST /agent/identity HTTP/1.1", "HTTP/1.1 200 OK",
        "<!-- authmd-disable MD001 -->", "<!-- authmd-disable-next-line -->", "<<<<<<< HEAD", "=======",
        "---", "title: x", "", "text https://api.example.com/x", "{", "Host: h",
    ]) | st.text(max_size=40),
    max_size=30,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _no_internal_errors(source: str, data: bytes | str) -> None:
    report = lint_documents([load_document(source, data)], [], LintOptions())
    internal = [d for d in report.diagnostics if d.code == "TL006"]
    assert internal == [], internal[0].message
    for d in report.diagnostics:
        assert d.location.line is None or d.location.line >= 1
        assert d.location.column is None or d.location.column >= 1


@SETTINGS
@given(md_fragments)
def test_markdown_like_text(lines: list[str]) -> None:
    _no_internal_errors("auth.md", "\n".join(lines))


@SETTINGS
@given(st.binary(max_size=300))
def test_arbitrary_bytes(data: bytes) -> None:
    _no_internal_errors("auth.md", data)
    _no_internal_errors("x/.well-known/oauth-authorization-server", data)


@SETTINGS
@given(json_values)
def test_arbitrary_json(value: object) -> None:
    text = json.dumps(value)
    _no_internal_errors("doc.json", text)
    _no_internal_errors("site/.well-known/oauth-protected-resource", text)
    _no_internal_errors("site/.well-known/oauth-authorization-server", text)
    for profile in ("v0.1", "v0.7-A", "no-registration"):
        report = lint_documents([load_document("doc.json", text)], [], LintOptions(profile=profile))
        assert not [d for d in report.diagnostics if d.code == "TL006"]
