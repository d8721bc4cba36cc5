"""Options of a probe run (`authmd probe` packs them; `probe.run` and `probe.workers` read them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from authmd_cli.lint.engine import LintOptions

if TYPE_CHECKING:
    from authmd_cli.core.net import FetchLimits  # httpx loads only when a probe runs

DEFAULT_DEADLINE = 30.0  # seconds for one target's whole probe
DEFAULT_CONCURRENCY = 8


@dataclass(frozen=True)
class ProbeOptions:
    limits: FetchLimits
    lint: LintOptions = field(default_factory=LintOptions)
    api: str | None = None
    deadline_s: float = DEFAULT_DEADLINE
    concurrency: int = DEFAULT_CONCURRENCY  # targets in flight at once, over all processes
    jobs: int = 1  # worker processes for many targets (`--jobs`; probe.workers)
    check_endpoints: bool = False
    active: bool = False
    save: Path | None = None
