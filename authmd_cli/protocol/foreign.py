"""JSON bodies of *other* protocols that auth.md files show next to their own (pure).

Real files explain how agent registration differs from what a reader may know, or document
their OAuth app registration beside it (IN-THE-WILD P5, P13): an RFC 7591 dynamic client
registration request or response, an RFC 8628 device authorization response. Such a block is
not an example of this protocol: it is neither validated against our schemas nor read as a
generation fingerprint (its `interval` is the device flow's, not the v0.4 claim poll's).
"""

from __future__ import annotations

from typing import Any

# RFC 7591 §2 client metadata and §3.2.1 response members that this protocol never uses.
_DCR = frozenset({
    "client_name", "redirect_uris", "client_id", "client_secret", "client_id_issued_at",
    "client_secret_expires_at", "token_endpoint_auth_method", "software_statement", "software_id",
    "registration_access_token", "registration_client_uri", "response_types", "client_uri", "logo_uri",
    "contacts",
})
# RFC 8628 §3.2 device authorization response members this protocol never uses.
_DEVICE = frozenset({"device_code", "verification_uri_complete"})
# Members only this protocol's bodies carry: their presence makes the block ours after all.
_OURS = frozenset({"type", "registration_id", "identity", "claim", "claim_token", "identity_assertion",
                   "agent_auth", "login_hint", "assertion", "user_code_expires_at"})


def other_protocol(value: Any) -> str | None:
    """The other protocol a JSON object belongs to ("RFC 7591 …", "RFC 8628 …"), or None."""
    if not isinstance(value, dict) or _OURS & set(value):
        return None
    keys = set(value)
    if _DEVICE & keys:
        return "RFC 8628 device authorization"
    if len(_DCR & keys) >= 2 or ({"client_id", "client_secret"} <= keys):
        return "RFC 7591 client registration"
    return None
