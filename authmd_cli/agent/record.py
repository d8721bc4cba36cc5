"""The run's record (pure): every step with its request, answer and findings, what the run left
behind on the service, and the secrets the renderers must mask."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from authmd_cli.agent.wire import Request, Response
from authmd_cli.core.diagnostics import Diagnostic, Severity


@dataclass
class Step:
    index: int
    name: str
    request: Request | None = None
    response: Response | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    note: str = ""

    @property
    def failed(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def status(self) -> str:
        if self.failed:
            return "fail"
        if any(d.severity is Severity.WARNING for d in self.diagnostics):
            return "warn"
        return "ok" if self.request is not None and not self.note else "note"


@dataclass
class Recorder:
    """Appended to by the flows; read by the renderers."""

    flow: str
    steps: list[Step] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    never_shown: set[str] = field(default_factory=set)  # claim tokens: masked even with --show-secrets
    # What exists on the service because of this run (reported on Ctrl-C and at the end).
    registration: str | None = None
    live_tokens: dict[str, str] = field(default_factory=dict)  # token -> what it is
    claim_pending: bool = False
    outcome: str = "passed"  # passed | failed | incomplete | interrupted
    facts: dict[str, Any] = field(default_factory=dict)

    def step(self, name: str, request: Request | None = None, response: Response | None = None,
             diagnostics: list[Diagnostic] | None = None, note: str = "") -> Step:
        s = Step(len(self.steps) + 1, name, request, response, list(diagnostics or []), note)
        self.steps.append(s)
        return s

    def note(self, text: str) -> Step:
        return self.step("note", note=text)

    def add(self, diagnostic: Diagnostic) -> None:
        if not self.steps:
            self.note("")
        self.steps[-1].diagnostics.append(diagnostic)

    def secret(self, *values: Any) -> None:
        for value in values:
            if isinstance(value, str) and len(value) >= 4:
                self.secrets.add(value)

    def token_issued(self, token: str, what: str) -> None:
        self.secret(token)
        self.live_tokens[token] = what

    def token_gone(self, token: str) -> None:
        self.live_tokens.pop(token, None)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for s in self.steps for d in s.diagnostics]

    @property
    def failed(self) -> bool:
        return any(s.failed for s in self.steps)

    def left_behind(self) -> list[str]:
        """Plain sentences (no secret): what the service still holds because of this run."""
        out = []
        if self.registration:
            state = "an unclaimed" if self.claim_pending else "a"
            out.append(f"{state} registration ({self.registration}) — it expires on its own; there is no "
                       "endpoint to delete it")
        if self.live_tokens:
            kinds = sorted(set(self.live_tokens.values()))
            out.append(f"{len(self.live_tokens)} unrevoked token(s): {', '.join(kinds)} (they expire on their own)")
        return out
