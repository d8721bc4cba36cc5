"""`authmd migrate --to v0.7-B`: a reviewable migration of legacy documents, never a silent one
(docs/protocol.md D3; the rename map is docs/protocol.md §1.2, `protocol.profiles.RENAMES`).

Authorization-server metadata: legacy `agent_auth` member names become their successors
(`register_uri` → `identity_endpoint`, `claim_uri` → `claim_endpoint`, `revocation_uri` →
`events_endpoint`, the transitional `registration_endpoint` → `identity_endpoint`); legacy paths in those
endpoints become the current ones (`/agent/auth` → `/agent/identity`, …); `credential_types_supported`
goes; `verified_email` becomes the `service_auth` identity type; the polling claim grant goes from
`grant_types_supported`. An old name next to its successor is dropped when both name the same URL, and
reported, not guessed, when they differ (docs/protocol.md D30). What cannot be derived (a v0.1 document
has no `issuer` or `token_endpoint`) is reported as a step for the author.

auth.md: inside code blocks and the Errors table, legacy member names, paths and error codes are renamed;
the prose and the shape of the examples (the v0.7-B nested envelope, the read-back ceremony) are a
rewrite, which `authmd init` does from an `authmd.yaml`: the notes say so.

JSON keeps its key order and layout (an array or object written on one line stays on one line); Markdown
keeps every byte it does not rename. Pure: texts in, texts and notes out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from authmd_cli.core.urls import compare
from authmd_cli.protocol.profiles import CLAIM_GRANT_URN, RENAMES, resolve

TARGETS = ("v0.7-B",)
# agent_auth member renames, in the order they are applied.
_MEMBERS = (("register_uri", "identity_endpoint"), ("registration_endpoint", "identity_endpoint"),
            ("claim_uri", "claim_endpoint"), ("revocation_uri", "events_endpoint"))
# Legacy paths at the end of an endpoint URL, most specific first.
_PATHS = (("/agent/auth/revoke", "/agent/event/notify"), ("/agent/auth/claim", "/agent/identity/claim"),
          ("/agent/auth", "/agent/identity"))
_ENDPOINTS = ("identity_endpoint", "claim_endpoint", "events_endpoint")


@dataclass
class Migration:
    text: str  # the migrated text (equal to the input when nothing changed)
    changes: list[str] = field(default_factory=list)  # what was changed, one line each
    notes: list[str] = field(default_factory=list)  # what the author must decide or do

    def changed(self, original: str) -> bool:
        return self.text != original


def check_target(label: str) -> str:
    """The profile label for `--to`, or ValueError naming the supported targets."""
    try:
        target = resolve(label).label
    except KeyError:
        raise ValueError(f"unknown profile {label!r}; migration targets: {', '.join(TARGETS)}") from None
    if target not in TARGETS:
        raise ValueError(f"migration to {target} is not supported; targets: {', '.join(TARGETS)} "
                         "(an authmd.yaml can take any profile `authmd init` writes)")
    return target


def _new_path(url: str) -> str:
    for old, new in _PATHS:
        m = re.match(r"^(?P<base>[a-z][a-z0-9+.-]*://[^/?#]*(?:/[^?#]*?)?)" + re.escape(old) + r"/?(?P<rest>[?#].*)?$",
                     url, re.I)
        if m:
            return m.group("base") + new + (m.group("rest") or "")
    return url


# ------------------------------------------------------------------ JSON layout


def _one_line_containers(text: str) -> set[str]:
    """JSON pointers of the arrays and objects written on a single line in `text`."""
    from authmd_cli.protocol.jsonpos import parse_json

    doc, _ = parse_json(text)
    if doc is None:
        return set()
    lines = text.splitlines()
    found: set[str] = {""} if "\n" not in text.strip() else set()

    def walk(value: Any, pointer: str) -> None:
        if not isinstance(value, dict | list):
            return
        pos = doc.position(pointer) if pointer else None
        if pos is not None and 0 < pos[0] <= len(lines):
            try:
                json.JSONDecoder().raw_decode(lines[pos[0] - 1], pos[1] - 1)
                found.add(pointer)
            except ValueError:
                pass
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for k, v in items:
            walk(v, f"{pointer}/{str(k).replace('~', '~0').replace('/', '~1')}")

    walk(doc.value, "")
    return found


def _indent_of(text: str) -> str:
    m = re.search(r"\n([ \t]+)\S", text)
    return m.group(1) if m else "  "


def _dump(value: Any, inline: Callable[[Any], bool], indent: str, depth: int = 0) -> str:
    if not isinstance(value, dict | list) or not value or inline(value):
        return json.dumps(value, ensure_ascii=False)
    pad, inner = indent * depth, indent * (depth + 1)
    if isinstance(value, dict):
        body = ",\n".join(f"{inner}{json.dumps(k, ensure_ascii=False)}: {_dump(v, inline, indent, depth + 1)}"
                          for k, v in value.items())
        return "{\n" + body + "\n" + pad + "}"
    body = ",\n".join(f"{inner}{_dump(v, inline, indent, depth + 1)}" for v in value)
    return "[\n" + body + "\n" + pad + "]"


# ------------------------------------------------------------------ AS metadata


def migrate_as_metadata(text: str, target: str = "v0.7-B") -> Migration:
    """Migrate authorization-server metadata text to `target` (see the module docstring)."""
    check_target(target)
    out = Migration(text)
    bom = "\ufeff" if text.startswith("\ufeff") else ""  # RFC 8259 §8.1: ignore it, keep it
    crlf = "\r\n" in text
    original, text = text, text[len(bom):].replace("\r\n", "\n")
    try:
        value = json.loads(text)
    except ValueError:
        return out  # not JSON: lint reports it; nothing to migrate reliably
    if not isinstance(value, dict) or not isinstance(value.get("agent_auth"), dict):
        return out
    one_line = _one_line_containers(text)
    keep_inline: set[int] = set()

    def remember(node: Any, pointer: str) -> None:
        if pointer in one_line:
            keep_inline.add(id(node))
        if isinstance(node, dict):
            for k, v in node.items():
                remember(v, f"{pointer}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                remember(v, f"{pointer}/{i}")

    remember(value, "")
    block: dict[str, Any] = value["agent_auth"]

    renamed: dict[str, Any] = {}
    for key, member in block.items():
        successor = dict(_MEMBERS).get(key)
        if successor is None:
            renamed.setdefault(key, member)
            continue
        new_url = _new_path(member) if isinstance(member, str) else member
        existing = block.get(successor, renamed.get(successor))
        if existing is None:
            renamed[successor] = new_url
            out.changes.append(f"agent_auth.{key} → agent_auth.{successor}")
        elif isinstance(existing, str) and isinstance(member, str) and compare(existing, member) in (
                "same", "normalised"):
            out.changes.append(f"agent_auth.{key} dropped: the same URL as agent_auth.{successor}")
        else:  # docs/protocol.md D30: never guess which of two URLs agents should use
            renamed.setdefault(key, member)
            out.notes.append(f"agent_auth.{key} ({member}) and agent_auth.{successor} ({existing}) name different "
                             f"URLs; decide which one agents should use and remove {key} (left as it is)")
    if id(block) in keep_inline:
        keep_inline.add(id(renamed))
    block = renamed
    value["agent_auth"] = block

    for key in _ENDPOINTS:
        url = block.get(key)
        if isinstance(url, str) and _new_path(url) != url:
            block[key] = _new_path(url)
            out.changes.append(f"agent_auth.{key}: {url} → {block[key]}")

    for owner_key in ("anonymous", "identity_assertion"):
        owner = block.get(owner_key)
        if isinstance(owner, dict) and "credential_types_supported" in owner:
            del owner["credential_types_supported"]
            out.changes.append(f"agent_auth.{owner_key}.credential_types_supported removed "
                               f"({RENAMES['credential_types_supported'].note})")
            if not owner and owner_key == "anonymous":
                del block[owner_key]
    assertion = block.get("identity_assertion")
    types = block.get("identity_types_supported")
    if isinstance(assertion, dict) and isinstance(assertion.get("assertion_types_supported"), list):
        listed = assertion["assertion_types_supported"]
        if "verified_email" in listed:
            listed.remove("verified_email")
            out.changes.append("agent_auth.identity_assertion.assertion_types_supported: verified_email removed")
            if isinstance(types, list) and "service_auth" not in types:
                types.append("service_auth")
                out.changes.append("agent_auth.identity_types_supported: service_auth added (the email path, "
                                   "formerly verified_email)")
    grants = value.get("grant_types_supported")
    if isinstance(grants, list) and CLAIM_GRANT_URN in grants:
        grants.remove(CLAIM_GRANT_URN)
        out.changes.append(f"grant_types_supported: {CLAIM_GRANT_URN} removed ({RENAMES[CLAIM_GRANT_URN].note})")
    missing = [k for k in ("issuer", "token_endpoint", "grant_types_supported") if k not in value]
    if missing:
        out.notes.append(f"add {', '.join(missing)} (RFC 8414; docs/protocol.md §5.2): authmd cannot know "
                         "their values")
    if out.changes:
        trailing = text[len(text.rstrip()):] or "\n"
        new = bom + _dump(value, lambda node: id(node) in keep_inline, _indent_of(text)) + trailing
        out.text = new.replace("\n", "\r\n") if crlf else new
    else:
        out.text = original
    return out


# ------------------------------------------------------------------ auth.md

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_RENAMES = [(r'"register_uri"', '"identity_endpoint"'), (r'"claim_uri"', '"claim_endpoint"'),
                 (r'"revocation_uri"', '"events_endpoint"')]


def _final_name(name: str) -> str:
    """Follow the rename map to the newest name (`verified_email_not_enabled` → `service_auth_not_enabled`
    → `service_auth_registration_disabled`)."""
    seen = {name}
    while (r := RENAMES.get(name)) is not None and r.new and r.new not in seen:
        name = r.new
        seen.add(name)
    return name


# Error codes renamed on the way to v0.7-B (docs/protocol.md §1.2, §11), to their v0.7-B names.
_ERROR_RENAMES = {old: _final_name(old) for old in RENAMES
                  if re.fullmatch(r"[a-z_]+", old) and old.endswith(("_enabled", "_claimed", "_in_flight", "_limited"))}
_STRUCTURAL = {"registration_id": "the flat response envelope (v0.7-B nests it: id, type, identity, claim, scopes)",
               CLAIM_GRANT_URN: "the polling claim grant (v0.7-B completes at <claim_endpoint>/complete)",
               '"otp"': "the emailed OTP claim (v0.7-B reveals a user_code the user reads back)",
               "verified_email": "the verified_email assertion (v0.6+: the service_auth type with login_hint)"}


def _row_code(line: str) -> str | None:
    """The error code in a Markdown table row's first cell (`| `code` | … |`), if it is one."""
    cells = line.strip().split("|")
    if len(cells) < 3 or cells[0].strip():
        return None
    first = cells[1].strip().strip("`").strip()
    return first if re.fullmatch(r"[a-z][a-z0-9_]*", first) else None


