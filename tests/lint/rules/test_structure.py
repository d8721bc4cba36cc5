"""Family MD (rules/structure.py): per-rule bad and good cases, asserting code and line.

Documents are the clean v0.7-B fixture (tests/fixtures/md/v0.7-B.auth.md) with one defect
introduced, or small documents written here from SPEC §3 facts.
"""

from __future__ import annotations

import pytest
from helpers import CLEAN, line_of, lint, replace

from authmd_cli.core.diagnostics import Severity
from authmd_cli.lint.engine import LintOptions, lint_text

MD_CODES = [f"MD{n:03d}" for n in range(1, 18)]


@pytest.mark.parametrize("code", MD_CODES)
def test_clean_fixture_has_no_md_findings(code: str) -> None:
    assert lint(CLEAN, code) == []


# ---------------------------------------------------------------- MD001 missing-h1


def test_md001_missing_h1_bad() -> None:
    [d] = lint("## Step 1 — Discover\n\ntext\n", "MD001")
    assert (d.severity, d.location.line) == (Severity.ERROR, 1)


def test_md001_missing_h1_after_front_matter_points_at_body() -> None:
    [d] = lint("---\ntitle: auth.md\n---\nHello agents.\n", "MD001")
    assert d.location.line == 4


def test_md001_missing_h1_good_with_front_matter() -> None:
    assert lint("---\nlayout: default\n---\n# auth.md\n\nHello.\n", "MD001") == []


def test_md001_runs_under_no_registration_profile() -> None:
    [d] = lint("No agent registration is offered here.\n", "MD001", profile="no-registration")
    assert d.location.line == 1


# ---------------------------------------------------------------- MD002 h1-not-auth-md


def test_md002_h1_not_auth_md_bad_case() -> None:
    [d] = lint(replace("# auth.md", "# Auth.md"), "MD002")
    assert (d.severity, d.location.line) == (Severity.WARNING, 1)


def test_md002_second_h1() -> None:
    text = CLEAN + "\n# Appendix\n\nMore.\n"
    [d] = lint(text, "MD002")
    assert d.location.line == line_of(text, "# Appendix")


def test_md002_good_front_matter_tolerated() -> None:
    assert lint("---\nlayout: default\n---\n# auth.md\n\nHi.\n", "MD002") == []


def test_md002_conflict_setext_is_not_an_h1() -> None:
    text = "# auth.md\n\n<<<<<<< HEAD\nold\n=======\nnew\n>>>>>>> main\n"
    assert lint(text, "MD002") == []


# ---------------------------------------------------------------- MD003 missing-section


def test_md003_missing_section_errors() -> None:
    text = replace("## Errors\n", "## Failure handling\n")
    [d] = lint(text, "MD003")
    assert d.severity is Severity.WARNING
    assert "Errors" in d.message
    assert d.location.line == line_of(text, "## Revocation")  # where it belongs: before Revocation
    assert d.hint is not None and "## Errors" in d.hint


def test_md003_missing_section_misleveled_heading_is_named() -> None:
    text = replace("## Step 2 — Pick a method", "### Pick a method")
    [d] = lint(text, "MD003")
    assert d.location.line == line_of(text, "## Step 3 — Register")
    assert "H2" in d.message and "Step 2 — Pick a method" in (d.hint or "")


def _skeleton(types: str, extra: str = "") -> str:
    return (
        "# auth.md\n\nintro\n\n## Step 1 — Discover\n\n```json\n"
        '{"issuer": "https://auth.quillnote.io", "agent_auth": {"identity_types_supported": ' + types + "}}\n"
        "```\n\n## Step 2 — Pick a method\n\n## Step 3 — Register\n\n" + extra +
        "## Step 5 — Exchange the assertion\n\n## Step 6 — Use the access_token\n\n## Errors\n\n## Revocation\n"
    )


def test_md003_claim_expected_when_anonymous_is_offered() -> None:
    text = _skeleton('["anonymous"]')
    [d] = lint(text, "MD003")
    assert "Claim ceremony" in d.message
    assert d.location.line == line_of(text, "## Step 5 — Exchange")


