"""RFC 6901 JSON pointers. A leaf module: the parsers, schemas and rules all use it, so it
imports nothing of ours (keeping `jsonpos`/`markdown` free of the rule registry)."""

from __future__ import annotations

from collections.abc import Iterable


def escape_token(token: object) -> str:
    """RFC 6901 §3: `~` -> `~0`, `/` -> `~1`."""
    text = str(token)
    if "~" not in text and "/" not in text:
        return text  # most member names: no two copies made for nothing
    return text.replace("~", "~0").replace("/", "~1")


def join(tokens: Iterable[object]) -> str:
    """Pointer of a path: ("agent_auth", "skill") -> "/agent_auth/skill"; () -> "" (the root)."""
    return "".join("/" + escape_token(t) for t in tokens)
