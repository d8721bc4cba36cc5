"""Strict JSON parsing with the source position of every member.

`json.loads` decides validity (RFC 8259, strict: no comments, no trailing commas, no NaN) and
gives the line/column of a syntax error. The stdlib parser keeps no positions, so `_locate`
re-reads the (by then known valid) text with one tokenising regex and a container stack,
recording where each value and each member name starts. That replaced PyYAML's composer (JSON
is flow YAML): same positions (tests/unit compare the two), no yaml import (~9 ms) on the lint
path, and exact where YAML and JSON disagree (escaped surrogate pairs in keys, characters YAML's
reader refuses). Positions are computed lazily (see `model.JsonDoc`) and are best effort: if the
scan fails the value is still right and positions fall back to the start of the text.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from authmd_cli.core.pointer import escape_token
from authmd_cli.core.strict_json import MAX_DEPTH as STRICT_MAX_DEPTH
from authmd_cli.core.strict_json import has_lone_surrogate
from authmd_cli.protocol.model import JsonDoc, JsonSyntaxError, Position, PositionTables

_MAX_DEPTH = 200  # deeper documents are refused: nobody publishes them and they blow the stack


def _reject_constant(name: str) -> Any:
    # RFC 8259 §6: NaN and Infinity are not JSON numbers.
    raise ValueError(f"{name} is not allowed in JSON")


class _TooManyDigitsError(ValueError):
    """An integer longer than Python converts (sys.get_int_max_str_digits); carries its text."""

    def __init__(self, digits: str) -> None:
        super().__init__(digits)
        self.digits = digits


def _bounded_int(text: str) -> int:
    # int() refuses more than sys.get_int_max_str_digits() digits with advice for Python
    # programmers; catch it here so the finding can name the number and where it is.
    limit = sys.get_int_max_str_digits()
    if limit and len(text.lstrip("-")) > limit:
        raise _TooManyDigitsError(text)
    return int(text)


def _first_token(text: str, line_offset: int, want: Any) -> tuple[int, int]:
    """(line, column) of the first token of valid-syntax `text` for which `want(token)` holds;
    the start of the text when none does (positions are best effort, as in `_locate`)."""
    line_starts = [0, *(m.end() for m in _BREAK_RE.finditer(text))]
    for m in _TOKEN_RE.finditer(text):
        if want(m.group()):
            line = max(i for i, start in enumerate(line_starts) if start <= m.start())
            return line + 1 + line_offset, m.start() - line_starts[line] + 1
    return 1 + line_offset, 1


def _lone_surrogate_token(tok: str) -> bool:
    if not tok.startswith('"') or "\\u" not in tok.lower():
        return False
    try:
        return has_lone_surrogate(json.loads(tok))
    except ValueError:
        return False


def _depth_ok(text: str) -> bool:
    # Nesting cannot exceed the number of opening brackets (counting those inside strings too):
    # nearly every document has fewer than the limit in all, and counting them is C speed where
    # the walk below is the slowest step of parsing a small document.
    if _openers(text) <= _MAX_DEPTH:
        return True
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
            if best > _MAX_DEPTH:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def _openers(text: str) -> int:
    return text.count("[") + text.count("{")


# A decoded string can hold a surrogate only from a raw one in the text or a `\uD800`-`\uDFFF`
# escape (a backslash before it may make it no escape: then this only answers "maybe").
_MAYBE_SURROGATE_RE = re.compile(r"[\ud800-\udfff]|\\u[dD][89a-fA-F]")


def _may_fail_surrogate_check(text: str) -> bool:
    """False when `has_lone_surrogate` is certainly False for the value `text` parses to: no
    string can hold a surrogate, and no value sits deeper than its depth limit (a value at depth
    d has d enclosing brackets). Walking every string of the value is what this saves."""
    return _openers(text) > STRICT_MAX_DEPTH or _MAYBE_SURROGATE_RE.search(text) is not None


def parse_json(text: str, *, line_offset: int = 0) -> tuple[JsonDoc | None, JsonSyntaxError | None]:
    """Parse `text` strictly. Positions are shifted by `line_offset` (for JSON inside a fence)."""
    if not _depth_ok(text):
        return None, JsonSyntaxError(f"nesting deeper than {_MAX_DEPTH} levels", 1 + line_offset, 1)
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_int=_bounded_int)
    except json.JSONDecodeError as exc:
        return None, JsonSyntaxError(exc.msg, exc.lineno + line_offset, exc.colno)
    except _TooManyDigitsError as exc:
        digits = exc.digits
        line, col = _first_token(text, line_offset, lambda tok: tok == digits)
        count = len(digits.lstrip("-"))
        return None, JsonSyntaxError(f"a number with {count} digits ({digits[:12]}…): more than the "
                                     f"{sys.get_int_max_str_digits()} authmd reads, and beyond what parsers "
                                     "hold exactly (RFC 8259 §6)", line, col,
                                     hint="write it as a string if it is an identifier, else with fewer digits")
    except (ValueError, RecursionError) as exc:
        return None, JsonSyntaxError(str(exc), 1 + line_offset, 1)
    if _may_fail_surrogate_check(text) and has_lone_surrogate(value):
        # json.loads decodes "\ud800" into a lone surrogate, which no UTF-8 output can hold:
        # such a string is not Unicode text (RFC 8259 §8.2), so the document is refused here,
        # with the string named as written (ASCII escapes, safe to print).
        line, col = _first_token(text, line_offset, _lone_surrogate_token)
        bad = next((m.group() for m in _TOKEN_RE.finditer(text) if _lone_surrogate_token(m.group())), "")
        shown = bad if len(bad) <= 60 else bad[:57] + "…"
        return None, JsonSyntaxError(f"string {shown} holds an unpaired UTF-16 surrogate escape; JSON strings "
                                     "must be Unicode text (RFC 8259 §8.2)", line, col,
                                     hint="write the character itself, or a high-low surrogate pair such as "
                                          "\\ud83d\\ude00")
    return JsonDoc(value, locate=lambda: _locate(text, line_offset)), None


# One token of valid JSON: a string, a structural character, or a number/literal. Whitespace
# between tokens is skipped by finditer (valid JSON has none other than space, tab, CR, LF).
_TOKEN_RE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')
# Line breaks as PyYAML counted them (and editors do): CRLF, CR, LF. Raw U+2028/U+2029/U+0085
# can only occur inside strings, where they are not line ends (json's own line numbers agree).
_BREAK_RE = re.compile(r"\r\n|\r|\n")
# `_TOKEN_RE`, and the line breaks between tokens (`_scan` counts lines with it).
_SCAN_RE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]:,]|\r\n|\r|\n|[^\s{}\[\]:,"]+')


def _locate(text: str, line_offset: int) -> PositionTables:
    """(positions, key_positions) of valid JSON `text`; see `model.JsonDoc`."""
    positions: dict[str, Position] = {}
    key_positions: dict[str, Position] = {}
    try:
        _scan(text, line_offset, positions, key_positions)
    except Exception:  # best effort: never let a position problem hide the value
        positions.clear()
        key_positions.clear()
    if "" not in positions:
        first = next((i for i, line in enumerate(text.splitlines(), 1) if line.strip()), 1)
        positions[""] = (first + line_offset, 1)
    return positions, key_positions


def _scan(text: str, line_offset: int, positions: dict[str, Position], key_positions: dict[str, Position]) -> None:
    # Line ends come as tokens of the same pass (valid JSON has them only between tokens: a raw
    # CR or LF in a string is invalid), so a position is two subtractions, not a search.
    line = 1 + line_offset
    line_start = 0

    # Open containers: [pointer, is_object, next child (member pointer or array index), expecting a key].
    stack: list[list[Any]] = []
    for m in _SCAN_RE.finditer(text):
        tok = m.group()
        c = tok[0]
        if c in "\r\n":
            line += 1
            line_start = m.end()
            continue
        top = stack[-1] if stack else None
        if top is not None:
            if c in ",:":
                if c == ",":
                    if top[1]:
                        top[3] = True
                    else:
                        top[2] += 1
                continue
            if c in "}]":
                stack.pop()
                continue
            if top[1] and top[3]:  # a member name
                name = tok[1:-1] if "\\" not in tok else json.loads(tok)
                top[2] = f"{top[0]}/{escape_token(name)}"
                top[3] = False
                # With a duplicated name the last occurrence, the one json.loads keeps, is
                # recorded last and wins.
                key_positions[top[2]] = (line, m.start() - line_start + 1)
                continue
            ptr = top[2] if top[1] else f"{top[0]}/{top[2]}"
        else:
            ptr = ""
        positions[ptr] = (line, m.start() - line_start + 1)
        if c == "{":
            stack.append([ptr, True, "", True])
        elif c == "[":
            stack.append([ptr, False, 0, False])
