"""The Markdown model: front matter, headings, step styles, fences, http split, tables, comments."""

from __future__ import annotations

import pytest

from authmd_cli.protocol.markdown import parse_auth_md, section_id_for, split_heading, split_lines

DOC = """---
layout: default
title: Quillnote
---
# auth.md

Quillnote supports agentic registration: api.quillnote.io and auth.quillnote.io.
<!-- authmd-disable section-order -->

## Step 1 — Discover

### 1a. Fetch the Protected Resource Metadata

```http
GET /.well-known/oauth-protected-resource HTTP/1.1
Host: api.quillnote.io
```

```json
{"resource": "https://api.quillnote.io/",
 "scopes_supported": ["notes.read"]}
```

## Step 2: Pick a method

## 3. Register

```http
POST /oauth2/token HTTP/1.1
Content-Type: application/x-www-form-urlencoded

grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer
&assertion=<service-signed JWT>
```

```http
HTTP/1.1 401 Unauthorized
WWW-Authenticate: AgentAuth error="login_required", max_age="3600"

{"error": "login_required", "max_age": 3600}
```

## Errors

| Code | Where | What to do |
| --- | --- | --- |
| `invalid_request` | any | fix the body |
"""


@pytest.fixture(scope="module")
def doc():  # type: ignore[no-untyped-def]
    return parse_auth_md(DOC)


def test_front_matter_is_parsed_and_skipped(doc) -> None:  # type: ignore[no-untyped-def]
    assert doc.front_matter == {"layout": "default", "title": "Quillnote"}
    assert doc.body_start_line == 5
    assert [h.line for h in doc.h1s] == [5]


def test_sections_normalised_with_lines_and_styles(doc) -> None:  # type: ignore[no-untyped-def]
    got = [(s.section_id, s.step, s.style, s.heading.line) for s in doc.sections]
    assert got == [
        ("discover", "1", "step-emdash", 10),
        ("pick-a-method", "2", "step-colon", 24),
        ("register", "3", "number", 26),
        ("errors", None, "plain", 43),
    ]
    assert doc.sections[0].children[0].step == "1a"
    assert doc.sections[0].end_line == 23


def test_json_block_positions_are_file_lines(doc) -> None:  # type: ignore[no-untyped-def]
    (block,) = doc.json_blocks
    assert block.error is None and block.doc is not None
    assert block.fence.line == 19 and block.fence.section == "discover"
    assert block.doc.position("/scopes_supported") == (21, 22)


def test_http_request_and_response_split(doc) -> None:  # type: ignore[no-untyped-def]
    get, post, resp = doc.http_messages
    assert (get.kind, get.method, get.target, get.header("host")) == (
        "request", "GET", "/.well-known/oauth-protected-resource", "api.quillnote.io")
    assert post.form is not None and dict(post.form)["assertion"] == "<service-signed JWT>"
    assert resp.kind == "response" and resp.status == 401
    assert resp.json_body is not None and resp.json_body.doc is not None
    assert resp.json_body.doc.value["max_age"] == 3600
    assert resp.json_body.doc.position("/max_age") == (40, 40)


def test_table_and_comments(doc) -> None:  # type: ignore[no-untyped-def]
    (table,) = doc.tables
    assert table.header == ("Code", "Where", "What to do")
    assert table.rows[0][0] == "invalid_request" and table.section == "errors"
    assert doc.comments == ((8, "authmd-disable section-order"),)


def test_code_lines_excluded_from_prose(doc) -> None:  # type: ignore[no-untyped-def]
    prose = dict(doc.prose_lines())
    assert 15 not in prose and 7 in prose and 2 not in prose


def test_json_syntax_error_has_file_line_and_column() -> None:
    d = parse_auth_md("# auth.md\n\n```json\n{\n  \"a\": 1,\n}\n```\n")
    (block,) = d.json_blocks
    assert block.doc is None and block.error is not None
    assert (block.error.line, block.error.column) == (6, 1)


def test_invalid_http_block() -> None:
    d = parse_auth_md("# auth.md\n\n```http\nfetch the metadata\n```\n")
    (msg,) = d.http_messages
    assert msg.kind == "invalid" and msg.error_line == 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Step 1 — Discover", ("1", "Discover", "step-emdash")),
        ("Step 1 - Discover", ("1", "Discover", "step-dash")),
        ("Step 1: Discover", ("1", "Discover", "step-colon")),
        ("Step 1. Discover", ("1", "Discover", "step-dot")),
        ("1. Discover", ("1", "Discover", "number")),
        ("4a-alt. Claim via ID-JAG", ("4a-alt", "Claim via ID-JAG", "number")),
        ("Discover", (None, "Discover", "plain")),
    ],
)
def test_split_heading_styles(text: str, expected: tuple[str | None, str, str]) -> None:
    assert split_heading(text) == expected


@pytest.mark.parametrize(
    ("title", "sid"),
    [
        ("Discover", "discover"), ("Discovery", "discover"), ("Pick a method", "pick-a-method"),
        ("Choose a registration method", "pick-a-method"), ("Register", "register"),
        ("Claim ceremony", "claim"), ("Exchange the assertion", "exchange"),
        ("Use the access_token", "use"), ("Use the credential", "use"), ("Errors", "errors"),
        ("Revocation", "revocation"), ("Pricing", None),
    ],
)
def test_section_ids(title: str, sid: str | None) -> None:
    assert section_id_for(title) == sid


def test_split_lines_only_at_lf_crlf_cr() -> None:
    assert split_lines("a\r\nb\rc\nd\u2028e\x85f\x0cg\n") == ["a", "b", "c", "d\u2028e\x85f\x0cg"]
    assert split_lines("") == [] and split_lines("x\n\n") == ["x", ""]


def test_parse_auth_md_lines_ignore_unicode_separators() -> None:
    auth = parse_auth_md("# auth.md\n\nintro\u2028still line 3\x0c\n\n## Errors\n\n```json\n{\"a\":\n\u2028 1}\n```\n")
    assert [(h.level, h.line) for h in auth.headings] == [(1, 1), (2, 5)]
    assert auth.json_blocks[0].fence.content_line == 8
    assert len(auth.lines) == 10
