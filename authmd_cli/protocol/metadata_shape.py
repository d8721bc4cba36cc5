"""Shape analysis of discovery documents, shared by the DS rules (pure; no I/O).

URL-valued members with their endpoint roles, "is this a page rather than an endpoint"
(IN-THE-WILD P5), and misplaced / flattened / misspelled members with the location they belong
in (SPEC §14 D15; IN-THE-WILD P4). Rules in `authmd_cli/rules/discovery.py` turn these into
findings; keeping the analysis here lets DS003 and DS012 skip what DS002 reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from authmd_cli.core.display import show_value
from authmd_cli.core.pointer import escape_token
from authmd_cli.core.suggest import closest
from authmd_cli.core.urls import is_placeholder, normalise, split
from authmd_cli.protocol import vocab
from authmd_cli.protocol.model import DocKind, Document
from authmd_cli.protocol.profiles import DIALECTS, ID_JAG_URN, RENAMES, Profile

# ---------------------------------------------------------------------------- small helpers


def show(value: Any, key: str | None = None) -> str:
    """A value for a message: JSON, truncated, secrets hidden (display.show_value)."""
    return show_value(value, key=key)


def ptr(*tokens: str | int) -> str:
    return "".join("/" + escape_token(t) for t in tokens)


def display(pointer: str) -> str:
    """`/agent_auth/identity_types_supported/0` -> `agent_auth.identity_types_supported[0]`."""
    out = ""
    for raw in pointer.split("/")[1:]:
        tok = raw.replace("~1", "/").replace("~0", "~")
        out += f"[{tok}]" if tok.isdigit() else ("." if out else "") + tok
    return f"`{out or '(document)'}`"


def root_of(doc: Document) -> dict[str, Any] | None:
    value = doc.json.value if doc.json is not None else None
    return value if isinstance(value, dict) else None


def block_of(root: dict[str, Any] | None) -> dict[str, Any] | None:
    block = root.get("agent_auth") if root else None
    return block if isinstance(block, dict) else None


def offered(block: dict[str, Any] | None) -> set[str]:
    types = block.get("identity_types_supported") if block else None
    return {t for t in types if isinstance(t, str)} if isinstance(types, list) else set()


def allowed(keys: frozenset[str], *path: str) -> bool:
    """Config allow-list (IN-THE-WILD P11): a bare key name or its dotted path."""
    return bool(path) and (path[-1] in keys or ".".join(path) in keys)


def looks_placeholder(value: str) -> bool:
    """SPEC §14 D12: `"<host>"`, `"..."`, `"https://<your-domain>/x"` in *served* metadata."""
    return is_placeholder(value, partial=True)


def _defrag(url: str) -> str:
    return normalise(url.split("#", 1)[0])


def normalised(url: str) -> str:
    """The comparison form of a URL: SPEC §14 D4 normalisation, fragment dropped."""
    return _defrag(url)


def same(a: str, b: str) -> bool:
    """Same resource after SPEC §14 D4 normalisation, ignoring fragments."""
    return _defrag(a) == _defrag(b)


def _snake(key: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).replace("-", "_").lower()


_DIALECT_KEYS = frozenset(s for d in DIALECTS.values() for s in d.signals)


def _near_miss(key: str, candidates: frozenset[str] | set[str]) -> str | None:
    """A known name `key` was probably meant to be: camelCase, reordered words, or a typo."""
    if key in _DIALECT_KEYS:
        return None
    snake = _snake(key)
    if snake != key and snake in candidates:
        return snake
    words = sorted(snake.split("_"))
    for cand in sorted(candidates):
        if cand != key and sorted(cand.split("_")) == words:
            return cand
    found = closest(snake, sorted(candidates - {key}), cutoff=0.85)
    return found[0] if found else None


def _looks_like_wrapper(key: str) -> bool:
    squashed = re.sub(r"[^a-z0-9]", "", key.lower())
    return key != "agent_auth" and (squashed.startswith("agentauth") or bool(closest(key.lower(), ["agent_auth"],
                                                                                      cutoff=0.8)))


# ---------------------------------------------------------------------------- URL members


@dataclass(frozen=True)
class UrlMember:
    pointer: str
    key: str
    role: str | None  # endpoint role (collapse checks); None for identifiers and documents
    value: Any


def url_members(doc: Document, *, skill: bool = False) -> list[UrlMember]:
    """Every URL-valued member of the document, top level first, then `agent_auth`."""
    root = root_of(doc)
    if root is None:
        return []
    out: list[UrlMember] = []
    is_as = doc.kind is DocKind.AS_METADATA
    for key, value in root.items():
        if key in vocab.TOP_URL_MEMBERS and (is_as or key != "issuer"):
            out.append(UrlMember(ptr(key), key, None, value))
        elif is_as and key in vocab.TOP_ENDPOINTS:
            out.append(UrlMember(ptr(key), key, vocab.TOP_ENDPOINTS[key], value))
        elif key == "authorization_servers" and isinstance(value, list):
            out.extend(UrlMember(ptr(key, i), key, None, v) for i, v in enumerate(value))
    block = block_of(root) if is_as else None
    for key, value in (block or {}).items():
        if key in vocab.AGENT_AUTH_ENDPOINTS:
            out.append(UrlMember(ptr("agent_auth", key), key, vocab.AGENT_AUTH_ENDPOINTS[key], value))
        elif skill and key == "skill":
            out.append(UrlMember(ptr("agent_auth", key), key, None, value))
    return out


def skill_of(doc: Document) -> str | None:
    value = (block_of(root_of(doc)) or {}).get("skill")
    return value if isinstance(value, str) else None


def page_reason(url: str, skill: str | None) -> str | None:
    """Why `url` is a document or web page rather than an API endpoint (IN-THE-WILD P5)."""
    parts = split(url)
    if parts is None or not parts.netloc:
        return None
    path = parts.path.lower()
    anchor = f" (anchor `#{parts.fragment}`)" if parts.fragment else ""
    if skill and same(url, skill):
        return f"is the skill URL, the auth.md document itself{anchor}"
    if path.endswith((".md", ".markdown")):
        return f"points at a Markdown document{anchor}"
    if path.endswith((".html", ".htm")):
        return f"points at an HTML page{anchor}"
    return None  # a bare `#fragment` on an API path is DS006's


# ---------------------------------------------------------------------------- misplacements


@dataclass(frozen=True)
class Misplaced:
    pointer: str
    message: str
    hint: str
    target: str | None  # pointer of the member it stands in for (DS012 skips that one)


def misplacements(doc: Document, keys: frozenset[str], profile: Profile) -> list[Misplaced]:
    """Known members in the wrong place, flattened or misspelled (SPEC §14 D15; IN-THE-WILD P4)."""
    root = root_of(doc)
    if root is None:
        return []
    is_as = doc.kind is DocKind.AS_METADATA
    out = _top_misplacements(root, keys, profile, is_as)
    block = block_of(root) if is_as else None
    if block is not None:
        out.extend(_block_misplacements(block, keys, profile))
    return out


def _top_misplacements(root: dict[str, Any], keys: frozenset[str], profile: Profile,
                       is_as: bool) -> list[Misplaced]:
    out: list[Misplaced] = []
    known = vocab.AS_MEMBERS if is_as else vocab.PRM_MEMBERS
    where = "the authorization-server metadata" if is_as else "the protected-resource metadata"
    into = ("move it into the `agent_auth` object" if is_as else
            "it belongs in the `agent_auth` block of the authorization-server metadata")
    for key, value in root.items():
        if key in known or allowed(keys, key):
            continue
        p = ptr(key)
        if key in vocab.FLATTENED:
            out.append(_flattened(p, key, "at the top level of " + where))
        elif key == "assertion_types_supported":
            out.append(Misplaced(p, f"`assertion_types_supported` is at the top level of {where}",
                                 "move it to `agent_auth.identity_assertion.assertion_types_supported`",
                                 ptr("agent_auth", "identity_assertion", key)))
        elif key == "credential_types_supported":
            out.append(_credential_types(p, f"at the top level of {where}", profile))
        elif key in vocab.AGENT_AUTH_MEMBERS:
            out.append(Misplaced(p, f"`{key}` is an `agent_auth` member placed at the top level of {where}",
                                 f"{into} (`agent_auth.{key}`)", ptr("agent_auth", key)))
        elif isinstance(value, dict) and _looks_like_wrapper(key):
            out.append(Misplaced(p, f"`{key}` looks like a renamed `agent_auth` block",
                                 "rename it to `agent_auth`: agents look for that exact name (docs/protocol.md §5.3)",
                                 ptr("agent_auth")))
        elif key in vocab.INVENTED and is_as:
            real = vocab.INVENTED[key]
            out.append(Misplaced(p, f"`{key}` is not a protocol member; it stands in for `agent_auth.{real}`",
                                 f"publish it as `agent_auth.{real}`{_revocation_note(real)}",
                                 ptr("agent_auth", real)))
        else:
            cands = set(known) | (set(vocab.AGENT_AUTH_MEMBERS) if is_as else set())
            near = _near_miss(key, cands)
            if near is None:
                continue
            nested = near not in known
            if (not nested and near in root) or (nested and near in (block_of(root) or {})):
                continue
            target = ptr("agent_auth", near) if nested else ptr(near)
            loc = f"`agent_auth.{near}`" if nested else f"`{near}`"
            out.append(Misplaced(p, f"`{key}` is not a known member of {where}; did you mean {loc}?",
                                 f"rename it to {loc}", target))
    return out


def _block_misplacements(block: dict[str, Any], keys: frozenset[str], profile: Profile) -> list[Misplaced]:
    out: list[Misplaced] = []
    for key in block:
        if key in vocab.AGENT_AUTH_MEMBERS or allowed(keys, "agent_auth", key):
            continue
        p = ptr("agent_auth", key)
        if key in vocab.FLATTENED:
            out.append(_flattened(p, key, "inside `agent_auth`"))
        elif key == "assertion_types_supported":
            out.append(Misplaced(p, "`assertion_types_supported` is at the root of `agent_auth`",
                                 "move it into `agent_auth.identity_assertion`",
                                 ptr("agent_auth", "identity_assertion", key)))
        elif key == "credential_types_supported":
            out.append(_credential_types(p, "at the root of `agent_auth`", profile))
        elif key in vocab.TOP_LEVEL_ONLY:
            out.append(Misplaced(p, f"`{key}` is a top-level authorization-server member placed inside "
                                    "`agent_auth`", f"move it to the top level of the metadata (`{key}`)",
                                 ptr(key)))
        elif key in vocab.INVENTED:
            real = vocab.INVENTED[key]
            if real not in block:
                out.append(Misplaced(p, f"`agent_auth.{key}` is not a protocol member; did you mean "
                                        f"`agent_auth.{real}`?", f"rename it to `{real}`{_revocation_note(real)}",
                                     ptr("agent_auth", real)))
        else:
            near = _near_miss(key, vocab.AGENT_AUTH_MEMBERS)
            if near is not None and near not in block:
                out.append(Misplaced(p, f"`agent_auth.{key}` is not a known member; did you mean "
                                        f"`agent_auth.{near}`?", f"rename it to `{near}`",
                                     ptr("agent_auth", near)))
    for type_key in ("identity_assertion", "anonymous", "service_auth"):
        obj = block.get(type_key)
        if not isinstance(obj, dict):
            continue
        members = vocab.TYPE_OBJECT_MEMBERS.get(type_key, frozenset())
        for key in obj:
            p = ptr("agent_auth", type_key, key)
            if key in members or allowed(keys, "agent_auth", type_key, key):
                continue
            if key in vocab.AGENT_AUTH_ENDPOINTS or key in ("skill", "identity_types_supported",
                                                             "events_supported"):
                out.append(Misplaced(p, f"`{key}` is nested in `agent_auth.{type_key}`; it is a member "
                                        "of `agent_auth` itself", f"move it up to `agent_auth.{key}`",
                                     ptr("agent_auth", key)))
            elif members:
                near = _near_miss(key, members)
                if near is not None and near not in obj:
                    out.append(Misplaced(p, f"`agent_auth.{type_key}.{key}` is not a known member; did you "
                                            f"mean `{near}`?", f"rename it to `{near}`",
                                         ptr("agent_auth", type_key, near)))
    return out


def _revocation_note(real: str) -> str:
    return (" (the SET receiver; the RFC 7009 token revocation endpoint is the top-level "
            "`revocation_endpoint`, docs/protocol.md D30)") if real == "events_endpoint" else ""


def _flattened(p: str, key: str, where: str) -> Misplaced:
    kind = vocab.FLATTENED[key]
    nested = (f"list \"{kind}\" in `agent_auth.identity_types_supported`"
              + (" and describe it in `agent_auth.identity_assertion` "
                 f"{{\"assertion_types_supported\": [\"{ID_JAG_URN}\"]}}" if kind == "identity_assertion" else ""))
    return Misplaced(p, f"`{key}` is a flattened array {where}; the protocol uses the nested form",
                     nested, ptr("agent_auth", "identity_types_supported"))


def _credential_types(p: str, where: str, profile: Profile) -> Misplaced:
    if "anonymous" in profile.agent_auth_keys:  # the per-type objects that carry it (v0.1, SPEC §5.3)
        hint = (f"{profile.label} puts it under `agent_auth.anonymous` and `agent_auth.identity_assertion`, one "
                "list per identity type")
    else:
        hint = f"remove it: {RENAMES['credential_types_supported'].note} (since v0.2)"
    return Misplaced(p, f"`credential_types_supported` is {where}", hint, None)