def test_md003_claim_not_expected_for_identity_assertion_only() -> None:
    assert lint(_skeleton('["identity_assertion"]'), "MD003") == []


def test_md003_claim_expected_for_step_up() -> None:
    text = _skeleton('["identity_assertion"]', "A 401 `interaction_required` means: run the ceremony.\n\n")
    [d] = lint(text, "MD003")
    assert "Claim ceremony" in d.message
    assert d.location.line == line_of(text, "## Step 5")


def test_md003_v01_has_no_exchange_or_revocation() -> None:
    text = replace("## Step 5 — Exchange the assertion", "## Notes")
    text = replace("## Revocation", "## More notes", text)
    assert lint(text, "MD003", profile="v0.1") == []
    # One finding names both, at the first place a missing section belongs; the other is `related`.
    [d] = lint(text, "MD003")
    assert d.location.line == line_of(text, "## Step 6")
    assert "2 of 8" in d.message and "'Exchange the assertion'" in d.message and "'Revocation'" in d.message
    assert [r.line for r in d.related] == [line_of(text, "## More notes")]


# ---------------------------------------------------------------- MD004 section-order


def test_md004_section_order_bad() -> None:
    text = "# auth.md\n\n## Errors\n\n## Step 1 — Discover\n\n## Step 2 — Pick a method\n\n## Step 3 — Register\n"
    [d] = lint(text, "MD004")
    assert (d.severity, d.location.line) == (Severity.WARNING, 3)


def test_md004_section_order_good() -> None:
    text = "# auth.md\n\n## Step 1 — Discover\n\n## Step 3 — Register\n\n## Errors\n"
    assert lint(text, "MD004") == []


# ---------------------------------------------------------------- MD005 heading-style


@pytest.mark.parametrize(("heading", "want"), [
    ("## Step 1: Discover", "## Step 1 — Discover"),
    ("## Step 1 - Discover", "## Step 1 — Discover"),
    ("## 1. Discover", "## Step 1 — Discover"),
    ("## Discover", "## Step 1 — Discover"),
])
def test_md005_heading_style_step(heading: str, want: str) -> None:
    text = replace("## Step 1 — Discover", heading)
    [d] = lint(text, "MD005")
    assert (d.severity, d.location.line) == (Severity.INFO, line_of(text, heading))
    assert d.hint is not None and want in d.hint


def test_md005_heading_style_numbered_errors() -> None:
    text = replace("## Errors", "## Step 7 — Errors")
    [d] = lint(text, "MD005")
    assert d.location.line == line_of(text, "## Step 7 — Errors")
    assert d.hint is not None and "`## Errors`" in d.hint


def test_md005_heading_style_good() -> None:
    assert lint("# auth.md\n\n## Step 4 — Claim ceremony\n\n## Revocation\n", "MD005") == []


# ---------------------------------------------------------------- MD006 intro-hosts


def test_md006_intro_hosts_neither() -> None:
    text = replace("`https://api.widgetco.dev`", "our API").replace("`https://auth.widgetco.dev`", "our server")
    [d] = lint(text, "MD006")
    assert (d.severity, d.location.line) == (Severity.WARNING, 3)
    assert "api.widgetco.dev" in d.message and "auth.widgetco.dev" in d.message


def test_md006_intro_hosts_one_missing() -> None:
    text = replace("`https://auth.widgetco.dev`", "our server")
    [d] = lint(text, "MD006")
    assert d.location.line == 3
    assert "auth.widgetco.dev" in d.message and "api.widgetco.dev" not in d.message


def test_md006_intro_agentic_registration_is_info() -> None:
    text = replace("supports agentic registration", "welcomes agents")
    [d] = lint(text, "MD006")
    assert (d.severity, d.location.line) == (Severity.INFO, 3)


