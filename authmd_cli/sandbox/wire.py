"""Request parsing and error envelopes (pure: bytes in, values or `ProtocolError` out).

Malformed input is always a 4xx with a documented code, never a 500 (the reference's fault).
Envelopes per SPEC §14 D10: profile endpoints `{error, message}` (the 401s use
`error_description`), OAuth endpoints RFC 6749 §5.2 `{error, error_description}`, the SET
receiver RFC 8935 §2.4 `{err, description}`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from authmd_cli.core import strict_json

# A pragmatic email shape (SPEC §14 D26: `serve` answers `invalid_login_hint`).
_EMAIL = re.compile(r"^[^@\s\"<>(),;:\\\[\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
MAX_FIELDS = 50


class ProtocolError(Exception):
    """A documented error answer. `family` picks the envelope: profile | oauth | events."""

    def __init__(self, code: str, status: int, message: str, *, headers: Mapping[str, str] | None = None,
                 extra: Mapping[str, Any] | None = None, description_key: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        self.description_key = description_key


def invalid_request(message: str) -> ProtocolError:
    return ProtocolError("invalid_request", 400, message)


def error_body(err: ProtocolError, family: str) -> dict[str, Any]:
    if family == "events":
        return {"err": err.code, "description": err.message}
    if family == "oauth":
        return {"error": err.code, "error_description": err.message}
    key = err.description_key or ("error_description" if err.status == 401 else "message")
    return {"error": err.code, key: err.message, **err.extra}


def has_control_characters(value: str) -> bool:
    """Control (Cc), format (Cf: bidi overrides, zero-width joiners) or surrogate (Cs) code points:
    invisible or misleading in an address shown to a person, so an email holding one is refused."""
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in value)


def is_email(value: str) -> bool:
    return len(value) <= 254 and _EMAIL.match(value) is not None and not has_control_characters(value)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def email_key(value: str) -> str:
    """The one normalisation under which emails are stored and compared (users, login hints,
    attempts, ID-JAG emails): Unicode NFC, then ASCII letters lower-cased. Not `casefold()`, which
    makes `straße` equal `strasse` (two mailboxes) while the user table kept them apart: the claim
    page then let one account confirm an attempt bound to the other (SPEC §7.1 wrong-account rule)."""
    return unicodedata.normalize("NFC", value).translate(_ASCII_LOWER)


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _is_json_type(mt: str) -> bool:
    return mt == "application/json" or (mt.startswith("application/") and mt.endswith("+json"))


def parse_json_object(body: bytes, content_type: str | None) -> dict[str, Any]:
    """The JSON object of a profile request; anything else is 400 `invalid_request`. Strict JSON
    (`core.strict_json`): NaN/Infinity, numbers beyond a double and lone surrogates are refused
    here, so no handler meets them (a lone surrogate cannot even be hashed: it was a 500)."""
    if not _is_json_type(media_type(content_type)):
        raise invalid_request("Content-Type must be application/json")
    try:
        value = strict_json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise invalid_request("body is not valid JSON (RFC 8259)") from None
    if not isinstance(value, dict):
        raise invalid_request("body must be a JSON object")
    return value


def parse_form(body: bytes, content_type: str | None) -> dict[str, str]:
    """An `application/x-www-form-urlencoded` body; a repeated parameter is an error (RFC 6749 §3.1)."""
    if media_type(content_type) != "application/x-www-form-urlencoded":
        raise invalid_request("Content-Type must be application/x-www-form-urlencoded")
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_FIELDS,
                          errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise invalid_request("body is not a valid form") from None
    out: dict[str, str] = {}
    for key, value in pairs:
        if key in out:
            raise invalid_request(f"parameter {key!r} is repeated")
        out[key] = value
    return out


def string_member(obj: Mapping[str, Any], name: str, *, max_len: int = 8192) -> str:
    """A required non-empty string member (SPEC §6.1: all members are strings, min length 1)."""
    value = obj.get(name)
    if value is None:
        raise invalid_request(f"missing required member {name!r}")
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise invalid_request(f"member {name!r} must be a non-empty string")
    return value


def optional_string(obj: Mapping[str, Any], name: str, *, max_len: int = 8192) -> str | None:
    if obj.get(name) is None:
        return None
    return string_member(obj, name, max_len=max_len)


def www_authenticate_agent(error: str, description: str, **params: str) -> str:
    """SPEC §13.1: `AgentAuth error="…", …` with quotes and backslashes escaped."""
    def q(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    parts = [f"error={q(error)}"] + [f"{k}={q(v)}" for k, v in params.items()]
    parts.append(f"error_description={q(description)}")
    return "AgentAuth " + ", ".join(parts)
