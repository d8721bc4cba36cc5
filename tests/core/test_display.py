"""core.display's escaping: whatever a service sends, what authmd prints is inert on a terminal
(no C0/C1 control, no DEL) and encodable on any UTF-8 stream (no lone surrogate)."""

from __future__ import annotations

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from authmd_cli.core.display import encodable, inline, printable

_BAD = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
ANY_TEXT = st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF))


@given(ANY_TEXT)
def test_inline_output_has_no_control_character_or_surrogate(text: str) -> None:
    shown = inline(text, width=10_000)
    assert not _BAD.search(shown) and "\n" not in shown and "\t" not in shown
    shown.encode("utf-8")


@given(ANY_TEXT)
def test_printable_keeps_lines_and_tabs_and_drops_nothing_else_visible(text: str) -> None:
    shown = printable(text)
    assert not _BAD.search(shown)
    assert shown.count("\n") == text.count("\n") and shown.count("\t") == text.count("\t")
    shown.encode("utf-8")


@given(st.recursive(st.none() | st.booleans() | ANY_TEXT,
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
                    max_leaves=8))
def test_encodable_json_is_still_the_same_json(value: object) -> None:
    text = encodable(json.dumps(value, ensure_ascii=False))
    text.encode("utf-8")
    assert json.loads(text) == value


def test_escapes_name_the_character() -> None:
    assert inline("invalid_request\x1b]0;pwned\x07") == "invalid_request\\x1b]0;pwned\\x07"
    assert inline("a\x9bb\x7f") == "a\\x9bb\\x7f"
    assert inline("http://h/\ud800") == "http://h/\\ud800"
    assert printable("a\tb\nc\x1b") == "a\tb\nc\\x1b"
