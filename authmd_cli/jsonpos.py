"""Strict JSON parsing with the source position of every member.

`json.loads` decides validity (RFC 8259, strict: no comments, no trailing commas, no NaN) and
gives the line/column of a syntax error. The stdlib parser keeps no positions, so the member
positions come from PyYAML's composer: JSON text is a flow-style YAML document, and
`yaml.compose` keeps a start mark on every node. If the composer disagrees on some exotic input
the value is still correct and positions fall back to the nearest ancestor (or the start).
"""

from __future__ import annotations

import json
from typing import Any

from authmd_cli.model import JsonDoc, JsonSyntaxError
from authmd_cli.pointer import escape_token

_MAX_DEPTH = 200  # deeper documents are refused: nobody publishes them and they blow the stack


def _reject_constant(name: str) -> Any:
    # RFC 8259 §6: NaN and Infinity are not JSON numbers.
    raise ValueError(f"{name} is not allowed in JSON")


def _depth_ok(text: str) -> bool:
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


def parse_json(text: str, *, line_offset: int = 0) -> tuple[JsonDoc | None, JsonSyntaxError | None]:
    """Parse `text` strictly. Positions are shifted by `line_offset` (for JSON inside a fence)."""
    if not _depth_ok(text):
        return None, JsonSyntaxError(f"nesting deeper than {_MAX_DEPTH} levels", 1 + line_offset, 1)
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        return None, JsonSyntaxError(exc.msg, exc.lineno + line_offset, exc.colno)
    except (ValueError, RecursionError) as exc:
        return None, JsonSyntaxError(str(exc), 1 + line_offset, 1)
    positions: dict[str, tuple[int, int]] = {}
    key_positions: dict[str, tuple[int, int]] = {}
    try:
        _collect(text, positions, key_positions, line_offset)
    except Exception:
        positions.clear()
        key_positions.clear()
    if "" not in positions:
        first = next((i for i, line in enumerate(text.splitlines(), 1) if line.strip()), 1)
        positions[""] = (first + line_offset, 1)
    return JsonDoc(value, positions, key_positions), None


def _collect(text: str, positions: dict[str, tuple[int, int]], key_positions: dict[str, tuple[int, int]],
             line_offset: int) -> None:
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    # Tabs are JSON whitespace but not YAML indentation; inside valid JSON strings they cannot
    # occur raw (RFC 8259 §7), so replacing them keeps every column.
    # YAML also breaks lines at U+0085, U+2028 and U+2029, which JSON allows raw inside strings
    # and `json` does not count as line ends: blank them (same length) so lines stay true.
    for ch in ("\t", "\x85", "\u2028", "\u2029"):
        text = text.replace(ch, " ")
    node = yaml.compose(text, Loader=loader_cls)
    if node is None:
        return
    stack: list[tuple[Any, str]] = [(node, "")]
    while stack:
        n, ptr = stack.pop()
        positions[ptr] = (n.start_mark.line + 1 + line_offset, n.start_mark.column + 1)
        if isinstance(n, yaml.MappingNode):
            # Pushed in reverse so members are visited in order: with a duplicated key the last
            # occurrence, the one `json.loads` keeps, is recorded last and wins.
            for k, v in reversed(n.value):
                child = f"{ptr}/{escape_token(k.value)}"
                key_positions[child] = (k.start_mark.line + 1 + line_offset, k.start_mark.column + 1)
                stack.append((v, child))
        elif isinstance(n, yaml.SequenceNode):
            for i in range(len(n.value) - 1, -1, -1):
                stack.append((n.value[i], f"{ptr}/{i}"))
