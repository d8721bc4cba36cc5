"""Work several rules share on one document, done once (a speed measure, never a behaviour).

The engine runs every rule on one document before it moves to the next, so remembering the
last subject is enough: `per_subject` keeps the result for the most recent subject (compared
by identity, and held, so the identity cannot be reused) and its other arguments. Results are
shared between rules and must be treated as read-only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    from authmd_cli.protocol.model import AuthDoc

F = TypeVar("F", bound=Callable[..., Any])


def per_subject(fn: F) -> F:
    """Memoise `fn(subject, *args)` for the latest subject only (memory stays flat)."""
    last: list[tuple[object, tuple[Any, ...], Any]] = []

    @functools.wraps(fn)
    def wrapper(subject: object, *args: Any) -> Any:
        if last and last[0][0] is subject and last[0][1] == args:
            return last[0][2]
        value = fn(subject, *args)
        last[:] = [(subject, args, value)]
        return value

    return cast(F, wrapper)


@per_subject
def prose_text(auth: AuthDoc) -> str:
    """The prose lines (`AuthDoc.prose_lines()`) joined by newlines (no line holds one)."""
    return "\n".join(text for _, text in auth.prose_lines())


@per_subject
def lowered_prose_text(auth: AuthDoc) -> str:
    """`prose_text`, lowered: for literal prefilters before a case-insensitive regex.

    A prefilter literal must be free of the letters i and s: under `re.IGNORECASE` `i` also
    matches U+0130 and U+0131 and `s` matches U+017F, which `str.lower()` does not turn into
    them. Every other ASCII letter matches exactly the characters that lower to it (checked over
    all of Unicode in tests/lint/rules/test_memo.py), so a line whose lowered text lacks such a
    literal cannot hold a match of a pattern that needs it. Lowering keeps every newline and
    makes none, so the lowered text has the same lines.
    """
    return prose_text(auth).lower()


def prose_lines_with(auth: AuthDoc, literals: tuple[str, ...], *, folded: bool = True) -> list[tuple[int, str]]:
    """The prose lines (line, text) holding one of `literals` (none holds a newline), looked for in
    the lowered text when `folded`, else in the text as written; in document order.

    The literals are found in the joined text and the lines counted by the newlines before
    them: a prefiltered rule never lowers or scans its lines one by one."""
    text = lowered_prose_text(auth) if folded else prose_text(auth)
    hits: set[int] = set()
    for literal in literals:
        at = text.find(literal)
        line, counted = 0, 0
        while at >= 0:
            line += text.count("\n", counted, at)
            counted = at
            hits.add(line)
            at = text.find(literal, at + 1)
    if not hits:
        return []
    prose = auth.prose_lines()
    return [prose[i] for i in sorted(hits)]
