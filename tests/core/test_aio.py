"""core.aio.run: asyncio.run's result and errors, without formatting the result on exit."""

from __future__ import annotations

import asyncio

import pytest

from authmd_cli.core import aio


class Counted:
    """A result that counts how often it is turned into text."""

    def __init__(self) -> None:
        self.reprs = 0

    def __repr__(self) -> str:
        self.reprs += 1
        return "Counted()"


def test_result_is_returned_and_never_formatted() -> None:
    value = Counted()

    async def main() -> Counted:
        await asyncio.sleep(0)
        return value

    assert aio.run(main()) is value
    # asyncio.run (CPython 3.11) formats a finished main task's result when it restores SIGINT's handler.
    assert value.reprs == 0


def test_exceptions_propagate() -> None:
    async def main() -> int:
        raise LookupError("boom")

    with pytest.raises(LookupError, match="boom"):
        aio.run(main())
