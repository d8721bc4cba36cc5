"""Drive a flow generator with hand-made answers (no network): the unit-test side of the
generator design. Answers are queued per request step name; hand-offs, waits, assertions and
consent have queues of their own. An unexpected step fails the test."""

from __future__ import annotations

import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from authmd_cli.agent.flows import Ctx, Options, StopFlow
from authmd_cli.agent.record import Recorder
from authmd_cli.agent.target import Target
from authmd_cli.agent.wire import Consent, HandOff, HumanAnswer, NeedAssertion, Request, Response, Wait
from authmd_cli.protocol.profiles import CLAIM_GRANT_URN, ID_JAG_URN, JWT_BEARER_URN

AS = "https://auth.example.com"
JWT = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl"


def target(profile: str = "v0.7-B", **kw: Any) -> Target:
    grants = (JWT_BEARER_URN,) if profile == "v0.7-B" else (JWT_BEARER_URN, CLAIM_GRANT_URN)
    base: dict[str, Any] = dict(
        issuer=AS, identity_endpoint=f"{AS}/agent/identity", profile=profile, profile_origin="pinned",
        resource="https://api.example.com/", resource_name="Example", scopes_supported=("api.read", "api.write"),
        api_url="https://api.example.com/v1/me", token_endpoint=f"{AS}/oauth2/token",
        revocation_endpoint=f"{AS}/oauth2/revoke", claim_endpoint=f"{AS}/agent/identity/claim",
        events_endpoint=f"{AS}/agent/event/notify",
        identity_types=("anonymous", "identity_assertion", "service_auth"), assertion_types=(ID_JAG_URN,),
        grant_types=grants, claim_grant=CLAIM_GRANT_URN if profile != "v0.7-B" else None)
    base.update(kw)
    return Target(**base)


def resp(status: int, body: Any = None, *, headers: dict[str, str] | None = None, json_body: bool = True) -> Response:
    h = {"content-type": "application/json", "cache-control": "no-store"} if json_body else {}
    h.update(headers or {})
    data = b"" if body is None else (json.dumps(body).encode() if not isinstance(body, bytes) else body)
    return Response(status, h, data)


def err(status: int, code: str, *, oauth: bool = False, **extra: Any) -> Response:
    key = "error_description" if oauth or status == 401 else "message"
    return resp(status, {"error": code, key: "because", **extra})


@dataclass
class Feed:
    responses: dict[str, deque[Response]] = field(default_factory=lambda: defaultdict(deque))
    humans: deque[HumanAnswer] = field(default_factory=deque)
    assertions: deque[str | None] = field(default_factory=deque)
    consent: bool = True
    sent: list[Request] = field(default_factory=list)
    waits: list[Wait] = field(default_factory=list)
    handoffs: list[HandOff] = field(default_factory=list)
    needs: list[NeedAssertion] = field(default_factory=list)

    def on(self, step: str, *answers: Response) -> Feed:
        self.responses[step].extend(answers)
        return self

    def answer(self, action: Any) -> Any:
        if isinstance(action, Request):
            self.sent.append(action)
            queue = self.responses.get(action.step)
            assert queue, f"no answer queued for step {action.step!r}"
            return queue.popleft()
        if isinstance(action, Wait):
            self.waits.append(action)
            return None
        if isinstance(action, HandOff):
            self.handoffs.append(action)
            return self.humans.popleft() if self.humans else HumanAnswer(gave_up=True, note="nobody")
        if isinstance(action, NeedAssertion):
            self.needs.append(action)
            return self.assertions.popleft() if self.assertions else JWT
        if isinstance(action, Consent):
            return self.consent
        raise AssertionError(f"unexpected action {action!r}")

    def steps(self, name: str) -> list[Request]:
        return [r for r in self.sent if r.step == name]


def run(flow_fn: Any, feed: Feed, *, t: Target | None = None, **options: Any) -> tuple[Recorder, Feed]:
    rec = Recorder("test")
    opts = Options(**{"method": "anonymous", **options})
    ctx = Ctx(t or target(), opts, rec)
    gen = flow_fn(ctx)
    try:
        action = next(gen)
        while True:
            action = gen.send(feed.answer(action))
    except StopIteration:
        pass
    except StopFlow as stop:
        rec.outcome = stop.outcome
    if rec.outcome == "passed" and rec.failed:
        rec.outcome = "failed"
    return rec, feed


def codes(rec: Recorder) -> list[str]:
    return [d.code for d in rec.diagnostics]
