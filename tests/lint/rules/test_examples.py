"""Family EX (rules/examples.py): examples inside auth.md, bad and good cases with code and line.

The clean v0.7-B fixture (tests/fixtures/md/v0.7-B.auth.md) is the good case; bad cases
change one example in it or are small documents written from SPEC §6 facts.
"""

from __future__ import annotations

import pytest
from helpers import CLEAN, FIXTURES, line_of, lint, replace

from authmd_cli.core.diagnostics import Severity
from authmd_cli.lint.engine import LintOptions
from authmd_cli.lint.loader import load_document
from authmd_cli.lint.rules.examples import examples
from authmd_cli.protocol.profiles import PROFILES


@pytest.mark.parametrize("code", ["EX001", "EX002", "EX003", "EX004"])
def test_clean_fixture_has_no_ex_findings(code: str) -> None:
    assert lint(CLEAN, code) == []


def test_fixture_examples_are_classified_by_position_and_shape() -> None:
    doc = load_document("auth.md", CLEAN)
    assert doc.auth is not None
    kinds = [e.kind for e in examples(doc.auth, PROFILES["v0.7-B"])]
    assert kinds == [
        "prm", "as-metadata",
        "registration-request", "registration-response", "registration-response", "registration-response",
        "registration-request", "registration-response",
        "registration-request", "registration-response",
        "registration-request", "registration-response",
        "claim-request", "claim-response", "claim-complete-request", "claim-complete-response",
        "token-response",
    ]


# ---------------------------------------------------------------- EX001 example-schema


def test_ex001_example_schema_missing_member() -> None:
    # The anonymous response without its `claim` object (SPEC §6.1: required).
    text = replace(
        '  "scopes": { "pre_claim": ["widgets.read"], "post_claim": ["widgets.read", "widgets.write"] },\n'
        '  "claim": {\n    "token": "clm_...",\n    "expires_at": "2026-06-27T12:00:00.000Z",\n'
        '    "url": "https://auth.widgetco.dev/agent/identity/claim"\n  }\n',
        '  "scopes": { "pre_claim": ["widgets.read"], "post_claim": ["widgets.read", "widgets.write"] }\n')
    found = lint(text, "EX001")
    assert found and all(d.severity is Severity.ERROR for d in found)
    start = line_of(text, '"type": "anonymous"', 2) - 2  # the `{` of the response block
    assert any("claim" in d.message and d.location.line == start for d in found)


def test_ex001_example_schema_bad_value_points_at_member() -> None:
    text = replace('"token_type": "Bearer",\n  "expires_in": 3600,', '"token_type": "Bearer",\n  "expires_in": "soon",')
    [d] = lint(text, "EX001")
    assert (d.location.line, d.location.column) == (line_of(text, '"expires_in": "soon"'), 17)
    assert "token-response" in d.message


def test_ex001_unexpected_member_in_request_body() -> None:
    text = replace('{\n  "type": "anonymous"\n}', '{\n  "type": "anonymous",\n  "name": "bot"\n}')
    [d] = lint(text, "EX001")
    assert (d.location.line, d.location.column) == (line_of(text, '"name": "bot"'), 3)


def test_ex001_placeholders_are_silent() -> None:
    text = replace('"expires_at": "2026-06-26T12:10:00.000Z"\n  }\n}', '"expires_at": "<ISO-8601 timestamp>"\n  }\n}')
    assert lint(text, "EX001") == []


def test_ex001_real_non_https_url_is_reported() -> None:
    text = replace('"url": "https://auth.widgetco.dev/agent/identity/claim"\n  }\n}',
                   '"url": "ftp://auth.widgetco.dev/agent/identity/claim"\n  }\n}')
    [d] = lint(text, "EX001")
    assert d.location.line == line_of(text, "ftp://auth.widgetco.dev")


