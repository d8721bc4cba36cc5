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
def lowered_prose(auth: AuthDoc) -> tuple[tuple[int, str, str], ...]:
    """(line, text, text.lower()) of each prose line (`AuthDoc.prose_lines()`), for cheap literal
    prefilters before a case-insensitive regex.

    A prefilter literal must be free of the letters i and s: under `re.IGNORECASE` `i` also
    matches U+0130 and U+0131 and `s` matches U+017F, which `str.lower()` does not turn into
    them. Every other ASCII letter matches exactly the characters that lower to it (checked over
    all of Unicode in tests/lint/test_prose_prefilters.py), so a line whose lowered text lacks
    such a literal cannot hold a match of a pattern that needs it.
    """
    return tuple((n, text, text.lower()) for n, text in auth.prose_lines())


@per_subject
def lowered_prose_text(auth: AuthDoc) -> str:
    """The prose lines joined by newlines, lowered: one test tells whether any line may have a
    literal (lowering the whole text at once or line by line gives the same ASCII letters)."""
    return "\n".join(text for _, text in auth.prose_lines()).lower()
