"""TL rules: input problems, directives and engine failures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from authmd_cli.core.diagnostics import Finding, Location, Severity
from authmd_cli.lint.engine import LintOptions, lint_documents, lint_text
from authmd_cli.lint.loader import load_document
from authmd_cli.lint.rules import REGISTRY
from authmd_cli.lint.rules.base import Rule, RuleContext
from authmd_cli.protocol.model import Document


def _codes(source: str, data: bytes | str, code: str) -> list[tuple[str, int | None, int | None]]:
    report = lint_documents([load_document(source, data)], [], LintOptions(select=(code,)))
    return [(d.code, d.location.line, d.location.column) for d in report.diagnostics]


def test_tl001_unreadable_file_non_utf8() -> None:
    assert _codes("auth.md", "# auth.md\n\ncaf\xe9\n".encode("latin-1"), "TL001") == [("TL001", 3, 4)]


def test_tl001_unreadable_file_too_large_is_a_finding_not_the_end_of_the_run(tmp_path: Path) -> None:
    from authmd_cli.lint.engine import lint_paths
    from authmd_cli.lint.loader import MAX_BYTES

    (tmp_path / "big.md").write_bytes(b"a" * (MAX_BYTES + 1))
    (tmp_path / "ok.md").write_text("# auth.md\n", encoding="utf-8")
    report = lint_paths([str(tmp_path / "big.md"), str(tmp_path / "ok.md")], LintOptions())
    big = [d for d in report.diagnostics if d.location.source.endswith("big.md")]
    assert [(d.code, d.location.line) for d in big] == [("TL001", 1)]  # and nothing else for it
    assert [doc.profile for doc in report.documents if doc.source.endswith("big.md")] == [None]


def test_tl001_fifo_is_refused_not_read(tmp_path: Path) -> None:
    import os

    from authmd_cli.core.errors import InputError
    from authmd_cli.lint.engine import lint_paths

    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        lint_paths([str(fifo)], LintOptions())


def test_tl001_utf8_with_bom_is_fine() -> None:
    assert _codes("auth.md", b"\xef\xbb\xbf# auth.md\n", "TL001") == []


def test_tl002_invalid_json_reports_line_and_column() -> None:
    text = '{\n  "resource": "https://api.quillnote.io",\n}\n'
    line, column = 3, 1  # the `}` after the trailing comma
    assert _codes("site/.well-known/oauth-protected-resource", text, "TL002") == [("TL002", line, column)]


def test_tl002_valid_json_is_silent() -> None:
    assert _codes("prm.json", '{"resource": "https://api.quillnote.io"}', "TL002") == []


def test_tl003_unknown_document() -> None:
    line = column = 1  # the document as a whole
    assert _codes("thing.json", '{"name": "x"}', "TL003") == [("TL003", line, column)]
    assert _codes("thing.json", '{"issuer": "https://auth.quillnote.io"}', "TL003") == []


def test_tl004_invalid_directive_unknown_code() -> None:
    report = lint_text("# auth.md\n\n<!-- authmd-disable-next-line XX999 -->\ntext\n",
                       options=LintOptions(select=("TL004",)))
    assert [(d.code, d.location.line) for d in report.diagnostics] == [("TL004", 3)]


def test_tl005_unused_directive() -> None:
    report = lint_text("# auth.md\n\n<!-- authmd-disable-next-line MD001 -->\ntext\n",
                       options=LintOptions(select=("TL005", "MD001")))
    assert [(d.code, d.location.line) for d in report.diagnostics] == [("TL005", 3)]


def test_tl006_internal_error_becomes_a_diagnostic(monkeypatch: pytest.MonkeyPatch) -> None:
    def crashing(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
        """Crashes on purpose.

        Why: tests the engine's guard.
        Bad/Good: n/a
        """
        raise RuntimeError("boom")
        yield Finding("never", Location(doc.source))

    monkeypatch.setitem(REGISTRY, "MD999", Rule("MD999", "crash-test", Severity.INFO, "auth.md", "structure",
                                                "test", crashing))
    report = lint_text("# auth.md\n", options=LintOptions(select=("MD999",)))
    (diag,) = report.diagnostics
    assert diag.code == "TL006" and diag.severity is Severity.ERROR
    assert "MD999" in diag.message and "RuntimeError: boom" in diag.message


def test_tl007_not_protocol_manifest_skips_protocol_rules() -> None:
    text = "---\nname: acme-cli\nflows:\n  - pat\n  - service-auth\n---\n\nLog in with a token.\n"
    report = lint_text(text)
    codes = {d.code for d in report.diagnostics}
    assert [d.location.line for d in report.diagnostics if d.code == "TL007"] == [1]
    assert not {c for c in codes if not c.startswith("TL")}


def test_tl007_real_auth_md_is_protocol() -> None:
    report = lint_text("# auth.md\n\nRegister at `POST /agent/identity` with `identity_types_supported`.\n",
                       options=LintOptions(select=("TL007",)))
    assert report.diagnostics == []


def test_tl006_internal_error_while_detecting(monkeypatch: pytest.MonkeyPatch) -> None:
    import authmd_cli.protocol.detect as detect_module

    def broken(*args: object) -> object:
        raise KeyError("bug")

    monkeypatch.setattr(detect_module, "document_scan", broken)
    doc = load_document("auth.md", "# auth.md\n")
    assert doc.detection.profile is None and doc.internal_error is not None
    report = lint_documents([doc], [], LintOptions(select=("TL006",)))
    assert [(d.code, d.location.line) for d in report.diagnostics] == [("TL006", 1)]