def test_md006_hosts_from_http_examples() -> None:
    text = ("# auth.md\n\nAcme supports agentic registration at api.acme.dev.\n\n## Step 3 — Register\n\n"
            "```http\nPOST /agent/identity HTTP/1.1\nHost: id.acme.dev\n```\n")
    [d] = lint(text, "MD006")
    assert d.location.line == 3 and "id.acme.dev" in d.message


# ---------------------------------------------------------------- MD007 fence-language


def test_md007_untagged_json_fence() -> None:
    text = "# auth.md\n\n```\n{\"type\": \"anonymous\"}\n```\n"
    [d] = lint(text, "MD007")
    assert (d.severity, d.location.line) == (Severity.WARNING, 3)


@pytest.mark.parametrize("tag", ["js", "javascript", "jsonc", "text"])
def test_md007_json_with_wrong_tag(tag: str) -> None:
    [d] = lint(f"# auth.md\n\nx\n\n```{tag}\n{{\"a\": 1}}\n```\n", "MD007")
    assert d.location.line == 5


def test_md007_http_tagged_json() -> None:
    [d] = lint("# auth.md\n\n```json\nPOST /agent/identity HTTP/1.1\n```\n", "MD007")
    assert d.location.line == 3 and "http" in (d.hint or "")


def test_md007_untagged_http() -> None:
    [d] = lint("# auth.md\n\n```\nHTTP/1.1 200 OK\n```\n", "MD007")
    assert d.location.line == 3


def test_md007_fence_language_good() -> None:
    text = "# auth.md\n\n```bash\ncurl -X POST https://auth.acme.dev/agent/identity\n```\n\n```\nplain text\n```\n"
    assert lint(text, "MD007") == []


# ---------------------------------------------------------------- MD008 invalid-json-example


def test_md008_invalid_json_example_trailing_comma() -> None:
    text = "# auth.md\n\n```json\n{\n  \"a\": 1,\n}\n```\n"
    [d] = lint(text, "MD008")
    assert (d.severity, d.location.line, d.location.column) == (Severity.ERROR, 6, 1)


def test_md008_bare_placeholder_is_an_error() -> None:
    text = "# auth.md\n\n```json\n{\"exp\": <epoch seconds>}\n```\n"
    [d] = lint(text, "MD008")
    assert (d.location.line, d.location.column) == (4, 9)


def test_md008_placeholders_in_strings_are_fine() -> None:
    text = "# auth.md\n\n```json\n{\"assertion\": \"<service-signed JWT>\", \"id\": \"reg_...\"}\n```\n"
    assert lint(text, "MD008") == []


def test_md008_runs_under_no_registration_profile() -> None:
    text = "# auth.md\n\nNo agent registration.\n\n```json\n{,}\n```\n"
    [d] = lint(text, "MD008", profile="no-registration")
    assert d.location.line == 6


# ---------------------------------------------------------------- MD009 invalid-http-example


def test_md009_invalid_http_example_start_line() -> None:
    [d] = lint("# auth.md\n\n```http\nPOST: /agent/identity\n```\n", "MD009")
    assert (d.severity, d.location.line) == (Severity.ERROR, 4)


def test_md009_malformed_header() -> None:
    text = "# auth.md\n\n```http\nPOST /agent/identity HTTP/1.1\nContent-Type application/json\n```\n"
    [d] = lint(text, "MD009")
    assert d.location.line == 5


def test_md009_json_body_not_strict() -> None:
    text = ("# auth.md\n\n```http\nPOST /agent/identity HTTP/1.1\nContent-Type: application/json\n\n"
            "{\"type\": anonymous}\n```\n")
    [d] = lint(text, "MD009")
    assert (d.location.line, d.location.column) == (7, 10)


def test_md009_invalid_http_example_good() -> None:
    text = "# auth.md\n\n```http\nHTTP/1.1 202 Accepted\n```\n"
    assert lint(text, "MD009") == []


# ---------------------------------------------------------------- MD010 merge-conflict-marker


