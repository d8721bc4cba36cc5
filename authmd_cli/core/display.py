"""Quoting document values in messages without printing a secret (pure, stdlib only).

IN-THE-WILD §4.1: authmd never prints a secret. Every rule message and hint that quotes a value
from a document goes through `show_value` (JSON rendering, truncated), which hides:
- the value of a member whose name is a credential or one-time code (`access_token`,
  `refresh_token`, `assertion`, `claim_token`, `user_code`, `client_secret`, `password`, ...),
  whatever it looks like: at most its last four characters are shown (`redact`);
- anything that looks like a secret wherever it appears: a JWT, a vendor API key
  (`sk_live_…`), a long high-entropy token (SPEC §12, §13.3);
- the userinfo of a URL and the values of credential query parameters (RFC 6750 §5.3).
Placeholders (`"<access_token>"`, `"at_..."`, SPEC §14 D12) are shown as written.
The secret detectors live here too, so the SC rules and the display agree on what a secret is.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from authmd_cli.core.urls import is_placeholder

JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{8,}")
VENDOR_KEY_RE = re.compile(
    r"\b(?:(?:sk|rk)_live_[A-Za-z0-9]{8,}|AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}"
    r"|xox[abpr]-[A-Za-z0-9-]{10,})"
)
# Members whose value is a credential (SPEC §6, §9; IN-THE-WILD P13 camelCase variants). SC001
# reports real-looking values in them.
SECRET_KEYS = frozenset({
    "access_token", "api_key", "apikey", "apiKey", "refresh_token", "assertion", "claim_token", "identity_assertion",
    "credential", "client_secret", "secret", "api_secret", "password", "accessToken", "refreshToken",
    "claimToken", "token",
})
# Never shown at all, even when short or low-entropy: credentials and one-time codes the user
# reads back (SPEC §6.4-§6.6 `user_code`, the v0.1-v0.3 `otp`). Compared in snake_case.
_HIDDEN_KEYS = frozenset({k for k in SECRET_KEYS if k.islower()} | {
    "user_code", "otp", "claim_attempt_token", "client_assertion", "id_token", "private_key", "session_token",
    "client_secret_jwt",
})
# Query (and fragment) parameters that carry credentials (RFC 6750 §2.3, §5.3; IN-THE-WILD P15).
SECRET_PARAMS = frozenset({
    "access_token", "token", "api_key", "apikey", "key", "secret", "client_secret", "password", "refresh_token",
    "claim_token", "credential", "assertion", "auth", "session", "sig", "signature",
})
_MIN_SECRET_LEN = 16
_MIN_ENTROPY = 3.5  # bits per character; random base64url is ~6, English words ~3
# URLs worth a look: with a query, or with userinfo (also relative `/path?query`).
_ANY_URL_RE = re.compile(r"(?:https?://|/)[^\s\"'<>)\]`]*\?[^\s\"'<>)\]`]+|https?://[^\s/\"'<>@]+@[^\s\"'<>]+",
                         re.IGNORECASE)
_USERINFO_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@\s\"'<>`]*@")
_PARAM_RE = re.compile(r"([?&#])([^=&#\s\"'<>`]+)=([^&#\s\"'<>`]*)")
_TOKEN_RE = re.compile(r"[A-Za-z0-9_\-+=~.]{16,}")
# What a service's text must not do to a terminal: C0 controls (ESC starts OSC/CSI sequences that
# retitle the window or rewrite the screen), DEL and C1 controls; and lone UTF-16 surrogates, which
# no output stream can encode (RFC 8259 §8.2). Shown as `\x1b` / `\ud800` escapes instead.
_UNPRINTABLE_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")


def redact(secret: str) -> str:
    """Never print a secret: at most its last four characters (IN-THE-WILD §4.1)."""
    tail = secret[-4:] if len(secret) >= 12 else ""
    return f"…{tail}"


def _entropy(s: str) -> float:
    counts: dict[str, int] = {}
    for ch in s:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def looks_secret(value: str) -> bool:
    """A long, high-entropy token that is not a placeholder (`"<…>"`, `"clm_..."`, SPEC §14 D12)."""
    v = value.strip()
    if len(v) < _MIN_SECRET_LEN or is_placeholder(v, partial=True) or any(c in v for c in " <>{}@/"):
        return False
    if not (any(c.isdigit() for c in v) and any(c.isalpha() for c in v)):
        return False
    return _entropy(v) >= _MIN_ENTROPY


def jwt_header(token: str) -> dict[str, Any] | None:
    """The decoded JOSE header of a real-looking JWT, or None (RFC 7519 §3).

    Decoded by `tokens.peek` (stdlib only; pyjwt is not imported). Only the header matters here,
    so peek is handed the header with an empty `{}` payload (`e30`): a token whose payload is not
    JSON still counts, as before.
    """
    from authmd_cli.core.tokens import TokenError, peek

    try:
        head, _ = peek(f"{token.split('.', 1)[0]}.e30.")
    except TokenError:
        return None
    return head if "alg" in head or "typ" in head else None


# ------------------------------------------------------------------------------ URLs


def urls_in(text: str) -> list[str]:
    """URLs in `text` that have a query or userinfo (where credentials hide)."""
    if "?" not in text and "@" not in text:
        return []
    return [m.group(0) for m in _ANY_URL_RE.finditer(text)]


def url_secret_parts(url: str) -> Iterator[tuple[str | None, str]]:
    """(query parameter name, or None for the userinfo password; value) of credentials in `url`."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return
    if password and not is_placeholder(password):
        yield None, password
    for name, value in parse_qsl(parts.query, keep_blank_values=False):
        if name.lower() in SECRET_PARAMS and value and not is_placeholder(value) and "<" not in value \
                and len(value) >= 8:
            yield name, value


