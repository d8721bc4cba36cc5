"""The position scanner against the reference it replaced (PyYAML's composer), and laziness."""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from authmd_cli.core.pointer import escape_token
from authmd_cli.protocol.jsonpos import parse_json
from authmd_cli.protocol.model import JsonDoc

# Text without what the old implementation got wrong: characters YAML's reader refuses (C1
# controls), and in member names the characters it blanked (tab, U+0085, U+2028, U+2029), which
# changed the name. Within values those stay, to check they are not counted as line ends.
_PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.characters(min_codepoint=0xA0,
                                                                                   max_codepoint=0x2FF)
_NAMES = st.text(alphabet=_PRINTABLE | st.sampled_from("\n\\\"/é漢"), max_size=8)
_TEXT = st.text(alphabet=_PRINTABLE | st.sampled_from("\t\n\\\"/\u2028\u2029\x85é漢"), max_size=8)
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_NAMES, inner, max_size=4),
    max_leaves=25,
)


def _yaml_positions(text: str, line_offset: int) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    """The previous implementation: JSON is flow YAML and every composed node has a start mark."""
    positions: dict[str, tuple[int, int]] = {}
    key_positions: dict[str, tuple[int, int]] = {}
    for ch in ("\t", "\x85", "\u2028", "\u2029"):
        text = text.replace(ch, " ")
    node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    stack: list[tuple[Any, str]] = [(node, "")]
    while stack:
        n, ptr = stack.pop()
        positions[ptr] = (n.start_mark.line + 1 + line_offset, n.start_mark.column + 1)
        if isinstance(n, yaml.MappingNode):
            for k, v in reversed(n.value):
                child = f"{ptr}/{escape_token(k.value)}"
                key_positions[child] = (k.start_mark.line + 1 + line_offset, k.start_mark.column + 1)
                stack.append((v, child))
        elif isinstance(n, yaml.SequenceNode):
            for i in range(len(n.value) - 1, -1, -1):
                stack.append((n.value[i], f"{ptr}/{i}"))
    return positions, key_positions


@settings(max_examples=300)
@given(_VALUES, st.sampled_from([None, 0, 1, 2, "\t"]), st.sampled_from([(", ", ": "), (",", ":"), (" ,\r\n", " :  ")]),
       st.sampled_from(["\n", "\r\n"]), st.integers(min_value=0, max_value=30))
def test_positions_match_the_yaml_composer(value: object, indent: int | str | None, separators: tuple[str, str],
                                           newline: str, offset: int) -> None:
    text = json.dumps(value, indent=indent, separators=separators, ensure_ascii=False).replace("\n", newline)
    doc, err = parse_json(f"  {text}\n", line_offset=offset)
    assert err is None and doc is not None
    assert (doc.positions, doc.key_positions) == _yaml_positions(f"  {text}\n", offset)


def test_member_names_are_json_decoded() -> None:
    # YAML decoded an escaped surrogate pair as two lone surrogates and blanked a raw U+2028:
    # both gave pointers that named no member of the value json.loads returned.
    doc, _ = parse_json('{"a\\/b": {"\\u00e9\\ud83d\\ude00": 1}, "x\u2028y": 2}')
    assert doc is not None
    assert doc.position("/x\u2028y", key=True) == (1, 37)
    assert doc.position("/a~1b/\u00e9\U0001F600") == (1, 33)
    assert doc.position("/a~1b/\u00e9\U0001F600", key=True) == (1, 11)


def test_positions_are_computed_on_first_use_and_kept() -> None:
    calls: list[int] = []

    def locate() -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
        calls.append(1)
        return {"": (3, 1), "/a": (3, 7)}, {"/a": (3, 2)}

    doc = JsonDoc({"a": 1}, locate=locate)
    assert calls == []
    assert doc.value == {"a": 1} and calls == []
    assert doc.position("/a") == (3, 7)
    assert doc.position("/a", key=True) == (3, 2)
    assert doc.positions[""] == (3, 1)
    assert calls == [1]


def test_eager_tables_and_equality_are_unchanged() -> None:
    eager = JsonDoc({"a": 1}, {"": (1, 1), "/a": (1, 7)}, {"/a": (1, 2)})
    lazy, _ = parse_json('{"a": 1}')
    assert lazy == eager
    assert JsonDoc({"a": 1}) != eager  # no positions
    assert JsonDoc({"a": 1}).positions == {} and JsonDoc({"a": 1}).position("/a") is None
