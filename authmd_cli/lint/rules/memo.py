"""Work several rules share on one document, done once (a speed measure, never a behaviour).

The engine runs every rule on one document before it moves to the next, so remembering the
last subject is enough: `per_subject` keeps the result for the most recent subject (compared
by identity, and held, so the identity cannot be reused) and its other arguments. Results are
shared between rules and must be treated as read-only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

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
