"""Identity binding (SPEC §8.5, §12 "first-time linking gate"): an ID-JAG never binds an account
silently. Regressions from the adversarial review of issue #9: an e-mail-less identity's JIT
account ignored the issuer, and a re-minted provider-link attempt forgot the provider."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sandbox_harness import Harness

from authmd_cli.core.tokens import SigningKey, peek
from authmd_cli.provider.issuer import IdJagRequest, mint_id_jag
from authmd_cli.sandbox.settings import TrustedProvider

pytestmark = pytest.mark.e2e

PHONE_ONLY = {"phone_number": "+15550100", "phone_number_verified": True}  # SPEC §8.2: phone instead of email
FIRST_TIME = "This is the first time authmd test provider asks to link an agent"
NAMES_PROVIDER = "authmd test provider is asking to link this account to an agent."


def test_email_less_identities_of_two_issuers_never_share_an_account(
        serve: Callable[..., Harness], second_provider: tuple[SigningKey, str]) -> None:
    key2, iss2 = second_provider
    h = serve("v0.7-B", trusted={iss2: TrustedProvider(iss2, "Second provider")})
    iss1 = h.sandbox.provider_issuer
    assert iss1 is not None
    first = h.register_id_jag(h.id_jag("same-sub", None, extra=PHONE_ONLY))
    assert first.status_code == 200, first.text
    second = h.register_id_jag(mint_id_jag(key2, IdJagRequest(issuer=iss2, aud=h.origin, sub="same-sub",
                                                              extra=PHONE_ONLY), h.clock()))
    assert second.status_code == 200, second.text
    store = h.sandbox.store
    user1, user2 = store.delegation(iss1, "same-sub"), store.delegation(iss2, "same-sub")
    assert user1 is not None and user2 is not None
    assert user1 != user2  # it used to be one `agent+same-sub@jit.local` account for both issuers
    # the service never asserts a made-up address as a verified email (SPEC §9.1: email is optional)
    assert "email" not in peek(first.json()["identity"]["assertion"])[1]
    # the same (iss, sub) keeps finding its own account
    again = h.register_id_jag(h.id_jag("same-sub", None, extra=PHONE_ONLY))
    assert again.status_code == 200 and store.delegation(iss1, "same-sub") == user1


def test_b_remint_of_a_provider_link_keeps_the_provider(b: Harness) -> None:
    b.open_claim_page(f"{b.origin}/login?return_to=%2F", "kim@example.com")  # the account exists
    step_up = b.register_id_jag(b.id_jag("kim-p", "kim@example.com"))
    assert step_up.status_code == 401
    body = step_up.json()
    remint = b.agent.post("/agent/identity/claim", json={"type": "service_auth", "claim_token": body["claim"]["token"],
                                                         "login_hint": "kim@example.com"})
    assert remint.status_code == 200
    vu = remint.json()["attempt"]["verification_uri"]
    _, page = b.open_claim_page(vu, "kim@example.com")
    assert page.status_code == 200
    # completing links the provider, so the page must say so (SPEC §7.5)
    assert NAMES_PROVIDER in page.text and FIRST_TIME in page.text
    code = b.confirm(vu, "kim@example.com")
    done = b.agent.post("/agent/identity/claim/complete", json={"claim_token": body["claim"]["token"],
                                                                "user_code": code})
    assert done.status_code == 200
    assert b.register_id_jag(b.id_jag("kim-p", "kim@example.com")).status_code == 200


def test_a_remint_of_a_provider_link_keeps_the_provider(a: Harness) -> None:
    a.open_claim_page(f"{a.origin}/login?return_to=%2F", "tia@example.com")
    reg = a.register(type="anonymous").json()
    step_up = a.agent.post("/agent/identity/claim", json={"type": "identity_assertion",
                                                           "claim_token": reg["claim_token"],
                                                           "assertion": a.id_jag("tia-p", "tia@example.com")})
    assert step_up.status_code == 200 and step_up.json()["status"] == "initiated"
    remint = a.agent.post("/agent/identity/claim", json={"type": "login_hint", "claim_token": reg["claim_token"],
                                                         "login_hint": "tia@example.com"})
    assert remint.status_code == 200
    _, page = a.open_claim_page(remint.json()["claim_attempt"]["verification_uri"], "tia@example.com")
    assert NAMES_PROVIDER in page.text and FIRST_TIME in page.text


@pytest.mark.parametrize("existing", [True, False], ids=["step-up", "clean-match"])
def test_a_id_jag_claim_does_not_retarget_a_bound_email(a: Harness, existing: bool) -> None:
    if existing:  # bob has an account: the ID-JAG would start a step-up for bob
        a.open_claim_page(f"{a.origin}/login?return_to=%2F", "bob@example.com")
    reg = a.register(type="anonymous").json()
    first = a.agent.post("/agent/identity/claim", json={"type": "login_hint", "claim_token": reg["claim_token"],
                                                        "login_hint": "alice@example.com"})
    assert first.status_code == 200
    other = a.agent.post("/agent/identity/claim", json={"type": "identity_assertion",
                                                        "claim_token": reg["claim_token"],
                                                        "assertion": a.id_jag("bob-p", "bob@example.com")})
    assert other.status_code == 409 and other.json()["error"] == "ceremony_in_flight"
    reg_row = a.sandbox.store.registration(reg["registration_id"])
    assert reg_row is not None and reg_row.login_hint == "alice@example.com" and reg_row.claimed_at is None
    # alice's attempt still works
    att = first.json()["claim_attempt"]
    assert a.type_code(att["verification_uri"], "alice@example.com", att["user_code"]).status_code == 200
