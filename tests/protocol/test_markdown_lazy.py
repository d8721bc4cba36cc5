"""The lazy inline parse (only headings, table cells and comment-bearing text) builds exactly
the model the full markdown-it parse builds: same headings, tables, comments, lines, positions."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from authmd_cli.protocol.markdown import parse_auth_md

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# Inline pieces that change what an inline token's children are: emphasis, code spans, links
# (inline, reference, autolink), HTML (comments, tags), escapes, entities, breaks, pipes.
_INLINE = st.sampled_from([
    "word", "two words", "*em*", "**strong**", "_under_", "`code`", "`` a`b ``", "[link](https://x.io/a)",
    "[ref]", "[ref][]", "[Ref Label]", "<https://x.io>", "<b>bold</b>", "<!-- authmd-disable MD005 -->",
    "<!--x-->", "<!-- open", "-->", "\\*", "\\|", "&amp;", "&lt;!--", "&#42;", "  \n", "\\\n", "|", "#", "!",
    "[", "]", "(", ")", "Step 1 — Discover", "1. Register", "`<!-- not a comment -->`", "\u2028", "\t",
    "` spaced `", "`a`, `b`", "`  `",
])
_TEXT = st.lists(_INLINE, min_size=1, max_size=6).map(" ".join)
_LINE = _TEXT.map(lambda t: t.replace("\n", " "))


@st.composite
def _block(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 11))
    if kind == 0:
        return f"{'#' * draw(st.integers(1, 4))} {draw(_LINE)}"
    if kind == 1:
        return draw(_TEXT)
    if kind == 2:
        cols = draw(st.integers(1, 3))
        head = "| " + " | ".join(draw(_LINE) for _ in range(cols)) + " |"
        sep = "|" + "|".join(" --- " for _ in range(cols)) + "|"
        rows = ["| " + " | ".join(draw(_LINE) for _ in range(cols)) + " |"
                for _ in range(draw(st.integers(0, 3)))]
        return "\n".join([head, sep, *rows])
    if kind == 3:
        lang = draw(st.sampled_from(["json", "http", "", "python"]))
        return f"```{lang}\n{draw(_TEXT)}\n```"
    if kind == 4:
        return "[ref]: https://x.io/ref\n[Ref Label]: <https://x.io/label> \"title\""
    if kind == 5:
        return f"{draw(_LINE)}\n{draw(st.sampled_from(['===', '---']))}"
    if kind == 6:
        return f"<!-- {draw(_LINE)} -->"
    if kind == 7:
        return "\n".join(f"- {draw(_LINE)}" for _ in range(draw(st.integers(1, 3))))
    if kind == 8:
        return f"> {draw(_LINE)}\n> ## {draw(_LINE)}"
    if kind == 9:
        return f"    indented {draw(_LINE)}"
    if kind == 10:
        return f"<div>\n{draw(_LINE)}\n</div>"
    return "---\ntitle: x\n---" if draw(st.booleans()) else "* * *"


_DOC = st.lists(_block(), min_size=1, max_size=10).map("\n\n".join)


@settings(max_examples=300, deadline=None)
@given(_DOC)
def test_lazy_and_eager_inline_parse_agree(text: str) -> None:
    assert parse_auth_md(text) == parse_auth_md(text, lazy_inline=False)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("#|-*_`[]()<>!\\&;: \n\tab1=")), max_size=300))
def test_lazy_and_eager_agree_on_noise(text: str) -> None:
    assert parse_auth_md(text) == parse_auth_md(text, lazy_inline=False)


def test_lazy_and_eager_agree_on_fixtures() -> None:
    files = sorted(FIXTURES.rglob("*.md"))
    assert files  # the fixtures exist
    for path in files:
        text = path.read_text(encoding="utf-8")
        lazy, eager = parse_auth_md(text), parse_auth_md(text, lazy_inline=False)
        assert lazy == eager, path
    # And the comparison is not vacuous: headings and tables carry parsed inline text.
    doc = parse_auth_md("# T *x* `y` <!-- c -->\n\n| *a* | `b` |\n| - | - |\n| [l](u) | c |\n\ntext <!-- d -->\n")
    assert doc.headings[0].text == "T x y"
    assert doc.tables[0].header == ("a", "b") and doc.tables[0].rows == (("l", "c"),)
    assert doc.comments == ((1, "c"), (7, "d"))
