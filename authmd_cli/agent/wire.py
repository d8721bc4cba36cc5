"""What a flow yields and what it gets back (pure data; the httpx auth-flow pattern).

A flow is a generator. It yields an *action* and is sent the *answer*:

    Request        -> Response        (the driver sends it over `core.net`)
    Wait           -> None            (the driver sleeps, within the run's deadline)
    HandOff        -> HumanAnswer     (a person, `--human-command`, `--user-code` or the sandbox hook)
    NeedAssertion  -> str | NoAssertion | None  (an ID-JAG from the test issuer, `--assertion` or `--assertion-command`)
    Consent        -> bool            (the consent gate, SPEC §3.5; `--yes` answers it)

So every branch of a flow is tested by feeding it hand-made answers, and the same code runs
against a live service. Nothing here does I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
SET_MEDIA_TYPE = "application/secevent+jwt"


@dataclass(frozen=True)
class Request:
    """One HTTP request. `step` names it in the report; `side_effect` is False only for reads
    (GETs of discovery documents and the API), which a non-interactive run may send without `--yes`.
    `body` is sent as given (bytes), so a negative check can send text that is not valid JSON."""

    step: str
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    side_effect: bool = True
    family: str = "profile"  # profile | oauth | events | api | discovery | hook: the error envelope expected

    @classmethod
    def json(cls, step: str, url: str, payload: Any, *, family: str = "profile",
             headers: Mapping[str, str] | None = None) -> Request:
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return cls(step, "POST", url, {"Content-Type": JSON, "Accept": JSON, **(headers or {})}, data,
                   family=family)

    @classmethod
    def raw_json(cls, step: str, url: str, text: str, *, family: str = "profile") -> Request:
        """A body written out by hand (malformed JSON, a lone `\\ud800` escape)."""
        return cls(step, "POST", url, {"Content-Type": JSON, "Accept": JSON}, text.encode("utf-8"), family=family)

    @classmethod
    def form(cls, step: str, url: str, fields: Mapping[str, str], *, family: str = "oauth") -> Request:
        return cls(step, "POST", url, {"Content-Type": FORM, "Accept": JSON}, urlencode(dict(fields)).encode(),
                   family=family)

    @classmethod
    def get(cls, step: str, url: str, *, bearer: str | None = None, family: str = "api",
            accept: str = JSON) -> Request:
        headers = {"Accept": accept}
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        return cls(step, "GET", url, headers, None, side_effect=False, family=family)

    def json_payload(self) -> Any:
        """The JSON body as sent, or None (not JSON / not parseable)."""
        if self.body is None or self.headers.get("Content-Type") != JSON:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass(frozen=True)
class Response:
    """What came back. `headers` keys are lower-case. `error` is set (and `status` 0) when no
    answer arrived at all (refused connection, timeout, a body over the size cap)."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    elapsed_ms: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def media_type(self) -> str:
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()

    def json(self) -> Any:
        """The body as strict JSON (RFC 8259: no NaN/Infinity), or `NOT_JSON`."""
        return parse_json(self.body)


class _NotJson:
    def __repr__(self) -> str:
        return "NOT_JSON"


NOT_JSON: Any = _NotJson()


def parse_json(data: bytes) -> Any:
    """Strict RFC 8259 JSON (core.strict_json: no NaN/Infinity, no number beyond a double, no lone
    surrogate), or `NOT_JSON`: what a service answers is held to what it must accept."""
    from authmd_cli.core.strict_json import loads

    try:
        return loads(data)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return NOT_JSON


@dataclass(frozen=True)
class Wait:
    """Sleep `seconds` before the next request (a poll interval, a retry back-off)."""

    seconds: float
    reason: str


@dataclass(frozen=True)
class HandOff:
    """The moment a person must act (SPEC §7.3). `direction` says which way the code travels:

    - "show"      (v0.4-v0.7-A): the agent shows `user_code`; the user types it at `verification_uri`;
    - "read_back" (v0.7-B): the user signs in, confirms, and reads the code on the page back to the agent;
    - "otp"       (v0.1-v0.3): the service emails the user a link; the page shows a one-time code the
                  user reads back.
    `expires_in` is the attempt's remaining lifetime in seconds, when the service said."""

    direction: str
    verification_uri: str | None
    user_code: str | None
    login_hint: str | None
    issuer: str
    expires_in: float | None = None
    expires_at: str | None = None  # RFC 3339, when the service gave a timestamp instead
    attempt: int = 1  # 1 for the first attempt, 2 after a re-mint
    retry: str | None = None  # why the person is asked again (a wrong or unconfirmed code)


@dataclass(frozen=True)
class HumanAnswer:
    """What the person (or the program playing them) answered. `code` is the read-back code
    (None in the "show" direction); `gave_up` ends the ceremony; `note` says why."""

    code: str | None = None
    gave_up: bool = False
    note: str = ""


@dataclass(frozen=True)
class NeedAssertion:
    """Ask for an ID-JAG. `variant` is "good" for the flow, or the name of a spoiled variant a
    negative check needs (`agent/idjag.py` VARIANTS); the answer is None when none can be had."""

    variant: str = "good"
    sub: str | None = None
    email: str | None = "default"  # "default": the run's identity email; None: no email claim
    issuer: str = "primary"  # or "second": the second trusted issuer (negative check)


@dataclass(frozen=True)
class NoAssertion:
    """The answer to `NeedAssertion` when the source was asked and failed (`--assertion-command`
    exited non-zero, printed no JWT): falsy like None, and it says why, for the report."""

    why: str

    def __bool__(self) -> bool:
        return False


@dataclass(frozen=True)
class Consent:
    """The consent gate of SPEC §3.5: before an identity is asserted (service_auth, an ID-JAG, a claim
    naming an email) the user sees the resource, its logo and the scopes, and agrees. Answer: bool."""

    method: str
    identity: str | None
    resource_name: str | None
    logo_uri: str | None
    scopes: tuple[str, ...]


Action = Request | Wait | HandOff | NeedAssertion | Consent
