"""No diagnostic prints a secret (IN-THE-WILD §4.1; authmd_cli/display.py).

Property: plant a secret-looking value (a JWT, a vendor API key, a high-entropy token, or a URL
carrying one in its query or userinfo) in any member of a JSON example of the v0.7-B auth.md, or
of its PRM / AS metadata, lint the site with every rule, and no message, hint or other field of
any diagnostic contains the secret: at most its last four characters.
"""

from __future__ import annotations

import base64
import json
import string
from pathlib import Path
from typing import Any

import pytest
from helpers import line_of, lint, replace
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authmd_cli.core.display import redact, show_value
from authmd_cli.lint.engine import LintOptions, lint_documents
from authmd_cli.lint.loader import load_document
from authmd_cli.protocol.markdown import split_lines
from authmd_cli.protocol.model import DocKind, Site

SITE = Path(__file__).resolve().parents[2] / "fixtures" / "profiles" / "v0.7-B"
AUTH = (SITE / "auth.md").read_text(encoding="utf-8")
PRM = json.loads((SITE / ".well-known" / "oauth-protected-resource").read_text(encoding="utf-8"))
ASM = json.loads((SITE / ".well-known" / "oauth-authorization-server").read_text(encoding="utf-8"))

_B64URL = string.ascii_letters + string.digits + "-_"


def _b64(obj: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


# The random body of a secret: long, letters and digits, three quarters of its characters distinct
# (what a random credential looks like; "000000000123456789ABCDEF" does not).
_BODY = st.text(alphabet=_B64URL, min_size=24, max_size=48).filter(
    lambda s: len(set(s)) >= 0.75 * len(s) and any(c.isdigit() for c in s) and any(c.isalpha() for c in s))


@st.composite
def secrets(draw: st.DrawFn) -> tuple[str, str]:
    """(value to plant, secret part that must not be printed)."""
    body = draw(_BODY)
    kind = draw(st.sampled_from(["jwt", "vendor", "token", "query", "userinfo", "fragment"]))
    if kind == "jwt":
        alg = draw(st.sampled_from(["ES256", "HS256", "RS256"]))
        token = f"{_b64({'alg': alg, 'typ': 'JWT'})}.{_b64({'sub': body[:8], 'iss': 'https://idp.q.io'})}.{body}"
        return token, token
    if kind == "vendor":
        key = "sk_live_" + body.replace("-", "x").replace("_", "y")
        return key, key
    if kind == "token":
        prefix = draw(st.sampled_from(["", "at_", "rt_", "clm_", "reg_"]))
        return prefix + body, prefix + body
    param = draw(st.sampled_from(["access_token", "token", "api_key", "client_secret", "password"]))
    if kind == "query":
        return f"https://auth.quillnote.io/agent/identity?{param}={body}", body
    if kind == "fragment":
        return f"https://app.quillnote.io/cb#{param}={body}&state=x", body
    return f"https://agent:{body}@auth.quillnote.io/agent/identity", body


def _pointers(value: Any, base: str = "") -> list[str]:
    out: list[str] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for k, child in items:
        p = f"{base}/{str(k).replace('~', '~0').replace('/', '~1')}"
        out.append(p)
        out += _pointers(child, p)
    return out


def _set(value: Any, pointer: str, new: Any) -> Any:
    value = json.loads(json.dumps(value))
    *parents, last = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]
    cur = value
    for t in parents:
        cur = cur[int(t)] if isinstance(cur, list) else cur[t]
    if isinstance(cur, list):
        cur[int(last)] = new
    else:
        cur[last] = new
    return value


def _examples() -> list[tuple[int, int, Any]]:
    """(first line, last line, value) of every JSON example body in the auth.md (1-based, inclusive)."""
    doc = load_document("auth.md", AUTH)
    assert doc.auth is not None
    out = [(b.fence.content_line, b.fence.end_line - 1, b.doc.value) for b in doc.auth.json_blocks if b.doc]
    out += [(m.body_line, m.fence.end_line - 1, m.json_body.doc.value) for m in doc.auth.http_messages
            if m.json_body is not None and m.json_body.doc is not None and m.body_line is not None]
    return out


EXAMPLES = _examples()
SLOTS = [("auth", i, p) for i, (_, _, v) in enumerate(EXAMPLES) for p in _pointers(v)] \
    + [("prm", 0, p) for p in _pointers(PRM)] + [("as", 0, p) for p in _pointers(ASM)]


def _site(where: str, index: int, pointer: str, planted: str) -> list[Any]:
    auth, prm, asm = AUTH, PRM, ASM
    if where == "auth":
        first, last, value = EXAMPLES[index]
        lines = split_lines(AUTH)
        body = json.dumps(_set(value, pointer, planted), indent=2).split("\n")
        auth = "\n".join(lines[: first - 1] + body + lines[last:]) + "\n"
    elif where == "prm":
        prm = _set(PRM, pointer, planted)
    else:
        asm = _set(ASM, pointer, planted)
    return [load_document("site/auth.md", auth),
            load_document("site/prm.json", json.dumps(prm, indent=2), kind=DocKind.PRM),
            load_document("site/as.json", json.dumps(asm, indent=2), kind=DocKind.AS_METADATA)]


