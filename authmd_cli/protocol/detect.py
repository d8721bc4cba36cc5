"""Generation detection: name the profile a document follows, with evidence (pure, no I/O).

SPEC §1.3 lists fingerprints per version; SPEC §14 D2 makes detection binding:
- every construct seen is a *signal* with the set of profiles it is compatible with
  (`compat`) and, where SPEC §1.3 attributes it to one version, the profile it is a positive
  fingerprint of (`positive`: the version that introduced it, or the one version that has it);
- "ceiling" signals (`verified_email`, `registration_id`, `otp_invalid`, ...) narrow the
  candidates without being a positive fingerprint of any one version;
- weak signals (`revocation_uri`, `otp`, `logout+jwt`, `/agent/auth/revoke`) never decide:
  they only narrow when the decisive signals leave a choice (D2); `events_supported` is not
  collected at all (SPEC §12-A item 20);
- profile = the newest candidate (compatible with every decisive signal) that has a positive
  signal; when the decisive signals contradict each other the document is `mixed` and the
  profile is the newest one with a positive signal (D2 literally), the older constructs then
  being legacy findings (D3, rules/generations.py).

Dialects (IN-THE-WILD §3) need several signals; one unknown key is only an extension (P11).
The two name collisions (IN-THE-WILD §3) are recognised by front matter when no protocol
vocabulary is present. `no-registration` (D13) is detected when nothing of the protocol is
there and the auth.md says so, or an AS document carries no `agent_auth`.

Speed: one pass over each JSON value (iterative), plain dict/set look-ups; this runs on every
loaded document.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from authmd_cli.core.display import inline
from authmd_cli.core.urls import has_template
from authmd_cli.protocol.foreign import other_protocol
from authmd_cli.protocol.model import AuthDoc, Detection, DocKind, Evidence, JsonDoc
from authmd_cli.protocol.profiles import (
    CLAIM_GRANT_URN,
    JWT_BEARER_URN,
    NO_REGISTRATION,
    PROFILES,
    VERSIONED,
    range_label,
)

_INDEX = {label: i for i, label in enumerate(VERSIONED)}
ALL: frozenset[str] = frozenset(VERSIONED)


def span(lo: str, hi: str | None = None) -> frozenset[str]:
    """Profiles from `lo` to `hi` inclusive (to the newest when `hi` is None), chronological."""
    a = _INDEX[lo]
    b = _INDEX[hi] if hi else len(VERSIONED) - 1
    return frozenset(VERSIONED[a:b + 1])


def newest(labels: frozenset[str] | set[str]) -> str | None:
    return max(labels, key=_INDEX.__getitem__) if labels else None


def index(label: str) -> int:
    """Chronological rank in VERSIONED (v0.7-B after its sibling v0.7-A); -1 for others."""
    return _INDEX.get(label, -1)


# ------------------------------------------------------------------------------ signals


@dataclass(frozen=True, slots=True)
class Signal:
    """One fingerprint hit. `construct` is the RENAMES key (or a short name) of what was seen."""

    construct: str
    text: str  # evidence text, e.g. "agent_auth.register_uri"
    compat: frozenset[str]
    positive: str | None  # SPEC §1.3 attribution; None for ceiling-only signals
    weak: bool = False  # D2: never decides on its own
    line: int | None = None
    pointer: str | None = None
    kind: str = "key"  # key | value | path | heading | error | shape


@dataclass(frozen=True, slots=True)
class DialectHit:
    dialect: str
    text: str
    line: int | None = None
    pointer: str | None = None


@dataclass
class Scan:
    """Everything one pass over a document found; `detect` decides from it, GN rules reuse it."""

    signals: list[Signal] = field(default_factory=list)
    dialect_hits: list[DialectHit] = field(default_factory=list)
    has_agent_auth: bool = False
    registration_request: bool = False  # a registration request is documented (D13)
    no_registration_line: int | None = None  # the auth.md says no registration is offered
    prm_without_as: bool = False


def _code_table() -> dict[str, frozenset[str]]:
    """Error code -> the profiles that know it (SPEC §11, §14 D9); codes known to all are no signal."""
    table: dict[str, set[str]] = {}
    for label in VERSIONED:
        p = PROFILES[label]
        for code in p.all_error_codes | p.errors_table_expected:
            table.setdefault(code, set()).add(label)
    return {c: frozenset(s) for c, s in table.items() if frozenset(s) != ALL}


_CODES = _code_table()


def _code_positive(compat: frozenset[str]) -> str | None:
    """A code introduced after v0.1 is a positive fingerprint of its first version; a code of one
    version only, of that version; a code that goes back to v0.1 only narrows (ceiling)."""
    if len(compat) == 1:
        return next(iter(compat))
    first = min(compat, key=_INDEX.__getitem__)
    return None if first == "v0.1" else first


V01_KEYS = {
    "register_uri": "agent_auth.register_uri",
    "claim_uri": "agent_auth.claim_uri",
    "requested_credential_type": "requested_credential_type (registration body)",
    "credential_types_supported": "credential_types_supported",
    "credential_type": "credential_type (registration response)",
    "credential_expires": "credential_expires (registration response)",
}
# Old alias -> its successor in the same object (SPEC §14 D30).
ALIAS_PAIRS: dict[str, str] = {
    "register_uri": "identity_endpoint",
    "claim_uri": "claim_endpoint",
    "revocation_uri": "events_endpoint",
    "registration_endpoint": "identity_endpoint",
}
_VENDOR_CLAIM_RE = re.compile(r"^urn:(?!ietf:|workos:)[A-Za-z0-9.-]+:\S*grant-type:claim", re.IGNORECASE)
_DOTTED_EVENT_RE = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
_XVENDOR_RE = re.compile(r"^x-[a-z0-9]+-", re.IGNORECASE)
_KNOWN_AGENT_AUTH: frozenset[str] = frozenset().union(*(PROFILES[v].agent_auth_keys for v in VERSIONED)) | {
    "registration_endpoint", "anonymous", "identity_assertion", "service_auth"}
_NOFORM_VALUES = {"user_claimed", "agent_verified", "email_required", "urn:auth.md:user_claimed"}
_NOFORM_KEYS = {"user_claimed_supported", "complete_uri", "verify_uri", "introspection_uri"}
_TEMPLATED_KEYS = {"rekey_uri", "documentation_uri", "registration_methods"}


def _vendor_types_only(value: Any) -> bool:
    """A non-empty list of custom `x-<vendor>-…` credential types only (IN-THE-WILD §3 templated)."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and _XVENDOR_RE.match(v)
                                                           for v in value)