def migrate_auth_md(text: str, target: str = "v0.7-B") -> Migration:
    """Rename legacy names in auth.md's code blocks and Errors table (see the module docstring)."""
    check_target(target)
    out = Migration(text)
    lines = text.splitlines(keepends=True)
    fence: str | None = None
    seen_structural: dict[str, None] = {}
    # Codes the Errors table already lists under their current name: a legacy row renamed onto one
    # of them would list the code twice, so that row is dropped instead (and said so).
    listed = {code for raw in lines if (code := _row_code(raw)) is not None and code not in _ERROR_RENAMES}
    dropped: list[int] = []
    for i, raw in enumerate(lines):
        m = _FENCE.match(raw)
        if m and fence is None:
            fence = m.group(1)  # an opening fence
            continue
        if m and fence is not None and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) \
                and not raw[m.end():].strip():
            fence = None  # its closing fence
            continue
        in_table = fence is None and raw.lstrip().startswith("|")
        if fence is None and not in_table:
            continue
        new = raw
        if fence is not None:
            for old, repl in _CODE_RENAMES:
                new = new.replace(old, repl)
            for old_path, new_path in _PATHS:
                new = re.sub(re.escape(old_path) + r"(?![\w/-])", new_path, new)
        for old_code, new_code in _ERROR_RENAMES.items():
            new = re.sub(r"(?<![\w-])" + re.escape(old_code) + r"(?![\w-])", str(new_code), new)
        for marker, what in _STRUCTURAL.items():
            if marker in new:
                seen_structural[what] = None
        if new != raw:
            code = _row_code(new) if in_table else None
            if code is not None and code in listed:
                lines[i] = ""
                dropped.append(i + 1)
                out.changes.append(f"line {i + 1}: legacy row removed; the table already lists `{code}`")
                continue
            if code is not None:
                listed.add(code)
            lines[i] = new
            out.changes.append(f"line {i + 1}: legacy names renamed")
    out.text = "".join(lines)
    if dropped:
        out.notes.append(f"Errors table: removed the legacy row(s) at line(s) {', '.join(map(str, dropped))}, whose "
                         "code the table already lists under its current name; keep any advice they added")
    if seen_structural:
        out.notes.append(f"auth.md still describes {'; '.join(seen_structural)}: the prose and examples need a "
                         "rewrite for v0.7-B; describe the service in an authmd.yaml and let `authmd init` write it")
    return out


