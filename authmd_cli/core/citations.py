"""Citations users can follow: the project's protocol digest (`SPEC §N`, `IN-THE-WILD Pn`) is an
internal document, so every user-facing string cites `docs/protocol.md` instead, whose sections
keep the digest's numbers (§1–§13), its decisions (D1–D30, §14) and its patterns (P1–P15, §15).

`to_user(text)` rewrites one string; `python -m authmd_cli.core.citations FILE...` rewrites the
string literals of Python files in place (not comments, and not developer docstrings outside the
rule modules, where code may keep citing SPEC). A test fails on any user-facing `SPEC`, so a new
message is converted with this tool (contributing.md).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence

PROTOCOL_DOC = "docs/protocol.md"

# Where each ambiguity item of the digest's §12-A is settled (its "→ §14 Dn" pointers).
_AMBIGUITY_TO_DECISION = {1: "D1", 2: "D9", 3: "D5", 4: "D6", 5: "D4", 6: "D20", 7: "D9", 8: "D10", 9: "D8",
                          10: "D25", 11: "D24", 12: "D23", 13: "D23", 14: "D16", 15: "D7", 16: "D21", 17: "D21",
                          18: "D27", 19: "D15", 20: "D2", 21: "§1.2", 22: "D12", 23: "D26", 24: "D11",
                          25: "D9", 26: "D9"}
# IN-THE-WILD's sections other than its patterns: §3 dialects → §16; the rest → the patterns (§15).
_WILD_SECTIONS = {"3": "§16"}

_ITEM = r"(?:§14\s+D\d+|§12-A\s+item\s+\d+|§\d+(?:\.\d+)?(?:-§?\d+(?:\.\d+)?)?(?:\s+item\s+\d+)?|D\d+)"
_SEP = r"(?:\s*,\s*|\s*/\s*|\s+and\s+)"
_SPEC = re.compile(r"\bSPEC(\s+)(" + _ITEM + r"(?:" + _SEP + _ITEM + r")*)")
_WILD_ITEM = r"(?:P\d+|§\d+(?:\.\d+)?)"
_WILD = re.compile(r"\bIN-THE-WILD(\s+)(" + _WILD_ITEM + r"(?:\s*,\s*" + _WILD_ITEM + r")*)")
_ONE = re.compile(_ITEM)
_DUPLICATE = re.compile(r"\b(D\d+|§[\d.]+),\s*\1\b")
_JOIN = re.compile(r"(" + re.escape(PROTOCOL_DOC) + r" [^;()\n]*?)[;,]\s*" + re.escape(PROTOCOL_DOC) + " ")


def _spec_item(item: str) -> str:
    item = " ".join(item.split())
    if m := re.fullmatch(r"§14 (D\d+)", item):
        return m.group(1)
    if m := re.fullmatch(r"§12-A item (\d+)", item):
        return _AMBIGUITY_TO_DECISION.get(int(m.group(1)), "§14")
    if m := re.fullmatch(r"(§[\d.\-§]+) item \d+", item):
        return m.group(1)
    return item


def _spec(match: re.Match[str]) -> str:
    # Items are replaced where they stand, so a citation wrapped over two lines stays wrapped.
    body = _DUPLICATE.sub(r"\1", _ONE.sub(lambda m: _spec_item(m.group(0)), match.group(2)))
    return f"{PROTOCOL_DOC}{match.group(1)}{body}"


def _wild(match: re.Match[str]) -> str:
    def item(m: re.Match[str]) -> str:
        part = m.group(0)
        return _WILD_SECTIONS.get(part[1:], "§15") if part.startswith("§") else part

    return f"{PROTOCOL_DOC}{match.group(1)}{re.sub(_WILD_ITEM, item, match.group(2))}"


def to_user(text: str) -> str:
    """`SPEC §3.3, §14 D12` → `docs/protocol.md §3.3, D12`; `IN-THE-WILD P5` → `docs/protocol.md P5`."""
    out = _WILD.sub(_wild, _SPEC.sub(_spec, text))
    # `docs/protocol.md D13; docs/protocol.md P5` reads better as one citation
    while (joined := _JOIN.sub(lambda m: m.group(1) + ", ", out)) != out:
        out = joined
    return out


def rewrite_source(source: str, *, keep_docstrings: bool) -> str:
    """Apply `to_user` to the string literals of Python source (comments untouched; developer
    docstrings kept when `keep_docstrings`, except those of `@rule` check functions)."""
    import ast
    import io
    import tokenize

    tree = ast.parse(source)
    docstrings: set[tuple[int, int]] = set()
    if keep_docstrings:
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                is_rule = any(isinstance(d, ast.Call) and getattr(d.func, "id", "") == "rule"
                              for d in getattr(node, "decorator_list", ()))
                body = node.body
                if (not is_rule and body and isinstance(body[0], ast.Expr)
                        and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)):
                    docstrings.add((body[0].lineno, body[0].col_offset))
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    edits: list[tuple[int, int, str]] = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type != tokenize.STRING or tok.start in docstrings:
            continue
        new = to_user(tok.string)
        if new != tok.string:
            start = offsets[tok.start[0] - 1] + tok.start[1]
            end = offsets[tok.end[0] - 1] + tok.end[1]
            edits.append((start, end, new))
    for start, end, new in reversed(edits):
        source = source[:start] + new + source[end:]
    return source


def main(argv: Sequence[str]) -> int:
    """Rewrite the given files in place; rule modules (under lint/rules/) get their docstrings too."""
    from pathlib import Path

    for name in argv:
        path = Path(name)
        text = path.read_text(encoding="utf-8")
        keep = "lint/rules" not in path.as_posix()
        new = rewrite_source(text, keep_docstrings=keep) if path.suffix == ".py" else to_user(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
