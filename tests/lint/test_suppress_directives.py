"""Inline directives: parsing (pure) and applying them to diagnostics placed at known lines.

Diagnostics are built by hand with real registry codes, so these tests pin the directive logic
independently of which rules fire; the property test (test_suppress_property.py) covers the
engine path.
"""

from __future__ import annotations

import pytest

from authmd_cli.core.diagnostics import Diagnostic, Location, Severity
from authmd_cli.lint.directives import apply_suppressions, parse_directive, parse_directives
from authmd_cli.lint.loader import load_document
from authmd_cli.protocol.model import Document

SRC = "site/auth.md"


def _doc(text: str) -> Document:
    doc = load_document(SRC, text)
    assert doc.auth is not None
    return doc


def _diag(code: str, line: int | None, source: str = SRC) -> Diagnostic:
    return Diagnostic(code, "x", Severity.WARNING, f"{code} at {line}", Location(source, line, 1))


def _codes(diags: list[Diagnostic]) -> list[tuple[str, int | None]]:
    return sorted(((d.code, d.location.line) for d in diags), key=lambda t: (t[0], t[1] or 0))


# ------------------------------------------------------------------ parsing


def test_parse_kinds_codes_and_names() -> None:
    ds = parse_directives([
        (3, "authmd-disable-next-line TL003, invalid-json"),
        (1, "<!-- authmd-disable -->"),
        (9, "authmd-enable TL001"),
        (12, "authmd-disable-file"),
        (14, "an ordinary comment"),
        (15, "authmd-disable-line  unknown-document"),
    ])
    assert [(d.kind, d.line, d.codes, d.all_rules) for d in ds] == [
        ("disable", 1, (), True),
        ("disable-next-line", 3, ("TL003", "TL002"), False),
        ("enable", 9, ("TL001",), False),
        ("disable-file", 12, (), True),
        ("disable-line", 15, ("TL003",), False),
    ]
    assert all(not d.problems for d in ds)


def test_parse_problems() -> None:
    bad_word = parse_directive(2, "authmd-disabel TL001")
    assert bad_word is not None and bad_word.kind == ""
    assert "did you mean 'authmd-disable'" in bad_word.problems[0]
    unknown = parse_directive(2, "authmd-disable-next-line TL999, unused-directiv")
    assert unknown is not None and unknown.codes == ()
    assert not unknown.all_rules  # codes were written: NOT "every rule"
    assert len(unknown.problems) == 2 and "did you mean 'unused-directive'" in unknown.problems[1]
    malformed = parse_directive(2, "authmd-disable TL001; TL002")
    assert malformed is not None and malformed.codes == ("TL002",)
    assert "malformed" in malformed.problems[0]


def test_multiline_comment_end_line() -> None:
    d = parse_directive(4, "authmd-disable-next-line\n  TL003,\n  TL002")
    assert d is not None and (d.line, d.end_line, d.codes) == (4, 6, ("TL003", "TL002"))


# ------------------------------------------------------------------ next-line / same line


def test_next_line_removes_exactly_that_code_on_that_line() -> None:
    doc = _doc("# auth.md\n\n<!-- authmd-disable-next-line TL003 -->\nSome text.\n\nMore text.\n")
    diags = [_diag("TL003", 4), _diag("TL002", 4), _diag("TL003", 6), _diag("TL003", None)]
    kept = apply_suppressions(doc, diags)
    assert _codes(kept) == [("TL002", 4), ("TL003", None), ("TL003", 6)]


def test_next_line_by_rule_name() -> None:
    doc = _doc("# auth.md\n\n<!-- authmd-disable-next-line unknown-document -->\nText.\n")
    assert apply_suppressions(doc, [_diag("TL003", 4)]) == []


def test_next_line_after_a_multiline_comment() -> None:
    doc = _doc("# auth.md\n\n<!--\nauthmd-disable-next-line TL003\n-->\nText.\n")
    assert apply_suppressions(doc, [_diag("TL003", 6), _diag("TL003", 4)]) == [_diag("TL003", 4)]