def test_ex001_error_body_classified_as_oauth_error() -> None:
    text = ("# auth.md\n\n## Step 5 — Exchange the assertion\n\n```http\nPOST /oauth2/token HTTP/1.1\n"
            "Content-Type: application/x-www-form-urlencoded\n\ngrant_type=x\n```\n\n"
            "```json\n{\"error\": 42}\n```\n")
    [d] = lint(text, "EX001")
    assert d.location.line == 13 and "oauth-error" in d.message


# ---------------------------------------------------------------- EX002 example-timestamp


def test_ex002_example_timestamp_number() -> None:
    text = replace('"expires_at": "2026-06-26T12:10:00.000Z"\n  }\n}', '"expires_at": 600\n  }\n}')
    [d] = lint(text, "EX002")
    n = line_of(text, '"expires_at": 600')
    assert (d.severity, d.location.line, d.location.column) == (Severity.WARNING, n, 19)


def test_ex002_flat_assertion_expires_in_http_body() -> None:
    text = ("# auth.md\n\n## Step 3 — Register\n\n```http\nHTTP/1.1 200 OK\nContent-Type: application/json\n\n"
            "{\"registration_id\": \"reg_...\", \"assertion_expires\": 3600}\n```\n")
    [d] = lint(text, "EX002", profile="v0.6")
    assert (d.location.line, d.location.column) == (9, 53)


def test_ex002_expires_in_integer_is_fine() -> None:
    assert lint("# auth.md\n\n```json\n{\"access_token\": \"<t>\", \"expires_in\": 3600}\n```\n", "EX002") == []


def test_ex002_does_not_double_report_as_schema() -> None:
    text = replace('"expires_at": "2026-06-26T12:10:00.000Z"\n  }\n}', '"expires_at": 600\n  }\n}')
    assert lint(text, "EX001") == []


# ---------------------------------------------------------------- EX003 example-shape-mismatch

FLAT_ANON = (
    '{\n  "registration_id": "reg_...",\n  "registration_type": "anonymous",\n'
    '  "identity_assertion": "<service-signed JWT>",\n  "assertion_expires": "2026-06-26T12:00:00.000Z",\n'
    '  "pre_claim_scopes": ["widgets.read"],\n  "claim_url": "https://auth.widgetco.dev/agent/identity/claim",\n'
    '  "claim_token": "clm_...",\n  "claim_token_expires": "2026-06-27T12:00:00.000Z",\n'
    '  "post_claim_scopes": ["widgets.read", "widgets.write"]\n}'
)


def _flat_doc() -> str:
    start = CLEAN.index('{\n  "id": "reg_...",\n  "type": "anonymous",')
    end = CLEAN.index("\n```", start)
    return CLEAN[:start] + FLAT_ANON + CLEAN[end:]


def test_ex003_example_shape_mismatch_flat_in_v07b() -> None:
    text = _flat_doc()
    [d] = lint(text, "EX003")
    assert (d.severity, d.location.line) == (Severity.WARNING, line_of(text, '"registration_id": "reg_..."') - 1)
    assert "v0.2–v0.7-A" in d.message
    assert d.hint is not None and "`registration_id` → `id`" in d.hint and "`claim_token` → `claim.token`" in d.hint


def test_ex003_shape_mismatch_suppresses_schema_noise() -> None:
    assert lint(_flat_doc(), "EX001") == []


def test_ex003_nested_in_flat_profile() -> None:
    found = lint(CLEAN, "EX003", profile="v0.6")
    first_nested = line_of(CLEAN, '"id": "reg_..."') - 1
    assert found and found[0].location.line == first_nested
    assert "v0.7-B" in found[0].message


def test_ex003_v07a_claim_body_in_v07b() -> None:
    text = replace('"type": "service_auth",\n  "claim_token": "clm_...",',
                   '"type": "login_hint",\n  "claim_token": "clm_...",')
    [d] = lint(text, "EX003")
    assert d.location.line == line_of(text, '"type": "login_hint"') - 1
    assert "v0.7-A" in d.message