def test_md010_merge_conflict_marker_bad() -> None:
    text = "# auth.md\n\nintro\n<<<<<<< HEAD\nold line\n=======\nnew line\n>>>>>>> feature\n"
    found = lint(text, "MD010")
    assert [d.location.line for d in found] == [4, 6, 8]
    assert all(d.severity is Severity.ERROR for d in found)


def test_md010_bare_separator_between_blank_lines() -> None:
    [d] = lint("# auth.md\n\ntext\n\n=======\n\nmore\n", "MD010")
    assert d.location.line == 5


def test_md010_setext_underline_is_not_a_marker() -> None:
    assert lint("Title\n=======\n\ntext\n", "MD010") == []


def test_md010_markers_inside_code_are_skipped() -> None:
    assert lint("# auth.md\n\n```text\n<<<<<<< HEAD\n=======\n>>>>>>> x\n```\n", "MD010") == []


# ---------------------------------------------------------------- MD011 duplicate-heading


def test_md011_duplicate_heading_bad() -> None:
    text = CLEAN + "\n## Step 3 — Register\n\nAgain.\n"
    [d] = lint(text, "MD011")
    assert (d.severity, d.location.line) == (Severity.ERROR, line_of(text, "## Step 3 — Register", 2))
    assert str(line_of(text, "## Step 3 — Register")) in d.message


def test_md011_same_h3_under_different_parents_is_fine() -> None:
    text = "# auth.md\n\n## A\n\n### Response\n\n## B\n\n### Response\n"
    assert lint(text, "MD011") == []


def test_md011_duplicate_h3_under_same_parent() -> None:
    [d] = lint("# auth.md\n\n## A\n\n### anonymous\n\n### Anonymous\n", "MD011")
    assert d.location.line == 7


# ---------------------------------------------------------------- MD012 placeholder-host


def test_md012_placeholder_host_reported_once_per_host() -> None:
    text = CLEAN.replace("auth.widgetco.dev", "auth.service.example.com")
    found = lint(text, "MD012")
    assert [d.location.line for d in found] == [line_of(text, "auth.service.example.com")]
    assert found[0].severity is Severity.WARNING
    assert "auth.service.example.com" in found[0].message


def test_md012_test_and_invalid_tlds() -> None:
    text = "# auth.md\n\nSee https://api.acme.test/x and\n\n```http\nGET / HTTP/1.1\nHost: auth.acme.invalid\n```\n"
    found = lint(text, "MD012")
    assert [(d.location.line, d.location.column) for d in found] == [(3, 5), (7, 1)]


def test_md012_placeholder_host_good() -> None:
    assert lint("# auth.md\n\nhttps://api.acme.dev and mail user@example.com\n", "MD012") == []


# ---------------------------------------------------------------- MD013 errors-table


def test_md013_errors_section_without_table() -> None:
    text = "# auth.md\n\n## Errors\n\nRetry on 5xx.\n"
    [d] = lint(text, "MD013")
    assert (d.severity, d.location.line) == (Severity.WARNING, 3)


def test_md013_wrong_columns() -> None:
    text = replace("| Code | Where | What to do |", "| Error | Meaning |\n| --- | --- |\n| `x` | y |\n\n| a | b | c |")
    found = lint(text, "MD013")
    assert any("columns" in d.message and d.location.line == line_of(text, "| Error | Meaning |") for d in found)


def test_md013_code_of_another_profile_with_rename() -> None:
    text = replace("| `rate_limit_exceeded` |", "| `rate_limited` |")
    found = lint(text, "MD013")
    renamed = [d for d in found if "rate_limited" in d.message]
    assert len(renamed) == 1
    assert renamed[0].severity is Severity.WARNING
    assert renamed[0].location.line == line_of(text, "`rate_limited`")
    assert "rate_limit_exceeded" in (renamed[0].hint or "")
    # ... and the profile's own code is not reported "missing" a second time for the same row
    assert not any("rate_limit_exceeded" in d.message for d in found if d is not renamed[0])


