"""The shortcuts that make loading a document cheaper give exactly what the long way gives:
the no-registration paragraph search, the JSON depth and surrogate checks, the code-span
shortcut of the lazy inline parse, and markdown-it's silenced debug calls."""

from __future__ import annotations

import json
import re
import sys

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.token import Token

from authmd_cli.core.strict_json import has_lone_surrogate
from authmd_cli.protocol import detect, jsonpos
from authmd_cli.protocol.jsonpos import parse_json
from authmd_cli.protocol.markdown import _Inlines, _may_have_setext, _parser, parse_auth_md
from authmd_cli.protocol.model import AuthDoc

# ------------------------------------------------------------------ no_registration_line


def _reference_no_registration_line(auth: AuthDoc) -> int | None:
    """The search as it was before the hint pre-check (every paragraph through _NO_REG_RE)."""
    para: list[tuple[int, str]] = []

    def search() -> int | None:
        if not para:
            return None
        text = ""
        starts: list[tuple[int, int]] = []
        for n, line in para:
            starts.append((len(text), n))
            text += line.strip() + " "
        for m in detect._NO_REG_RE.finditer(text):
            if detect._ONE_METHOD_RE.search(text[max(0, m.start() - 30):m.end()]):
                continue
            return max(n for off, n in starts if off <= m.start())
        return None

    prev = None
    for n, line in auth.prose_lines():
        if not line.strip() or (prev is not None and n != prev + 1):
            hit = search()
            if hit is not None:
                return hit
            para = []
        if line.strip():
            para.append((n, line.replace("`", "")))
        prev = n
    return search()


# Pieces of the honest negatives _NO_REG_RE knows, in odd letter cases and with the characters
# Unicode case folding ties to ASCII letters (dotless/dotted i, long s, Kelvin sign).
_WORDS = st.sampled_from([
    "We", "do not", "DON'T", "don’t", "does n't", "offer", "support", "agent", "agentic", "self-service",
    "registration", "REGISTRATION", "sign up", "sign-ups", "is", "are", "not", "NEVER", "offered", "needed",
    "no", "No", "nO", "need", "to", "register", "cannot", "can't", "can not", "nothing", "all", "our", "content",
    "is public", "PUBLIC", "pubıic", "regıstration", "ſign up", "neither", "NEITHER", "supports", "account",
    "api key", "authentication", "required", "anonymous", "email", ".", ",", "`", "\u00a0", "  ", "\t", "x",
    "we do not offer agent registration", "Registration is NOT offered", "no need to register",
    "all of our docs are public", "No account is required", "we can't sign up", "nothing to register",
])
_PROSE_LINE = st.lists(_WORDS, min_size=1, max_size=10).map(" ".join)
_PROSE = st.lists(st.one_of(_PROSE_LINE, st.just(""), st.just("```"), st.just("# Heading")),
                  min_size=1, max_size=12).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(_PROSE)
def test_no_registration_line_matches_the_full_search(text: str) -> None:
    auth = parse_auth_md(text)
    assert detect.no_registration_line(auth) == _reference_no_registration_line(auth)


@settings(max_examples=500, deadline=None)
@given(st.one_of(_PROSE_LINE, st.text(max_size=80)))
def test_every_no_registration_match_holds_a_hint(text: str) -> None:
    # The pre-check may only skip a paragraph the full pattern cannot match.
    if detect._NO_REG_RE.search(text):
        assert detect._NO_REG_HINT_RE.search(text)


_UNPREFIXED_NO_REG_RE = re.compile(detect._NO_REG_PATTERN, re.IGNORECASE)


@settings(max_examples=500, deadline=None)
@given(st.one_of(_PROSE_LINE, st.text(alphabet=st.sampled_from(list("acdnrsoteigplbuwy ſKıİ'’.\n-")), max_size=60)))
def test_no_registration_prefix_keeps_every_match(text: str) -> None:
    # `\b(?=[acdnrs])` in front of the pattern only says what every alternative starts with.
    assert [m.span() for m in detect._NO_REG_RE.finditer(text)] == \
        [m.span() for m in _UNPREFIXED_NO_REG_RE.finditer(text)]


def test_hint_first_letters_fold_to_ascii_only() -> None:
    # The hint spells its first letter as the class [nNpP]; under IGNORECASE n and p match
    # nothing else (unlike i, s, k), so the class is exactly what _NO_REG_RE's `n`/`p` match.
    for letter in "np":
        pattern = re.compile(letter, re.IGNORECASE)
        assert [c for c in map(chr, range(sys.maxunicode + 1)) if pattern.fullmatch(c)] == \
            [letter.upper(), letter]


