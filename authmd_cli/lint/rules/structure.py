"""Rule family MD: the Markdown shape of an auth.md file (docs/protocol.md §3, D11-D13, D18, D25).

Agents read auth.md top to bottom and act on its fenced blocks (docs/protocol.md §3.2-§3.3), so the rules
here check what an agent relies on: the `# auth.md` title, the intro naming the real hosts,
the canonical sections in order, tagged and parseable examples, and the Errors table that is
the agent's dispatch table. Prose checks skip code (`AuthDoc.prose_lines()`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from authmd_cli.core import urls
from authmd_cli.core.diagnostics import Finding, Severity
from authmd_cli.core.display import inline, scrub
from authmd_cli.lint.rules.base import RuleContext, at, rule
from authmd_cli.lint.rules.memo import lowered_prose_text, per_subject, prose_lines_with
from authmd_cli.protocol.detect import said_no_registration
from authmd_cli.protocol.model import SECTION_ORDER, SECTION_TITLES, AuthDoc, Document, Fence, Heading, Section
from authmd_cli.protocol.profiles import (
    IDJAG_CODES,
    NO_REGISTRATION,
    PROFILES,
    RENAMES,
    VERSIONED,
    Profile,
    range_label,
)

# ------------------------------------------------------------------ shared helpers


def json_values(auth: AuthDoc) -> Iterator[Any]:
    """Every strictly parsed JSON example: ```json blocks and JSON bodies of ```http blocks."""
    for block in auth.json_blocks:
        if block.doc is not None:
            yield block.doc.value
    for msg in auth.http_messages:
        if msg.json_body is not None and msg.json_body.doc is not None:
            yield msg.json_body.doc.value


_METHOD_RE = re.compile(r"\b(anonymous|service_auth|identity_assertion|verified_email|email-verification)\b")
# In code only a request/response *type value* names a method: `identity_assertion` is also a
# member name of the flat response envelope (SPEC §6.2).
_TYPE_VALUE_RE = re.compile(
    r'"(?:type|registration_type|assertion_type)"\s*:\s*"(anonymous|service_auth|identity_assertion|'
    r'verified_email|email-verification|agent-provider)"'
)
# v0.1-v0.5 wrote the email path as an identity_assertion with assertion_type verified_email
# (SPEC §1.2); it is claim-capable like service_auth.
_METHOD_OF_WORD = {"verified_email": "service_auth", "email-verification": "service_auth",
                   "agent-provider": "identity_assertion"}


def _section_lines(auth: AuthDoc, sec: Section) -> Iterable[tuple[int, str]]:
    for n in range(sec.heading.line, min(sec.end_line, len(auth.lines)) + 1):
        yield n, auth.lines[n - 1]


def _heading_methods(text: str) -> set[str]:
    # `### identity_assertion + email` is the v0.2-v0.5 email path (SPEC §3.2).
    if re.search(r"\bemail\b", text, re.IGNORECASE):
        return {"service_auth"}
    return {_METHOD_OF_WORD.get(w, w) for w in _METHOD_RE.findall(text)}


def offered_methods(auth: AuthDoc) -> set[str] | None:
    """Identity types the document offers, decided from the document itself, or None.

    Metadata examples (`agent_auth.identity_types_supported`), `type` values of the Register
    examples and the Register subsection headings count; Register prose only when nothing
    else says (prose may say "anonymous registration is not offered").
    """
    found = _offered_methods(auth)
    return set(found) if found is not None else None


@per_subject  # MD003 and MD013 ask (claim_capable, errors_table): decided once per document
def _offered_methods(auth: AuthDoc) -> frozenset[str] | None:
    found: set[str] = set()
    for value in json_values(auth):
        block = value.get("agent_auth") if isinstance(value, dict) else None
        if isinstance(block, dict):
            types = block.get("identity_types_supported")
            if isinstance(types, list):
                found.update(t for t in types if isinstance(t, str))
            ia = block.get("identity_assertion")
            if isinstance(ia, dict) and "verified_email" in (ia.get("assertion_types_supported") or []):
                found.add("service_auth")
    reg = auth.section("register")
    if reg is not None:
        heading_lines = {c.heading.line for c in reg.children} | {reg.heading.line}
        prose: set[str] = set()
        for n, text in _section_lines(auth, reg):
            if n in heading_lines:
                found.update(_heading_methods(text))
            elif n in auth.code_lines:
                found.update(_METHOD_OF_WORD.get(w, w) for w in _TYPE_VALUE_RE.findall(text))
            else:
                prose.update(_METHOD_OF_WORD.get(w, w) for w in _METHOD_RE.findall(text))
        if not found:
            found = prose
    return frozenset(found) if found else None


def claim_capable(auth: AuthDoc) -> bool:
    """A claim ceremony is part of the flow: anonymous / service_auth offered, or the ID-JAG
    step-up (`interaction_required`, v0.5+) is documented (docs/protocol.md §2, §7.1)."""
    methods = offered_methods(auth) or set()
    return bool(methods & {"anonymous", "service_auth"}) or "interaction_required" in auth.text


def _step_numbers(profile: Profile) -> dict[str, int]:
    """Canonical step number of each numbered section (docs/protocol.md §3.2: Errors/Revocation unnumbered)."""
    steps = [s for s in profile.sections if s not in ("errors", "revocation")] or [
        s for s in SECTION_ORDER if s not in ("errors", "revocation")
    ]
    return {sid: i for i, sid in enumerate(steps, start=1)}


def canonical_heading(sec_id: str, profile: Profile, step: str | None = None, title: str | None = None) -> str:
    """`## Step N — Title` (em dash, docs/protocol.md §3.2) or `## Errors` / `## Revocation`."""
    name = title or SECTION_TITLES.get(sec_id, sec_id)
    if sec_id in ("errors", "revocation"):
        return f"## {name}"
    number = step or str(_step_numbers(profile).get(sec_id, "N"))
    return f"## Step {number} — {name}"


def _first_line(doc: Document) -> int:
    auth = doc.auth
    if auth is None:
        return 1
    h1 = auth.h1s[0] if auth.h1s else None
    return h1.line if h1 else min(auth.body_start_line, max(len(auth.lines), 1))


_HTML_START_RE = re.compile(r"^\s*<(?:!doctype\s+html|html)[\s>]", re.IGNORECASE)


def html_body_line(auth: AuthDoc) -> int | None:
    """Line of `<!doctype html` / `<html` when the body is an HTML page, not Markdown (docs/protocol.md D19)."""
    for n in range(auth.body_start_line, len(auth.lines) + 1):
        text = auth.lines[n - 1]
        if text.strip():
            return n if _HTML_START_RE.match(text) else None
    return None


# ------------------------------------------------------------------ MD001-MD002: the title


def _titles(auth: AuthDoc) -> list[Heading]:
    """The H1s, without the setext "heading" a conflict's `=======` makes of `<<<<<<< HEAD`
    (merge-conflict-marker's finding, docs/protocol.md P8)."""
    markers = set(conflict_marker_lines(auth))
    return [h for h in auth.h1s if not _CONFLICT_RE.match(h.raw) and h.line + 1 not in markers]


@rule("MD001", "missing-h1", Severity.ERROR, scope="auth.md", spec="docs/protocol.md §3.2, D11", no_registration=True)
def missing_h1(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """The file has no H1 title.

    Why: the Anatomy page asks for a single title line `# auth.md` (docs/protocol.md §3.2); agents and
    scanners use it to recognise the document. YAML front matter is skipped first (docs/protocol.md D11).
    Bad: a file that starts with `## Step 1 — Discover`, or only front matter with `title:`.
    Good: `# auth.md` as the first line of the body.
    """
    auth = doc.auth
    if auth is None or _titles(auth) or html_body_line(auth) is not None:  # an HTML page is MD018's
        return
    line = min(auth.body_start_line, max(len(auth.lines), 1))
    yield Finding("the document has no H1 title", at(doc, line, 1), hint="start the body with `# auth.md`")


@rule("MD002", "h1-not-auth-md", Severity.WARNING, scope="auth.md", spec="docs/protocol.md §3.2, D11",
      no_registration=True)
def h1_not_auth_md(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """The H1 is not exactly `# auth.md`, or there is a second H1.

    Why: the title line is `# auth.md` (docs/protocol.md §3.2); a branded or re-cased title makes the file
    harder to recognise, and a second H1 splits the document in two (docs/protocol.md D11).
    Bad: `# Auth.md`, `# Acme agent access`, two `#` headings.
    Good: one `# auth.md`; put the brand in the intro.
    """
    auth = doc.auth
    h1s = _titles(auth) if auth is not None else []
    if not h1s:
        return
    first, *rest = h1s
    if first.text.strip() != "auth.md":
        yield Finding(f"the H1 is {first.text.strip()!r}, not 'auth.md'", at(doc, first.line, 1),
                      hint="use `# auth.md` as the title and name the service in the intro")
    for h in rest:
        yield Finding(f"second H1 {h.text.strip()!r} (first H1 at line {first.line})", at(doc, h.line, 1),
                      hint="make it an H2 (`##`) or lower")


# ------------------------------------------------------------------ MD003-MD005: sections


def _expected_sections(auth: AuthDoc, profile: Profile) -> list[str]:
    wanted = list(profile.sections)
    if "claim" in wanted and not claim_capable(auth):
        wanted.remove("claim")
    return wanted


@rule("MD003", "missing-section", Severity.WARNING, scope="auth.md", spec="docs/protocol.md §3.2, D18")
def missing_section(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """A section the profile expects is missing.

    Why: agents follow the numbered walkthrough (Discover, Pick a method, Register, Claim
    ceremony when a claim-capable method is offered, Exchange the assertion from v0.2, Use the
    access_token, Errors, Revocation from v0.2); a missing step leaves them guessing
    (docs/protocol.md §3.2, D18). Sections are recognised by name whatever the numbering style or
    qualifier (`Optional claim ceremony`, `Handle revocation`, `Error handling`); an appendix of
    links is no step. One finding per document names every missing section, located where the
    first belongs; the others are related locations.
    Bad: no `## Errors` section.
    Good: every section of docs/protocol.md §3.2 as an H2, e.g. `## Step 5 — Exchange the assertion`.
    """
    auth = doc.auth
    if auth is None or html_body_line(auth) is not None:  # an HTML page is MD018's, not 8 missing sections
        return
    present = {s.section_id for s in auth.sections if s.section_id}
    by_id = {s.section_id: s for s in reversed(auth.sections) if s.section_id}
    expected = _expected_sections(auth, ctx.profile)
    missing = [sid for sid in expected if sid not in present]
    if not missing:
        return
    # One root cause, one finding (the file does not follow the walkthrough): every missing
    # section is named, located where the first of them belongs; the others are `related`.
    places = [at(doc, _expected_line(doc, by_id, sid), 1) for sid in missing]
    names = []
    for sid in missing:
        name = f"'{SECTION_TITLES[sid]}'"
        misplaced = _misleveled(auth, sid)
        if misplaced is not None:
            name += (f" (a level-{misplaced.level} heading {misplaced.text.strip()!r} at line {misplaced.line} "
                     "looks like it; sections are H2)")
        names.append(name)
    if len(missing) == 1:
        msg = f"section {names[0]} is missing"
    else:
        msg = f"{len(missing)} of {len(expected)} protocol sections are missing: " + ", ".join(names)
    hint = "add " + ", ".join(f"`{canonical_heading(sid, ctx.profile)}`" for sid in missing)
    yield Finding(msg, places[0], hint=hint, related=tuple(places[1:]))


def _expected_line(doc: Document, by_id: dict[str, Section], sid: str) -> int:
    """Where a missing section belongs: at the next present section, else after the previous one."""
    later = [by_id[x] for x in SECTION_ORDER[SECTION_ORDER.index(sid) + 1:] if x in by_id]
    if later:
        return later[0].heading.line
    earlier = [by_id[x] for x in SECTION_ORDER[:SECTION_ORDER.index(sid)] if x in by_id]
    if earlier:
        return min(earlier[-1].end_line + 1, max(len(doc.auth.lines) if doc.auth else 1, 1))
    return _first_line(doc)


def _misleveled(auth: AuthDoc, sid: str) -> Heading | None:
    from authmd_cli.protocol.markdown import section_id_for, split_heading

    for h in auth.headings:
        if h.level != 2 and h is not (auth.h1s[0] if auth.h1s else None) \
                and section_id_for(split_heading(h.text)[1]) == sid:
            return h
    return None


def _longest_increasing(ranks: list[int]) -> set[int]:
    """Indexes of one longest strictly increasing subsequence (keeps the most sections in place)."""
    if not ranks:
        return set()
    best_len = [1] * len(ranks)
    prev = [-1] * len(ranks)
    for i in range(len(ranks)):
        for j in range(i):
            if ranks[j] < ranks[i] and best_len[j] + 1 > best_len[i]:
                best_len[i], prev[i] = best_len[j] + 1, j
    i = max(range(len(ranks)), key=lambda k: (best_len[k], -k))
    keep: set[int] = set()
    while i >= 0:
        keep.add(i)
        i = prev[i]
    return keep


@rule("MD004", "section-order", Severity.WARNING, scope="auth.md", spec="docs/protocol.md §3.2, D18")
def section_order(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """The protocol sections are out of order.

    Why: auth.md is a walkthrough an agent reads top to bottom (docs/protocol.md §3.2); an Exchange step
    before Register, or Errors before the steps, breaks that reading (docs/protocol.md D18).
    Bad: `## Errors` placed before `## Step 1 — Discover`.
    Good: Discover, Pick a method, Register, Claim ceremony, Exchange, Use, Errors, Revocation.
    """
    auth = doc.auth
    if auth is None:
        return
    seen: set[str] = set()
    ordered: list[Section] = []
    for s in auth.sections:
        if s.section_id and s.section_id not in seen:  # repeats are duplicate-heading's business
            seen.add(s.section_id)
            ordered.append(s)
    ranks = [SECTION_ORDER.index(s.section_id or "") for s in ordered]
    keep = _longest_increasing(ranks)
    for i, s in enumerate(ordered):
        if i in keep:
            continue
        after = [ordered[k] for k in sorted(keep) if ranks[k] < ranks[i]]
        before = [ordered[k] for k in sorted(keep) if ranks[k] > ranks[i]]
        where = (f"after '{after[-1].heading.text.strip()}'" if after
                 else f"before '{before[0].heading.text.strip()}'" if before else "elsewhere")
        yield Finding(f"section '{s.heading.text.strip()}' is out of order; it belongs {where}",
                      at(doc, s.heading.line, 1),
                      hint="order: " + ", ".join(SECTION_TITLES[x] for x in SECTION_ORDER))


@rule("MD005", "heading-style", Severity.INFO, scope="auth.md", spec="docs/protocol.md §3.2, D18")
def heading_style(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """A section heading does not use the canonical `## Step N — Title` style.

    Why: the canonical file numbers the steps `Step N — Title` with an em dash (U+2014) and
    leaves `Errors` and `Revocation` unnumbered (docs/protocol.md §3.2); other styles are recognised but
    reported so files converge (docs/protocol.md D18). One finding per document (a style is one choice),
    naming each heading.
    Bad: `## Step 1: Discover`, `## 1. Discover`, `## Discover`, `## Step 7 — Errors`.
    Good: `## Step 1 — Discover`, `## Errors`.
    """
    auth = doc.auth
    if auth is None:
        return
    off: list[tuple[Section, str]] = []
    for s in auth.sections:
        if not s.section_id:
            continue
        unnumbered = s.section_id in ("errors", "revocation")
        if (s.style == "plain") if unnumbered else (s.style == "step-emdash"):
            continue
        # Keep the author's wording unless it is just the canonical title re-cased (`pick a method`).
        title = SECTION_TITLES[s.section_id] if _norm(s.title) == _norm(SECTION_TITLES[s.section_id]) else s.title
        off.append((s, canonical_heading(s.section_id, ctx.profile, s.step if not unnumbered else None, title)))
    if not off:
        return
    # One style choice, one finding per document (the first heading; the others are `related`).
    first, want = off[0]
    if len(off) == 1:
        msg = f"heading {first.heading.raw.strip()!r} is not in the canonical style"
        hint = f"write `{want}`"
    else:
        shown = ", ".join(f"{s.heading.raw.strip()!r} (line {s.heading.line})" for s, _ in off[:4])
        more = f" and {len(off) - 4} more" if len(off) > 4 else ""
        msg = f"{len(off)} section headings are not in the canonical style: {shown}{more}"
        hint = "write " + ", ".join(f"`{w}`" for _, w in off[:4]) + (", …" if len(off) > 4 else "")
    yield Finding(msg, at(doc, first.heading.line, 1), hint=hint,
                  related=tuple(at(doc, s.heading.line, 1) for s, _ in off[1:]))


# ------------------------------------------------------------------ MD006: intro


def _host_of(target: str, host_header: str | None) -> str | None:
    if "://" in target:
        return urls.host(target)
    if host_header:
        return urls.host("https://" + host_header.strip())
    return None


_RESOURCE_METADATA_RE = re.compile(r'resource_metadata\s*=\s*"([^"]+)"')
_AS_PATH_RE = re.compile(r"^/(agent/|oauth2/|\.well-known/oauth-authorization-server)")


def example_hosts(auth: AuthDoc) -> tuple[list[str], list[str]]:
    """(resource-server hosts, authorization-server hosts) named by the document's examples."""
    rs: list[str] = []
    as_: list[str] = []

    def add(bucket: list[str], h: str | None) -> None:
        if h and h not in bucket:
            bucket.append(h)

    for value in json_values(auth):
        if not isinstance(value, dict):
            continue
        if "issuer" in value or "agent_auth" in value:
            if isinstance(value.get("issuer"), str):
                add(as_, urls.host(value["issuer"]))
        elif isinstance(value.get("resource"), str):
            add(rs, urls.host(value["resource"]))
            for a in value.get("authorization_servers") or []:
                if isinstance(a, str):
                    add(as_, urls.host(a))
    for msg in auth.http_messages:
        if msg.kind == "request" and msg.target:
            h = _host_of(msg.target, msg.header("Host"))
            path = urlsplit(msg.target).path if "://" in msg.target else msg.target
            if path.startswith("/.well-known/oauth-protected-resource"):
                add(rs, h)
            elif _AS_PATH_RE.match(path):
                add(as_, h)
            elif (msg.header("Authorization") or "").lower().startswith("bearer"):
                add(rs, h)
        elif msg.kind == "response":
            m = _RESOURCE_METADATA_RE.search(msg.header("WWW-Authenticate") or "")
            if m:
                add(rs, urls.host(m.group(1)))
    return rs, as_


_COMMENT_ONLY_RE = re.compile(r"<!--.*?-->", re.DOTALL)


def _intro_text(auth: AuthDoc) -> str:
    """The intro without HTML comments (inline directives are not intro text)."""
    return _COMMENT_ONLY_RE.sub("", auth.intro).strip()


def _intro_first_line(auth: AuthDoc) -> int:
    n = auth.intro_line
    # Skip blank lines, code and comment-only lines (an inline directive above the intro).
    while n <= len(auth.lines) and (n in auth.code_lines
                                    or not _COMMENT_ONLY_RE.sub("", auth.lines[n - 1]).strip()):
        n += 1
    return min(n, max(len(auth.lines), 1))


def _names_host(text: str, host: str) -> bool:
    return re.search(rf"(?<![\w.-]){re.escape(host)}(?![\w-])", text, re.IGNORECASE) is not None


_AGENTIC_RE = re.compile(r"\bagent(ic)?[\s-]+registration\b", re.IGNORECASE)


@rule("MD006", "intro-hosts", Severity.WARNING, scope="auth.md", spec="docs/protocol.md §3.2, P9")
def intro_hosts(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """The intro does not name the resource-server and authorization-server hosts.

    Why: the intro must say the service supports agentic registration and name the real hosts
    used in the file: the API (resource server) and the authorization server where
    registration and claim live (docs/protocol.md §3.2). Hosts are taken from the document's own PRM and
    AS metadata examples and http examples. A missing "agentic registration" statement is
    reported as info.
    Bad: an intro "Welcome, agents!" above examples on `api.acme.dev` and `auth.acme.dev`.
    Good: "Acme supports agentic registration. The API is `https://api.acme.dev`; registration
    lives on `https://auth.acme.dev`."
    """
    auth = doc.auth
    if auth is None or html_body_line(auth) is not None:  # an HTML page is MD018's
        return
    line = _intro_first_line(auth) if _intro_text(auth) else _first_line(doc)
    rs, as_ = example_hosts(auth)
    rs_ok = any(_names_host(auth.intro, h) for h in rs)
    as_ok = any(_names_host(auth.intro, h) for h in as_)
    same = bool(set(rs) & set(as_))
    if rs and as_ and not rs_ok and not as_ok:
        if same:
            shared = next(h for h in rs if h in as_)
            yield Finding(f"the intro does not name the service host `{inline(shared)}`", at(doc, line, 1),
                          hint="name the API and authorization-server hosts in the intro")
        else:
            yield Finding(f"the intro names neither the resource-server host `{inline(rs[0])}` nor the "
                          f"authorization-server host `{inline(as_[0])}`", at(doc, line, 1),
                          hint="name both hosts in the intro (docs/protocol.md §3.2)")
    elif rs and not rs_ok and not (same and as_ok):
        yield Finding(f"the intro does not name the resource-server host `{inline(rs[0])}`", at(doc, line, 1),
                      hint="name the API host in the intro")
    elif as_ and not as_ok and not (same and rs_ok):
        yield Finding(f"the intro does not name the authorization-server host `{inline(as_[0])}`", at(doc, line, 1),
                      hint="name the host where registration and claim live in the intro")
    if not _AGENTIC_RE.search(auth.intro):
        yield Finding("the intro does not say the service supports agentic registration", at(doc, line, 1),
                      hint="say it in the first paragraph, e.g. 'Acme supports agentic registration.'",
                      severity=Severity.INFO)


# ------------------------------------------------------------------ MD007-MD009: fenced blocks

_HTTP_START_RE = re.compile(
    r"^(?:(?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)\s+\S+(?:\s+HTTP/\d(?:\.\d)?)?|HTTP/\d(?:\.\d)?\s+\d{3}\b.*)$"
)
_JSONISH_TAGS = frozenset({"", "js", "javascript", "jsonc", "json5", "text", "txt", "plain", "plaintext"})
_HTTPISH_TAGS = frozenset({"", "text", "txt", "plain", "plaintext", "https", "rest"})


def looks_http(content: str) -> bool:
    first = next((ln.strip() for ln in content.splitlines() if ln.strip()), "")
    return bool(_HTTP_START_RE.match(first))


def looks_json(content: str) -> bool:
    text = content.strip()
    if not text or text[0] not in "{[":
        return False
    import json

    try:
        json.loads(text)
        return True
    except ValueError:
        # Broken JSON is still JSON-looking when it has a member (`"key":`) or is an array of strings.
        return bool(re.search(r'"[^"\n]*"\s*:', text)) or bool(re.match(r'^\[\s*("|\{|\d|\])', text))


def _fence_problem(f: Fence) -> tuple[str, str] | None:
    shown = f"```{f.info}" if f.info else "an untagged fence"
    if f.lang in ("json", "http"):
        if f.lang == "json" and looks_http(f.content):
            return f"{shown} holds an HTTP message", "tag it ```http"
        if f.lang == "http" and looks_json(f.content) and not looks_http(f.content):
            return f"{shown} holds only JSON", "tag it ```json"
        return None
    if f.lang in _HTTPISH_TAGS and looks_http(f.content):
        return f"{shown} holds an HTTP message", "tag it ```http"
    if f.lang in _JSONISH_TAGS and looks_json(f.content):
        return f"{shown} holds JSON", "tag it ```json (strict JSON, placeholders inside strings)"
    return None


@rule("MD007", "fence-language", Severity.WARNING, scope="auth.md", spec="docs/protocol.md §3.3", no_registration=True)
def fence_language(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """A fenced block holding an HTTP message or JSON is not tagged ```http / ```json.

    Why: agents find the machine-relevant content by the fence tag: every request/response in
    the canonical file is tagged `http` or `json` (docs/protocol.md §3.3). Untagged blocks, or JSON tagged
    `js`/`jsonc`/`text`, are skipped or parsed leniently.
    Bad: a ``` fence (no tag) around `{"type": "anonymous"}`; ```js around a JSON body.
    Good: ```json around strict JSON; ```http around `POST /agent/identity`.
    """
    auth = doc.auth
    if auth is None:
        return
    for f in auth.fences:
        problem = _fence_problem(f)
        if problem:
            yield Finding(problem[0], at(doc, f.line, 1), hint=problem[1])


@rule("MD008", "invalid-json-example", Severity.ERROR, scope="auth.md", spec="RFC 8259; docs/protocol.md §3.3, D12",
      no_registration=True)
def invalid_json_example(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """A ```json block is not strict JSON.

    Why: agents copy these blocks and parse them strictly (RFC 8259); every canonical example
    is strict JSON, with placeholders inside strings only (docs/protocol.md §3.3, D12).
    Bad: `{"assertion": <ID-JAG>, // the JWT` or a trailing comma.
    Good: `{"assertion": "<ID-JAG>"}`.
    """
    auth = doc.auth
    if auth is None:
        return
    for block in auth.json_blocks:
        err = block.error
        if err is not None and not looks_http(block.fence.content):  # an HTTP message is MD007's
            yield Finding(f"```json block is not strict JSON: {err.message}", at(doc, err.line, err.column),
                          hint=err.hint or "no comments or trailing commas; put placeholders inside strings: "
                                           "\"<value>\"")


@rule("MD009", "invalid-http-example", Severity.ERROR, scope="auth.md", spec="docs/protocol.md §3.3; RFC 9112 §3-§5",
      no_registration=True)
def invalid_http_example(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """A ```http block is not a request or response, has a malformed header, or a broken JSON body.

    Why: agents split ```http blocks into a start line (`METHOD /path` or `HTTP/1.1 200 OK`),
    headers, a blank line and a body (docs/protocol.md §3.3); JSON bodies must be strict JSON (docs/protocol.md D12).
    Bad: `POST: /agent/identity`, `Content-Type application/json`, a body `{"type": anonymous}`.
    Good: `POST /agent/identity HTTP/1.1`, `Content-Type: application/json`, blank line,
    `{"type": "anonymous"}`.
    """
    auth = doc.auth
    if auth is None:
        return
    for msg in auth.http_messages:
        if msg.kind == "invalid":
            if looks_json(msg.fence.content) and not looks_http(msg.fence.content):
                continue  # a JSON block tagged http: fence-language says "tag it json"
            yield Finding(f"```http block: {scrub(msg.error or '')}", at(doc, msg.error_line or msg.fence.line, 1),
                          hint="start with `METHOD /path HTTP/1.1` or `HTTP/1.1 200 OK`, then "
                               "`Name: value` headers, a blank line and the body")
            continue
        body = msg.json_body
        if body is not None and body.error is not None:
            yield Finding(f"JSON body of the ```http block is not strict JSON: {body.error.message}",
                          at(doc, body.error.line, body.error.column),
                          hint="no comments or trailing commas; put placeholders inside strings")


# ------------------------------------------------------------------ MD010-MD012: hygiene

_CONFLICT_RE = re.compile(r"^(<{7}|>{7}|\|{7})(?:\s|$)")
_SEPARATOR_RE = re.compile(r"^={7}\s*$")
_MARKERS = ("<<<<<<<", ">>>>>>>", "|||||||", "=======")  # what a line matching either pattern holds
_FENCE_OPEN_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _raw_code_lines(lines: tuple[str, ...]) -> set[int]:
    """Lines inside fenced code, decided on the raw text (a conflict may confuse the parser)."""
    inside: str | None = None
    out: set[int] = set()
    for n, text in enumerate(lines, start=1):
        m = _FENCE_OPEN_RE.match(text)
        if inside is None:
            if m:
                inside = m.group(1)
                out.add(n)
        else:
            out.add(n)
            if m and m.group(1)[0] == inside[0] and len(m.group(1)) >= len(inside) \
                    and not text.strip()[len(m.group(1)):].strip():
                inside = None
    return out


@rule("MD010", "merge-conflict-marker", Severity.ERROR, scope="auth.md", spec="docs/protocol.md D18, P8",
      no_registration=True)
def merge_conflict_marker(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """A leftover merge-conflict marker (`<<<<<<<`, `=======`, `>>>>>>>`).

    Why: a published file with both sides of a conflict tells agents two different things
    (docs/protocol.md D18). A bare `=======` directly under a text line is a Markdown setext H1
    underline, so it counts as a marker only between a `<<<<<<<` and its `>>>>>>>`, or when it
    stands between blank lines, or between two copies of one section (the heading above it comes
    back right after it; docs/protocol.md P8). Lines inside code blocks are skipped; the duplicate
    heading and the setext "H1" such a marker makes are not reported again.
    Bad: `<<<<<<< HEAD` … `=======` … `>>>>>>> main` left in the file.
    Good: the resolved text only.
    """
    auth = doc.auth
    if auth is None:
        return
    for n in conflict_marker_lines(auth):
        yield Finding(f"leftover merge-conflict marker {auth.lines[n - 1].strip()[:40]!r}", at(doc, n, 1),
                      hint="resolve the conflict and delete the marker lines")


@per_subject  # several MD rules read it (titles, markers, duplicate headings): decided once per document
def conflict_marker_lines(auth: AuthDoc) -> list[int]:
    """Lines of leftover conflict markers, decided on the raw lines (docs/protocol.md P8).

    A bare `=======` counts inside a `<<<<<<<` … `>>>>>>>` conflict, between blank lines, or
    when it stands between two copies of one section (the heading above it comes back right
    after it): a resolution that kept both sides and only deleted the outer markers.
    """
    lines = auth.lines
    if not any(marker in auth.text for marker in _MARKERS):
        return []  # every marker line holds one of them (the lines are pieces of the text)
    code = _raw_code_lines(lines)
    hits: list[int] = []
    open_conflict = False  # between `<<<<<<<` and `>>>>>>>` a bare `=======` is the separator
    for n in range(auth.body_start_line, len(lines) + 1):
        text = lines[n - 1]
        if n in code:
            continue
        m = _CONFLICT_RE.match(text)
        if m:
            hits.append(n)
            open_conflict = m.group(1)[0] in "<|" or (open_conflict and m.group(1)[0] != ">")
            continue
        if _SEPARATOR_RE.match(text):
            prev_blank = n == 1 or not lines[n - 2].strip()
            next_blank = n == len(lines) or not lines[n].strip()
            if open_conflict or (prev_blank and next_blank) or _between_copies(auth, n):
                hits.append(n)
    return hits


_ATX_RE = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


def _between_copies(auth: AuthDoc, n: int) -> bool:
    """The nearest ATX heading above line `n` is repeated as the first heading below it."""
    def heading(i: int) -> tuple[int, str] | None:
        m = _ATX_RE.match(auth.lines[i - 1])
        return (len(m.group(1)), _norm(m.group(2))) if m else None

    above = next((h for i in range(n - 1, 0, -1) if (h := heading(i))), None)
    below = next((h for i in range(n + 1, len(auth.lines) + 1) if (h := heading(i))), None)
    return above is not None and above == below


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


@rule("MD011", "duplicate-heading", Severity.ERROR, scope="auth.md", spec="docs/protocol.md D18, P8",
      no_registration=True)
def duplicate_heading(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """The same heading appears twice at the same level under the same parent.

    Why: duplicated sections (often a merge leftover) give agents two versions of one step
    (docs/protocol.md D18). Repeated H3s under different H2s (e.g. `### Response`) are fine; a second
    H1 is reported by h1-not-auth-md.
    Bad: two `## Step 3 — Register` headings.
    Good: one of each.
    """
    auth = doc.auth
    if auth is None:
        return
    seen: dict[tuple[int | None, int, str], Heading] = {}
    stack: list[Heading] = []
    markers = conflict_marker_lines(auth)
    for h in auth.headings:
        if h.level == 1:
            # H1s are not parents: a second H1 (or the setext "heading" a conflict's `=======`
            # makes) must not hide a repeated `## Step 3 — Register` below it.
            continue
        while stack and stack[-1].level >= h.level:
            stack.pop()
        parent = stack[-1].line if stack else None
        stack.append(h)
        key = (parent, h.level, _norm(h.text))
        if key in seen and any(seen[key].line < m < h.line for m in markers):
            continue  # both sides of a conflict were kept: merge-conflict-marker reports it
        if key in seen:
            yield Finding(f"duplicate heading {h.text.strip()!r} (first at line {seen[key].line})",
                          at(doc, h.line, 1), hint="merge the two sections or rename one")
        else:
            seen[key] = h


_URL_HOST_RE = re.compile(r"\bhttps?://([^\s/\"'<>()\[\]`{}|\\^?#]+)", re.IGNORECASE)


def _bare_host(netloc: str) -> str | None:
    netloc = netloc.rsplit("@", 1)[-1]
    if not netloc or netloc.startswith("["):
        return None
    return netloc.split(":", 1)[0].lower().rstrip(".") or None


@rule("MD012", "placeholder-host", Severity.WARNING, scope="auth.md", spec="docs/protocol.md §3.2; RFC 2606",
      no_registration=True)
def placeholder_host(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """A documentation host (example.com, *.example, *.test, *.invalid) is left in the file.

    Why: the canonical example uses `api.service.example.com` / `auth.service.example.com`
    (docs/protocol.md §3.2); a published auth.md must name the real hosts or agents call nowhere. Each host
    is reported once, at its first occurrence.
    Bad: `POST https://auth.service.example.com/agent/identity` in a live file.
    Good: the service's real hosts.
    """
    auth = doc.auth
    if auth is None:
        return
    first: dict[str, tuple[int, int]] = {}
    count: dict[str, int] = {}

    def note(h: str | None, line: int, col: int) -> None:
        if h and urls.is_placeholder_host(h):
            count[h] = count.get(h, 0) + 1
            if h not in first or (line, col) < first[h]:
                first[h] = (line, col)

    for n in range(auth.body_start_line, len(auth.lines) + 1):
        text = auth.lines[n - 1]
        if "://" not in text:
            continue  # every match has it (no case to fold): spares the regex on most lines
        for m in _URL_HOST_RE.finditer(text):
            note(_bare_host(m.group(1)), n, m.start() + 1)
    for msg in auth.http_messages:
        for hdr in msg.headers:
            if hdr.name.lower() == "host":
                note(_bare_host(hdr.value.strip()), hdr.line, 1)
    for h, (line, col) in sorted(first.items(), key=lambda kv: kv[1]):
        times = f" ({count[h]} occurrences)" if count[h] > 1 else ""
        yield Finding(f"placeholder host `{h}` left in the file{times}", at(doc, line, col),
                      hint="replace documentation hosts with the service's real hosts")


# ------------------------------------------------------------------ MD013: Errors table

_CLAIM_CODES = frozenset({"invalid_claim_token", "claim_expired", "already_claimed", "claim_not_confirmed",
                          "invalid_user_code", "user_code_expired", "claimed_or_in_flight",
                          "authorization_pending", "expired_token", "slow_down", "otp_invalid",
                          "previously_claimed"})
# Which offered method makes an expected Errors-table code relevant (SPEC §11).
_CODE_NEEDS: dict[str, frozenset[str]] = {
    "anonymous_registration_disabled": frozenset({"anonymous"}),
    "anonymous_not_enabled": frozenset({"anonymous"}),
    "service_auth_registration_disabled": frozenset({"service_auth"}),
    "service_auth_not_enabled": frozenset({"service_auth"}),
    "verified_email_not_enabled": frozenset({"service_auth"}),
    "issuer_not_enabled": frozenset({"identity_assertion"}),
    "invalid_signature": frozenset({"identity_assertion"}),
    "interaction_required": frozenset({"identity_assertion"}),
    "login_required": frozenset({"identity_assertion"}),
    "invalid_login_hint": frozenset({"service_auth", "anonymous"}),
    "invalid_refresh_token": frozenset({"service_auth", "anonymous"}),
}
_EXPECTED_COLUMNS = ("code", "where", "what to do")
_CODE_TOKEN_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def _profiles_knowing(code: str) -> list[str]:
    return [label for label in VERSIONED
            if code in PROFILES[label].all_error_codes or code in PROFILES[label].errors_table_expected]


def _cell_codes(cell: str) -> list[str]:
    return [t for t in re.split(r"[\s,/;|()]+", cell.replace("`", " ")) if _CODE_TOKEN_RE.match(t)
            and t not in ("or", "and", "any")]


def _renamed_to(code: str, known: frozenset[str]) -> str | None:
    """The code of this profile that `code` was renamed to, following chains (docs/protocol.md §1.2)."""
    seen = {code}
    rename = RENAMES.get(code)
    while rename is not None and rename.new is not None and rename.new not in seen:
        if rename.new in known:
            return rename.new
        seen.add(rename.new)
        rename = RENAMES.get(rename.new)
    return None


def _relevant(code: str, methods: set[str] | None, claim: bool, step_up: bool) -> bool:
    if code == "interaction_required" and not step_up:
        return False  # the step-up is optional: a service may provision or refuse instead (SPEC §8.5)
    if methods is None:
        return True
    if code in _CLAIM_CODES:
        return claim
    needs = _CODE_NEEDS.get(code)
    return needs is None or bool(needs & methods)


def _foreign_codes(doc: Document, ctx: RuleContext, foreign: list[tuple[str, int, str]]) -> Iterator[Finding]:
    """Codes of other profiles in the Errors table: one finding, each code with its fix."""
    if not foreign:
        return
    if len(foreign) == 1:
        code, line, todo = foreign[0]
        rename = RENAMES.get(code)
        new = f"; renamed to `{rename.new}` in {rename.introduced}" if rename and rename.new else ""
        yield Finding(f"error code `{code}` belongs to profile {range_label(_profiles_knowing(code))}, not "
                      f"{ctx.profile.label}{new}", at(doc, line, 1), hint=todo)
        return
    items = "; ".join(f"`{code}` (line {line}): {todo}" for code, line, todo in foreign)
    yield Finding(f"{len(foreign)} error codes of the table belong to other profiles than {ctx.profile.label}: "
                  + ", ".join(f"`{c}`" for c, _, _ in foreign), at(doc, foreign[0][1], 1), hint=items,
                  related=tuple(at(doc, line, 1) for _, line, _ in foreign[1:]))


@rule("MD013", "errors-table", Severity.WARNING, scope="auth.md", spec="docs/protocol.md §3.2, §11, D9")
def errors_table(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """The Errors table is missing, has the wrong columns, or its codes do not match the profile.

    Why: the Errors table is the agent's dispatch table, code → action (docs/protocol.md §3.3). Codes of
    another profile are renamed codes an agent will never see (warning, with the rename);
    unknown codes are reported as info (docs/protocol.md D9); codes the profile's endpoints return for
    the offered methods should all be listed (docs/protocol.md §11). A table written for another profile is
    one finding naming each code with its fix.
    Bad: no table; columns `Error | Meaning`; `rate_limited` in a v0.7-B file.
    Good: `| Code | Where | What to do |` listing e.g. `rate_limit_exceeded`.
    """
    auth = doc.auth
    if auth is None:
        return
    sec = auth.section("errors")
    if sec is None:
        return  # missing-section reports it
    tables = [t for t in auth.tables if sec.heading.line < t.line <= sec.end_line]
    if not tables:
        yield Finding("the Errors section has no table", at(doc, sec.heading.line, 1),
                      hint="add a `| Code | Where | What to do |` table")
        return
    table = tables[0]
    header = tuple(_norm(c.replace("`", "")) for c in table.header)
    code_col = header.index("code") if "code" in header else 0
    if header[:3] != _EXPECTED_COLUMNS or len(header) != 3:
        shown = " | ".join(table.header)
        yield Finding(f"the Errors table has columns `{shown}`, expected `Code | Where | What to do`",
                      at(doc, table.line, 1),
                      hint="use the columns `Code | Where | What to do` (docs/protocol.md §3.2)")
    known = ctx.profile.all_error_codes | IDJAG_CODES  # SPEC §8.4: valid in every profile
    listed: set[str] = set()
    foreign: list[tuple[str, int, str]] = []  # (code, line, what to do): codes of other profiles
    unknown: list[tuple[str, int]] = []
    for row, line in zip(table.rows, table.row_lines, strict=False):
        if code_col >= len(row):
            continue
        for code in _cell_codes(row[code_col]):
            listed.add(code)
            if code in known:
                continue
            if _profiles_knowing(code):
                rename = RENAMES.get(code)
                older = next((r.old for r in RENAMES.values() if r.new == code and r.old in known), None)
                todo = (f"use `{rename.new}`" if rename and rename.new and rename.new in known
                        else f"{ctx.profile.label} calls it `{older}`" if older else "remove the row")
                foreign.append((code, line, todo))
            else:
                unknown.append((code, line))
    yield from _foreign_codes(doc, ctx, foreign)
    if unknown:
        # One table written for another vocabulary is one root cause: one finding per kind.
        names = ", ".join(f"`{c}` (line {n})" for c, n in unknown)
        yield Finding(f"error code{'s' if len(unknown) > 1 else ''} {names} "
                      f"{'are not codes' if len(unknown) > 1 else 'is not a code'} of profile {ctx.profile.label}",
                      at(doc, unknown[0][1], 1), hint="check the code names against the profile's error codes "
                      "(docs/rules.md#md013-errors-table)", severity=Severity.INFO,
                      related=tuple(at(doc, n, 1) for _, n in unknown[1:]))
    methods = offered_methods(auth)
    claim = claim_capable(auth)
    table_lines = {table.line, *table.row_lines}
    step_up = any("interaction_required" in text for n, text in enumerate(auth.lines, 1) if n not in table_lines)
    # A row with the old name of an expected code was already reported with its rename above.
    renamed = {_renamed_to(c, known) for c in listed - known} - {None}
    missing = sorted(c for c in ctx.profile.errors_table_expected - listed - renamed
                     if _relevant(c, methods, claim, step_up))
    if missing:
        yield Finding(f"the Errors table lacks {len(missing)} code(s) of profile {ctx.profile.label}: "
                      + ", ".join(f"`{c}`" for c in missing), at(doc, table.line, 1),
                      hint="add a row for each (Code | Where | What to do)")


# ------------------------------------------------------------------ MD014-MD017: more


@rule("MD014", "front-matter", Severity.WARNING, scope="auth.md", spec="docs/protocol.md §3.6, D11",
      no_registration=True)
def front_matter(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """The YAML front matter is invalid or not closed.

    Why: static-site generators read the `---` … `---` block at the top (docs/protocol.md §3.6); broken
    YAML there usually means the whole page fails to build or shows the raw block to agents.
    Bad: `---` / `title: auth.md: agents` / `---` (an unquoted colon).
    Good: `---` / `title: "auth.md: agents"` / `---`.
    """
    auth = doc.auth
    if auth is None:
        return
    if auth.front_matter_error:
        line, col = _yaml_error_position(auth)
        yield Finding(auth.front_matter_error, at(doc, line, col), hint="fix the YAML between the `---` lines")
    elif (auth.body_start_line == 1 and len(auth.lines) > 1 and auth.lines[0].rstrip() == "---"
          and re.match(r"^[A-Za-z_][\w-]*:(\s|$)", auth.lines[1])):
        yield Finding("front matter starts with `---` but is never closed", at(doc, 1, 1),
                      hint="close it with a `---` line")


def _yaml_error_position(auth: AuthDoc) -> tuple[int, int]:
    import yaml

    raw = "\n".join(auth.lines[1:auth.body_start_line - 2])
    try:
        yaml.safe_load(raw)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if mark is not None:
            return mark.line + 2, mark.column + 1
    except yaml.YAMLError:
        pass
    return 1, 1


@rule("MD015", "no-registration-declaration", Severity.WARNING, scope="auth.md", spec="docs/protocol.md §13.6, D13",
      no_registration=True)
def no_registration_declaration(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """Under profile no-registration, the file does not say plainly that no registration is offered.

    Why: a site that publishes auth.md without offering agent registration must say so, so
    agents stop instead of guessing endpoints (docs/protocol.md D13, P10). Only checked
    under the `no-registration` profile.
    Bad: an auth.md with a title and a link list, nothing about registration.
    Good: "This origin offers no agent registration."
    """
    auth = doc.auth
    if auth is None or ctx.profile.label != NO_REGISTRATION:
        return
    if said_no_registration(auth) is None:
        yield Finding("the file does not say that no agent registration is offered",
                      at(doc, _intro_first_line(auth) if _intro_text(auth) else _first_line(doc), 1),
                      hint="say it plainly in the intro, e.g. 'This service offers no agent registration.'")


# SPEC §12-A item 10: stale sentences in v0.4+ files.
_STALE: tuple[tuple[re.Pattern[str], tuple[str, ...], str], ...] = (
    (re.compile(r"\bpoll\w*\b[^.\n]*?/view\b`?|\bat\s+`/view`", re.IGNORECASE), (),
     "`/view` polling is a v0.2–v0.3 leftover; since v0.4 agents poll the token endpoint or (v0.7-B) "
     "complete at `<claim_endpoint>/complete`"),
    (re.compile(r'"status"\s*:\s*"(?:pending|expired)"'), (),
     'the `"status": "pending"/"expired"` poll answers are v0.2–v0.3 leftovers'),
    (re.compile(r"same\s+`email`|`email`\s+you\s+supply", re.IGNORECASE), ("v0.7-A", "v0.7-B"),
     "the `/claim` field is `login_hint` since v0.7, not `email`"),
)


# Literals one of which each `_STALE` pattern's every match contains, and whether the pattern
# ignores case (then they are looked for in the lowered line, see `memo.lowered_prose_text`). "/view"
# has an i: under re.IGNORECASE it matches i, I, U+0130 (lowered to "i" + U+0307) and U+0131.
_STALE_LITERALS = tuple((literals, bool(pattern.flags & re.IGNORECASE)) for literals, (pattern, _, _) in zip(
    (("/view", "/vi\u0307ew", "/v\u0131ew"), ('"status"',), ("`ema",)), _STALE, strict=True))


@rule("MD016", "stale-prose", Severity.INFO, scope="auth.md", spec="docs/protocol.md D25")
def stale_prose(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """Prose left over from an older protocol version (polling "at `/view`", `"status": "pending"`).

    Why: the canonical v0.4–v0.7-A text kept sentences from v0.2–v0.3 that no longer match the
    wire (docs/protocol.md D25); agents following them poll endpoints that do not exist
    (docs/protocol.md D25). Reported in v0.4+ documents.
    Bad: "poll for ceremony completion at `/view`"; "the `email` you supply" in v0.7.
    Good: describe the ceremony of the profile (poll the token endpoint / complete the claim).
    """
    auth = doc.auth
    if auth is None or ctx.profile.order < 4:
        return
    # The lines that may hold a match of each pattern (one of its literals): the regexes run on
    # those only.
    stale = [(pattern, why, dict(prose_lines_with(auth, literals, folded=folded)))
             for (pattern, only, why), (literals, folded) in zip(_STALE, _STALE_LITERALS, strict=True)
             if not only or ctx.profile.label in only]
    candidates: dict[int, str] = {}
    for _, _, lines in stale:
        candidates.update(lines)
    for n, text in sorted(candidates.items()):
        for pattern, why, lines in stale:
            if n not in lines:
                continue
            m = pattern.search(text)
            if m:
                yield Finding(f"stale sentence: {m.group(0).strip()!r}", at(doc, n, m.start() + 1), hint=why)


_WWW_AUTH = r"`?WWW-Authenticate`?"
_NO_CHALLENGE_RE = re.compile(
    r"\b(?:does\s+not|doesn['’]t|do\s+not|don['’]t|never|will\s+not|won['’]t)\s+"
    r"(?:send|include|return|set|emit|carry|carries|have|has)\w*\s+(?:a\s+|an\s+|the\s+|any\s+)?" + _WWW_AUTH
    + r"|\b(?:come|comes|arrive|arrives|are\s+returned|is\s+returned|are\s+sent|is\s+sent)\s+without\s+"
    r"(?:a\s+|an\s+|the\s+|any\s+)?" + _WWW_AUTH
    + r"|\b(?:no|without)\s+(?:a\s+|an\s+|the\s+|any\s+)?" + _WWW_AUTH + r"\s+(?:header|challenge)"
    r"|" + _WWW_AUTH + r"\s+(?:header\s+)?(?:is|are)\s+(?:not|never)\s+(?:sent|set|included|returned|present)",
    re.IGNORECASE,
)
# "If a 401 comes without WWW-Authenticate, fall back …" tells agents what to do; it does not
# say the service omits the header (SPEC §3.2 item 3: the canonical fallback sentence).
_CONDITIONAL_RE = re.compile(r"\b(?:if|when|whenever|in\s+case|should|otherwise|unless)\b", re.IGNORECASE)


def _documents_no_challenge(text: str) -> re.Match[str] | None:
    # Every alternative names WWW-Authenticate, so a line without "thent" cannot match; none of
    # t, h, e, n has a non-ASCII case fold under re.IGNORECASE (only i, k and s do), so the
    # check is exact, and it spares the regex on nearly every prose line.
    if "thent" not in text.lower():
        return None
    m = _NO_CHALLENGE_RE.search(text)
    if m is None:
        return None
    sentence_start = max(text.rfind(".", 0, m.start()), text.rfind(";", 0, m.start())) + 1
    return None if _CONDITIONAL_RE.search(text[sentence_start:m.start()]) else m


@rule("MD017", "missing-401-challenge-documented", Severity.INFO, scope="auth.md",
      spec="RFC 9728 §5.1; RFC 6750 §3; docs/protocol.md P14")
def missing_401_challenge_documented(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """The auth.md documents a 401 without a usable `WWW-Authenticate` challenge.

    Why: every 401 from the API should carry `WWW-Authenticate: Bearer resource_metadata="…"`
    so agents can discover the PRM (RFC 9728 §5.1, docs/protocol.md §4.1); the registration 401s carry an
    `AgentAuth` challenge (docs/protocol.md §6.1). A documented 401 without the header, a Bearer challenge
    without `resource_metadata`, or prose saying the header is not sent shows the service
    omits it (docs/protocol.md P14), in its common wordings ("come without a `WWW-Authenticate`
    header", "no WWW-Authenticate header"); a conditional fallback instruction ("if a 401 comes
    without it, fall back …") is not reported.
    Bad: `HTTP/1.1 401 Unauthorized` with only `Content-Type`; "we don't send WWW-Authenticate".
    Good: `WWW-Authenticate: Bearer resource_metadata="https://api.acme.dev/.well-known/…"`.
    """
    auth = doc.auth
    if auth is None:
        return
    for msg in auth.http_messages:
        if msg.kind != "response" or msg.status != 401:
            continue
        challenge = msg.header("WWW-Authenticate")
        if challenge is None:
            yield Finding("documented 401 response has no WWW-Authenticate header", at(doc, msg.fence.line, 1),
                          hint='add `WWW-Authenticate: Bearer resource_metadata="<PRM URL>"` (RFC 9728 §5.1)')
        elif challenge.lower().startswith("bearer") and "resource_metadata" not in challenge:
            hdr = next(h for h in msg.headers if h.name.lower() == "www-authenticate")
            yield Finding("documented Bearer challenge has no resource_metadata parameter",
                          at(doc, hdr.line, 1), hint='add resource_metadata="<PRM URL>" (RFC 9728 §5.1)')
    for n, text in auth.prose_lines():
        m = _documents_no_challenge(text)
        if m:
            yield Finding(f"the file says the service omits the 401 challenge: {m.group(0)!r}",
                          at(doc, n, m.start() + 1),
                          hint="send WWW-Authenticate with resource_metadata on every 401 (RFC 9728 §5.1)")


_AUD_RESOURCE_RE = re.compile(
    r"\baud\b[^.\n]{0,80}?\bresource\b(?!_)"
    r"|\bresource\b(?!_)[^.\n]{0,40}?\bas\s+(?:the\s+|your\s+)?(?:id-jag(?:'s)?\s+)?aud(?:ience)?\b",
    re.IGNORECASE,
)


@rule("MD019", "idjag-audience", Severity.INFO, scope="auth.md", spec="docs/protocol.md D5, §8.2")
def idjag_audience(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """The prose tells agents to use the PRM `resource` as the ID-JAG `aud`.

    Why: the sources disagree on the ID-JAG audience: AUTH.md says the PRM `resource`, the ID-JAG
    draft and the reference verifier say the authorization server's `issuer` (docs/protocol.md §8.2,
    D5). A service that verifies `aud` = its issuer rejects an assertion minted for the
    resource. Either reading is accepted (docs/protocol.md D5: info, not a failure); say which one the
    service verifies.
    Bad: "set the ID-JAG `aud` to the `resource` from the protected-resource metadata"
    Good: "the ID-JAG `aud` is the authorization server's `issuer` (`https://auth.quillnote.io`)"
    Spec: docs/protocol.md §8.2, D5.
    """
    auth = doc.auth
    if auth is None:
        return
    everywhere = lowered_prose_text(auth).replace("`", "")
    if "aud" not in everywhere or "ource" not in everywhere:
        return
    # Both alternatives need `aud` and `resource` (→ "ource": no i or s, see memo.lowered_prose_text),
    # in the line without backticks.
    for n, text in auth.prose_lines():
        flat = text.replace("`", "")
        low = flat.lower()
        if "aud" not in low or "ource" not in low:
            continue
        m = _AUD_RESOURCE_RE.search(flat)
        if m:
            yield Finding("the prose makes the PRM `resource` the ID-JAG `aud`; verifiers that follow the ID-JAG "
                          "draft expect the authorization server's `issuer`", at(doc, n, 1),
                          hint="name the audience the service verifies, normally the AS `issuer` (ID-JAG draft, "
                               "RFC 7523 §3)")
            return  # one statement of the reading is enough


@rule("MD018", "html-document", Severity.ERROR, scope="auth.md", spec="docs/protocol.md D19, §3.1, P5",
      no_registration=True)
def html_document(doc: Document, ctx: RuleContext) -> Iterator[Finding]:
    """The auth.md is an HTML page (`<!doctype html>` / `<html>`), not Markdown.

    Why: agents read auth.md as Markdown (`text/markdown`, docs/protocol.md §3.1); a body that starts with
    `<!doctype` or `<html` is an HTML page, typically a single-page app shell or a CMS page
    served at `/auth.md`, and carries none of the sections or fenced examples agents act on
    (docs/protocol.md D19: error). The Markdown structure rules (missing H1, sections, intro) stay
    silent for such a file: this one finding says what is wrong.
    Bad: `<!doctype html><html><head><title>auth.md</title>…`
    Good: the Markdown source, starting with `# auth.md`.
    Spec: docs/protocol.md §3.1, D19.
    """
    auth = doc.auth
    if auth is None:
        return
    line = html_body_line(auth)
    if line is not None:
        yield Finding(f"the file is an HTML page ({auth.lines[line - 1].strip()[:40]!r}), not Markdown",
                      at(doc, line, 1), hint="publish the Markdown source of auth.md (text/markdown), starting "
                      "with `# auth.md`")