def test_md013_unknown_code_is_info() -> None:
    text = replace("| `rate_limit_exceeded` | any |", "| `rate_limit_exceeded` | any | x |\n| `teapot` | any |")
    [d] = [d for d in lint(text, "MD013") if "teapot" in d.message]
    assert (d.severity, d.location.line) == (Severity.INFO, line_of(text, "`teapot`"))


def test_md013_missing_expected_codes_listed() -> None:
    text = replace("| `claim_not_confirmed` | `/claim/complete` | Wait for the user to confirm, then retry. |\n", "")
    [d] = lint(text, "MD013")
    assert d.location.line == line_of(text, "| Code | Where | What to do |")
    assert "claim_not_confirmed" in d.message


def test_md013_only_codes_of_offered_methods_are_expected() -> None:
    text = ("# auth.md\n\n## Step 1 — Discover\n\n```json\n"
            '{"issuer": "https://auth.acme.dev", "agent_auth": {"identity_types_supported": ["identity_assertion"]}}\n'
            "```\n\n## Errors\n\n| Code | Where | What to do |\n| --- | --- | --- |\n"
            "| `invalid_request` | any | fix |\n| `issuer_not_enabled` | reg | stop |\n"
            "| `interaction_required` | reg | claim |\n| `login_required` | reg | sign in |\n"
            "| `invalid_claim_token` | claim | x |\n| `claim_expired` | claim | x |\n"
            "| `already_claimed` | claim | x |\n| `claim_not_confirmed` | claim | x |\n"
            "| `invalid_user_code` | claim | x |\n| `user_code_expired` | claim | x |\n"
            "| `invalid_grant` | token | x |\n| `rate_limit_exceeded` | any | wait |\n")
    assert lint(text, "MD013") == []


def test_md013_errors_table_good_v06_codes_under_v06() -> None:
    text = replace("| `rate_limit_exceeded` |", "| `rate_limited` |")
    assert not [d for d in lint(text, "MD013", profile="v0.6") if "rate_limited" in d.message]


# ---------------------------------------------------------------- MD014 front-matter


def test_md014_front_matter_invalid_yaml() -> None:
    text = "---\nlayout: default\ntitle: [unclosed\n---\n# auth.md\n"
    [d] = lint(text, "MD014")
    assert (d.severity, d.location.line) == (Severity.WARNING, 3)


def test_md014_front_matter_error_position_in_file_coordinates() -> None:
    [d] = lint("---\na: 1\n  b: 2\n---\n# auth.md\n", "MD014")
    assert (d.location.line, d.location.column) == (3, 4)


def test_md014_front_matter_unclosed() -> None:
    [d] = lint("---\nlayout: default\n# auth.md\n", "MD014")
    assert d.location.line == 1


def test_md014_front_matter_good() -> None:
    assert lint("---\nlayout: default\ntitle: \"auth.md: agents\"\n---\n# auth.md\n", "MD014") == []


# ---------------------------------------------------------------- MD015 no-registration-declaration


def test_md015_no_registration_declaration_missing() -> None:
    [d] = lint("# auth.md\n\nWelcome to Acme.\n", "MD015", profile="no-registration")
    assert (d.severity, d.location.line) == (Severity.WARNING, 3)


@pytest.mark.parametrize("sentence", [
    "This origin offers no agent registration.",
    "Acme does not offer agentic registration.",
    "Agent registration is not available; registration is not offered.",
])
def test_md015_no_registration_declaration_good(sentence: str) -> None:
    assert lint(f"# auth.md\n\n{sentence}\n", "MD015", profile="no-registration") == []


def test_md015_only_under_no_registration_profile() -> None:
    assert lint("# auth.md\n\nWelcome.\n", "MD015") == []


def test_md015_profile_runs_only_no_registration_rules() -> None:
    text = "# auth.md\n\nAcme offers no agent registration.\n"
    assert lint(text, "MD003", profile="no-registration") == []


# ---------------------------------------------------------------- MD016 stale-prose


