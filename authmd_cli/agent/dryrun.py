"""`--dry-run`: print the flow's requests as curl commands and send none of them.

Discovery's GETs are read-only and are sent (the flow needs the endpoints to know what it would
send); every other request is printed and answered here with a placeholder success in the
generation's shape, so the whole flow prints, step by step, with `<placeholders>` where a value
would come from an earlier answer. Nothing is checked: there is no service answer to check.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from authmd_cli.agent.driver import Driver
from authmd_cli.agent.record import Recorder
from authmd_cli.agent.report import Masker, curl
from authmd_cli.agent.target import Target
from authmd_cli.agent.wire import Consent, HandOff, HumanAnswer, NeedAssertion, Request, Response, Wait
from authmd_cli.protocol.profiles import JWT_BEARER_URN

EXPIRES = "2026-01-01T00:00:00.000Z"
PLACEHOLDER_JWT = "<ID-JAG>"


def _json(status: int, body: Any) -> Response:
    return Response(status, {"content-type": "application/json", "cache-control": "no-store"},
                    json.dumps(body).encode())


def placeholder(req: Request, t: Target) -> Response:
    """A success answer in the target's generation, built from the request (pure)."""
    if req.family == "api":
        return _json(200, {"ok": True})
    if req.step.startswith("negative"):
        return _json(400, {"error": "invalid_request", "message": "(dry run)"})
    if req.url == t.revocation_endpoint:
        return Response(200, {"cache-control": "no-store"})
    if req.url == t.events_endpoint:
        return Response(202)
    if req.url == t.token_endpoint:
        token = {"access_token": "<access token>", "token_type": "Bearer", "expires_in": 3600, "scope": ""}
        if f"grant_type={JWT_BEARER_URN}".replace(":", "%3A") not in (req.body or b"").decode():
            token |= {"identity_assertion": "<identity assertion>", "assertion_expires": EXPIRES}
        return _json(200, token)
    payload = req.json_payload() or {}
    attempt_b = {"verification_uri": "<verification_uri>", "expires_at": EXPIRES}
    attempt_a = {"user_code": "<user_code>", "expires_in": 600, "verification_uri": "<verification_uri>",
                 "interval": 5}
    if req.url == t.complete_endpoint:
        return _json(200, {"id": "<registration id>", "status": "claimed",
                           "identity": {"assertion": "<identity assertion>", "expires_at": EXPIRES,
                                        "refresh_token": {"value": "<refresh token>", "expires_at": EXPIRES}}})
    if req.url == t.claim_endpoint:
        if t.nested:
            return _json(200, {"id": "<registration id>", "type": "service_auth", "attempt": attempt_b})
        if t.ceremony == "poll":
            return _json(200, {"registration_id": "<registration id>", "status": "initiated",
                               "claim_attempt": attempt_a})
        return _json(200, {"registration_id": "<registration id>", "status": "initiated"})
    kind = payload.get("type") if isinstance(payload, dict) else None
    ident = {"assertion": "<identity assertion>", "expires_at": EXPIRES}
    if t.nested:
        claim = {"token": "<claim token>", "expires_at": EXPIRES, "url": t.claim_endpoint}
        body: dict[str, Any] = {
            "anonymous": {"id": "<registration id>", "type": "anonymous", "identity": ident,
                          "scopes": {"pre_claim": [], "post_claim": []}, "claim": claim},
            "service_auth": {"id": "<registration id>", "type": "service_auth", "scopes": {"post_claim": []},
                             "claim": {**claim, "attempt": attempt_b}},
            "refresh": {"id": "<registration id>", "type": "refresh",
                        "identity": {**ident, "refresh_token": {"value": "<refresh token>", "expires_at": EXPIRES}}},
        }.get(kind or "", {"id": "<registration id>", "type": "identity_assertion", "identity": ident, "scopes": []})
        return _json(200, body)
    flat: dict[str, Any] = {"registration_id": "<registration id>", "registration_type": kind,
                            "identity_assertion": "<identity assertion>", "assertion_expires": EXPIRES,
                            "scopes": []}
    if kind == "anonymous" or payload.get("assertion_type") == "verified_email" or kind == "service_auth":
        flat |= {"claim_token": "<claim token>", "claim_url": t.claim_endpoint, "pre_claim_scopes": [],
                 "post_claim_scopes": []}
        if kind != "anonymous":
            flat.pop("identity_assertion")
            if t.ceremony == "poll":
                flat["claim"] = attempt_a
    return _json(200, flat)


@dataclass
class DryRunDriver(Driver):
    printer: Callable[[str], None] = print
    show_secrets: bool = False
    target: Target | None = None

    def act(self, rec: Recorder, action: Any) -> Any:
        m = Masker(rec.secrets, rec.never_shown, show=self.show_secrets)
        if isinstance(action, Request):
            self.printer(f"# {action.step}")
            self.printer(curl(action, m))
            if self.target is None:
                return Response(0, error="not sent (--dry-run)")
            return placeholder(action, self.target)
        if isinstance(action, Wait):
            self.printer(f"# wait {action.seconds:g} s ({action.reason})")
            return None
        if isinstance(action, HandOff):
            self.printer(f"# hand-off to the user ({action.direction}); a person would give the code")
            return HumanAnswer(code="000000", note="(dry run)")
        if isinstance(action, NeedAssertion):
            got = self.assertions.get(action) if self.assertions is not None else None
            return got or PLACEHOLDER_JWT
        if isinstance(action, Consent):
            return True
        return super().act(rec, action)

