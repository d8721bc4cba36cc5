"""A small agent/browser harness around a real sandbox server (see conftest.py)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from authmd_cli.core.tokens import ALG, OffsetClock, SigningKey, b64url
from authmd_cli.protocol.profiles import ID_JAG_URN, JWT_BEARER_URN
from authmd_cli.provider.issuer import IdJagRequest, mint_id_jag
from authmd_cli.sandbox.server import Sandbox

BASE_TIME = 1_800_000_000.0  # a fixed instant (2027-01-15): wall time never reaches a test sandbox
CODE_RE = re.compile(r'<div class="code">(\d{6})</div>')
CVT_RE = re.compile(r'name="claim_attempt_token" value="([^"]+)"')


def fixed_clock() -> OffsetClock:
    """A clock that stands still at BASE_TIME until a test calls `advance`."""
    return OffsetClock(lambda: BASE_TIME)


@dataclass
class Harness:
    sandbox: Sandbox
    origin: str
    clock: OffsetClock
    agent: httpx.Client
    browsers: list[httpx.Client] = field(default_factory=list)

    # ---------------------------------------------------------------- agent side

    def register(self, **body: Any) -> httpx.Response:
        return self.agent.post("/agent/identity", json=body)

    def exchange(self, assertion: str) -> httpx.Response:
        return self.agent.post("/oauth2/token", data={"grant_type": JWT_BEARER_URN, "assertion": assertion})

    def api(self, token: str, method: str = "GET") -> httpx.Response:
        return self.agent.request(method, "/api/resource", headers={"Authorization": f"Bearer {token}"})

    def id_jag(self, sub: str, email: str | None, **kw: Any) -> str:
        assert self.sandbox.provider_key is not None and self.sandbox.provider_issuer is not None
        req = IdJagRequest(issuer=self.sandbox.provider_issuer, aud=kw.pop("aud", self.origin), sub=sub,
                           email=email, **kw)
        return mint_id_jag(self.sandbox.provider_key, req, self.clock())

    def register_id_jag(self, assertion: str) -> httpx.Response:
        return self.register(type="identity_assertion", assertion_type=ID_JAG_URN, assertion=assertion)

    # ---------------------------------------------------------------- the human, in a browser

    def browser(self) -> httpx.Client:
        b = httpx.Client(follow_redirects=True, timeout=10)
        self.browsers.append(b)
        return b

    def open_claim_page(self, verification_uri: str, email: str, browser: httpx.Client | None = None
                        ) -> tuple[httpx.Client, httpx.Response]:
        """GET the verification URI (→ sign-in page), sign in, land on the claim page."""
        b = browser or self.browser()
        first = b.get(verification_uri)
        assert first.status_code == 200
        if "/login" in str(first.url):
            return_to = httpx.URL(verification_uri).params.get("return_to") or "/"
            page = b.post(f"{self.origin}/login", data={"email": email, "return_to": return_to})
            return b, page
        return b, first

    def confirm(self, verification_uri: str, email: str) -> str:
        """v0.7-B: sign in, confirm on the page, read the revealed code."""
        b, page = self.open_claim_page(verification_uri, email)
        assert page.status_code == 200, page.text
        cvt = CVT_RE.search(page.text)
        assert cvt is not None, page.text
        done = b.post(f"{self.origin}/claim/confirm", data={"claim_attempt_token": cvt.group(1)})
        assert done.status_code == 200, done.text
        code = CODE_RE.search(done.text)
        assert code is not None
        return code.group(1)

    def type_code(self, verification_uri: str, email: str, code: str) -> httpx.Response:
        """v0.7-A: sign in and type the agent's code into the form."""
        b, page = self.open_claim_page(verification_uri, email)
        cvt = CVT_RE.search(page.text)
        assert cvt is not None, page.text
        return b.post(f"{self.origin}/agent/identity/claim/complete",
                      data={"claim_attempt_token": cvt.group(1), "user_code": code})


def sign_raw(key: SigningKey, header: dict[str, Any], payload_json: str) -> str:
    """A compact JWS over a payload given as JSON text, byte for byte (for numbers such as `1e999`
    that no Python value serialises to)."""
    import jwt

    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(payload_json.encode("utf-8"))
    signature = jwt.get_algorithm_by_name(ALG).sign(signing_input.encode("ascii"), key.private_key)
    return signing_input + "." + b64url(signature)