def test_no_registration_line_examples() -> None:
    for text, line in [("# T\n\nWe do not offer\nagent registration.\n", 3),
                       ("# T\n\nThis site:\n\nno registration is needed\n", 5),
                       ("# T\n\nAnonymous registration is not offered.\n", None),
                       ("# T\n\nNothing here.\n", None)]:
        auth = parse_auth_md(text)
        assert detect.no_registration_line(auth) == _reference_no_registration_line(auth) == line


# ------------------------------------------------------------------ JSON depth / surrogates


def _reference_depth_ok(text: str) -> bool:
    depth = best = 0
    in_str = esc = False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            best = max(best, depth)
        elif ch in "]}":
            depth -= 1
    return best <= jsonpos._MAX_DEPTH


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["[", "{", "]", "}", '"', "\\", "a", "[" * 60, "]" * 60]), max_size=30)
       .map("".join))
def test_depth_check_matches_the_walk(text: str) -> None:
    assert jsonpos._depth_ok(text) == _reference_depth_ok(text)


def _nest(value: object, depth: int) -> object:
    for _ in range(depth):
        value = [value]
    return value


_STRINGS = st.sampled_from(["a", "\ud800", "\udfff", "\U0001f600", "é", "\\ud800", "\\"]) | st.text(max_size=4)
_VALUES = st.recursive(st.none() | st.integers() | _STRINGS,
                       lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_STRINGS, inner, max_size=3),
                       max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(_VALUES, st.sampled_from([0, 1, 63, 64, 65, 70]), st.booleans())
def test_surrogate_pre_check_never_changes_the_result(value: object, depth: int, ascii_only: bool) -> None:
    # Escaped (\ud800) and raw surrogates, and nesting around has_lone_surrogate's depth limit.
    text = json.dumps(_nest(value, depth), ensure_ascii=ascii_only)
    doc, err = parse_json(text)
    decoded = json.loads(text)
    if err is None:
        assert doc is not None and doc.value == decoded and not has_lone_surrogate(decoded)
    else:
        assert has_lone_surrogate(decoded) and "surrogate" in err.message
    if not jsonpos._may_fail_surrogate_check(text):
        assert not has_lone_surrogate(decoded)


# ------------------------------------------------------------------ code spans


def _inline_token(content: str) -> Token:
    tok = Token("inline", "", 0)
    tok.content = content
    tok.children = []
    return tok


_SIMPLE_PIECES = st.sampled_from([
    "`a`", "` a `", "`  `", "` `", "`a b`", "`<!-- c -->`", "` <!--`", "`a\nb`", "`\n a\n`", "`_x_`", "`\\`",
    "a", " ", ", ", "é", "service_auth", "x_1", "4a-alt:", "(Step 3).", "+", "#", "$%=@^{}~]>)", "\t",
])
# Every other ASCII punctuation character, and underscores next to what is not an ASCII
# letter or digit (those can open or close emphasis, or stay text only by luck).
_OTHER_PIECES = st.sampled_from(["\n", "`", "``", "<!--", "<", "!", "![", "&", "&amp;", "[", "*", "**", "\\", "_",
                                 "__", "a_", "_a", "a__b", "é_b", "a_é", "*a*", "_a_", "a_b_c", "|", "(", "-", ":"])
_SPANS = st.one_of(st.lists(st.one_of(_SIMPLE_PIECES, _OTHER_PIECES), max_size=6).map("".join),
                   st.lists(_SIMPLE_PIECES, max_size=6).map(" ".join),
                   st.lists(st.one_of(_SIMPLE_PIECES, _SIMPLE_PIECES, _OTHER_PIECES), max_size=6).map(", ".join))


def _check_simple_children(content: str) -> None:
    inlines = _Inlines(_parser(False), {}, True)
    simple = inlines.simple_children(_inline_token(content))
    if simple is not None:
        children = inlines.children(_inline_token(content))
        assert [(c.type, c.content) for c in children] == simple


@settings(max_examples=1000, deadline=None)
@given(_SPANS)
def test_simple_children_are_the_inline_parse(content: str) -> None:
    _check_simple_children(content)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x2FF) | st.sampled_from("`_\u00a0\u2028\u3000"), max_size=16))