def test_ex003_flat_shape_is_fine_in_v06() -> None:
    text = ("# auth.md\n\n## Step 3 — Register\n\n```json\n" + FLAT_ANON + "\n```\n")
    assert lint(text, "EX003", profile="v0.6") == []


# ---------------------------------------------------------------- EX004 http-example-method


def test_ex004_http_example_method_token_json() -> None:
    text = replace("Content-Type: application/x-www-form-urlencoded\n\ngrant_type",
                   "Content-Type: application/json\n\ngrant_type")
    [d] = lint(text, "EX004")
    assert (d.severity, d.location.line) == (Severity.WARNING, line_of(text, "POST /oauth2/token") + 2)


def test_ex004_token_endpoint_json_body_under_form_header() -> None:
    text = ("# auth.md\n\n```http\nPOST /oauth2/token HTTP/1.1\nContent-Type: application/x-www-form-urlencoded\n\n"
            "{\"grant_type\": \"x\"}\n```\n")
    [d] = lint(text, "EX004")
    assert d.location.line == 7


def test_ex004_wrong_method_for_identity_endpoint() -> None:
    text = "# auth.md\n\n```http\nGET /agent/identity HTTP/1.1\nHost: auth.acme.dev\n```\n"
    [d] = lint(text, "EX004")
    assert d.location.line == 4 and "POST" in d.message


def test_ex004_identity_endpoint_without_content_type() -> None:
    text = "# auth.md\n\n```http\nPOST /agent/identity HTTP/1.1\n\n{\"type\": \"anonymous\"}\n```\n"
    [d] = lint(text, "EX004")
    assert d.location.line == 4 and "application/json" in d.message


def test_ex004_endpoint_from_document_metadata() -> None:
    # A non-canonical path is recognised through the document's own AS metadata example.
    text = ("# auth.md\n\n```json\n{\"issuer\": \"https://auth.acme.dev\", \"token_endpoint\": "
            "\"https://auth.acme.dev/v2/exchange\"}\n```\n\n```http\nPOST /v2/exchange HTTP/1.1\n"
            "Content-Type: application/json\n\n{\"assertion\": \"<jwt>\"}\n```\n")
    [d] = lint(text, "EX004")
    assert d.location.line == 9


def test_ex004_http_example_method_good() -> None:
    text = ("# auth.md\n\n```http\nPOST /agent/identity/claim HTTP/1.1\n"
            "Content-Type: application/json; charset=utf-8\n\n"
            "{\"type\": \"service_auth\", \"claim_token\": \"clm_...\", \"login_hint\": \"a@acme.dev\"}\n```\n")
    assert lint(text, "EX004") == []


# ---------------------------------------------------------------- regressions (dogfooding)


def test_ex001_example_schema_missing_members_reported_once_per_object() -> None:
    # Seven missing members of one object are one finding that names them all, not seven.
    text = replace('''{
  "id": "reg_...",
  "type": "anonymous",
  "identity": {''', '''{
  "id": "reg_...",
  "type": "anonymous",
  "identity_": {''')
    diags = [d for d in lint(text, "EX001") if "missing required" in d.message]
    # Located at the member the author wrote instead, with a did-you-mean (issue 11).
    assert [d.location.line for d in diags] == [line_of(text, '"identity_": {')]
    assert "`identity` (the example has `identity_`)" in diags[0].message
    assert diags[0].hint is not None and diags[0].hint.startswith("did you mean `identity` (rename `identity_`)")


def test_ex001_example_schema_token_response_without_access_token() -> None:
    # IN-THE-WILD P13: `token` instead of `access_token` is checked, not skipped as an unknown shape.
    text = replace('"access_token": "<access token>",', '"token": "<access token>",')
    diags = lint(text, "EX001")
    assert [d.location.line for d in diags] == [line_of(text, '"token": "<access token>"')]
    assert "`access_token` (the example has `token`)" in diags[0].message
    assert diags[0].hint == "did you mean `access_token` (rename `token`)"


