"""The discovery walk: what an agent fetches, in the protocol's order, and what it found.

Stable API (also used by `simulate`):

    from authmd_cli.probe.discovery import discover, walk, WalkOptions

    result = discover("example.com", client=net.async_client(...))   # sync convenience
    result = await walk(parse_target("example.com"), fetcher)         # async, any `Fetcher`

`Discovery` holds every fetched exchange (the trace, in request order), the PRM, the AS metadata
of every authorization server (`[0]` is the one agents use), the `agent_auth` block, the auth.md,
the skill document, the service JWKS, the resolved endpoints, the detected profile and dialect,
and the fetched documents parsed by the lint loader (`documents`, keyed by role). It reports
nothing itself: the transport rules (`probe.transport`) and the lint engine judge it.

Order (SPEC §4.1, §5.1, §13.5, §14 D22): an unauthenticated request to the API (the target's URL,
`--api`, or the PRM's `resource`) and its 401 `WWW-Authenticate: Bearer resource_metadata="…"`
(RFC 9728 §5.1); the PRM from the header, else by RFC 9728 §3.1 insertion into the API URL, else
at the origin root; for a bare domain the origin-root PRM first, then what the auth.md documents
(an agent that starts from a domain reads it: its API request, then its PRM URL), then the AS
metadata's echo of `resource`. Then the AS metadata of the first `MAX_AUTH_SERVERS` entries of
`authorization_servers` (agents use `[0]`) by RFC 8414 §3.1 insertion, falling back to the
appended form real clients also try (reported by the transport rules), `openid-configuration`
only to diagnose an `agent_auth` block placed there. Then, independently and concurrently: the
`skill` URL (when it is not the auth.md already fetched), `jwks_uri` (SPEC §14 D20), and a GET of
every advertised endpoint (405/400/401 mean "served"; IN-THE-WILD P5). The auth.md is fetched
from the start, concurrently with all of it. Only GET is used here.

Requests are numbered when they are sent, so the walk never lets the order of concurrent answers
decide what is sent next: what runs concurrently is started together in a fixed order (the AS
metadata candidates in rounds, a root PRM's 401 check before the AS metadata), and a `--replay`,
whose answers come at once, numbers the trace exactly as the live run did.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from authmd_cli.core.urls import AS_SUFFIX, PRM_SUFFIX, has_template, insert_well_known, is_absolute, is_placeholder
from authmd_cli.probe.model import Exchange, html_body
from authmd_cli.probe.target import Target, parse_target

if TYPE_CHECKING:
    from concurrent.futures import Executor

    import httpx

    from authmd_cli.core.net import FetchLimits
    from authmd_cli.probe.fetch import Fetcher
    from authmd_cli.protocol.model import Document

OIDC_SUFFIX = "/.well-known/openid-configuration"

# How the PRM URL was found (Discovery.prm_via).
VIA_CHALLENGE = "challenge"  # the 401's resource_metadata (RFC 9728 §5.1)
VIA_INSERTED = "inserted"  # RFC 9728 §3.1 insertion into the API URL
VIA_ROOT = "root"  # the origin-root well-known URL
VIA_AUTH_MD = "auth.md"  # the URL the auth.md documents

# Endpoint roles checked for being served (read-only GET), in report order.
ENDPOINT_ROLES = ("identity", "claim", "events", "token", "revocation")

# How many `authorization_servers` entries the walk follows. Agents use `[0]` (RFC 9728 §2 lets
# a PRM list alternatives); a few more are checked, and the rest are one finding (PR022), never
# requests: the list is the service's to make as long as it likes.
MAX_AUTH_SERVERS = 5

# Failures that say the service did not deliver this time (try again later), as opposed to
# answers that are the site's own doing (a refused URL, a redirect loop, a body too large).
_OUTAGE_KINDS = frozenset({"dns", "connect", "tls", "timeout", "reset", "protocol", "deadline"})


@dataclass(frozen=True)
class WalkOptions:
    api: str | None = None  # overrides the target's API URL (`--api`)
    check_served: bool = True  # GET every advertised endpoint (read-only reachability)
    # Where the auth.md is parsed (~5 ms of CPU for a typical one): None = in the event loop;
    # a pool of many walks passes its helper thread, so the loop keeps sending the other walks'
    # dependent requests meanwhile (the auth.md is off the critical path: nothing waits on it
    # until the last step). The parse is the same; only the thread differs.
    parse_auth_md_in: Executor | None = None
    # Called (in the event loop, and must not block it) with what the walk found before its last
    # step's answers (skill, JWKS, openid-configuration, the endpoints): the PRM, AS metadata and
    # auth.md are final by then, so probe starts judging them while those requests are in flight.
    before_last_step: Callable[[Discovery], None] | None = None


@dataclass(frozen=True)
class AuthServer:
    """One `authorization_servers` entry and its RFC 8414 metadata."""

    identifier: str  # as listed in the PRM (or the origin, when there is no usable PRM)
    listed: bool  # False: no PRM named it; the origin was assumed (agents starting from auth.md do)
    attempts: tuple[Exchange, ...]  # every URL tried, in order
    built_by: str | None  # how the URL that answered was built: "inserted", "appended", "as-listed"
    document: Document | None = None  # the parsed metadata (None when no attempt answered 2xx)

    @property
    def exchange(self) -> Exchange | None:
        """The attempt that answered, else the last one."""
        ok = [e for e in self.attempts if e.ok]
        return ok[0] if ok else (self.attempts[-1] if self.attempts else None)

    @property
    def metadata(self) -> dict[str, Any] | None:
        return _obj(self.document)


@dataclass(frozen=True)
class Gap:
    """A document the verdict depends on (auth.md, PRM, AS metadata) that the walk could not read."""

    document: str  # "auth.md", "PRM", "AS metadata"
    url: str
    why: str  # "answered 429", "got no answer (timeout)", "is an HTML page"
    outage: bool  # the service did not deliver it (429, 5xx, no answer): another run may get it

    def describe(self) -> str:
        return f"the {self.document} {self.why}"

    def to_dict(self) -> dict[str, Any]:
        from authmd_cli.core.display import scrub

        return {"document": self.document, "url": scrub(self.url), "why": self.why, "outage": self.outage}


def gap_of(document: str, ex: Exchange | None) -> Gap | None:
    """Why `ex` gave no readable `document`, when the reason is not "it is not there" (a 404 is
    an answer: the document does not exist)."""
    if ex is None:
        return None
    f = ex.failure
    if f is not None:
        return Gap(document, ex.url, f"got no answer ({f.kind})", f.kind in _OUTAGE_KINDS)
    if ex.status == 429 or (ex.status is not None and ex.status >= 500):
        return Gap(document, ex.url, f"answered {ex.status}", True)
    if ex.ok and html_body(ex):
        return Gap(document, ex.url, "is an HTML page", False)
    return None


@dataclass(frozen=True)
class Endpoints:
    """URLs an agent acts on, resolved from the metadata (current member names first, IN-THE-WILD P2)."""

    api: str | None = None
    prm: str | None = None
    as_metadata: str | None = None
    issuer: str | None = None
    skill: str | None = None
    identity: str | None = None
    claim: str | None = None
    events: str | None = None
    token: str | None = None
    revocation: str | None = None
    jwks: str | None = None
    identity_types: tuple[str, ...] = ()
    grant_types: tuple[str, ...] = ()

    def role(self, name: str) -> str | None:
        value = getattr(self, name)
        return value if isinstance(value, str) else None

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        out = asdict(self)
        out["identity_types"] = list(self.identity_types)
        out["grant_types"] = list(self.grant_types)
        return out


@dataclass(frozen=True)
class Discovery:
    target: Target
    exchanges: tuple[Exchange, ...]  # the trace, in request order
    auth_md: Exchange | None = None
    challenge: Exchange | None = None  # the unauthenticated API request
    resource_metadata: str | None = None  # the challenge's resource_metadata, resolved to an absolute URL
    prm: Exchange | None = None  # the PRM exchange agents would use (None: none found)
    prm_via: str | None = None
    prm_identifier: str | None = None  # the identifier its well-known URL was built from (VIA_INSERTED/ROOT)
    # The unauthenticated request was sent for a PRM already found at the origin-root well-known URL
    # (a bare domain): it checked for the challenge, it did not lead to the PRM.
    challenge_after_prm: bool = False
    prm_attempts: tuple[Exchange, ...] = ()
    servers: tuple[AuthServer, ...] = ()
    openid: Exchange | None = None
    skill: Exchange | None = None
    jwks: Exchange | None = None
    served: tuple[tuple[str, Exchange], ...] = ()  # (role, GET of that endpoint)
    endpoints: Endpoints = field(default_factory=Endpoints)
    documents: Mapping[str, Document] = field(default_factory=dict)  # role -> parsed document
    profile: str | None = None  # newest generation any fetched document shows (SPEC §14 D2)
    dialect: str | None = None
    no_registration: bool = False  # nothing advertises agent registration (SPEC §14 D13)
    not_checkable: tuple[str, ...] = ()  # advertised URLs that are URI templates, never fetched
    # Documents that could advertise registration and could not be read (an outage, or HTML where
    # a document belongs) while nothing read shows registration: the service could not be
    # assessed. Empty when it could.
    gaps: tuple[Gap, ...] = ()
    servers_listed: int = 0  # usable distinct `authorization_servers` entries (MAX_AUTH_SERVERS followed)

    @property
    def as_metadata(self) -> dict[str, Any] | None:
        """The AS metadata agents use (`authorization_servers[0]`)."""
        return self.servers[0].metadata if self.servers else None

    @property
    def agent_auth(self) -> dict[str, Any] | None:
        meta = self.as_metadata
        block = meta.get("agent_auth") if meta else None
        return block if isinstance(block, dict) else None

    @property
    def prm_metadata(self) -> dict[str, Any] | None:
        return _obj(self.documents.get("prm"))

    @property
    def reachable(self) -> bool:
        """At least one request got an HTTP answer (exit 3 when none did)."""
        return any(e.status is not None for e in self.exchanges)


def _obj(doc: Document | None) -> dict[str, Any] | None:
    if doc is None or doc.json is None or not isinstance(doc.json.value, dict):
        return None
    return doc.json.value


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# ------------------------------------------------------------------------- pieces (pure)

_TOKEN = r"[A-Za-z0-9_!#$%&'*+.^`|~-]+"
_PARAM_RE = re.compile(rf'({_TOKEN})\s*=\s*("(?:[^"\\]|\\.)*"?|[^\s,]*)\s*$', re.DOTALL)
_CHALLENGE_RE = re.compile(rf"({_TOKEN})(?:\s+(.*))?$", re.DOTALL)


def _split_commas(header: str) -> list[str]:
    """Top-level comma-separated elements; commas inside quoted strings do not split."""
    out: list[str] = []
    cur: list[str] = []
    quoted = escaped = False
    for ch in header:
        if escaped:
            escaped = False
        elif quoted and ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            out.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur))
    return [x.strip() for x in out if x.strip()]


def _param(text: str) -> tuple[str, str] | None:
    m = _PARAM_RE.match(text)
    if m is None:
        return None
    value = m.group(2)
    if value.startswith('"'):
        value = re.sub(r"\\(.)", r"\1", value[1:-1] if len(value) > 1 and value.endswith('"') else value[1:])
    return m.group(1).lower(), value


def bearer_params(header: str | None) -> dict[str, str] | None:
    """The auth-params of the `Bearer` challenge in a WWW-Authenticate value (RFC 9110 §11.6.1,
    RFC 6750 §3), None when there is no Bearer challenge. Other schemes (`AgentAuth …`) are skipped;
    quoted strings may hold commas, `=` and escaped quotes."""
    if not header:
        return None
    found: dict[str, str] | None = None
    current: dict[str, str] | None = None
    for element in _split_commas(header):
        if re.match(rf"{_TOKEN}\s*=", element):  # an auth-param of the current challenge
            kv = _param(element)
            if current is not None and kv is not None:
                current.setdefault(*kv)
            continue
        m = _CHALLENGE_RE.match(element)
        if m is None:
            current = None
            continue
        current = {} if m.group(1).lower() == "bearer" and found is None else None
        if current is not None:
            found = current
        rest = (m.group(2) or "").strip()
        token68 = re.fullmatch(r"[A-Za-z0-9._~+/-]+=*", rest) is not None
        kv = _param(rest) if rest and not token68 else None
        if current is not None and kv is not None:
            current.setdefault(*kv)
    return found


def documented_urls(doc: Document | None, origin: str) -> tuple[str | None, str | None]:
    """(API URL, PRM URL) the auth.md's Discover section shows, for a target given as a bare
    domain whose origin-root PRM is missing: an agent that starts from the domain reads auth.md.
    Placeholders are never followed (SPEC §14 D12)."""
    if doc is None or doc.auth is None:
        return None, None
    api: str | None = None
    prm: str | None = None
    for msg in doc.auth.http_messages:
        if msg.fence.section not in (None, "discover"):
            continue
        if msg.kind == "response":
            params = bearer_params(msg.header("www-authenticate"))
            cand = (params or {}).get("resource_metadata")
            if prm is None and cand and is_absolute(cand) and not is_placeholder(cand, partial=True):
                prm = cand
            continue
        if msg.kind != "request" or (msg.method or "").upper() != "GET" or not msg.target:
            continue
        url = _request_url(msg.target, msg.header("host"), origin)
        if url is None or is_placeholder(url, partial=True) or has_template(url):
            continue
        try:
            path = urlsplit(url).path
        except ValueError:  # a Host line with a half-open IP literal (RFC 3986 §3.2.2): nothing to follow
            continue
        if path.startswith(PRM_SUFFIX):
            prm = prm or url
        elif "/.well-known/" not in path and not path.endswith(".md") and api is None:
            api = url
    return api, prm


def within_resource(resource: str, url: str) -> bool:
    """`url` is on `resource`'s origin and at or below its path (a resource identifier names what
    it protects by prefix; an origin-only identifier, with or without its slash, covers the origin)."""
    try:
        a, b = urlsplit(resource), urlsplit(url)
    except ValueError:  # a served `resource` may be no URL at all (`http://[::1/x`): it covers nothing
        return False
    if (a.scheme.lower(), (a.netloc or "").lower()) != (b.scheme.lower(), (b.netloc or "").lower()):
        return False
    prefix = a.path.rstrip("/")
    return not prefix or b.path == prefix or b.path.startswith(prefix + "/")


def _request_url(target: str, host_header: str | None, origin: str) -> str | None:
    if is_absolute(target):
        return target
    if not target.startswith("/"):
        return None
    if host_header:
        scheme = urlsplit(origin).scheme or "https"
        return f"{scheme}://{host_header.strip()}{target}"
    return origin + target


def as_candidates(identifier: str) -> list[tuple[str, str]]:
    """(URL, how it was built) for one `authorization_servers` entry: RFC 8414 §3.1 insertion,
    then (issuer with a path only) the appended form some clients use; an entry that is itself a
    metadata URL (IN-THE-WILD P7, reported by lint XD003) is fetched as listed."""
    if "/.well-known/" in (urlsplit(identifier).path or ""):
        return [(identifier, "as-listed")]
    out = [(insert_well_known(identifier, AS_SUFFIX), "inserted")]
    path = urlsplit(identifier).path.rstrip("/")
    if path:
        out.append((identifier.rstrip("/") + AS_SUFFIX, "appended"))
    return out


def resolve_endpoints(api: str | None, prm_url: str | None, server: AuthServer | None) -> Endpoints:
    meta = server.metadata if server else None
    if meta is None:
        return Endpoints(api=api, prm=prm_url, issuer=server.identifier if server else None)
    raw = meta.get("agent_auth")
    block: dict[str, Any] = raw if isinstance(raw, dict) else {}

    def first(obj: Mapping[str, Any], *keys: str) -> str | None:
        return next((obj[k] for k in keys if _str(obj.get(k))), None)

    types = block.get("identity_types_supported")
    grants = meta.get("grant_types_supported")
    ex = server.exchange if server else None
    return Endpoints(
        api=api, prm=prm_url, as_metadata=ex.url if ex else None,
        issuer=_str(meta.get("issuer")) or (server.identifier if server else None),
        skill=first(block, "skill"),
        identity=first(block, "identity_endpoint", "register_uri", "registration_endpoint"),
        claim=first(block, "claim_endpoint", "claim_uri"),
        events=first(block, "events_endpoint", "revocation_uri"),
        token=first(meta, "token_endpoint"), revocation=first(meta, "revocation_endpoint"),
        jwks=first(meta, "jwks_uri"),
        identity_types=tuple(t for t in types if isinstance(t, str)) if isinstance(types, list) else (),
        grant_types=tuple(g for g in grants if isinstance(g, str)) if isinstance(grants, list) else (),
    )


def fetchable(url: str | None) -> bool:
    """A URL the walk may request: absolute http(s), no template or placeholder (IN-THE-WILD P12)."""
    return bool(url and is_absolute(url) and urlsplit(url).scheme in ("http", "https") and not has_template(url)
                and not is_placeholder(url, partial=True))


# ------------------------------------------------------------------------- the walk


class _Walk:
    def __init__(self, target: Target, fetcher: Fetcher, options: WalkOptions) -> None:
        self.t, self.f, self.o = target, fetcher, options
        self.docs: dict[str, Document] = {}

    def load(self, role: str, ex: Exchange | None) -> Document | None:
        """The lint loader's parse of a 2xx body (kind hinted by the role), kept under `role`."""
        if ex is None or not ex.ok:
            return None
        known = self.docs.get(role)
        if known is not None and known.source == ex.url:
            return known  # parsed once (the auth.md is parsed as soon as it arrives)
        doc = _parse(role, ex)
        self.docs.setdefault(role, doc)
        return doc

    async def challenge(self, api: str, after: Exchange | None, note: str) -> tuple[Exchange, str | None]:
        ex = await self.f.fetch("challenge", api, after=after, note=note)
        params = bearer_params(ex.header("www-authenticate")) if ex.status == 401 else None
        rm = (params or {}).get("resource_metadata")
        if not rm:
            return ex, None
        try:
            return ex, urljoin(api, rm)
        except ValueError:  # `http://[::1/x`: unusable as it stands (not fetchable; PR008 says why)
            return ex, rm

    async def prm_at(self, url: str, after: Exchange | None, note: str) -> tuple[Exchange, dict[str, Any] | None]:
        ex = await self.f.fetch("prm", url, after=after, note=note)
        doc = self.load("prm-candidate:" + url, ex)
        return ex, _obj(doc)

    def listed_servers(self, prm: dict[str, Any] | None) -> list[str]:
        """The usable distinct `authorization_servers` entries, in order."""
        listed = prm.get("authorization_servers") if prm else None
        ids = [s for s in listed if isinstance(s, str) and fetchable(s)] if isinstance(listed, list) else []
        return list(dict.fromkeys(ids))

    async def servers(self, prm: dict[str, Any] | None, after: Exchange | None) -> list[AuthServer]:
        unique = self.listed_servers(prm)[:MAX_AUTH_SERVERS]
        if unique:
            return await self.fetch_servers([(i, True) for i in unique], after)
        # No usable PRM list: agents that start from auth.md try the origin as the issuer.
        return await self.fetch_servers([(self.t.origin, False)], after)

    async def server(self, identifier: str, listed: bool, after: Exchange | None) -> AuthServer:
        return (await self.fetch_servers([(identifier, listed)], after))[0]

    async def fetch_servers(self, entries: Sequence[tuple[str, bool]], after: Exchange | None) -> list[AuthServer]:
        """The RFC 8414 metadata of each (identifier, listed) entry. The URLs are tried in rounds:
        every entry's first candidate at once, then the next candidate of each entry still without
        metadata, and so on, so the requests are numbered in entry order whichever answer comes
        first (a replay numbers them alike); a fallback waits at most for the other entries'
        previous attempt."""
        plans = [as_candidates(identifier) for identifier, _ in entries]
        attempts: list[list[Exchange]] = [[] for _ in entries]
        found: list[tuple[str, Document | None] | None] = [None] * len(entries)
        stopped = [False] * len(entries)
        for step in range(max(len(p) for p in plans)):
            todo = [k for k, plan in enumerate(plans) if step < len(plan) and found[k] is None and not stopped[k]]
            if not todo:
                break
            answers = await asyncio.gather(*(self.f.fetch("as-metadata", plans[k][step][0], after=after,
                                                          note=self.as_note(plans[k][step][1], entries[k][1],
                                                                            first=k == 0 and len(entries) > 1))
                                             for k in todo))
            for k, ex in zip(todo, answers, strict=True):
                attempts[k].append(ex)
                if ex.ok:
                    found[k] = (plans[k][step][1], self.load_as(ex))
                elif ex.failure is not None and ex.failure.kind == "deadline":
                    stopped[k] = True
        out = []
        for k, (identifier, listed) in enumerate(entries):
            how, doc = found[k] or (None, None)
            out.append(AuthServer(identifier, listed, tuple(attempts[k]), how, doc))
        return out

    @staticmethod
    def as_note(how: str, listed: bool, *, first: bool) -> str:
        note = {"inserted": "RFC 8414 insertion", "appended": "fallback: appended well-known",
                "as-listed": "listed as a metadata URL"}[how]
        if not listed:
            note += " (origin assumed as issuer)"
        if first:
            note += "; the first usable authorization_servers entry (agents use the first)"
        return note

    def load_as(self, ex: Exchange) -> Document | None:
        from authmd_cli.lint.loader import load_document
        from authmd_cli.protocol.model import DocKind

        return load_document(ex.url, ex.body, kind=DocKind.AS_METADATA)

    def challenge_of(self, resource: str, auth_ex: Exchange) -> tuple[str, str]:
        """(URL, note) of the unauthenticated API request for a PRM found at a well-known URL. A
        resource identifier is often the bare origin, whose GET is a home page (200, no
        challenge): the API request the auth.md documents, when it lies inside the resource, is
        what an agent calls, so it is asked (auth.md was fetched at the start, beside the PRM)."""
        doc_api, _ = documented_urls(self.load("auth.md", auth_ex), self.t.origin)
        if doc_api and doc_api != resource and fetchable(doc_api) and within_resource(resource, doc_api):
            return doc_api, "the API request the auth.md documents, inside the resource"
        return resource, "the PRM's resource, unauthenticated"

    async def run(self) -> Discovery:
        t, f = self.t, self.f
        async def fetch_auth_md() -> Exchange:
            ex = await f.fetch("auth.md", t.auth_md_url, note="the service root")
            where = self.o.parse_auth_md_in
            if where is not None and ex.ok and "auth.md" not in self.docs:
                doc = await asyncio.get_running_loop().run_in_executor(where, _parse, "auth.md", ex)
                self.docs.setdefault("auth.md", doc)
            self.load("auth.md", ex)  # parsed while the other requests are in flight
            return ex

        auth_task = asyncio.ensure_future(fetch_auth_md())
        api = self.o.api or t.api
        challenge: Exchange | None = None
        rm: str | None = None
        prm_ex: Exchange | None = None
        prm: dict[str, Any] | None = None
        via: str | None = None
        identifier: str | None = None
        attempts: list[Exchange] = []
        pending_challenge: asyncio.Future[tuple[Exchange, str | None]] | None = None
        servers: list[AuthServer] | None = None

        async def from_api(api_url: str, after: Exchange | None, note: str) -> None:
            nonlocal challenge, rm, prm_ex, prm, via, identifier
            challenge, rm = await self.challenge(api_url, after, note)
            if rm and fetchable(rm):
                prm_ex, prm = await self.prm_at(rm, challenge, "from the 401 challenge")
                attempts.append(prm_ex)
                via = VIA_CHALLENGE
                if prm_ex.ok:
                    return
            # SPEC §14 D22: no usable challenge -> RFC 9728 §3.1 insertion, then the origin root.
            for url, how, ident in ((insert_well_known(api_url, PRM_SUFFIX), VIA_INSERTED, api_url),
                                    (insert_well_known(t.origin, PRM_SUFFIX), VIA_ROOT, t.origin)):
                if any(a.url == url for a in attempts):
                    continue
                ex, obj = await self.prm_at(url, challenge, f"well-known ({how})")
                attempts.append(ex)
                if ex.ok:
                    prm_ex, prm, via, identifier = ex, obj, how, ident
                    return

        async def from_documented_prm(auth_ex: Exchange) -> None:
            """Nothing at the challenge or the well-known URLs: the PRM URL the auth.md documents."""
            nonlocal prm_ex, prm, via, identifier
            _, doc_prm = documented_urls(self.load("auth.md", auth_ex), t.origin)
            if doc_prm and fetchable(doc_prm) and not any(a.url == doc_prm for a in attempts):
                ex, obj = await self.prm_at(doc_prm, auth_ex, "the PRM URL the auth.md documents")
                attempts.append(ex)
                if ex.ok:
                    prm_ex, prm, via, identifier = ex, obj, VIA_AUTH_MD, None

        if api:
            await from_api(api, None, "unauthenticated API request")
            if prm_ex is None or not prm_ex.ok:
                await from_documented_prm(await auth_task)
        else:
            root_url = insert_well_known(t.origin, PRM_SUFFIX)
            root, root_obj = await self.prm_at(root_url, None, "well-known, origin root")
            attempts.append(root)
            resource = _str((root_obj or {}).get("resource"))
            if root.ok and root_obj is not None:
                prm_ex, prm, via, identifier = root, root_obj, VIA_ROOT, t.origin
                if resource and fetchable(resource):
                    # The 401 check runs while the AS metadata is fetched; its header wins if it
                    # names another PRM (RFC 9728 §5.1). It reads the auth.md first, so the AS
                    # metadata waits for the auth.md too (asked at the start, beside this PRM):
                    # the challenge is then sent first whichever answer came first (its task is
                    # started before the AS metadata's, and a task's first step runs in order).
                    auth_ex = await auth_task
                    api_url, why = self.challenge_of(resource, auth_ex)
                    pending_challenge = asyncio.ensure_future(self.challenge(api_url, root, why))
            else:
                auth_ex = await auth_task
                doc_api, _ = documented_urls(self.load("auth.md", auth_ex), t.origin)
                if doc_api and fetchable(doc_api):
                    await from_api(doc_api, auth_ex, "the API request the auth.md documents")
                if prm is None:
                    # As from an API URL: the PRM URL the auth.md documents, when the API request
                    # and the well-known URLs gave none.
                    await from_documented_prm(auth_ex)
                if prm is None:
                    # Last resort: the AS metadata at the origin may echo `resource` (SPEC §5.2).
                    servers = [await self.server(t.origin, False, auth_ex)]
                    echoed = _str((servers[0].metadata or {}).get("resource"))
                    if echoed and fetchable(echoed) and challenge is None:
                        await from_api(echoed, servers[0].exchange, "the resource the AS metadata echoes")
                        if prm is not None:
                            servers = None  # found the PRM: its authorization_servers decide

        if servers is None:
            servers = await self.servers(prm if prm_ex is not None and prm_ex.ok else None, prm_ex)
        if pending_challenge is not None:
            challenge, rm = await pending_challenge
            if rm and fetchable(rm) and rm != root_url_of(t):
                ex, obj = await self.prm_at(rm, challenge, "from the 401 challenge")
                attempts.append(ex)
                if ex.ok and obj is not None:
                    old = prm
                    prm_ex, prm, via, identifier = ex, obj, VIA_CHALLENGE, None
                    if (old or {}).get("authorization_servers") != obj.get("authorization_servers"):
                        servers = await self.servers(obj, ex)
            elif rm == root_url_of(t) and prm_ex is not None:
                via = VIA_CHALLENGE

        if prm_ex is not None and prm_ex.ok:
            doc = self.docs.get("prm-candidate:" + prm_ex.url)
            if doc is not None:
                self.docs["prm"] = doc
        first = servers[0] if servers else None
        if first is not None and first.document is not None:
            self.docs["as"] = first.document
        endpoints = resolve_endpoints(challenge.url if challenge else api, prm_ex.url if prm_ex else None, first)

        skill_url = endpoints.skill
        jobs: list[asyncio.Future[Any]] = []
        skill_job = jwks_job = openid_job = None
        after = first.exchange if first else None
        # The last step's requests do not wait for the auth.md (its exchange's URL is the URL
        # requested): they are started first, and the auth.md is awaited while they are in flight.
        if fetchable(skill_url) and skill_url != t.auth_md_url:
            skill_job = asyncio.ensure_future(f.fetch("skill", str(skill_url), after=after,
                                                      note="agent_auth.skill"))
            jobs.append(skill_job)
        if fetchable(endpoints.jwks):
            jwks_job = asyncio.ensure_future(f.fetch("jwks", str(endpoints.jwks), after=after, note="jwks_uri"))
            jobs.append(jwks_job)
        meta = first.metadata if first else None
        if first is not None and (meta is None or "agent_auth" not in meta):
            openid_url = insert_well_known(first.identifier, OIDC_SUFFIX)
            openid_job = asyncio.ensure_future(f.fetch("openid-configuration", openid_url, after=after,
                                                       note="only to look for a misplaced agent_auth"))
            jobs.append(openid_job)
        # IN-THE-WILD P12: a URI template is never fetched; it is listed as not checkable.
        not_checkable = tuple(dict.fromkeys(
            u for u in (skill_url, endpoints.jwks, *(endpoints.role(r) for r in ENDPOINT_ROLES))
            if u and has_template(u)))
        served_jobs: list[tuple[str, asyncio.Future[Exchange]]] = []
        if self.o.check_served:
            seen: set[str] = set()
            for role in ENDPOINT_ROLES:
                url = endpoints.role(role)
                if fetchable(url) and url not in seen:
                    seen.add(str(url))
                    served_jobs.append((role, asyncio.ensure_future(
                        f.fetch(f"endpoint:{role}", str(url), after=after, note="served? read-only GET"))))
        auth_ex = await auth_task
        auth_doc = self.load("auth.md", auth_ex)
        block = (meta or {}).get("agent_auth")
        gaps = _gaps(auth_ex, attempts if prm is None else [], first, registration_known=isinstance(block, dict))
        listed = len(self.listed_servers(prm if prm_ex is not None and prm_ex.ok else None))

        def found(*, last: bool) -> Discovery:
            """What the walk knows; before the last step (`last=False`) without its answers."""
            skill = skill_job.result() if skill_job and last else None
            openid = openid_job.result() if openid_job and last else None
            if skill is not None:
                self.load("skill", skill)
            if openid is not None:
                self.load("openid", openid)
            profile, dialect = _generation([d for d in (auth_doc, self.docs.get("prm"), self.docs.get("as")) if d])
            answered = any(e.ok for e in f.exchanges)  # nothing fetched: nothing to call "no registration"
            # Nor when a document that could advertise registration was not read (SPEC §14 D13
            # needs the auth.md and the AS metadata to say so): an outage is not an answer.
            no_reg = (answered and not gaps and not isinstance(block, dict)
                      and not _documents_registration(auth_doc))
            if no_reg and profile is None:
                profile = "no-registration"
            return Discovery(
                target=t, exchanges=tuple(f.exchanges), auth_md=auth_ex, challenge=challenge,
                resource_metadata=rm, prm=prm_ex if prm_ex is not None and prm_ex.ok else None, prm_via=via,
                prm_identifier=identifier, challenge_after_prm=pending_challenge is not None,
                prm_attempts=tuple(attempts), servers=tuple(servers), openid=openid,
                skill=skill, jwks=jwks_job.result() if jwks_job and last else None,
                served=tuple((role, j.result()) for role, j in served_jobs) if last else (), endpoints=endpoints,
                documents={k: v for k, v in self.docs.items() if not k.startswith("prm-candidate:")},
                profile=profile, dialect=dialect, no_registration=no_reg, not_checkable=not_checkable,
                gaps=gaps, servers_listed=listed,
            )

        if self.o.before_last_step is not None:
            self.o.before_last_step(found(last=False))
        await asyncio.gather(*jobs, *(j for _, j in served_jobs))
        return found(last=True)


