"""Output renderers: one `Report` in, one format out (lint now, probe and simulate later).

Every renderer has the same signature (`Renderer`) and reads only what `Report.to_dict()`
exposes, so the formats cannot disagree. Each lives in its own module, imported only when
chosen: `rich` is imported by `text` alone, and only to colour, so `--format json` and
uncoloured text (pipes, CI, NO_COLOR) never pay for it.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TextIO

from authmd_cli.core.errors import UsageError

if TYPE_CHECKING:
    from authmd_cli.core.diagnostics import Report, RuleInfo


class Renderer(Protocol):
    def __call__(self, report: Report, *, stream: TextIO, color: bool | None,
                 rules: Mapping[str, RuleInfo] | None, tool_version: str,
                 environ: Mapping[str, str]) -> None: ...


@dataclass(frozen=True)
class LazyRenderer:
    """A renderer that imports its module (`authmd_cli.render.<module>`) on first call."""

    name: str
    module: str
    description: str

    def __call__(self, report: Report, *, stream: TextIO, color: bool | None,
                 rules: Mapping[str, RuleInfo] | None, tool_version: str,
                 environ: Mapping[str, str]) -> None:
        mod = importlib.import_module(f"{__name__}.{self.module}")
        fn: Renderer = mod.render
        fn(report, stream=stream, color=color, rules=rules, tool_version=tool_version, environ=environ)


RENDERERS: dict[str, Renderer] = {
    "text": LazyRenderer("text", "text", "human-readable, coloured on a terminal"),
    "json": LazyRenderer("json", "json", "the stable JSON report"),
    "sarif": LazyRenderer("sarif", "sarif", "SARIF 2.1.0 (code scanning)"),
    "github": LazyRenderer("github", "github", "GitHub Actions workflow commands (annotations)"),
}
FORMATS: tuple[str, ...] = tuple(RENDERERS)


def default_format(environ: Mapping[str, str]) -> str:
    """`github` inside GitHub Actions (which sets GITHUB_ACTIONS=true), else `text`."""
    return "github" if environ.get("GITHUB_ACTIONS") == "true" else "text"


def render(report: Report, fmt: str, *, stream: TextIO, color: bool | None = None,
           rules: Mapping[str, RuleInfo] | None = None, tool_version: str,
           environ: Mapping[str, str] | None = None) -> None:
    """Write `report` to `stream` in format `fmt`.

    `color` forces colour on/off (text only); None decides from `environ` (NO_COLOR,
    FORCE_COLOR, TERM) and whether `stream` is a TTY. `rules` is the rule set SARIF describes
    (the caller passes the registry: render sits below lint). `environ` defaults to `os.environ`.
    """
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise UsageError(f"unknown output format {fmt!r} (expected {', '.join(FORMATS)})") from None
    renderer(report, stream=stream, color=color, rules=rules, tool_version=tool_version,
             environ=os.environ if environ is None else environ)


__all__ = ["FORMATS", "RENDERERS", "Renderer", "default_format", "render"]