def _leaks(rendered: str, secret: str) -> list[str]:
    """Pieces of `secret` longer than its last four characters that appear in `rendered`."""
    return [secret[i:i + 8] for i in range(len(secret) - 7) if secret[i:i + 8] in rendered]


def test_slots_cover_examples_and_both_metadata_documents() -> None:
    assert {w for w, _, _ in SLOTS} == {"auth", "prm", "as"}
    assert len(EXAMPLES) >= 15 and len(SLOTS) > 150


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(slot=st.sampled_from(SLOTS), secret=secrets(), pinned=st.booleans())
def test_planted_secret_is_never_printed(slot: tuple[str, int, str], secret: tuple[str, str], pinned: bool) -> None:
    planted, hidden = secret
    docs = _site(*slot, planted)
    report = lint_documents(docs, [Site("site", *docs)], LintOptions(profile="v0.7-B" if pinned else None))
    internal = [d.message for d in report.diagnostics if d.code == "TL006"]
    assert internal == []
    for d in report.diagnostics:
        rendered = json.dumps(d.to_dict(), ensure_ascii=False)
        assert _leaks(rendered, hidden) == [], (d.code, d.message, d.hint)


# ------------------------------------------------------------------ show_value itself


@pytest.mark.parametrize(("value", "key", "shown"), [
    ("WDJB-MJHT", "user_code", '"…"'),
    ("rt_Qm9wZW5zZXNhbWUxMjM0NTY3", "refreshToken", '"…NTY3"'),
    ({"value": "rt_Qm9wZW5zZXNhbWUxMjM0NTY3", "expires_at": "2026"}, "refresh_token",
     '{"value": "…NTY3", "expires_at": "…"}'),
    ("<access_token>", "access_token", '"<access_token>"'),
    ("at_...", "access_token", '"at_..."'),
    ("https://u:hunter2hunter2@x.io/a?client_secret=s3cr3tv4lu3xyz&b=1", None,
     '"https://…@x.io/a?client_secret=…3xyz&b=1"'),
    ("https://x.io/a?token=<token>", None, '"https://x.io/a?token=<token>"'),
    (["anonymous", "service_auth"], "identity_types_supported", '["anonymous", "service_auth"]'),
    (None, None, "null"),
    (3600, "expires_in", "3600"),
])
def test_show_value_hides_credentials_by_name_and_by_look(value: Any, key: str | None, shown: str) -> None:
    assert show_value(value, key=key) == shown


def test_show_value_redacts_jwts_and_keys_inside_text_and_truncates() -> None:
    jwt = f"{_b64({'alg': 'ES256'})}.{_b64({'sub': 'u'})}.c2lnbmF0dXJlLXZhbHVlLWhlcmU"
    text = show_value(f"Authorization: Bearer {jwt} and sk_live_4eC39HqLyjWDarjtT1zdp7dc")
    assert jwt[:-4] not in text and "4eC39HqLyjWDarjtT1zd" not in text
    assert redact(jwt) in text and "…p7dc" in text
    assert len(show_value("x" * 500, width=40)) == 40


# ------------------------------------------------------------------ the rules named in the review


@pytest.mark.parametrize(("old", "new", "digits"), [
    ('"user_code": "<six digits>"', '"user_code": 48213377', "48213377"),
    ('"user_code": "<six digits>"', '"user_code": ["4821", "3377"]', "4821"),
    ('"refresh_token": "art_..."', '"refresh_token": 982341234', "982341234"),
])
def test_ex001_one_time_codes_and_refresh_tokens_are_never_quoted(old: str, new: str, digits: str) -> None:
    text = replace(old, new)
    [d] = lint(text, "EX001")
    assert d.location.line == line_of(text, new.split(":", maxsplit=1)[0])
    assert digits not in d.message and '"…' in d.message


def test_ds006_query_credential_in_served_metadata_is_redacted() -> None:
    asm = json.loads(json.dumps(ASM))
    asm["issuer"] = "https://auth.quillnote.io?client_secret=Zt9qLm2XwR7vKp4N"
    doc = load_document("as.json", json.dumps(asm, indent=2), kind=DocKind.AS_METADATA)
    diags = [d for d in lint_documents([doc], [], LintOptions(profile="v0.7-B", select=("DS006",))).diagnostics]
    assert [d.location.pointer for d in diags] == ["/issuer"]
    assert "Zt9qLm2XwR7vKp" not in diags[0].message and "client_secret=…Kp4N" in diags[0].message