def test_simple_children_are_the_inline_parse_on_any_text(content: str) -> None:
    _check_simple_children(content)


def test_simple_children_cases() -> None:
    inlines = _Inlines(_parser(False), {}, True)
    assert inlines.simple_children(_inline_token("`invalid_grant`")) == [("code_inline", "invalid_grant")]
    assert inlines.simple_children(_inline_token("` a `")) == [("code_inline", "a")]
    assert inlines.simple_children(_inline_token("`   `")) == [("code_inline", "   ")]
    assert inlines.simple_children(_inline_token("see `/a`, `/b` ")) == [
        ("text", "see "), ("code_inline", "/a"), ("text", ", "), ("code_inline", "/b"), ("text", " ")]
    assert inlines.simple_children(_inline_token("use service_auth (Step 3).")) == [
        ("text", "use service_auth (Step 3).")]
    for other in ("``", "`a`b`", "`a``b`", "`` a ``", "a_", "_a_", "a__b", "`a` *b*", "`a` <!-- c -->", "a\\-b",
                  "a &amp; b", "[x]", "!"):
        assert inlines.simple_children(_inline_token(other)) is None
    assert _Inlines(_parser(True), {}, False).simple_children(_inline_token("`a`")) is None  # eager mode
    doc = parse_auth_md("## `Errors`\n\n| Code | x |\n| - | - |\n| `invalid_grant` | ` <!-- c --> ` |\n"
                        "| `a`, `b` | x `c` |\n")
    assert doc.headings[0].text == "Errors"
    assert doc.tables[0].rows == (("invalid_grant", ""), ("a, b", "x c"))


# ------------------------------------------------------------------ setext rule left out


def _tokens(text: str, *, setext: bool) -> list[tuple[object, ...]]:
    return [(t.type, t.tag, t.map, t.content, t.info, t.markup, t.level, t.nesting, t.block, t.hidden, t.meta,
             t.attrs, t.children) for t in _parser(False, setext).parse(text, {})]


# Lines of every block kind, container prefixes and indentation, so that paragraphs meet lists,
# block quotes, tables, fences, HTML and headings in every nesting (where parentType matters).
_MD_LINE = st.sampled_from([
    "text", "more text", "# H", "## Step 1 — Discover", "### 4a. Claim", "- item", "* item", "+ item", "1. one",
    "2) two", "10. ten", "- [ ] task", "> quote", "> > deep", "> - in quote", ">", "| a | b |", "|---|---|",
    "| - | :-: |", "a | b", "```json", "```", "~~~", "    indented code", "\tcode", "<!-- authmd: x -->",
    "<!-- open", "-->", "<div>", "</div>", "[ref]: https://x.io", "* * *", "***", "___", "_ _ _", "text ---x",
    "-", "=x", "a=b", "{\"a\": 1}", "", "", "",
])
_MD_INDENT = st.sampled_from(["", "", "", " ", "  ", "   ", "    ", "\t", "> ", "- ", "1. ", "  - ", ">  "])
_MD_DOC = st.lists(st.tuples(_MD_INDENT, _MD_LINE).map("".join), min_size=1, max_size=25).map(
    lambda lines: "\n".join(line.rstrip(" \t-=") for line in lines))


@settings(max_examples=600, deadline=None)
@given(_MD_DOC)
def test_without_an_underline_the_setext_rule_changes_no_token(text: str) -> None:
    assert not _may_have_setext(text)
    assert _tokens(text, setext=False) == _tokens(text, setext=True)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("#|-*_`[]()<>!\\&;: \n\tab1=~>+.")), max_size=300))
def test_without_an_underline_the_setext_rule_changes_no_token_on_noise(text: str) -> None:
    text = "\n".join(line.rstrip(" \t-=") for line in text.split("\n"))
    assert _tokens(text, setext=False) == _tokens(text, setext=True)


def test_setext_rule_kept_where_an_underline_may_be() -> None:
    for text in ("Title\n===", "Title\n---  ", "> Title\n> -", "- a\n  b\n  ==\t", "x\n---\ny"):
        assert _may_have_setext(text)
        assert parse_auth_md(text) == parse_auth_md(text, lazy_inline=False)
    assert parse_auth_md("Title\n===\n").headings[0].text == "Title"
    for text in ("# T\n\ntext\n", "a - b\nc", "| a |\n|---|\n| b |", "***"):
        assert not _may_have_setext(text)