def _parse(role: str, ex: Exchange) -> Document:
    """The lint loader's parse of an exchange's body, its kind hinted by the role. Pure (it may
    run in a helper thread: WalkOptions.parse_auth_md_in)."""
    from authmd_cli.lint.loader import load_document
    from authmd_cli.protocol.model import DocKind

    kind = {"prm": DocKind.PRM, "as": DocKind.AS_METADATA, "auth.md": DocKind.AUTH_MD,
            "skill": DocKind.AUTH_MD}.get(role.split(":", 1)[0], DocKind.JSON)
    return load_document(ex.url, ex.body, kind=kind)


def root_url_of(t: Target) -> str:
    return insert_well_known(t.origin, PRM_SUFFIX)


def _gaps(auth_ex: Exchange, prm_attempts: Sequence[Exchange], first: AuthServer | None, *,
          registration_known: bool) -> tuple[Gap, ...]:
    """The documents the verdict needs that were not read, while nothing read shows registration:
    the auth.md, the PRM (when none was read; `prm_attempts` is then every URL tried) and the AS
    metadata agents use. Any of them could advertise registration; one that was not delivered
    (429, 5xx, no answer) or is an HTML page says neither yes nor no. Once the AS metadata shows
    an `agent_auth` block, what is offered is known and the rules report the rest."""
    if registration_known:
        return ()
    found = [gap_of("auth.md", auth_ex)]
    found += [gap_of("PRM", e) for e in prm_attempts]
    if first is not None and first.metadata is None:
        found += [gap_of("AS metadata", e) for e in first.attempts]
    return tuple(dict.fromkeys(g for g in found if g is not None))