def _path_signals(path: str, emit_path: Callable[[str, str, frozenset[str], str | None, bool], None]) -> None:
    """Registration / claim / event paths (SPEC §1.2)."""
    p = path.rstrip("/")
    if p.endswith("/agent/auth/revoke"):
        emit_path("/agent/auth/revoke", "provider revocation receiver /agent/auth/revoke",
                  span("v0.1", "v0.2"), None, True)
    elif p.endswith("/agent/auth") or "/agent/auth/claim" in p:
        construct = "/agent/auth/claim" if "/claim" in p else "/agent/auth"
        emit_path(construct, f"v0.1 path {construct}", span("v0.1", "v0.1"), "v0.1", False)
    elif p.endswith("/agent/event/notify"):
        emit_path("/agent/event/notify", "SET receiver /agent/event/notify", span("v0.3"), "v0.3", False)
    elif "/agent/identity" in p:
        if p.endswith("/claim/view") or p.endswith("/claim/attempt/challenge"):
            emit_path("/claim/view", "emailed-OTP helper " + p[p.index("/agent/identity"):],
                      span("v0.1", "v0.3"), None, False)
        else:
            emit_path("/agent/identity", "registration path /agent/identity", span("v0.2"), "v0.2", False)


class _Collector:
    """Accumulates signals for one document; positions are lines (auth.md) or pointers (JSON)."""

    def __init__(self, in_markdown: bool) -> None:
        self.scan = Scan()
        self.in_markdown = in_markdown

    def add(self, construct: str, text: str, compat: frozenset[str], positive: str | None, *,
            weak: bool = False, line: int | None = None, pointer: str | None = None, kind: str = "key") -> None:
        if not compat:
            return
        self.scan.signals.append(Signal(construct, text, compat, positive, weak,
                                        line, None if self.in_markdown else pointer, kind))

    def dialect(self, dialect: str, text: str, line: int | None, pointer: str | None) -> None:
        self.scan.dialect_hits.append(DialectHit(dialect, text, line, None if self.in_markdown else pointer))

    # -------------------------------------------------------------- JSON

    def walk_json(self, doc: JsonDoc) -> None:
        """One iterative pass over the value: object shapes, keys and string values."""
        def where(ptr: str, key: bool = False) -> tuple[int | None, str]:
            pos = doc.position(ptr, key=key)
            return (pos[0] if pos else None), ptr

        stack: list[tuple[Any, str, str | None, int]] = [(doc.value, "", None, 0)]
        while stack:
            value, ptr, parent_key, depth = stack.pop()
            if isinstance(value, dict):
                self._object(value, ptr, parent_key, depth == 0, where)
                for k, v in value.items():
                    if isinstance(v, (dict, list, str)):
                        stack.append((v, f"{ptr}/{_esc(str(k))}", str(k), depth + 1))
            elif isinstance(value, list):
                for i, v in enumerate(value):
                    if isinstance(v, (dict, list, str)):
                        stack.append((v, f"{ptr}/{i}", parent_key, depth + 1))
            elif isinstance(value, str):
                self._string(value, ptr, parent_key, where)

    def _object(self, obj: dict[str, Any], ptr: str, parent_key: str | None, is_root: bool,
                where: Callable[[str, bool], tuple[int | None, str]]) -> None:
        def kw(key: str) -> dict[str, Any]:
            line, p = where(f"{ptr}/{_esc(key)}", True)
            return {"line": line, "pointer": p}

        keys = obj.keys()
        if "agent_auth" in keys:
            self.scan.has_agent_auth = True
        for k in [k for k in keys if k in V01_KEYS]:  # document order: set order varies by run
            if k == "credential_types_supported" and _vendor_types_only(obj[k]):
                continue  # `x-<vendor>-` credential types are the templated dialect's, not v0.1's (IN-THE-WILD §3)
            self.add(k, V01_KEYS[k], span("v0.1", "v0.1"), "v0.1", **kw(k))
        if parent_key == "agent_auth":
            self._agent_auth_members(obj, ptr, kw)
        if "identity_endpoint" in keys:
            w = kw("identity_endpoint")
            self.dialect("vendor-claim-grant", "reference-like `identity_endpoint`", w["line"], w["pointer"])
        for k in ("identity_endpoint", "claim_endpoint"):
            if k in keys:
                self.add(k, f"agent_auth.{k}" if parent_key == "agent_auth" else k, span("v0.2"), "v0.2", **kw(k))
        if "revocation_uri" in keys:
            self.add("revocation_uri", "agent_auth.revocation_uri", span("v0.1", "v0.2"), None, weak=True,
                     **kw("revocation_uri"))
        if "events_endpoint" in keys:
            self.add("events_endpoint", "agent_auth.events_endpoint", span("v0.3"), "v0.3", **kw("events_endpoint"))
        if is_root:
            for k in ("issuer", "token_endpoint", "revocation_endpoint"):
                # Only with an agent_auth block: a plain OAuth server has these too (D13).
                if k in keys and "agent_auth" in keys:
                    # A floor, not a fingerprint: publishers add `issuer` for RFC 8414 whatever
                    # generation their agent_auth block follows (IN-THE-WILD P2, §3 noform).
                    self.add("top-level-oauth", f"top-level RFC 8414 `{k}`", span("v0.2"), None, **kw(k))
                    break
            self._grant_list(obj, ptr, kw)
        for k in ("identity_assertion", "assertion_expires"):
            if isinstance(obj.get(k), str):
                self.add(k, f"flat response member `{k}`", span("v0.2", "v0.7-A"), "v0.2", **kw(k))
        for k in ("registration_id", "registration_type", "claim_url", "claim_token_expires",
                  "pre_claim_scopes", "post_claim_scopes"):
            if k in keys:
                self.add(k, f"flat response member `{k}`", span("v0.1", "v0.7-A"), None, **kw(k))
        if "user_code" in keys:
            self.add("user_code", "`user_code`", span("v0.4"), "v0.4", **kw("user_code"))
        if isinstance(obj.get("interval"), int):
            self.add("interval", "polling `interval`", span("v0.4", "v0.7-A"), "v0.4", **kw("interval"))
        if "claim_attempt" in keys:
            self.add("claim_attempt", "`claim_attempt` block", span("v0.4", "v0.7-A"), "v0.4", **kw("claim_attempt"))
        if "otp" in keys:
            self.add("otp", "OTP claim field `otp`", span("v0.1", "v0.3"), None, weak=True, **kw("otp"))
        if "max_age" in keys and obj.get("error") == "login_required":
            self.add("max_age", "`login_required` body with `max_age`", span("v0.5"), "v0.5", **kw("max_age"))
        self._envelope(obj, kw)
        self._claim_body(obj, kw)
        for k in [k for k in keys if k in _NOFORM_KEYS]:
            line, p = where(f"{ptr}/{_esc(k)}", True)
            self.dialect("noform", f"member `{k}`", line, p)
        for k in [k for k in keys if k in _TEMPLATED_KEYS]:
            line, p = where(f"{ptr}/{_esc(k)}", True)
            self.dialect("templated", f"member `{k}`", line, p)

    def _agent_auth_members(self, obj: dict[str, Any], ptr: str, kw: Callable[[str], dict[str, Any]]) -> None:
        if "registration_endpoint" in obj:
            # SPEC §1.3 addendum: a transitional pre-v0.2 key inside agent_auth.
            self.add("registration_endpoint", "agent_auth.registration_endpoint (pre-v0.2 transitional)",
                     span("v0.1", "v0.1"), "v0.1", **kw("registration_endpoint"))
        for k, v in obj.items():
            if isinstance(v, dict) and k not in _KNOWN_AGENT_AUTH and len(v) >= 2:
                w = kw(k)
                self.dialect("extension-block", f"agent_auth.{k} is an object ({len(v)} members) the protocol "
                             "does not define", w["line"], w["pointer"])
        skill = obj.get("skill")
        if isinstance(skill, str) and " " in skill.strip() and not skill.lower().startswith(("http://", "https://")):
            w = kw("skill")
            self.dialect("noform", "`skill` is prose, not a URL", w["line"], w["pointer"])
        events = obj.get("events_supported")
        if isinstance(events, list) and any(isinstance(e, str) and _DOTTED_EVENT_RE.match(e) for e in events):
            w = kw("events_supported")
            self.dialect("noform", "dotted event names in events_supported", w["line"], w["pointer"])

    def _grant_list(self, obj: dict[str, Any], ptr: str, kw: Callable[[str], dict[str, Any]]) -> None:
        grants = obj.get("grant_types_supported")
        if not isinstance(grants, list) or JWT_BEARER_URN not in grants:
            return
        if any(isinstance(g, str) and (g == CLAIM_GRANT_URN or _VENDOR_CLAIM_RE.match(g)) for g in grants):
            return
        aa = obj.get("agent_auth")
        types = aa.get("identity_types_supported") if isinstance(aa, dict) else None
        if not isinstance(types, list):
            return
        # SPEC §1.3 v0.7-B: grant_types_supported lacks the claim URN although a claim-capable
        # method is offered (v0.4-v0.7-A must list it, D17). With service_auth only v0.7-B fits.
        if "service_auth" in types:
            self.add("no-claim-grant", "grant_types_supported lacks the claim URN while service_auth is offered",
                     span("v0.7-B"), "v0.7-B", **kw("grant_types_supported"))
        elif "anonymous" in types:
            self.add("no-claim-grant", "grant_types_supported lacks the claim URN while anonymous is offered",
                     frozenset({"v0.2", "v0.3", "v0.7-B"}), "v0.7-B", **kw("grant_types_supported"))
        elif "identity_assertion" in types and isinstance(aa, dict) and aa.get("claim_endpoint"):
            # A claim endpoint with identity_assertion alone exists only for the step-up ceremony
            # (v0.5+, SPEC §8.5); before v0.7-B that ceremony ended with the claim grant (§7.3), so
            # without the URN only v0.7-B fits.
            self.add("no-claim-grant", "claim_endpoint for the identity_assertion step-up without the claim URN",
                     span("v0.7-B"), "v0.7-B", **kw("grant_types_supported"))

    def _envelope(self, obj: dict[str, Any], kw: Callable[[str], dict[str, Any]]) -> None:
        """v0.7-B nested response envelope (SPEC §6.1)."""
        ident = obj.get("identity")
        if isinstance(ident, dict) and "assertion" in ident:
            self.add("identity.assertion", "nested `identity.assertion`", span("v0.7-B"), "v0.7-B",
                     kind="shape", **kw("identity"))
        claim = obj.get("claim")
        if isinstance(claim, dict) and "token" in claim:
            self.add("claim.token", "nested `claim.token`", span("v0.7-B"), "v0.7-B", kind="shape", **kw("claim"))
        if isinstance(obj.get("attempt"), dict):
            self.add("attempt", "nested `attempt` block", span("v0.7-B"), "v0.7-B", kind="shape", **kw("attempt"))
        scopes = obj.get("scopes")
        if isinstance(scopes, dict) and ("pre_claim" in scopes or "post_claim" in scopes):
            self.add("scopes.pre_claim", "`scopes` object with pre_claim/post_claim", span("v0.7-B"), "v0.7-B",
                     kind="shape", **kw("scopes"))
        refresh = obj.get("refresh_token")
        if isinstance(refresh, dict) and "value" in refresh:
            self.add("refresh_token.value", "rotating `refresh_token` object", span("v0.7-B"), "v0.7-B",
                     kind="shape", **kw("refresh_token"))
        if obj.get("type") == "refresh":
            self.add("type:refresh", '`"type": "refresh"`', span("v0.7-B"), "v0.7-B", kind="value", **kw("type"))

    def _claim_body(self, obj: dict[str, Any], kw: Callable[[str], dict[str, Any]]) -> None:
        """`/claim` and `/claim/complete` request bodies (SPEC §6.4, §6.5)."""
        if "claim_token" not in obj:
            return
        typ = obj.get("type")
        if typ in ("login_hint", "identity_assertion"):
            self.add("claim-body-union", f'/claim body with "type": "{typ}"', span("v0.7-A", "v0.7-A"), "v0.7-A",
                     kind="shape", **kw("type"))
        elif typ == "service_auth":
            self.add("claim-body-service_auth", '/claim body with "type": "service_auth"', span("v0.7-B"),
                     "v0.7-B", kind="shape", **kw("type"))
        elif typ is None and "email" in obj:
            self.add("claim-body-email", "/claim body {claim_token, email} without `type`", span("v0.1", "v0.6"),
                     None, kind="shape", **kw("email"))
        elif typ is None and "user_code" in obj:
            self.add("complete-user_code", "agent sends {claim_token, user_code} to /claim/complete",
                     span("v0.7-B"), "v0.7-B", kind="shape", **kw("user_code"))

    def _string(self, s: str, ptr: str, parent_key: str | None,
                where: Callable[[str, bool], tuple[int | None, str]]) -> None:
        if len(s) > 300:
            return
        hit = self._value(s)
        if hit is not None or (parent_key in ("error", "err") and s in _CODES) or "/agent/" in s \
                or s.startswith("agent_reg_") or s in _NOFORM_VALUES or has_template(s) \
                or (parent_key in ("events_supported",) and _DOTTED_EVENT_RE.match(s)) or _XVENDOR_RE.match(s):
            line, p = where(ptr, False)
        else:
            return
        if hit is not None:
            construct, text, compat, positive, weak = hit
            self.add(construct, text, compat, positive, weak=weak, line=line, pointer=p, kind="value")
            if _VENDOR_CLAIM_RE.match(s):
                self.dialect("vendor-claim-grant", f"claim-polling grant `{inline(s)}` outside urn:ietf:/urn:workos:",
                             line, p)
        if parent_key in ("error", "err") and s in _CODES:
            compat = _CODES[s]
            self.add(s, f"error code `{s}`", compat, _code_positive(compat), line=line, pointer=p, kind="error")
        if "/agent/" in s and s.lower().startswith(("http://", "https://", "/")):
            path = urlsplit(s).path if "://" in s else s.split("?", maxsplit=1)[0]
            _path_signals(path, lambda c, t, cp, pos, weak: self.add(c, t, cp, pos, weak=weak, line=line,
                                                                     pointer=p, kind="path"))
        if s.startswith("agent_reg_"):
            self.add("agent_reg_", "AuthKit registration id `agent_reg_…`", span("v0.7-B"), "v0.7-B", line=line,
                     pointer=p, kind="value")
        if s in _NOFORM_VALUES:
            self.dialect("noform", f"value `{inline(s)}`", line, p)
        if has_template(s) and s.lower().startswith(("http://", "https://")):
            self.dialect("templated", "RFC 6570 template in an endpoint value", line, p)
        if _XVENDOR_RE.match(s):
            self.dialect("templated", f"custom credential type `{inline(s)}`", line, p)

    @staticmethod
    def _value(s: str) -> tuple[str, str, frozenset[str], str | None, bool] | None:
        if s == CLAIM_GRANT_URN:
            return CLAIM_GRANT_URN, "claim-grant URN", span("v0.4", "v0.7-A"), "v0.4", False
        if _VENDOR_CLAIM_RE.match(s):
            text = f"vendor claim-polling grant `{inline(s)}`"
            return "vendor-claim-urn", text, span("v0.4", "v0.7-A"), "v0.4", False
        if s == JWT_BEARER_URN:
            return JWT_BEARER_URN, "jwt-bearer grant", span("v0.2"), "v0.2", False
        if s == "verified_email":
            return "verified_email", "`verified_email`", span("v0.1", "v0.5"), None, False
        if s == "agent-provider":
            return "agent-provider", '`"agent-provider"` registration type', span("v0.1", "v0.4"), None, False
        if s == "email-verification":
            return "email-verification", '`"email-verification"` registration type', span("v0.1", "v0.5"), None, \
                False
        if s == "service_auth":
            return "service_auth", "`service_auth`", span("v0.6"), "v0.6", False
        if s in ("secevent+jwt", "application/secevent+jwt"):
            return "secevent+jwt", "`secevent+jwt`", span("v0.3"), "v0.3", False
        if s in ("logout+jwt", "application/logout+jwt"):
            return "logout+jwt", "`logout+jwt`", span("v0.1", "v0.2"), None, True
        return None

    # -------------------------------------------------------------- Markdown

    def walk_markdown(self, auth: AuthDoc) -> None:
        for block in auth.json_blocks:
            # A block of another protocol (RFC 7591, RFC 8628) is no fingerprint: its `interval`
            # is the device flow's, not the v0.4 claim poll's.
            if block.doc is not None and other_protocol(block.doc.value) is None:
                self.walk_json(block.doc)
        for msg in auth.http_messages:
            if msg.json_body is not None and msg.json_body.doc is not None \
                    and other_protocol(msg.json_body.doc.value) is not None:
                continue
            self._http(msg)
        self._headings(auth)
        self._errors_table(auth)

    def _http(self, msg: Any) -> None:
        line = msg.fence.content_line
        if msg.kind == "request" and msg.target:
            path = urlsplit(msg.target).path if "://" in msg.target else msg.target.split("?")[0]
            low = path.rstrip("/")
            if msg.method == "POST" and (low.endswith("/agent/identity") or low.endswith("/agent/auth")):
                self.scan.registration_request = True
            if low.endswith("/claim/complete"):
                form = dict(msg.form or ())
                if "claim_attempt_token" in form:
                    self.add("claim-complete-form", "user-facing /claim/complete form (claim_attempt_token)",
                             span("v0.4", "v0.7-A"), "v0.4", line=line, kind="path")
                elif msg.json_body is not None:
                    self.add("/claim/complete", "agent-facing POST /claim/complete",
                             frozenset({"v0.1", "v0.2", "v0.3", "v0.7-B"}), None, line=line, kind="path")
            _path_signals(path, lambda c, t, cp, pos, weak: self.add(c, t, cp, pos, weak=weak, line=line,
                                                                     kind="path"))
            if low.endswith("/oauth2/token"):
                self.add("/oauth2/token", "token endpoint /oauth2/token", span("v0.2"), "v0.2", line=line,
                         kind="path")
        for h in msg.headers:
            value = h.value.lower()
            name = h.name.lower()
            if name == "content-type":
                hit = self._value(value.split(";")[0].strip())
                if hit is not None:
                    self.add(hit[0], hit[1], hit[2], hit[3], weak=hit[4], line=h.line, kind="value")
            elif name == "www-authenticate" and "agentauth" in value:
                for code in ("interaction_required", "login_required"):
                    if code in value:
                        self.add(code, f"WWW-Authenticate: AgentAuth error={code}", span("v0.5"), "v0.5",
                                 line=h.line, kind="error")
        for key, val in msg.form or ():
            bl = msg.body_line or line
            hit = self._value(val)
            if hit is not None:
                self.add(hit[0], f"{hit[1]} in a form body", hit[2], hit[3], weak=hit[4], line=bl, kind="value")
                if _VENDOR_CLAIM_RE.match(val):
                    self.dialect("vendor-claim-grant",
                                 f"claim-polling grant `{inline(val)}` outside urn:ietf:/urn:workos:", bl, None)
            if key == "otp":
                self.add("otp", "OTP claim field `otp`", span("v0.1", "v0.3"), None, weak=True, line=bl)
        if msg.json_body is not None and msg.json_body.doc is not None:
            self.walk_json(msg.json_body.doc)

    def _headings(self, auth: AuthDoc) -> None:
        for sec in auth.sections:
            title = sec.title.lower()
            if sec.section_id == "use" and "credential" in title:
                self.add("use-the-credential", "heading `Use the credential` (five-step v0.1 layout)",
                         span("v0.1", "v0.1"), "v0.1", line=sec.heading.line, kind="heading")
            if sec.section_id == "exchange":
                self.add("exchange-step", "heading `Exchange the assertion`", span("v0.2"), "v0.2",
                         line=sec.heading.line, kind="heading")
            for child in sec.children:
                ct = child.title.lower()
                step = (child.step or "").lower()
                ln = child.heading.line
                if step.endswith("-alt") or "claim via id-jag" in ct:
                    self.add("4a-alt", "heading `4a-alt. Claim via ID-JAG`", span("v0.7-A", "v0.7-A"), "v0.7-A",
                             line=ln, kind="heading")
                elif sec.section_id == "claim" and ct.startswith("poll"):
                    self.add("claim-poll", "heading `4c. Poll for completion`", span("v0.4", "v0.7-A"), "v0.4",
                             line=ln, kind="heading")
                elif sec.section_id == "claim" and ct.startswith("complete the claim"):
                    self.add("claim-complete", "heading `4c. Complete the claim`", span("v0.7-B"), "v0.7-B",
                             line=ln, kind="heading")
                elif sec.section_id == "claim" and ("otp" in ct or "claim email" in ct):
                    self.add("otp", f"emailed-OTP ceremony heading `{child.title}`", span("v0.1", "v0.3"), None,
                             weak=True, line=ln, kind="heading")
                elif sec.section_id == "register" and ct == "service_auth":
                    self.add("service_auth", "heading `service_auth`", span("v0.6"), "v0.6", line=ln,
                             kind="heading")
                elif sec.section_id == "register" and "identity_assertion + email" in ct:
                    self.add("verified_email", "heading `identity_assertion + email`", span("v0.1", "v0.5"), None,
                             line=ln, kind="heading")

    def _errors_table(self, auth: AuthDoc) -> None:
        for table in auth.tables:
            head = tuple(h.strip().lower() for h in table.header)
            if not head or (head[0] != "code" and table.section != "errors"):
                continue
            for row, ln in zip(table.rows, table.row_lines, strict=False):
                if not row:
                    continue
                for code in _CODE_TOKEN_RE.findall(row[0]):
                    compat = _CODES.get(code)
                    if compat:
                        self.add(code, f"error code `{code}` in the Errors table", compat,
                                 _code_positive(compat), line=ln, kind="error")


