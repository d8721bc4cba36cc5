"""The report: golden text, JSON and Markdown for one hand-built run; masking (secrets to their last
four characters, the claim token always); curl for --dry-run.

Regenerate the golden files after an intended output change:
    AUTHMD_UPDATE_GOLDENS=1 .venv/bin/pytest tests/agent/test_report.py
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import pytest

from authmd_cli.agent import report
from authmd_cli.agent.codes import diag
from authmd_cli.agent.record import Recorder
from authmd_cli.agent.wire import Request, Response

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "simulate"
AS = "https://auth.example.com"
CLAIM = "clm_0123456789abcdefghijKLMN"
ASSERTION = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJyZWdfMSJ9.c2lnbmF0dXJlX29mX3RoZV9hc3NlcnRpb24"
ACCESS = "at_live_access_token_0123456789WXYZ"
TARGET = {"url": AS, "issuer": AS, "profile": "v0.7-B", "profile_origin": "detected", "ceremony": "complete",
          "resource": "https://api.example.com/", "notes": []}


def recorder() -> Recorder:
    rec = Recorder("user-claimed")
    reg = {"id": "reg_1", "type": "anonymous",
           "identity": {"assertion": ASSERTION, "expires_at": "2026-01-01T00:00:00Z"},
           "claim": {"token": CLAIM, "expires_at": "2026-01-02T00:00:00Z", "url": f"{AS}/agent/identity/claim"}}
    register = Request.json("register (anonymous)", f"{AS}/agent/identity", {"type": "anonymous"})
    rec.step("register (anonymous)", register,
             Response(200, {"content-type": "application/json", "cache-control": "no-store"},
                      json.dumps(reg).encode(), 12.0))
    rec.secret(ASSERTION, CLAIM)
    rec.never_shown.add(CLAIM)
    ex = Request.form("exchange (pre-claim)", f"{AS}/oauth2/token",
                      {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": ASSERTION})
    rec.step("exchange (pre-claim)", ex,
             Response(200, {"content-type": "application/json"},
                      json.dumps({"access_token": ACCESS, "token_type": "Bearer", "scope": "api.read"}).encode(), 3.0),
             [diag("SM005", "POST 200 has no Cache-Control header; OAuth responses must say no-store",
                   f"{AS}/oauth2/token", hint="send Cache-Control: no-store")])
    rec.token_issued(ACCESS, "access token")
    rec.step("call API (pre-claim)", Request.get("call API (pre-claim)", "https://api.example.com/", bearer=ACCESS),
             Response(200, {"content-type": "text/plain"}, b"hello", 1.0))
    rec.step("hand-off to the user", note="code read back by --human-command")
    rec.registration = "reg_1"
    rec.outcome = "failed"
    return rec


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("AUTHMD_UPDATE_GOLDENS"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert text == path.read_text()


def test_text_golden() -> None:
    golden("report.txt", report.text(recorder(), TARGET))


def test_transcript_golden() -> None:
    golden("transcript.md", report.transcript(recorder(), TARGET))


def test_json_golden() -> None:
    golden("report.json", json.dumps(report.to_dict(recorder(), TARGET), indent=2, ensure_ascii=False) + "\n")


@pytest.mark.parametrize("render", [report.text, report.transcript,
                                    lambda r, t, **kw: json.dumps(report.to_dict(r, t, **kw))])
def test_secrets_masked_by_default_and_the_claim_token_always(render: object) -> None:
    masked = render(recorder(), TARGET)  # type: ignore[operator]
    shown = render(recorder(), TARGET, show_secrets=True)  # type: ignore[operator]
    for secret in (ASSERTION, ACCESS, CLAIM):
        assert secret not in masked
    assert CLAIM not in shown  # SPEC §12: never written anywhere
    if render is report.transcript:
        assert ASSERTION in shown and ACCESS in shown
        assert "…WXYZ" in masked  # the last four characters, nothing more


def test_curl_is_shell_quoted_and_masked() -> None:
    req = Request.json("claim", f"{AS}/agent/identity/claim",
                       {"claim_token": CLAIM, "login_hint": "o'neil@example.com"})
    line = report.curl(req, report.Masker({CLAIM}, {CLAIM}, show=False))
    words = shlex.split(line)
    assert words[:5] == ["curl", "-sS", "-X", "POST", f"{AS}/agent/identity/claim"]
    body = json.loads(words[words.index("--data-binary") + 1])
    assert body["login_hint"] == "o'neil@example.com" and body["claim_token"] != CLAIM


def test_placeholders_stay_readable() -> None:
    m = report.Masker({"<access token>"}, (), show=False)
    assert m.text("Bearer <access token>") == "Bearer <access token>"


def test_text_without_steps_keeps_the_header_and_summary() -> None:
    short = report.text(recorder(), TARGET, steps=False)
    assert short.splitlines()[0].startswith("authmd simulate user-claimed")
    assert "register (anonymous)" not in short and short.splitlines()[1].startswith("failed:")


def test_target_notes_reach_text_and_transcript() -> None:
    target = {**TARGET, "notes": ["claim_uri is a legacy alias of claim_endpoint; claim_endpoint is used"]}
    assert "legacy alias" in report.text(recorder(), target)
    assert "- Note: claim_uri is a legacy alias" in report.transcript(recorder(), target)