def _secret_param(m: re.Match[str]) -> str:
    sep, name, value = m.groups()
    if name.lower() in SECRET_PARAMS and value and not is_placeholder(value, partial=True):
        return f"{sep}{name}={redact(value)}"
    return m.group(0)


# ------------------------------------------------------------------------------ display


def scrub(text: str) -> str:
    """`text` with every secret-looking part redacted: URL userinfo, credential parameters (query
    or fragment), JWTs, vendor keys and long high-entropy tokens."""
    text = _USERINFO_RE.sub(r"\1…@", text)
    text = _PARAM_RE.sub(_secret_param, text)
    text = JWT_RE.sub(lambda m: redact(m.group(0)), text)
    text = VENDOR_KEY_RE.sub(lambda m: redact(m.group(0)), text)
    return _TOKEN_RE.sub(lambda m: redact(m.group(0)) if looks_secret(m.group(0)) else m.group(0), text)


def is_hidden_key(key: str | None) -> bool:
    """A member whose value is never shown (credential or one-time code), any spelling."""
    if not key:
        return False
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).replace("-", "_").lower()
    return snake in _HIDDEN_KEYS


def _hide(value: Any) -> Any:
    if isinstance(value, str):
        return value if is_placeholder(value, partial=True) else redact(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return redact(str(value))
    if isinstance(value, dict):
        return {k: _hide(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_hide(v) for v in value]
    return value


def safe(value: Any, key: str | None = None) -> Any:
    """A copy of a JSON value that is safe to print: hidden members redacted, strings scrubbed."""
    if is_hidden_key(key):
        return _hide(value)
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: safe(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [safe(v, key) for v in value]
    return value


def show_value(value: Any, *, key: str | None = None, width: int = 70) -> str:
    """`value` as JSON for a message (`"https://x/y"`, `["a", "b"]`), secrets hidden, at most `width`
    characters; `key` is the member name holding it, when known."""
    text = json.dumps(safe(value, key), ensure_ascii=False, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` safe to write to a terminal or file: control characters (tab and newline kept) and
    lone surrogates shown as escapes."""
    return _UNPRINTABLE_RE.sub(lambda m: m.group() if m.group() in "\t\n" else _escape(m), text)


def encodable(text: str) -> str:
    """`text` with only its lone surrogates escaped (`\\ud800`): any stream can encode it, and JSON
    text stays valid JSON (a surrogate can only sit inside a string, where `\\ud800` is its escape)."""
    return _SURROGATE_RE.sub(_escape, text)


def inline(text: str, *, width: int = 70) -> str:
    """A string for a sentence or backticks (a URL, a host, a scope): as written, without JSON
    quotes, secrets hidden, control characters and lone surrogates escaped (`\\x1b`, `\\ud800`), at
    most `width` characters."""
    text = _UNPRINTABLE_RE.sub(_escape, scrub(text))
    return text if len(text) <= width else text[: width - 1] + "…"


def value_at(root: Any, pointer: str) -> Any:
    """The value an RFC 6901 pointer names in `root`, or None when there is none."""
    cur = root
    for raw in pointer.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(cur, dict) and token in cur:
            cur = cur[token]
        elif isinstance(cur, list) and token.isdigit() and int(token) < len(cur):
            cur = cur[int(token)]
        else:
            return None
    return cur


def violation_message(message: str, shown: str, root: Any, pointer: str) -> str:
    """A schema violation's `message` (which quotes the value as `shown`, rendered without knowing
    the member name) with the value hidden when it sits under a credential member (`/user_code`,
    `/refresh_token/value`)."""
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]
    hidden = next((t for t in tokens if is_hidden_key(t)), None)
    if hidden is None or not shown:
        return message
    return message.replace(shown, show_value(value_at(root, pointer), key=hidden))