_CODE_TOKEN_RE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")


def _esc(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


# ------------------------------------------------------------------------------ auth.md prose

# SPEC §14 D13 / IN-THE-WILD P10: the many ways an honest negative says "nothing to register".
# Matched on whole paragraphs (a sentence wraps over lines), prose only.
_REG = r"(?:agent(?:ic)?\s+|self[- ]?service\s+|self-?|account\s+)?(?:registration|sign[- ]?ups?)"
_NO_REG_PATTERN = (
    r"(\b(?:does|do|did)\s*(?:not|n['’]t)\s+(?:offer|support|provide|allow|need|require|have)\b[^.\n]{0,40}?"
    + _REG +
    r"|\bnot\s+(?:offer|support|provid|allow|requir)\w*\s+(?:any\s+)?" + _REG +
    r"|\bno\s+" + _REG + r"\b"
    r"|\b" + _REG + r"\s+(?:is|are)\s+(?:not|never)\s+(?:offered|available|supported|possible|needed|required|"
    r"necessary|open)\b"
    r"|\bneither\b[^.\n]{0,60}\bsupports?\s+" + _REG +
    r"|\b(?:no\s+need|(?:do|does)\s*(?:not|n['’]t)\s+need|need\s+not)\s+to\s+(?:register|sign\s+up)\b"
    r"|\b(?:do|does)\s*(?:not|n['’]t)\s+need\s+(?:to\s+)?(?:register|an?\s+account)\b"
    r"|\b(?:cannot|can['’]t|can\s+not)\s+(?:register|sign\s+up|self-register)\b"
    r"|\bnothing\s+to\s+(?:register|sign\s+up)\b"
    r"|\ball\s+(?:of\s+)?(?:our\s+|the\s+|its\s+)?(?:resources|content|endpoints|data|pages|documentation|docs)\s+"
    r"(?:here\s+|on\s+this\s+site\s+)?(?:are|is)\s+public\b"
    r"|\bno\s+(?:account|api\s+key|authentication|sign[- ]?in)\s+(?:is\s+|are\s+)?(?:needed|required|necessary)\b)"
)
# Every alternative starts with `\b` and a word whose first letter is one of `acdnrs` (`_REG`
# starts with agent, self, account, registration or sign): said once in front, with the same
# flag, so with the same case folding (`ſ` for s), it lets the matcher leave most offsets after
# one test instead of a dozen. Same matches, same spans (tests/protocol/test_load_shortcuts.py).
_NO_REG_RE = re.compile(r"\b(?=[acdnrs])" + _NO_REG_PATTERN, re.IGNORECASE)


_ONE_METHOD_RE = re.compile(r"\b(?:anonymous|email|e-mail|service_auth|identity_assertion|id-jag|client|oauth\s+app|"
                            r"dynamic|human|user)\b[^.]{0,25}$|\b(?:anonymous|service_auth|email)\s+registration",
                            re.IGNORECASE)


# Every alternative of _NO_REG_RE contains one of these words (`nothing` and `cannot` hold
# `not`), compiled with the same flag, so with the same case folding: a paragraph without any of
# them cannot match. Most paragraphs have none (~80 % on a corpus of 300 sites), and this scan is
# several times cheaper than the full pattern, which tries a dozen alternatives at every offset.
_NO_REG_HINT_RE = re.compile(r"[nNpP](?i:(?<=n)(?:ot|['’]t|ever|either|o\s)|(?<=p)ublic)")


def no_registration_line(auth: AuthDoc) -> int | None:
    """Line of the first prose sentence saying no agent registration is offered (SPEC §14 D13)."""
    para: list[tuple[int, str]] = []

    def search() -> int | None:
        if not para:
            return None
        text = " ".join(line for _, line in para) + " "
        if not _NO_REG_HINT_RE.search(text):
            return None
        for m in _NO_REG_RE.finditer(text):
            # "Anonymous registration is not offered" limits one method; it is no honest negative.
            if _ONE_METHOD_RE.search(text[max(0, m.start() - 30):m.end()]):
                continue
            # The paragraph line the match starts on (each line is followed by one space).
            off = 0
            line_no = para[0][0]
            for n, line in para:
                if off > m.start():
                    break
                line_no = n
                off += len(line) + 1
            return line_no
        return None

    prev = None
    for n, line in auth.prose_lines():
        stripped = line.strip()
        if not stripped or (prev is not None and n != prev + 1):
            hit = search()
            if hit is not None:
                return hit
            para = []
        if stripped:
            para.append((n, line.replace("`", "").strip()))
        prev = n
    return search()


_PROTOCOL_WORDS = ("agent_auth", "identity_endpoint", "register_uri", "oauth-protected-resource",
                   "oauth-authorization-server", "/agent/identity", "/agent/auth", "agentic registration",
                   "identity_types_supported", "id-jag")
_MANIFEST_FLOWS = {"pat", "service-auth", "device-code", "oauth", "api-key", "browser"}
_GOVERNANCE_KEYS = {"policy", "policies", "governance", "rules", "applies_to", "enforcement", "permissions"}


def _flatten(value: Any, depth: int = 0) -> Iterator[str]:
    if depth > 6:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            yield str(k).lower()
            yield from _flatten(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            yield from _flatten(v, depth + 1)
    elif isinstance(value, str):
        yield value.strip().lower()


def _not_protocol(auth: AuthDoc, scan: Scan) -> str | None:
    """IN-THE-WILD §3 name collisions: recognised by front matter, only without protocol vocabulary."""
    fm = auth.front_matter
    if not fm or scan.signals or scan.has_agent_auth:
        return None
    low = auth.text.lower()
    if any(word in low for word in _PROTOCOL_WORDS):
        return None
    keys = {str(k).lower() for k in fm}
    tokens = set(_flatten(fm))
    flows = sorted(tokens & _MANIFEST_FLOWS)
    if ("flows" in keys or "flow" in keys or "auth" in keys) and flows:
        return f"a CLI login manifest (front matter declares flows: {', '.join(flows)})"
    gov = sorted(keys & _GOVERNANCE_KEYS)
    if gov or any("governance" in t for t in tokens):
        what = ", ".join(gov) if gov else "governance"
        return f"an AI-governance policy file (front matter: {what})"
    return None


# ------------------------------------------------------------------------------ decision


# One scan per parsed document: `detect` (at load time), GN001/GN003 and XD007 all need it, and
# on a typical auth.md it costs as much as several rules together. Keyed by the identity of the
# parsed (immutable) AuthDoc / JsonDoc; a weak reference drops the entry with the document.
_SCANS: dict[tuple[DocKind, int, int], tuple[weakref.ref[Any], Scan]] = {}


def document_scan(kind: DocKind, auth: AuthDoc | None, json: JsonDoc | None) -> Scan:
    """`scan`, computed once per parsed document. The result is shared: callers must not mutate it."""
    anchor: Any = auth if auth is not None else json
    if anchor is None:
        return scan(kind, auth, json)
    key = (kind, id(auth), id(json))
    hit = _SCANS.get(key)
    if hit is not None and hit[0]() is anchor:
        return hit[1]
    result = scan(kind, auth, json)
    _SCANS[key] = (weakref.ref(anchor, lambda _ref: _SCANS.pop(key, None)), result)
    return result


def said_no_registration(auth: AuthDoc) -> int | None:
    """`no_registration_line(auth)` from the document's cached scan (detection computed it at
    load time; rules that need it again do not re-run the paragraph search)."""
    return document_scan(DocKind.AUTH_MD, auth, None).no_registration_line


def scan(kind: DocKind, auth: AuthDoc | None, json: JsonDoc | None) -> Scan:
    """All signals of one document (pure). Rules use `document_scan`, which caches this."""
    col = _Collector(in_markdown=auth is not None and json is None)
    try:
        if auth is not None:
            col.walk_markdown(auth)
            col.scan.no_registration_line = no_registration_line(auth)
        elif json is not None:
            col.walk_json(json)
            value = json.value
            if kind is DocKind.PRM and isinstance(value, dict) and not value.get("authorization_servers"):
                col.scan.prm_without_as = True
    except RecursionError:  # pragma: no cover - parse_json refuses deep documents already
        pass
    col.scan.signals.sort(key=lambda s: (s.line or 0, s.pointer or ""))
    return col.scan


def _choose_dialect(hits: list[DialectHit]) -> tuple[str | None, tuple[str, ...]]:
    by: dict[str, list[str]] = {}
    for h in hits:
        texts = by.setdefault(h.dialect, [])
        if h.text not in texts:
            texts.append(h.text)
    qualified = {}
    for name, texts in by.items():
        if name == "vendor-claim-grant" and not any(t.startswith("claim-polling grant") for t in texts):
            continue  # the reference-like wire alone is WorkOS's own vocabulary
        if name == "extension-block" or len(texts) >= 2:
            qualified[name] = texts
    if not qualified:
        return None, ()
    order = ("noform", "templated", "vendor-claim-grant", "extension-block")
    best = max(qualified, key=lambda n: (len(qualified[n]), -order.index(n)))
    texts = sorted(qualified[best], key=lambda t: t.startswith("reference-like"))  # the telling signals first
    return best, tuple(texts)


def decide(sc: Scan) -> tuple[str | None, bool]:
    """(profile, mixed) from the signals (SPEC §14 D2)."""
    decisive = [s for s in sc.signals if not s.weak]
    weak = [s for s in sc.signals if s.weak]
    cand = set(ALL)
    for s in decisive:
        cand &= s.compat
    positives = {s.positive for s in decisive if s.positive}
    mixed = False
    if decisive and not cand:
        mixed = True
        return newest(positives) if positives else newest(frozenset().union(*(s.compat for s in decisive))), mixed
    narrowed = set(cand)
    for s in weak:
        if narrowed & s.compat:
            narrowed &= s.compat
        else:
            mixed = True
    if not decisive:
        if not weak:
            return None, False
        # Weak signals alone never decide (D2) ...
        return None, mixed
    best = newest(narrowed & positives) or newest(cand & positives)
    return best or newest(narrowed), mixed


def detect(kind: DocKind, auth: AuthDoc | None, json: JsonDoc | None) -> Detection:
    """Name the profile a document follows, with evidence (SPEC §1.3, §14 D2, D13); pure.

    A failure here is a bug: the loader reports it as TL006 instead of guessing a profile."""
    sc = document_scan(kind, auth, json)
    dialect, dialect_evidence = _choose_dialect(sc.dialect_hits)
    if auth is not None and json is None:
        reason = _not_protocol(auth, sc)
        if reason:
            return Detection(profile=None, not_protocol=reason)
    profile, mixed = decide(sc)
    evidence = _evidence(sc, profile)
    protocol = [s for s in sc.signals if not s.weak and s.construct not in _GENERIC_OAUTH]
    if not protocol and not sc.has_agent_auth and not sc.registration_request:
        no_reg = _no_registration_evidence(kind, auth, json, sc)
        if no_reg is not None:
            return Detection(profile=NO_REGISTRATION, evidence=(no_reg, *evidence), dialect=dialect,
                             dialect_evidence=dialect_evidence)
    return Detection(profile=profile, evidence=evidence, mixed=mixed, dialect=dialect,
                     dialect_evidence=dialect_evidence)


# Plain OAuth vocabulary: also published by servers that offer no agent registration (D13).
_GENERIC_OAUTH = frozenset({JWT_BEARER_URN, "/oauth2/token", "top-level-oauth"})


def _no_registration_evidence(kind: DocKind, auth: AuthDoc | None, json: JsonDoc | None,
                              sc: Scan) -> Evidence | None:
    """SPEC §14 D13: nothing of the protocol is there and the document says (or shows) so."""
    if auth is not None and sc.no_registration_line is not None:
        return Evidence(NO_REGISTRATION, "the auth.md says no agent registration is offered",
                        line=sc.no_registration_line)
    if json is not None and kind is DocKind.AS_METADATA and isinstance(json.value, dict) \
            and "agent_auth" not in json.value:
        return Evidence(NO_REGISTRATION, "authorization-server metadata without `agent_auth`", pointer="")
    if json is not None and sc.prm_without_as:
        return Evidence(NO_REGISTRATION, "protected-resource metadata without `authorization_servers`",
                        pointer="")
    return None


_MAX_EVIDENCE = 12


def _evidence(sc: Scan, profile: str | None) -> tuple[Evidence, ...]:
    """Deduplicated evidence, the fingerprints of the detected profile first (SPEC §1.3)."""
    seen: set[str] = set()
    out: list[Evidence] = []
    ranked = sorted(sc.signals, key=lambda s: (s.positive != profile, s.weak, len(s.compat)))
    for s in ranked:
        if s.text in seen:
            continue
        seen.add(s.text)
        label = range_label(s.compat) + (" (weak)" if s.weak else "")
        # auth.md evidence carries a line, JSON evidence a pointer (the report shows one).
        out.append(Evidence(label, s.text, None if s.pointer is not None else s.line, s.pointer))
        if len(out) >= _MAX_EVIDENCE:
            break
    return tuple(out)
