"""The format checks of protocol/schemas.py: their shortcuts equal the long way."""

from __future__ import annotations

import sys

from authmd_cli.protocol import schemas


def test_the_space_pattern_of_the_format_checks_is_str_isspace() -> None:
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    assert set(schemas._SPACE_RE.findall(every)) == {c for c in every if c.isspace()}