def test_md016_stale_prose_view_polling() -> None:
    text = replace("Keep the `claim.token`", "Poll for ceremony completion at `/view`. Keep the `claim.token`")
    [d] = lint(text, "MD016")
    n = line_of(text, "at `/view`")
    assert (d.severity, d.location.line, d.location.column) == (Severity.INFO, n, 1)


def test_md016_stale_prose_status_pending() -> None:
    text = replace("A `claim_not_confirmed` error",
                   'Your poll keeps returning `"status": "pending"`. A `claim_not_confirmed` error')
    [d] = lint(text, "MD016")
    assert d.location.line == line_of(text, '"status": "pending"')


def test_md016_stale_email_field_in_v07() -> None:
    text = replace("Keep the `claim.token`", "Call `/claim` with the same `email`. Keep the `claim.token`")
    [d] = lint(text, "MD016")
    assert d.location.line == line_of(text, "same `email`")
    assert lint(text, "MD016", profile="v0.6") == []


def test_md016_not_reported_before_v04_or_in_code() -> None:
    text = replace("Keep the `claim.token`", "Poll for ceremony completion at `/view`. Keep the `claim.token`")
    assert lint(text, "MD016", profile="v0.3") == []
    code = "# auth.md\n\n```json\n{\"status\": \"pending\"}\n```\n"
    assert lint(code, "MD016") == []


# ---------------------------------------------------------------- MD017 missing-401-challenge-documented


def test_md017_documented_401_without_challenge() -> None:
    text = "# auth.md\n\n```http\nHTTP/1.1 401 Unauthorized\nContent-Type: application/json\n```\n"
    [d] = lint(text, "MD017")
    assert (d.severity, d.location.line) == (Severity.INFO, 3)


def test_md017_bearer_challenge_without_resource_metadata() -> None:
    text = "# auth.md\n\n```http\nHTTP/1.1 401 Unauthorized\nWWW-Authenticate: Bearer realm=\"api\"\n```\n"
    [d] = lint(text, "MD017")
    assert d.location.line == 5


def test_md017_prose_says_header_is_omitted() -> None:
    text = "# auth.md\n\nNote: our API does not send a `WWW-Authenticate` header.\n"
    [d] = lint(text, "MD017")
    assert (d.location.line, d.location.column) == (3, 15)


def test_md017_fallback_instruction_is_fine() -> None:
    text = "# auth.md\n\nIf a 401 comes without `WWW-Authenticate`, fall back to the well-known URL.\n"
    assert lint(text, "MD017") == []


def test_md013_newer_code_in_older_profile_names_the_old_name() -> None:
    # A v0.7-B table under v0.6: one finding for the table's codes (issue 11), each with its fix.
    [d] = [d for d in lint(CLEAN, "MD013", profile="v0.6") if "`rate_limit_exceeded`" in d.message]
    assert d.severity is Severity.WARNING
    lines = [d.location.line, *(r.line for r in d.related)]
    assert line_of(CLEAN, "| `rate_limit_exceeded` |") in lines
    assert "`rate_limit_exceeded` (line" in (d.hint or "") and "v0.6 calls it `rate_limited`" in (d.hint or "")


# ---------------------------------------------------------------- regressions found by dogfooding


def test_md011_duplicate_heading_below_a_conflict_setext_h1() -> None:
    # `<<<<<<< HEAD` + text + `=======` parses as a setext H1; it must not hide the repeated H2.
    text = replace("## Step 3 — Register", "<<<<<<< HEAD\nUse anonymous.\n=======\nUse service_auth.\n"
                   ">>>>>>> feature\n\n## Step 3 — Register\n\nAgain.\n\n## Step 3 — Register")
    diags = lint(text, "MD011")
    assert [d.location.line for d in diags] == [line_of(text, "## Step 3 — Register", 2)]


def test_md011_duplicate_heading_across_a_second_h1() -> None:
    text = "# auth.md\n\n## Errors\n\ntext\n\n# Appendix\n\n## Errors\n\nmore\n"
    assert [d.location.line for d in lint(text, "MD011")] == [9]


