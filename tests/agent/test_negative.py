"""The negative checks' judgement, with hand-made answers: what counts as refused, accepted, or
refused-but-not-as-documented."""

from __future__ import annotations

import base64
import json

from feed import AS, Feed, codes, err, resp, run, target

from authmd_cli.agent import negative
from authmd_cli.agent.flows import Ctx, Options
from authmd_cli.agent.record import Recorder


def _jwt(claims: dict[str, object]) -> str:
    def part(d: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'ES256', 'typ': 'oauth-id-jag+jwt'})}.{part(claims)}.c2lnbmF0dXJlc2ln"


def clean(email: str | None) -> object:
    claims = {"sub": "reg_1", **({"email": email} if email else {})}
    return resp(200, {"id": "reg_1", "type": "identity_assertion",
                      "identity": {"assertion": _jwt(claims), "expires_at": "2026-01-01T00:00:00Z"},
                      "scopes": ["api.read"]})


def second(first: object, other: object) -> tuple[Recorder, Feed]:
    f = Feed().on("negative: phone-only ID-JAG, first issuer", first)  # type: ignore[arg-type]
    f.on("negative: same sub from a second trusted issuer", other)  # type: ignore[arg-type]
    return run(negative.second_issuer_check, f, method="identity_assertion")


def test_one_account_for_two_issuers_is_sm027() -> None:
    rec, f = second(clean("agent+u@jit.local"), clean("agent+u@jit.local"))
    assert codes(rec) == ["SM027"]
    assert [n.issuer for n in f.needs] == ["primary", "second"] and f.needs[0].sub == f.needs[1].sub


def test_distinct_accounts_or_a_step_up_pass() -> None:
    assert codes(second(clean("a@jit.local"), clean("b@jit.local"))[0]) == []
    assert codes(second(clean("a@jit.local"), err(401, "interaction_required"))[0]) == []
    assert codes(second(clean(None), clean(None))[0]) == []  # nothing observable: no finding


def test_without_the_second_key_the_check_is_skipped() -> None:
    f = Feed()
    f.assertions.extend(["a.b.c", None])
    rec, _ = run(negative.second_issuer_check, f, method="identity_assertion")
    assert codes(rec) == ["SM022"] and rec.diagnostics[0].severity.value == "info"


def judge(answer: object, *, name: str = "wrong aud") -> list[str]:
    check = next(c for c in negative.ID_JAG_CHECKS if c.name == name)
    f = Feed().on(f"negative: {name}", answer)  # type: ignore[arg-type]
    rec = Recorder("t")
    ctx = Ctx(target(), Options("identity_assertion"), rec)
    gen = negative._present(ctx, name, "x.y.z", codes=check.codes, statuses=check.statuses)
    try:
        action = next(gen)
        while True:
            action = gen.send(f.answer(action))
    except StopIteration:
        pass
    return codes(rec)


def test_refusal_as_documented_passes_including_the_reference_lossy_code() -> None:
    assert judge(err(400, "invalid_audience")) == []
    assert judge(err(400, "invalid_request")) == []  # the umbrella code (SPEC §14 D9)
    assert judge(err(400, "expired")) == []  # the reference's lossy classification (SPEC §12-A 25)


def test_acceptance_is_sm008_and_a_step_up_counts_as_acceptance() -> None:
    assert judge(clean("x@example.com")) == ["SM008"]
    assert judge(err(401, "interaction_required")) == ["SM008"]  # it passed verification, reached matching


def test_other_refusals_and_failures() -> None:
    assert judge(err(400, "invalid_grant")) == ["SM007"]
    assert judge(err(403, "invalid_audience")) == ["SM007"]
    assert judge(resp(500, {"error": "internal_error"})) == ["SM009"]
    assert judge(resp(400, b"bad", headers={"content-type": "text/plain"})) == ["SM006"]


def test_wrong_grant_type_also_checks_no_store() -> None:
    f = Feed().on("negative: unknown type", err(400, "invalid_request"))
    f.on("negative: malformed JSON", err(400, "invalid_request"))
    f.on("negative: lone surrogate in a JSON string", err(400, "invalid_login_hint"))
    refused = err(400, "unsupported_grant_type", oauth=True)
    f.on("negative: wrong grant type", type(refused)(400, {"content-type": "application/json"}, refused.body))
    rec, f = run(negative.request_checks, f)
    assert codes(rec) == ["SM005"]
    assert f.sent[2].body == b'{"type":"service_auth","login_hint":"\\ud800@example.com"}'
    assert f.sent[3].url == f"{AS}/oauth2/token"