def test_next_line_without_codes_means_every_rule() -> None:
    doc = _doc("# auth.md\n\n<!-- authmd-disable-next-line -->\nText.\n")
    assert apply_suppressions(doc, [_diag("TL003", 4), _diag("TL002", 4)]) == []


def test_disable_line_on_a_heading() -> None:
    doc = _doc("# auth.md\n\n## Register <!-- authmd-disable-line TL003 -->\n\nText.\n")
    kept = apply_suppressions(doc, [_diag("TL003", 3), _diag("TL003", 5)])
    assert _codes(kept) == [("TL003", 5)]


# ------------------------------------------------------------------ regions and file


REGION = """\
# auth.md

<!-- authmd-disable TL003 -->
a

b

<!-- authmd-enable TL003 -->
c
"""


def test_region_covers_lines_between_disable_and_enable() -> None:
    doc = _doc(REGION)
    diags = [_diag("TL003", n) for n in (1, 4, 6, 9)] + [_diag("TL002", 4)]
    assert _codes(apply_suppressions(doc, diags)) == [("TL002", 4), ("TL003", 1), ("TL003", 9)]


def test_unclosed_region_runs_to_end_of_file() -> None:
    doc = _doc("# auth.md\n\n<!-- authmd-disable -->\n\nx\n\ny\n")
    assert _codes(apply_suppressions(doc, [_diag("TL003", 5), _diag("TL002", 7), _diag("TL001", 1)])) == [
        ("TL001", 1)
    ]


def test_enable_one_code_inside_a_disable_all_region() -> None:
    doc = _doc("# auth.md\n\n<!-- authmd-disable -->\n\nx\n\n<!-- authmd-enable TL003 -->\n\ny\n")
    kept = apply_suppressions(doc, [_diag("TL003", 5), _diag("TL003", 9), _diag("TL002", 9)])
    assert _codes(kept) == [("TL003", 9)]


def test_disable_file_without_codes_drops_everything_including_unlocated() -> None:
    doc = _doc("# auth.md\n\n<!-- authmd-disable-file -->\n\nx\n")
    assert apply_suppressions(doc, [_diag("TL003", 5), _diag("TL002", None), _diag("TL001", 1)]) == []


def test_disable_file_with_codes() -> None:
    doc = _doc("# auth.md\n\nx\n\n<!-- authmd-disable-file TL003, invalid-json -->\n")
    kept = apply_suppressions(doc, [_diag("TL003", 3), _diag("TL002", None), _diag("TL001", 3)])
    assert _codes(kept) == [("TL001", 3)]


def test_unlocated_diagnostics_only_yield_to_disable_file() -> None:
    doc = _doc("# auth.md\n\n<!-- authmd-disable TL003 -->\n\nx\n")
    kept = apply_suppressions(doc, [_diag("TL003", None), _diag("TL003", 5)])
    assert _codes(kept) == [("TL003", None)]


def test_other_sources_pass_through() -> None:
    doc = _doc("# auth.md\n\n<!-- authmd-disable-file -->\n")
    other = _diag("TL003", 3, source="site/.well-known/oauth-protected-resource")
    assert apply_suppressions(doc, [other]) == [other]


def test_directives_inside_code_are_ignored() -> None:
    doc = _doc("# auth.md\n\n```html\n<!-- authmd-disable-file -->\n```\n\nx\n")
    assert apply_suppressions(doc, [_diag("TL003", 7)]) == [_diag("TL003", 7)]


# ------------------------------------------------------------------ TL004 / TL005


def _meta(diags: list[Diagnostic]) -> list[tuple[str, int | None, int | None]]:
    return sorted((d.code, d.location.line, d.location.column)
                  for d in diags if d.code in ("TL004", "TL005"))


def test_unknown_code_is_tl004_at_the_comment() -> None:
    doc = _doc("# auth.md\n\n  <!-- authmd-disable-next-line TL003, invalid-jsn -->\nx\n")
    out = apply_suppressions(doc, [_diag("TL003", 4)])
    assert _meta(out) == [("TL004", 3, 3)]
    tl004 = next(d for d in out if d.code == "TL004")
    assert tl004.name == "invalid-directive" and tl004.severity is Severity.ERROR
    assert "did you mean 'invalid-json'" in tl004.message
    assert all(d.code != "TL003" for d in out)  # the known code still worked