def _documents_registration(doc: Document | None) -> bool:
    if doc is None or doc.auth is None:
        return False
    return doc.auth.section("register") is not None or doc.detection.profile not in (None, "no-registration")


def _generation(docs: Sequence[Document]) -> tuple[str | None, str | None]:
    """The newest profile any document shows (SPEC §14 D2) and the first dialect named."""
    from authmd_cli.protocol.profiles import LATEST, PROFILES

    best = None
    for d in docs:
        p = PROFILES.get(d.detection.profile or "")
        if p is not None and (best is None or p.order > best.order or (p.order == best.order and p.label == LATEST)):
            best = p
    dialect = next((d.detection.dialect for d in docs if d.detection.dialect), None)
    return (best.label if best else None), dialect


async def walk(target: Target, fetcher: Fetcher, options: WalkOptions | None = None) -> Discovery:
    """Run the discovery walk for `target` with `fetcher` (live or replay). Never raises for what
    a server does; every request is in `Discovery.exchanges`."""
    return await _Walk(target, fetcher, options or WalkOptions()).run()


def discover(target: str | Target, *, client: httpx.AsyncClient | None = None, limits: FetchLimits | None = None,
             deadline_s: float | None = 30.0, options: WalkOptions | None = None) -> Discovery:
    """Synchronous convenience: parse `target` and walk it live within `deadline_s` seconds.

    `client` is an `httpx.AsyncClient` made by `core.net.async_client` (inject one with a
    transport in tests); by default one is made and closed here. `limits` carries the per-request
    timeout, the body cap, the redirect limit and `allow_private`. Raises `UsageError` for a bad
    target; everything the network does is in the result."""
    import time

    from authmd_cli.core import net
    from authmd_cli.probe.fetch import LiveFetcher

    t = target if isinstance(target, Target) else parse_target(target)
    lim = limits or net.FetchLimits()

    async def go() -> Discovery:
        deadline = time.monotonic() + deadline_s if deadline_s is not None else None
        if client is not None:
            return await walk(t, LiveFetcher(client, lim, deadline=deadline), options)
        async with net.async_client(timeout=lim.timeout, max_bytes=lim.max_bytes) as own:
            return await walk(t, LiveFetcher(own, lim, deadline=deadline), options)

    from authmd_cli.core import aio

    return aio.run(go())
