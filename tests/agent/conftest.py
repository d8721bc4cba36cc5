"""Real servers on 127.0.0.1 for the simulate tests: `authmd serve` (both sandbox profiles, test
hooks on, the built-in test provider's key in a file) and, for broken behaviour, the same sandbox
app behind a middleware that breaks one thing (`broken.py`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from simulate_harness import Served

from authmd_cli.core.server import in_thread
from authmd_cli.sandbox.defaults import default_config
from authmd_cli.sandbox.server import start


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    stack: list[Any] = []

    def factory(profile: str = "v0.7-B", *, wrap: Callable[[Any], Any] | None = None, config: Any = None,
                **kw: Any) -> Served:
        key = tmp_path / f"provider-{len(stack)}.pem"
        sb = start(config or default_config(profile), host="127.0.0.1", port=0, test_hooks=True,
                   provider_key_path=key, **kw)
        if wrap is None:
            ctx = sb.background()
            origin = ctx.__enter__()
        else:  # the same app (documents rendered for this origin) behind a breaking middleware
            ctx = in_thread(wrap(sb.app), sb.sock)
            ctx.__enter__()
            origin = sb.origin
        stack.append((ctx, sb))
        return Served(origin, key, sb)

    yield factory
    for ctx, sb in reversed(stack):
        ctx.__exit__(None, None, None)
        sb.close()