# ------------------------------------------------------------------ a draft authmd.yaml

_DEFAULT_PATHS = {"identity_endpoint": "/agent/identity", "claim_endpoint": "/agent/identity/claim",
                  "events_endpoint": "/agent/event/notify", "token_endpoint": "/oauth2/token",
                  "revocation_endpoint": "/oauth2/revoke"}


def _yaml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML flow scalar


def draft_config(prm: Any, as_metadata: Any, target: str = "v0.7-B", *, sources: str = "") -> tuple[str, list[str]]:
    """An `authmd.yaml` text describing the service the (migrated) documents describe, and what the
    author must fill in. Values are taken, never invented: what the documents do not say is a TODO."""
    from urllib.parse import urlsplit

    prm = prm if isinstance(prm, dict) else {}
    asm = as_metadata if isinstance(as_metadata, dict) else {}
    found = asm.get("agent_auth")
    block: dict[str, Any] = found if isinstance(found, dict) else {}
    todo: list[str] = []
    resource = prm.get("resource") or asm.get("resource")
    issuer = asm.get("issuer")
    if not isinstance(issuer, str):
        endpoint = block.get("identity_endpoint") or block.get("register_uri")
        issuer = f"{urlsplit(endpoint).scheme}://{urlsplit(endpoint).netloc}" if isinstance(endpoint, str) else None
        todo.append("authorization_server.issuer was taken from the registration endpoint's origin: check it")
    name = prm.get("resource_name")
    lines = [f"# authmd.yaml: a draft derived by `authmd migrate` from {sources or 'the documents'}.",
             "# Review every value (and each TODO), then run `authmd init --config authmd.yaml --out DIR`.",
             f"profile: {target}", "service:"]
    if not isinstance(name, str) or not name.strip():
        host = urlsplit(str(resource or issuer or "")).hostname or "TODO"
        name = host
        todo.append("service.name: the documents have no resource_name")
    lines.append(f"  name: {_yaml_str(name)}")
    lines.append(f"  description: {_yaml_str('TODO: one line saying what the service does')}")
    todo.append("service.description")
    if isinstance(prm.get("resource_logo_uri"), str):
        lines.append(f"  logo_uri: {_yaml_str(prm['resource_logo_uri'])}")
    skill = block.get("skill")
    if isinstance(skill, str) and skill.endswith("/auth.md") and "://" in skill:
        lines.append(f"skill: {_yaml_str(skill)}")
    lines.append("resource_server:")
    lines.append(f"  resource: {_yaml_str(str(resource)) if isinstance(resource, str) else _yaml_str('TODO')}")
    if not isinstance(resource, str):
        todo.append("resource_server.resource: no PRM `resource` found")
    methods = prm.get("bearer_methods_supported")
    if isinstance(methods, list) and methods and all(m in ("header", "body", "query") for m in methods):
        lines.append(f"  bearer_methods: [{', '.join(dict.fromkeys(methods))}]")
    lines.append("authorization_server:")
    lines.append(f"  issuer: {_yaml_str(str(issuer)) if issuer else _yaml_str('TODO')}")
    for key, default in _DEFAULT_PATHS.items():
        url = block.get(key) if key in ("identity_endpoint", "claim_endpoint", "events_endpoint") else asm.get(key)
        if isinstance(url, str) and isinstance(issuer, str) and url != issuer.rstrip("/") + default:
            lines.append(f"  {key}: {_yaml_str(url)}")
    scopes = prm.get("scopes_supported") or asm.get("scopes_supported")
    if isinstance(scopes, list) and scopes:
        lines.append("scopes:")
        for scope in scopes:
            if isinstance(scope, str):
                lines.append(f"  - name: {_yaml_str(scope)}")
                lines.append(f"    description: {_yaml_str('TODO: what ' + scope + ' allows')}")
        todo.append("scopes[].description")
    types = block.get("identity_types_supported")
    types = [t for t in types if isinstance(t, str)] if isinstance(types, list) else []
    assertion = block.get("identity_assertion")
    if isinstance(assertion, dict) and "verified_email" in (assertion.get("assertion_types_supported") or []):
        types.append("service_auth")
    if "anonymous" in types and isinstance(scopes, list) and scopes and isinstance(scopes[0], str):
        lines.append(f"pre_claim_scopes: [{_yaml_str(scopes[0])}]   # TODO: what an unclaimed anonymous agent may do")
        todo.append("pre_claim_scopes: the scopes an unclaimed anonymous agent gets (the draft names the first)")
    if types:
        lines.append("methods:")
        for method in ("identity_assertion", "service_auth", "anonymous"):
            lines.append(f"  {method}: {'true' if method in types else 'false'}")
        if "identity_assertion" in types:
            todo.append("methods.identity_assertion.trusted_providers: which agent providers you trust")
    return "\n".join(lines) + "\n", todo
