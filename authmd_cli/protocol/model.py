"""The parsed, immutable model every rule reads. Loaders build it; rules never do I/O.

`Document` is one input (an auth.md, a PRM or an AS metadata document); `Site` groups the
three artefacts of one service so cross-document rules can compare them.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class DocKind(enum.Enum):
    AUTH_MD = "auth.md"
    PRM = "protected-resource-metadata"
    AS_METADATA = "authorization-server-metadata"
    JSON = "json"  # JSON we could not classify as PRM or AS metadata
    UNKNOWN = "unknown"  # unreadable / unparseable input


# ---------------------------------------------------------------- JSON


@dataclass(frozen=True, slots=True)
class JsonSyntaxError:
    message: str
    line: int  # 1-based, in the coordinates of the containing file
    column: int  # 1-based
    hint: str | None = None  # when the syntax is fine but a value is not: the fix (else the rule's hint)


Position = tuple[int, int]  # 1-based (line, column)
# (positions, key_positions) of a JSON text, computed on demand (see JsonDoc).
PositionTables = tuple[dict[str, Position], dict[str, Position]]


@dataclass(frozen=True, init=False, eq=False)
class JsonDoc:
    """A strictly parsed JSON value with the position of every member.

    `positions` maps an RFC 6901 pointer ("" for the root, "/agent_auth/skill") to the
    1-based (line, column) of the member's *value*; `key_positions` maps it to the position
    of the member's key (where that is the better place to point, e.g. an unknown key).

    Built either with both tables, or (by `jsonpos.parse_json`) with `locate`, which computes
    them: most JSON is never asked for a position (no finding points into it), so the scan runs
    on the first `position()` / `positions` / `key_positions` access and its result is kept.
    Immutable like the rest of the model; equal when value and positions are.
    """

    value: Any
    _tables: PositionTables | None = field(init=False, default=None, repr=False)
    _locate: Callable[[], PositionTables] | None = field(init=False, default=None, repr=False)

    def __init__(self, value: Any, positions: dict[str, Position] | None = None,
                 key_positions: dict[str, Position] | None = None, *,
                 locate: Callable[[], PositionTables] | None = None) -> None:
        object.__setattr__(self, "value", value)
        if locate is not None and positions is None and key_positions is None:
            object.__setattr__(self, "_locate", locate)
        else:
            object.__setattr__(self, "_tables", ({} if positions is None else positions,
                                                 {} if key_positions is None else key_positions))

    def _get_tables(self) -> PositionTables:
        tables = self._tables
        if tables is None:
            locate = self._locate
            tables = locate() if locate is not None else ({}, {})
            # Frozen: the cache is set once, like a field computed late. Two threads racing here
            # compute the same tables; either result is right.
            object.__setattr__(self, "_tables", tables)
            object.__setattr__(self, "_locate", None)  # drop the source text it holds
        return tables

    @property
    def positions(self) -> dict[str, Position]:
        return self._get_tables()[0]

    @property
    def key_positions(self) -> dict[str, Position]:
        return self._get_tables()[1]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, JsonDoc):
            return NotImplemented
        return bool(self.value == other.value) and self._get_tables() == other._get_tables()

    __hash__ = None  # type: ignore[assignment]  # mutable dict members, as before

    def position(self, pointer: str, *, key: bool = False) -> Position | None:
        """Position of `pointer`, falling back to the nearest ancestor that has one."""
        table = self.key_positions if key else self.positions
        p = pointer
        while True:
            if p in table:
                return table[p]
            if key and p in self.positions:
                return self.positions[p]
            if not p:
                return None
            p = p.rsplit("/", 1)[0]


# ---------------------------------------------------------------- Markdown


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str  # inline text, markup stripped
    line: int  # 1-based line of the heading
    raw: str  # the source line as written


# Canonical section ids (SPEC §3.2, §14 D18), in document order.
SECTION_ORDER: tuple[str, ...] = (
    "discover",
    "pick-a-method",
    "register",
    "claim",
    "exchange",
    "use",
    "errors",
    "revocation",
)

SECTION_TITLES: dict[str, str] = {
    "discover": "Discover",
    "pick-a-method": "Pick a method",
    "register": "Register",
    "claim": "Claim ceremony",
    "exchange": "Exchange the assertion",
    "use": "Use the access_token",
    "errors": "Errors",
    "revocation": "Revocation",
}


@dataclass(frozen=True, slots=True)
class Section:
    """An H2 (or the H3/H4 below it) with its normalised name.

    `style` is how the heading is numbered: "step-emdash" (canonical `Step 1 — X`), "step-dash",
    "step-colon", "step-dot", "number" (`1. X`), "plain" (`X`).
    """

    heading: Heading
    section_id: str | None  # one of SECTION_ORDER, or None when not a protocol section
    step: str | None  # "1", "4a", "4a-alt" … as written, or None
    title: str  # heading text without the step prefix
    style: str
    end_line: int  # last line that belongs to the section (inclusive)
    children: tuple[Section, ...] = ()


@dataclass(frozen=True, slots=True)
class Fence:
    info: str  # the whole info string
    lang: str  # first word of the info string, lower-cased ("" when none)
    content: str
    line: int  # line of the opening fence
    content_line: int  # first content line
    end_line: int  # line of the closing fence (or last line if unclosed)
    section: str | None  # section_id of the enclosing H2
    subsection: str | None  # text of the enclosing H3/H4 title, when any


@dataclass(frozen=True, slots=True)
class JsonBlock:
    fence: Fence
    doc: JsonDoc | None  # None when the block is not strict JSON
    error: JsonSyntaxError | None


@dataclass(frozen=True, slots=True)
class HttpHeader:
    name: str
    value: str
    line: int


@dataclass(frozen=True, slots=True)
class HttpMessage:
    """A ```http block split into request or response (SPEC §3.3)."""

    fence: Fence
    kind: str  # "request" | "response" | "invalid"
    method: str | None = None
    target: str | None = None  # request target as written (path or absolute URL)
    version: str | None = None
    status: int | None = None
    reason: str | None = None
    headers: tuple[HttpHeader, ...] = ()
    body: str = ""
    body_line: int | None = None
    json_body: JsonBlock | None = None  # when the body is JSON (strict parse)
    form: tuple[tuple[str, str], ...] | None = None  # when the body is a form
    error: str | None = None  # why kind == "invalid"
    error_line: int | None = None

    def header(self, name: str) -> str | None:
        low = name.lower()
        for h in self.headers:
            if h.name.lower() == low:
                return h.value
        return None


@dataclass(frozen=True, slots=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    line: int  # line of the header row
    row_lines: tuple[int, ...]
    section: str | None


@dataclass(frozen=True)
class AuthDoc:
    """The Markdown model of an auth.md file."""

    text: str
    lines: tuple[str, ...]
    front_matter: dict[str, Any] | None
    front_matter_error: str | None
    body_start_line: int  # first line after front matter
    headings: tuple[Heading, ...]
    sections: tuple[Section, ...]  # H2 sections (with children), in order
    intro: str  # text between the first H1 (or the start) and the first H2
    intro_line: int
    fences: tuple[Fence, ...]
    json_blocks: tuple[JsonBlock, ...]
    http_messages: tuple[HttpMessage, ...]
    tables: tuple[Table, ...]
    code_lines: frozenset[int]  # lines inside fenced/indented code (excluded from prose checks)
    comments: tuple[tuple[int, str], ...]  # (line, text) of HTML comments outside code

    @property
    def h1s(self) -> tuple[Heading, ...]:
        return tuple(h for h in self.headings if h.level == 1)

    def section(self, section_id: str) -> Section | None:
        for s in self.sections:
            if s.section_id == section_id:
                return s
        return None

    def prose_lines(self) -> list[tuple[int, str]]:
        """(line, text) of every line outside code and front matter."""
        return list(self._prose)

    @functools.cached_property
    def _prose(self) -> tuple[tuple[int, str], ...]:
        # A dozen rules walk the prose of each document: selected once (the document is immutable;
        # cached_property writes the instance __dict__, which a frozen dataclass without slots has).
        return tuple(
            (i, text)
            for i, text in enumerate(self.lines, start=1)
            if i >= self.body_start_line and i not in self.code_lines
        )


# ---------------------------------------------------------------- Detection


@dataclass(frozen=True, slots=True)
class Evidence:
    """One fingerprint hit (SPEC §1.3): which profile it points to and where it was seen."""

    profile: str
    signal: str  # e.g. "agent_auth.register_uri", "claim-grant URN", "/claim body type login_hint"
    line: int | None = None
    pointer: str | None = None

    def describe(self) -> str:
        where = f" (line {self.line})" if self.line else (f" ({self.pointer})" if self.pointer else "")
        return f"{self.profile}: {self.signal}{where}"


@dataclass(frozen=True)
class Detection:
    profile: str | None  # detected label (SPEC §14 D1) or None = no signal ("unknown")
    evidence: tuple[Evidence, ...] = ()
    mixed: bool = False  # carries the names of two generations (SPEC §14 D2)
    dialect: str | None = None  # IN-THE-WILD §3 label, None for WorkOS's own vocabulary
    dialect_evidence: tuple[str, ...] = ()
    not_protocol: str | None = None  # a name collision (IN-THE-WILD §3): why it is not ours


# ---------------------------------------------------------------- Documents


@dataclass(frozen=True)
class Document:
    source: str  # display name: a path as given, "<stdin>", or a URL
    kind: DocKind
    text: str
    auth: AuthDoc | None = None
    json: JsonDoc | None = None
    json_error: JsonSyntaxError | None = None
    detection: Detection = field(default_factory=lambda: Detection(profile=None))
    read_error: str | None = None  # undecodable bytes etc.: reported by a tool rule
    read_error_at: tuple[int, int] | None = None  # 1-based (line, column) of the undecodable byte
    internal_error: str | None = None  # a bug while loading (e.g. in detection): TL006, exit 2


@dataclass(frozen=True)
class Site:
    """The artefacts of one service linted together (a site directory, or files given together)."""

    root: str
    auth_md: Document | None = None
    prm: Document | None = None
    as_metadata: Document | None = None
