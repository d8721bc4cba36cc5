"""Uncoloured text is written without rich; it must be exactly what rich printed (and still prints
when colouring), whatever the findings quote."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from authmd_cli.core.diagnostics import Diagnostic, DocumentInfo, Location, Report, Severity
from authmd_cli.render import text as text_renderer

# Values from documents we did not write: control characters, wide and combining characters,
# emoji, trailing blanks, CRLF, tabs (which rich expands, so they keep going through rich).
_ANY = st.text(alphabet=st.characters(max_codepoint=0x1FFFF, exclude_categories=("Cs",))
               | st.sampled_from("\t\r\n \x1b\x85\u200b\u0301漢😀"), max_size=40)


def _plain(report: Report) -> str:
    out = io.StringIO()
    text_renderer.render(report, stream=out, color=False, rules=None, tool_version="0", environ={})
    return out.getvalue()


def _via_rich(report: Report) -> str:
    out = io.StringIO()
    text_renderer._print_rich(text_renderer._runs(report, False), out, False)
    return out.getvalue()


@settings(max_examples=150)
@given(st.lists(st.tuples(_ANY, _ANY, st.none() | _ANY, st.none() | st.integers(1, 10**6),
                          st.none() | st.integers(1, 300), st.none() | _ANY), max_size=4),
       st.lists(st.tuples(_ANY, st.none() | _ANY, st.none() | _ANY, st.booleans()), max_size=3))
def test_plain_output_is_byte_identical_to_rich(
        diags: list[tuple[str, str, str | None, int | None, int | None, str | None]],
        docs: list[tuple[str, str | None, str | None, bool]]) -> None:
    report = Report(
        [DocumentInfo(src, "auth.md", profile, dialect=dialect, mixed=mixed) for src, profile, dialect, mixed in docs],
        [Diagnostic("MD001", "missing-h1", Severity.ERROR, message, Location(src, line, col, pointer), hint=hint)
         for src, message, hint, line, col, pointer in diags],
    )
    assert _plain(report) == _via_rich(report)


def test_text_with_a_tab_still_goes_through_rich() -> None:
    # rich turns some tabs into spaces (here the one before the newline): not worth re-implementing.
    report = Report([], [Diagnostic("MD001", "missing-h1", Severity.ERROR, "a\tb\t", Location("x.md", 1, 1))])
    runs = text_renderer._runs(report, False)
    naive = "".join(text for text, _ in runs) + "\n"
    assert _via_rich(report) != naive
    assert _plain(report) == _via_rich(report)