def test_md001_missing_h1_when_the_only_h1_is_a_conflict_setext() -> None:
    text = "<<<<<<< HEAD\nIntro A.\n=======\nIntro B.\n>>>>>>> main\n\n## Step 1 — Discover\n\ntext\n"
    diags = lint(text, "MD001")
    assert [d.location.line for d in diags] == [1]


def test_md006_intro_hosts_front_matter_without_h1_reads_the_real_intro() -> None:
    # Front matter supplies the title and the only H1 comes late (SPEC §3.6): the intro is the
    # text between the front matter and the first H2, and it does name both hosts.
    body = CLEAN.replace("# auth.md\n", "", 1)
    text = "---\nlayout: default\ntitle: auth.md\n---\n" + body + "\nTitle\n=====\n\nEnd.\n"
    assert lint(text, "MD006") == []
    broken = text.replace("`https://api.widgetco.dev`", "the API", 1)
    diags = lint(broken, "MD006")
    assert [d.location.line for d in diags] == [line_of(broken, "WidgetCo supports agentic registration")]


def test_md005_lines_stay_true_with_unicode_line_separators() -> None:
    # U+2028, U+0085 and form feed are not line breaks for Markdown or editors (CommonMark §2.1).
    text = replace("WidgetCo supports agentic registration: an AI agent",
                   "WidgetCo supports agentic\u2028registration:\x85an AI\x0cagent")
    text = replace("## Step 2 — Pick a method", "## Step 2: Pick a method", text)
    diags = lint(text, "MD005")
    assert [d.location.line for d in diags] == [line_of(CLEAN, "## Step 2 — Pick a method")]


def test_md005_lines_stay_true_with_crlf_and_cr() -> None:
    text = replace("## Step 2 — Pick a method", "## Step 2: Pick a method")
    want = line_of(text, "## Step 2: Pick a method")
    for eol in ("\r\n", "\r"):
        diags = lint(text.replace("\n", eol), "MD005")
        assert [d.location.line for d in diags] == [want], eol


def test_md018_html_document_bad() -> None:
    text = "\n<!DOCTYPE html>\n<html><head><title>auth.md</title></head><body><h1>auth.md</h1></body></html>\n"
    report = lint_text(text, source="auth.md", options=LintOptions())
    found = [(d.code, d.location.line) for d in report.diagnostics]
    assert ("MD018", 2) in found
    # One finding says what is wrong, not a missing H1 and eight missing sections.
    assert not {c for c, _ in found} & {"MD001", "MD003", "MD006", "GN004"}


def test_md018_html_document_good() -> None:
    assert lint(CLEAN, "MD018") == []
    assert lint("# auth.md\n\n<html> is mentioned in prose.\n", "MD018") == []


def test_md013_errors_table_renamed_row_is_not_also_missing() -> None:
    # `rate_limited` is reported once, with its rename; `rate_limit_exceeded` is not "missing" too.
    text = replace("| `rate_limit_exceeded` |", "| `rate_limited` |")
    diags = lint(text, "MD013")
    assert [d.location.line for d in diags] == [line_of(text, "| `rate_limited` |")]
    assert diags[0].hint == "use `rate_limit_exceeded`"


def test_md005_heading_style_hint_restores_the_canonical_title_case() -> None:
    text = replace("## Step 2 — Pick a method", "## step 2 - pick a method")
    diags = lint(text, "MD005")
    assert [d.location.line for d in diags] == [line_of(text, "## step 2 - pick a method")]
    assert diags[0].hint == "write `## Step 2 — Pick a method`"


# ---------------------------------------------------------------- MD019 idjag-audience


