"""Strict RFC 8259 JSON for what a server receives (request bodies, JWT headers and claim sets).

`json.loads` accepts `NaN`, `Infinity` and `-Infinity`, turns `1e999` into `inf`, keeps `1` followed
by 400 zeros as an int no float can hold, and decodes a
`\\ud800` escape into a lone surrogate. None of these is JSON text a peer can mean (RFC 8259 §6:
numbers are finite; §8.2: strings are Unicode, and an unpaired surrogate is not), and each fails
later, far from the parser: every comparison with NaN is false (`exp: NaN` never expires) and a
lone surrogate cannot be encoded as UTF-8 (hashing or storing it raised, a 500). `loads` refuses
them where the text is read, so the callers answer a documented 400.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_DEPTH = 64  # deeper than any request body or claim set; json.loads already bounds recursion


class StrictJSONError(ValueError):
    """The text is not strict JSON (the message says why, naming no value)."""


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise StrictJSONError("a number beyond the range of a double (RFC 8259 §6)")
    return value


def _double_range_int(text: str) -> int:
    value = int(text)
    try:
        float(value)
    except OverflowError:  # 10**400: no peer's double can hold it, and float() on it raises later
        raise StrictJSONError("a number beyond the range of a double (RFC 8259 §6)") from None
    return value


def _no_constant(name: str) -> Any:
    raise StrictJSONError(f"{name} is not JSON (RFC 8259 §6)")


def has_lone_surrogate(value: Any, depth: int = 0) -> bool:
    """True if any string (member names included) holds an unpaired UTF-16 surrogate."""
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if depth > MAX_DEPTH:
        return True
    if isinstance(value, dict):
        return any(has_lone_surrogate(k, depth + 1) or has_lone_surrogate(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(has_lone_surrogate(v, depth + 1) for v in value)
    return False


def loads(text: str | bytes) -> Any:
    """Parse strict JSON. Raises ValueError (StrictJSONError, JSONDecodeError, UnicodeDecodeError)
    or RecursionError."""
    value = json.loads(text, parse_constant=_no_constant, parse_float=_finite_float, parse_int=_double_range_int)
    if has_lone_surrogate(value):
        raise StrictJSONError("a string with an unpaired UTF-16 surrogate (RFC 8259 §8.2)")
    return value
