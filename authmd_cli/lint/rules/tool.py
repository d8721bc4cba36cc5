"""Rule family TL: problems with the input itself, the directives, or the tool.

TL004-TL006 are emitted by the engine and `lint/directives.py` rather than by a check; they are
registered here so they have stable codes, documentation and config handling like any rule.
"""

from __future__ import annotations

from collections.abc import Iterator

from authmd_cli.core.diagnostics import Finding, Severity
from authmd_cli.lint.rules.base import RuleContext, at, rule
from authmd_cli.protocol.model import DocKind, Document


@rule("TL001", "unreadable-file", Severity.ERROR, scope="any", spec="RFC 8259 §8.1; docs/protocol.md §3.1")
def unreadable_file(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """The input could not be decoded as UTF-8 text.

    Why: auth.md is served as `text/markdown; charset=utf-8` (docs/protocol.md §3.1) and JSON must be UTF-8
    (RFC 8259 §8.1); an agent that cannot decode the file cannot follow it.
    Bad: a file saved as UTF-16 or Latin-1 with non-ASCII characters.
    Good: the same text saved as UTF-8 (no BOM).
    """
    if doc.read_error:
        if doc.read_error.startswith("not UTF-8"):
            hint = "save the file as UTF-8"
        elif doc.read_error.startswith("cannot be read"):
            hint = "make it a regular, readable file (or remove it)"
        else:
            hint = "auth.md and discovery documents are small; is this the right file?"
        line, column = doc.read_error_at or (1, 1)
        yield Finding(doc.read_error, at(doc, line, column), hint=hint)


@rule("TL002", "invalid-json", Severity.ERROR, scope="any", spec="RFC 8259; docs/protocol.md D12")
def invalid_json(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """A discovery document is not strict JSON.

    Why: agents parse the PRM and AS metadata with a strict JSON parser (RFC 8259); comments,
    trailing commas or single quotes make the whole document unusable (docs/protocol.md D12).
    A `\\ud800` escape without its pair (not Unicode text, RFC 8259 §8.2) and an integer of
    thousands of digits are refused too.
    Bad: `{"resource": "https://api.example.com",}`
    Good: `{"resource": "https://api.example.com"}`
    """
    if doc.json_error is not None and doc.kind is not DocKind.AUTH_MD:
        err = doc.json_error
        yield Finding(f"not valid JSON: {err.message}", at(doc, err.line, err.column),
                      hint=err.hint or "fix the syntax; comments and trailing commas are not allowed in JSON")


@rule("TL003", "unknown-document", Severity.WARNING, scope="any", spec="docs/protocol.md §3, §4, §5")
def unknown_document(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """The input is neither an auth.md file nor a PRM or AS metadata document.

    Why: authmd recognises documents by content (a JSON object with `resource` is a PRM, one with
    `issuer` or `agent_auth` is AS metadata, Markdown is auth.md); anything else is not linted.
    Bad: a JSON array, or a JSON object with none of those members.
    Good: pass the auth.md and the two `.well-known` documents.
    """
    if doc.kind is DocKind.JSON and doc.json_error is None and not doc.read_error:
        yield Finding("JSON document is neither protected-resource metadata (no `resource`) nor "
                      "authorization-server metadata (no `issuer` or `agent_auth`); not linted",
                      at(doc, 1, 1))


@rule("TL004", "invalid-directive", Severity.ERROR, scope="auth.md", spec="README: inline directives")
def invalid_directive(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """An `<!-- authmd-... -->` comment is malformed or names an unknown rule.

    Why: a directive that silently does nothing hides findings the author thinks are handled.
    Bad: `<!-- authmd-disable-next-line XX999 -->`, `<!-- authmd-disabel MD001 -->`
    Good: `<!-- authmd-disable-next-line MD005 -->` or `<!-- authmd-disable section-order -->`
    (Emitted by the suppression pass.)
    """
    return iter(())


@rule("TL005", "unused-directive", Severity.WARNING, scope="auth.md", spec="README: inline directives")
def unused_directive(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """A disable directive suppressed nothing.

    Why: stale suppressions hide future regressions; remove them once the finding is fixed.
    Bad: `<!-- authmd-disable-next-line MD001 -->` above a line that has no MD001 finding.
    Good: no directive, or one that matches a finding.
    (Emitted by the suppression pass.)
    """
    return iter(())


@rule("TL006", "internal-error", Severity.ERROR, scope="any", spec="README: exit codes")
def internal_error(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """A rule failed with an unexpected exception (a bug in authmd).

    Why: a crash must never look like a clean result; the run exits 2 and names the rule (or
    the loading step, e.g. profile detection). Please report it with the input that triggered it.
    (Emitted by the engine for a failing rule; by this check for a failure while loading.)
    """
    if doc.internal_error:
        yield Finding(doc.internal_error, at(doc, 1, 1), hint="this is a bug in authmd; please report it")


@rule("TL007", "not-protocol", Severity.INFO, scope="auth.md", spec="docs/protocol.md §16")
def not_protocol(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """The file is an `auth.md` of another format (a CLI login manifest, a governance policy).

    Why: other tools use the same file name; protocol rules are skipped for such files.
    Bad/Good: not applicable; rename the file if it is served at `/auth.md` by mistake.
    """
    if doc.detection.not_protocol:
        yield Finding(f"not an agent-registration auth.md: {doc.detection.not_protocol}; protocol rules "
                      "skipped", at(doc, 1, 1))
