"""Property: a next-line directive for a reported code removes exactly that diagnostic.

Lint a generated auth.md; for each reported diagnostic on a line that follows a blank line (so
the inserted comment is its own HTML block and does not change the Markdown structure), insert
`<!-- authmd-disable-next-line CODE -->` above it and lint again: every other diagnostic is
still there (shifted by the inserted line), the chosen one is gone, and no TL004/TL005 appears.

Malformed directives are among the blocks, so there is always something to suppress (TL004) even
with few content rules; every content rule that fires on the blocks is exercised as well.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from authmd_cli.core.diagnostics import Diagnostic
from authmd_cli.lint.engine import LintOptions, lint_documents
from authmd_cli.lint.loader import load_document

SOURCE = "auth.md"

_BLOCKS = st.sampled_from([
    "# auth.md",
    "# Sign up for Quillnote",
    "## Step 1 — Discover",
    "## Step 2: Register",
    "## 3. Claim",
    "## Errors",
    "## Errors",  # duplicate headings are likely
    "### Anonymous",
    "Agents register at https://api.example.com/agent/identity with an anonymous identity.",
    "The resource is https://api.quillnote.io and the issuer https://auth.quillnote.io.",
    "| Code | Where | What to do |\n| --- | --- | --- |\n| `invalid_request` | register | fix it |",
    '```json\n{"resource": "https://api.quillnote.io", "authorization_servers": ["https://auth.quillnote.io"]}\n```',
    '```json\n{"identity_endpoint": "https://auth.quillnote.io/agent/identity",}\n```',
    "```http\nPOST /agent/identity HTTP/1.1\nHost: auth.quillnote.io\n\n{\"type\": \"anonymous\"}\n```",
    "```\nno language\n```",
    "<!-- authmd-disable TL999 -->",
    "<!-- authmd-disable-next-line nonexistent-rule -->",
    "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlc2lnbmF0dXJl",
])


def _located(diags: list[Diagnostic]) -> Counter[tuple[str, int | None, int | None, str]]:
    return Counter((d.code, d.location.line, d.location.column, d.location.source) for d in diags)


def _lint(text: str) -> list[Diagnostic]:
    return lint_documents([load_document(SOURCE, text)], [], LintOptions()).diagnostics


def _check_suppression(text: str) -> int:
    """Insert a directive above each suppressible diagnostic in turn; return how many were checked."""
    lines = text.split("\n")
    doc = load_document(SOURCE, text)
    assert doc.auth is not None
    before = _lint(text)
    candidates = sorted({
        (d.code, d.location.line) for d in before
        if d.location.source == SOURCE and d.location.line is not None and d.location.line >= 2
        and lines[d.location.line - 2] == "" and d.location.line not in doc.auth.code_lines
    }, key=lambda t: (t[1] or 0, t[0]))
    for code, line in candidates:
        assert line is not None
        edited = [*lines[: line - 1], f"<!-- authmd-disable-next-line {code} -->", *lines[line - 1:]]
        after = _lint("\n".join(edited))

        def shifted(d: Diagnostic, line: int = line) -> tuple[str, int | None, int | None, str]:
            ln = d.location.line
            if ln is not None and ln >= line and d.location.source == SOURCE:
                ln += 1
            return (d.code, ln, d.location.column, d.location.source)

        expected = Counter(shifted(d) for d in before
                           if not (d.code == code and d.location.line == line and d.location.source == SOURCE))
        assert _located(after) == expected, f"suppressing {code} at line {line}"
    return len(candidates)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blocks=st.lists(_BLOCKS, min_size=1, max_size=12))
# Pinned: a directive right after the H1 must not become "the intro" (MD006 intro-hosts anchor).
@example(blocks=["# auth.md", "## Step 1 — Discover"])
@example(blocks=["# auth.md", "# auth.md"])
def test_next_line_directive_removes_exactly_the_chosen_diagnostic(blocks: list[str]) -> None:
    assume(_check_suppression("\n\n".join(blocks) + "\n") > 0)