def test_unknown_directive_word_is_tl004() -> None:
    doc = _doc("# auth.md\n\n<!-- authmd-disable-nextline TL003 -->\nx\n")
    out = apply_suppressions(doc, [_diag("TL003", 4)])
    assert _meta(out) == [("TL004", 3, 1)]
    assert _codes([d for d in out if d.code == "TL003"]) == [("TL003", 4)]  # nothing suppressed


def test_enable_without_disable_is_tl004() -> None:
    doc = _doc("# auth.md\n\n<!-- authmd-enable TL003 -->\n")
    assert _meta(apply_suppressions(doc, [])) == [("TL004", 3, 1)]


def test_unused_directive_is_tl005_per_code() -> None:
    doc = _doc("# auth.md\n\n<!-- authmd-disable-next-line TL003, TL002 -->\nx\n")
    out = apply_suppressions(doc, [_diag("TL003", 4)])
    assert _meta(out) == [("TL005", 3, 1)]
    tl005 = next(d for d in out if d.code == "TL005")
    assert "TL002" in tl005.message and tl005.name == "unused-directive"
    assert tl005.severity is Severity.WARNING


@pytest.mark.parametrize("directive", ["authmd-disable TL003", "authmd-disable-line TL003",
                                       "authmd-disable-next-line", "authmd-disable-file TL003",
                                       "authmd-disable"])
def test_each_disable_kind_reports_unused(directive: str) -> None:
    doc = _doc(f"# auth.md\n\n<!-- {directive} -->\nx\n")
    assert _meta(apply_suppressions(doc, [])) == [("TL005", 3, 1)]


def test_bare_disable_file_is_never_unused() -> None:
    doc = _doc("# auth.md\n\n<!-- authmd-disable-file -->\n")
    assert apply_suppressions(doc, []) == []


def test_inactive_rules_are_not_reported_unused() -> None:
    doc = _doc("# auth.md\n\n<!-- authmd-disable-next-line TL003 -->\nx\n")
    assert apply_suppressions(doc, [], is_active=lambda code: code != "TL003") == []


def test_inactive_tl004_tl005_are_not_emitted() -> None:
    doc = _doc("# auth.md\n\n<!-- authmd-disable TL999 -->\n<!-- authmd-disable-next-line TL003 -->\nx\n")
    assert _meta(apply_suppressions(doc, [])) == [("TL004", 3, 1), ("TL005", 4, 1)]
    assert _meta(apply_suppressions(doc, [], is_active=lambda code: code != "TL004")) == [("TL005", 4, 1)]
    assert _meta(apply_suppressions(doc, [], is_active=lambda code: code != "TL005")) == [("TL004", 3, 1)]


def test_configured_severity_applies_to_tl004_tl005() -> None:
    doc = _doc("# auth.md\n\n<!-- authmd-disable TL999 -->\n<!-- authmd-disable-next-line TL003 -->\nx\n")
    out = apply_suppressions(doc, [], severity={"invalid-directive": Severity.INFO, "TL005": Severity.ERROR})
    assert sorted((d.code, d.severity.value) for d in out) == [("TL004", "info"), ("TL005", "error")]


def test_tl005_can_be_silenced_but_not_by_its_own_directive() -> None:
    silenced = _doc("# auth.md\n\n<!-- authmd-disable-file TL005 -->\n"
                    "<!-- authmd-disable-next-line TL003 -->\nx\n")
    assert _meta(apply_suppressions(silenced, [])) == []
    own = _doc("# auth.md\n\n<!-- authmd-disable-file TL005 -->\n")
    assert _meta(apply_suppressions(own, [])) == [("TL005", 3, 1)]


def test_invalid_directive_in_a_fully_disabled_file_is_silenced() -> None:
    doc = _doc("# auth.md\n\n<!-- authmd-disable-file -->\n<!-- authmd-disable TL999 -->\n")
    assert apply_suppressions(doc, []) == []


def test_no_comments_is_identity() -> None:
    doc = _doc("# auth.md\n\nx\n")
    diags = [_diag("TL003", 3)]
    assert apply_suppressions(doc, diags) == diags