@pytest.mark.parametrize("sentence", [
    "Set the ID-JAG `aud` to the `resource` from the protected-resource metadata.",
    "Use the PRM resource as the ID-JAG audience.",
])
def test_md019_idjag_audience_resource_reading_is_info(sentence: str) -> None:
    text = replace("## Step 3 — Register\n", f"## Step 3 — Register\n\n{sentence}\n")
    [d] = lint(text, "MD019")
    assert (d.severity, d.location.line) == (Severity.INFO, line_of(text, sentence))
    assert "issuer" in (d.hint or "")


def test_md019_idjag_audience_good() -> None:
    assert lint(CLEAN, "MD019") == []
    text = replace("## Step 3 — Register\n", "## Step 3 — Register\n\nThe ID-JAG `aud` is our issuer; "
                   "`resource_name` is shown to the user.\n")
    assert lint(text, "MD019") == []


# ---------------------------------------------------------------- issue 11: precision and noise


def test_md010_separator_between_two_copies_of_a_section() -> None:
    # No `<<<<<<<`/`>>>>>>>` left, and `=======` right under a text line (a setext H1 otherwise).
    text = replace("## Step 2 — Pick a method\n", "## Step 2 — Pick a method\n\nOld text.\n=======\n"
                   "## Step 2 — Pick a method\n")
    [d] = lint(text, "MD010")
    assert d.location.line == line_of(text, "=======")
    assert lint(text, "MD002") == [] and lint(text, "MD011") == []  # one root cause, one finding


@pytest.mark.parametrize("sentence", [
    "Our 401 responses come without a `WWW-Authenticate` header.",
    "There is no WWW-Authenticate header on our 401s.",
    "The WWW-Authenticate header is not sent.",
])
def test_md017_wordings_of_a_missing_header(sentence: str) -> None:
    text = replace("## Step 2 — Pick a method\n", f"{sentence}\n\n## Step 2 — Pick a method\n")
    [d] = lint(text, "MD017")
    assert d.location.line == line_of(text, sentence)


@pytest.mark.parametrize(("heading", "sid"), [
    ("## Step 4 — Optional claim ceremony", "claim"), ("## Step 7. Handle revocation", "revocation"),
    ("## Error handling", "errors"), ("## Handling errors", "errors"), ("## Appendix: discovery links", None),
    ("## Discovery links", None),
])
def test_md003_sections_recognised_by_name(heading: str, sid: str | None) -> None:
    from authmd_cli.protocol.markdown import section_id_for, split_heading

    assert section_id_for(split_heading(heading.lstrip("# "))[1]) == sid


def test_md005_heading_style_one_finding_per_document() -> None:
    text = replace("## Step 1 — Discover", "## Step 1: Discover")
    text = replace("## Step 2 — Pick a method", "## Step 2: Pick a method", text)
    [d] = lint(text, "MD005")
    assert d.location.line == line_of(text, "## Step 1: Discover")
    assert [r.line for r in d.related] == [line_of(text, "## Step 2: Pick a method")]
    assert "2 section headings" in d.message


@pytest.mark.parametrize("wording", [
    "All resources on this site are public; no registration is needed.",
    "Neither method supports self-registration.",
    "This service does not\noffer agent registration.",
    "Agents do not need to register here.",
])
def test_md015_honest_negative_wordings(wording: str) -> None:
    text = f"# auth.md\n\n{wording}\n"
    assert lint(text, "MD015", profile="no-registration") == []
    report = lint_text(text, source="auth.md", options=LintOptions())
    assert report.documents[0].profile == "no-registration" and report.diagnostics == []


def test_md004_section_order_appendix_of_links_is_not_the_discover_step() -> None:
    # Issue 11: an appendix titled "Discovery links" at the end was read as a misplaced Discover.
    text = replace("## Step 1 — Discover", "## Step 1 — Find the metadata") + \
        "\n## Discovery links\n\n- `https://api.widgetco.dev/.well-known/oauth-protected-resource`\n"
    assert [d.location.line for d in lint(text, "MD004")] == []
    [d] = lint(text, "MD003")  # Discover is missing, and said so once, where it belongs
    assert d.location.line == line_of(text, "## Step 2 — Pick a method")