def test_ex001_example_schema_error_status_body_without_error_member() -> None:
    # SPEC §14 D10: a 401 body without `error` is an error body missing `error`, not a
    # registration response missing `type`.
    text = replace('  "error": "login_required",', '  "code": "login_required",')
    diags = lint(text, "EX001")
    assert [d.location.line for d in diags] == [line_of(text, '"code": "login_required"')]
    assert diags[0].message.startswith("error example:")
    assert "`error` (the example has `code`)" in diags[0].message


# ---------------------------------------------------------------- direction and kind (issue 11)


def _kinds(text: str) -> list[tuple[int, str | None, str | None]]:
    from authmd_cli.lint.loader import load_document
    from authmd_cli.lint.rules.examples import examples
    from authmd_cli.protocol.profiles import PROFILES

    doc = load_document("auth.md", text)
    assert doc.auth is not None
    return [(ex.line, ex.kind, ex.direction) for ex in examples(doc.auth, PROFILES["v0.7-B"])]


_BODYLESS = "# auth.md\n\n## Step 3 — Register\n\n```http\nPOST /agent/identity HTTP/1.1\nHost: a.quillnote.io\n" \
            "Content-Type: application/json\n```\n\n"


def test_ex001_json_after_a_bodyless_request_is_its_body_or_its_answer_by_content() -> None:
    body = '```json\n{"type": "anonymous"}\n```\n\n'
    answer = '```json\n{"id": "reg_...", "type": "anonymous"}\n```\n'
    text = _BODYLESS + body + answer
    assert [(k, d) for _, k, d in _kinds(text)] == [("registration-request", "request"),
                                                     ("registration-response", "response")]
    # The answer alone after the bodyless request is read as the answer, not as the request body.
    assert [(k, d) for _, k, d in _kinds(_BODYLESS + answer)] == [("registration-response", "response")]
    diags = lint(_BODYLESS + body, "EX001")
    assert [d.location.line for d in diags] == []


def test_ex001_label_decides_the_direction() -> None:
    text = _BODYLESS + 'The service answers:\n\n```json\n{"type": "anonymous"}\n```\n'
    assert [(k, d) for _, k, d in _kinds(text)] == [("registration-response", "response")]


@pytest.mark.parametrize("block", [
    '{"client_name": "My app", "redirect_uris": ["https://app.quillnote.io/cb"]}',  # RFC 7591 request
    '{"client_id": "cli_...", "client_secret": "<secret>", "client_id_issued_at": 1767225600}',  # RFC 7591 answer
    '{"device_code": "<code>", "user_code": "WDJB-MJHT", "verification_uri": "https://a.quillnote.io/device", '
    '"interval": 5, "expires_in": 1800}',  # RFC 8628 device authorization response
])
def test_ex001_other_protocols_are_not_examples_of_this_one(block: str) -> None:
    text = _BODYLESS.replace("```http\nPOST /agent/identity", "```http\nPOST /oauth2/register") + \
        f"```json\n{block}\n```\n"
    assert [k for _, k, _ in _kinds(text)] == [None]
    assert lint(text, "EX001") == []


def test_ex001_example_schema_enum_hint_has_a_did_you_mean() -> None:
    text = replace('{\n  "type": "anonymous"\n}', '{\n  "type": "anonymus"\n}')
    [d] = lint(text, "EX001")
    assert d.location.line == line_of(text, '"type": "anonymus"')
    assert (d.hint or "").startswith("did you mean `anonymous`? ")


def test_ex003_example_shape_mismatch_folds_per_document_unless_verbose() -> None:
    from authmd_cli.lint.engine import lint_text

    text = (FIXTURES / "profiles" / "v0.4" / "auth.md").read_text(encoding="utf-8")
    each = [d for d in lint_text(text, options=LintOptions(profile="v0.7-B", select=("EX003",), verbose=True))
            .diagnostics]
    [d] = lint(text, "EX003", profile="v0.7-B")
    assert len(each) > 1
    assert d.location.line == each[0].location.line
    assert [r.line for r in d.related] == [e.location.line for e in each[1:]]
