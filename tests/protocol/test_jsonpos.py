from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from authmd_cli.protocol.jsonpos import parse_json

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


def test_positions_of_members_and_keys() -> None:
    doc, err = parse_json('{\n  "agent_auth": {\n    "skill": "https://x/auth.md"\n  }\n}')
    assert err is None and doc is not None
    assert doc.position("/agent_auth/skill") == (3, 14)
    assert doc.position("/agent_auth/skill", key=True) == (3, 5)
    assert doc.position("/agent_auth/missing") == (2, 17)  # nearest ancestor


def test_strictness() -> None:
    for bad in ('{"a": 1,}', "{'a': 1}", '{"a": NaN}', "// c\n{}", '{"a": 1} x'):
        doc, err = parse_json(bad)
        assert doc is None and err is not None and err.line >= 1


def test_deep_nesting_refused_cleanly() -> None:
    doc, err = parse_json("[" * 5000 + "]" * 5000)
    assert doc is None and err is not None and "nesting" in err.message


@given(json_values, st.integers(min_value=0, max_value=50))
def test_round_trip_and_positions_never_raise(value: object, offset: int) -> None:
    text = json.dumps(value, indent=2)
    doc, err = parse_json(text, line_offset=offset)
    assert err is None and doc is not None
    assert doc.value == value
    line, col = doc.positions[""]
    assert line >= 1 + offset and col >= 1


@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(text: str) -> None:
    doc, err = parse_json(text)
    assert (doc is None) != (err is None)


def test_unicode_line_separators_inside_strings_keep_lines_true() -> None:
    doc, _ = parse_json('{"a": "x\u2028y\x85z",\n "b": 1}')
    assert doc is not None and doc.position("/b") == (2, 7)


def test_duplicate_key_position_is_the_occurrence_json_keeps() -> None:
    doc, _ = parse_json('{"b": 1,\n "b": 2}')
    assert doc is not None and doc.value == {"b": 2}
    assert doc.position("/b") == (2, 7)
