"""Run a flow for real: send its requests over `core.net`, sleep its waits within the deadline,
hand off to the human, fetch ID-JAGs, ask for consent. Everything with a side on the outside
world is passed in (client, human, sleep, clock), so tests drive it against a local server with
no real waiting. Ctrl-C ends the run cleanly: the record says where it stopped and what the
service still holds.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from authmd_cli.agent import idjag
from authmd_cli.agent.codes import diag
from authmd_cli.agent.flows import Flow, StopFlow
from authmd_cli.agent.human import Human, NoHuman
from authmd_cli.agent.record import Recorder, Step
from authmd_cli.agent.wire import (
    Consent,
    HandOff,
    NeedAssertion,
    NoAssertion,
    Request,
    Response,
    Wait,
    parse_json,
)

if TYPE_CHECKING:
    import httpx

ASSERTION_COMMAND_TIMEOUT = 60.0


@dataclass
class AssertionSource:
    """Where ID-JAGs come from: the test issuer's key (every variant), `--assertion-command` (a fresh
    good one per call: each `jti` is single-use), or `--assertion` (one good one, once)."""

    aud: str
    resource: str | None
    sub: str
    email: str | None
    primary: idjag.Issuer | None = None
    second: idjag.Issuer | None = None
    fixed: str | None = None
    command: str | None = None
    clock: Callable[[], float] = time.time
    env: Mapping[str, str] | None = None
    _used_fixed: bool = False

    @property
    def can_mint(self) -> bool:
        return self.primary is not None

    def get(self, need: NeedAssertion) -> str | NoAssertion | None:
        sub = need.sub or self.sub
        email = self.email if need.email == "default" else need.email
        issuer = self.second if need.issuer == "second" else self.primary
        if issuer is not None:
            return idjag.mint(issuer, need.variant, aud=self.aud, sub=sub, email=email, resource=self.resource,
                              now=self.clock())
        if need.variant != "good" or need.issuer != "primary" or need.sub is not None:
            return None
        if self.command:
            return self._run_command()
        if self.fixed and not self._used_fixed:
            self._used_fixed = True
            return self.fixed
        return None

    def _run_command(self) -> str | NoAssertion:
        import os

        env = {**(self.env if self.env is not None else os.environ), "AUTHMD_AUD": self.aud}
        if self.resource:
            env["AUTHMD_RESOURCE"] = self.resource
        try:
            done = subprocess.run(self.command or "", shell=True, env=env, capture_output=True,
                                  timeout=ASSERTION_COMMAND_TIMEOUT, check=False, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return NoAssertion(f"--assertion-command ran longer than {ASSERTION_COMMAND_TIMEOUT:g} s")
        except OSError as exc:
            return NoAssertion(f"--assertion-command could not run ({exc.strerror or exc})")
        said = _first_line(done.stderr)
        if done.returncode != 0:
            return NoAssertion(f"--assertion-command exited {done.returncode}" + (f" ({said})" if said else ""))
        words = done.stdout.decode("utf-8", "replace").split()
        jwt = next((w for w in reversed(words) if w.count(".") == 2), None)
        if jwt is None:
            return NoAssertion("--assertion-command printed no JWT on stdout" + (f" ({said})" if said else ""))
        return jwt


def _first_line(stderr: bytes) -> str:
    """The command's first non-empty stderr line, for the report: secrets and control characters
    hidden (core.display), short."""
    from authmd_cli.core.display import inline

    line = next((x.strip() for x in stderr.decode("utf-8", "replace").splitlines() if x.strip()), "")
    return inline(line, width=100) if line else ""


def _headers(response: httpx.Response) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers.items()}


@dataclass
class Driver:
    client: httpx.Client
    assertions: AssertionSource | None = None
    human: Human = field(default_factory=NoHuman)
    consent: Callable[[Consent], bool] = lambda _c: False
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    deadline: float | None = None  # on `clock`
    on_step: Callable[[Recorder, Step], None] | None = None
    on_wait: Callable[[Wait, float | None], None] | None = None
    on_handoff: Callable[[HandOff], None] | None = None

    def send(self, req: Request) -> Response:
        from authmd_cli.core import net

        started = time.perf_counter()
        try:
            r = self.client.request(req.method, req.url, headers=dict(req.headers), content=req.body)
        except net.HTTPError as exc:
            why = type(exc).__name__ if not str(exc) else f"{type(exc).__name__}: {exc}"
            return Response(0, error=why[:200], elapsed_ms=(time.perf_counter() - started) * 1000)
        except UnicodeError:  # httpx cannot encode the URL or a header (a lone surrogate from a document)
            return Response(0, error="the URL or a header holds a character that cannot be sent (a lone UTF-16 "
                            "surrogate)", elapsed_ms=(time.perf_counter() - started) * 1000)
        return Response(r.status_code, _headers(r), r.content, (time.perf_counter() - started) * 1000)

    def post_json(self, url: str, payload: Mapping[str, Any]) -> tuple[int, Any]:
        resp = self.send(Request.json("hook", url, dict(payload), family="hook"))
        return resp.status, parse_json(resp.body)

    def _wait(self, rec: Recorder, action: Wait) -> None:
        left = None if self.deadline is None else self.deadline - self.clock()
        if left is not None and action.seconds > left:
            rec.add(diag("SM014", f"the run's deadline passed while waiting ({action.reason})",
                         rec.steps[-1].request.url if rec.steps and rec.steps[-1].request else "",
                         hint="raise --timeout"))
            raise StopFlow("incomplete")
        if self.on_wait is not None:
            self.on_wait(action, left)
        self.sleep(action.seconds)

    def act(self, rec: Recorder, action: Any) -> Any:
        if isinstance(action, Request):
            return self.send(action)
        if isinstance(action, Wait):
            self._wait(rec, action)
            return None
        if isinstance(action, HandOff):
            if self.on_handoff is not None:
                self.on_handoff(action)
            return self.human.answer(action)
        if isinstance(action, NeedAssertion):
            return self.assertions.get(action) if self.assertions is not None else None
        if isinstance(action, Consent):
            return self.consent(action)
        raise TypeError(f"a flow yielded {type(action).__name__}")

    def run(self, flow: Flow, rec: Recorder) -> Any:
        """Drive `flow` to its end; sets `rec.outcome`. Returns the flow's return value (or None)."""
        seen = len(rec.steps)
        result = None
        try:
            action = next(flow)
            while True:
                answer = self.act(rec, action)
                action = flow.send(answer)
                seen = self._report(rec, seen)
        except StopIteration as done:
            result = done.value
        except StopFlow as stop:
            rec.outcome = stop.outcome
            flow.close()
        except KeyboardInterrupt:
            rec.outcome = "interrupted"
            flow.close()
        self._report(rec, seen)
        if rec.outcome == "passed" and rec.failed:
            rec.outcome = "failed"
        return result

    def _report(self, rec: Recorder, seen: int) -> int:
        if self.on_step is not None:
            for step in rec.steps[seen:]:
                self.on_step(rec, step)
        return len(rec.steps)
