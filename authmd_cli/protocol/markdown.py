"""auth.md -> `AuthDoc` (markdown-it-py), with 1-based line numbers everywhere.

What it extracts and why (SPEC §3.2-§3.3, §14 D11, D12, D18; IN-THE-WILD P8):
- YAML front matter (`---` ... `---` at the very start) is parsed and skipped, keeping line
  numbers (static-site files carry it before the body);
- headings, and H2 sections with their H3/H4 children, each normalised to a canonical
  section id whatever the numbering style (`Step 1 — Discover`, `Step 1: Discover`,
  `## 1. Discover`, `## Discover`, ...);
- fenced blocks with their info string; ```json blocks parsed strictly (RFC 8259) with the
  line/column of a syntax error; ```http blocks split into request or response;
- tables (the Errors table is the agent's dispatch table) and HTML comments outside code
  (inline `authmd-` directives).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from authmd_cli.protocol.jsonpos import parse_json
from authmd_cli.protocol.model import (
    AuthDoc,
    Fence,
    Heading,
    HttpHeader,
    HttpMessage,
    JsonBlock,
    Section,
    Table,
)

_STEP_RE = re.compile(
    r"^step\s+(?P<step>\d+[a-z]?(?:-alt)?)\s*(?P<sep>—|–|-|:|\.)?\s*(?P<title>.*)$", re.IGNORECASE
)
_NUM_RE = re.compile(r"^(?P<step>\d+[a-z]?(?:-alt)?)[.)]\s+(?P<title>.+)$", re.IGNORECASE)
_SEP_STYLE = {"—": "step-emdash", "–": "step-dash", "-": "step-dash", ":": "step-colon", ".": "step-dot"}

# First significant word of a title -> section id (SPEC §14 D18).
_SECTION_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^discover"), "discover"),
    (re.compile(r"^(pick|choose|select|choosing|picking)\b.*method"), "pick-a-method"),
    (re.compile(r"^regist"), "register"),
    (re.compile(r"^claim"), "claim"),
    (re.compile(r"^(exchang|token\s+exchange)"), "exchange"),
    (re.compile(r"^(use|using)\b"), "use"),
    (re.compile(r"^errors?\b"), "errors"),
    (re.compile(r"^(revocation|revok|revoc)"), "revocation"),
)
_COMMENT_RE = re.compile(r"<!--(.*?)-->", re.DOTALL)
_REQUEST_RE = re.compile(r"^(?P<method>[A-Z]+)\s+(?P<target>\S+)(?:\s+(?P<version>HTTP/\d(?:\.\d)?))?\s*$")
_RESPONSE_RE = re.compile(r"^(?P<version>HTTP/\d(?:\.\d)?)\s+(?P<status>\d{3})(?:\s+(?P<reason>.*))?$")
_HEADER_RE = re.compile(r"^(?P<name>[!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(?P<value>.*)$")
_HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})


# Line breaks as markdown-it and editors count them (CommonMark §2.1: LF, CR LF, CR). Not
# `str.splitlines()`, which also splits at U+2028, U+0085, form feed and friends and would shift
# every later line number by one.
_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Lines of `text` split at LF, CR LF and CR only (a final line break adds no empty line)."""
    lines = _LINE_BREAK_RE.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


# Words that qualify a step without changing which step it is (`Optional claim ceremony`,
# `Handle revocation`, `Handling errors`): dropped before the name is matched (SPEC §14 D18).
_FILLER_RE = re.compile(
    r"^(?:(?:\(?optional\)?|optionally|handle|handling|how\s+to|the|your|an?|then|finally|next|now)[\s:,-]+)+")
# Reference material that merely mentions a step (`Appendix: discovery links`, `Discovery URLs`)
# is not that step.
_NOT_A_STEP_RE = re.compile(r"^(?:appendix|annex|see\s+also|related|references?\b|further\s+reading)"
                            r"|\b(?:links?|urls?|glossary|changelog)\s*$")


def section_id_for(title: str) -> str | None:
    low = title.strip().lower().lstrip("#*_ ").strip()
    if _NOT_A_STEP_RE.search(low):
        return None
    low = _FILLER_RE.sub("", low)
    for pattern, sid in _SECTION_WORDS:
        if pattern.search(low):
            return sid
    return None


def split_heading(text: str) -> tuple[str | None, str, str]:
    """(step, title, style) of a heading text."""
    m = _STEP_RE.match(text.strip())
    if m and m.group("title"):
        sep = m.group("sep") or ""
        return m.group("step"), m.group("title").strip(), _SEP_STYLE.get(sep, "step-space")
    m = _NUM_RE.match(text.strip())
    if m:
        return m.group("step"), m.group("title").strip(), "number"
    return None, text.strip(), "plain"


@dataclass
class _RawSection:
    heading: Heading
    children: list[Heading]


def _markdown_parser(*, inline: bool = True) -> Any:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("table")
    if not inline:
        # Block structure only: the core "inline" rule tokenises every paragraph's text, which is
        # most of the parse and which no rule reads. `_Inlines` runs it for the few tokens that
        # are read (headings, table cells, text that may hold an HTML comment).
        md.disable("inline")
    return md


_PARSERS: dict[tuple[bool, bool], Any] = {}


def _parser(inline: bool, setext: bool = True) -> Any:
    """The parser; `setext=False` leaves out the setext-heading rule (see `_may_have_setext`)."""
    md = _PARSERS.get((inline, setext))
    if md is None:
        md = _markdown_parser(inline=inline)
        if not setext:
            md.disable("lheading")
        _PARSERS[(inline, setext)] = md
    return md


# The end of a line a setext heading could be underlined with (CommonMark §4.3): the underline
# is the rest of its line from the first character after the indentation or container markers,
# `=` or `-` characters then only spaces and tabs to the line end.
_UNDERLINE_END_RE = re.compile(r"[-=][ \t]*$", re.MULTILINE)


def _may_have_setext(body: str) -> bool:
    """False when no line of `body` (line ends normalised to LF) can underline a setext heading.

    markdown-it tries its setext rule (`lheading`) before every paragraph, scanning the lines
    ahead for an underline and checking each against the rules that end a paragraph; the
    paragraph rule then scans them again: ~10 % of a block parse. Without a possible underline
    the rule fails every time, and a failing `lheading` pushes no token and moves no line. Its
    one trace is `state.parentType` left at "paragraph", which the paragraph rule, always next,
    saves and restores; markdown-it reads parentType only in the list rule's terminator check,
    and every rule that runs terminator checks sets parentType first. So leaving the rule out
    gives the same tokens (tests/protocol/test_load_shortcuts.py compares whole token streams).
    Most auth.md files have no such line (hr and front matter `---` lines do count)."""
    return _UNDERLINE_END_RE.search(body) is not None


# The inline rules `_Inlines.simple_children` reasons about (markdown-it's commonmark preset).
_SIMPLE_RULES = (("text", "newline", "escape", "backticks", "emphasis", "link", "image", "autolink", "html_inline",
                  "entity"), ("balance_pairs", "emphasis", "fragments_join"))
# Text in which no enabled inline rule but `text` starts (see `simple_children`).
_INERT_TEXT_RE = re.compile(r"(?:[^\n\\`*_\[!<&]|(?<=[A-Za-z0-9])_(?=[A-Za-z0-9]))*")


class _Inlines:
    """Children of `inline` tokens, parsed on first request when the block pass skipped them.

    Lazy mode gives each token exactly the children the full parse would (same parser, same
    `env`, so reference links defined anywhere in the file resolve; then the core `text_join`
    rule, the one core rule after "inline" in the commonmark preset). The property test in
    tests/protocol/test_markdown_lazy.py holds the two modes equal.
    """

    def __init__(self, md: Any, env: dict[str, Any], lazy: bool) -> None:
        self.md, self.env, self.lazy = md, env, lazy
        self.simple_ok = lazy and (tuple(md.inline.ruler.get_active_rules()),
                                   tuple(md.inline.ruler2.get_active_rules())) == _SIMPLE_RULES

    def children(self, tok: Any) -> list[Any]:
        if not self.lazy:
            return list(tok.children or [])
        if tok.children:  # parsed already (a token read twice)
            return list(tok.children)
        from markdown_it.rules_core.state_core import StateCore
        from markdown_it.rules_core.text_join import text_join

        tok.children = []
        self.md.inline.parse(tok.content, self.md, self.env, tok.children)
        text_join(StateCore(tok.content, self.md, self.env, [tok]))
        return list(tok.children)

    def plain(self, tok: Any) -> bool:
        """Lazy mode, and text without any character an inline rule starts at (markdown-it's own
        `terminator_re`): the inline parse would give one text token equal to the content."""
        return self.lazy and not self.md.inline.terminator_re.search(tok.content)

    def simple_children(self, tok: Any) -> list[tuple[str, str]] | None:
        """(type, content) of the children the inline parse would give, found without running
        it, when the content is only code spans in single backticks and inert text between them
        (`` `invalid_grant` ``, `` `/a`, `/b` ``, `service_auth`, `Step 4a-alt: ...`: most table
        cells and headings that hold markup); None otherwise, and in eager mode.

        Why it is the same, with exactly the commonmark inline rules (`_SIMPLE_RULES`):
        - text without any of ``\\n \\ ` * [ ! < &`` and `_` is pending text: every other
          character is either taken by the text rule or, being one of its terminators that no
          enabled rule starts at (`-`, `:`, `#`, ...), appended as one character of text;
        - a lone `_` between ASCII letters or digits is a delimiter that can neither open nor
          close (CommonMark §6.2), so it stays a text token that `fragments_join` merges back;
        - at a backtick only the backticks rule fires and, every run being one backtick, it
          closes at the next one; line ends in code become spaces, and one space is stripped from
          each side unless the code is all spaces.
        tests/protocol/test_load_shortcuts.py holds this to the parse."""
        if not self.simple_ok:
            return None
        content: str = tok.content
        pieces = content.split("`")
        last = len(pieces) - 1
        if last % 2:  # an odd number of backticks leaves one unmatched
            return None
        out: list[tuple[str, str]] = []
        for i, piece in enumerate(pieces):
            if i % 2:
                if not piece:  # "``": a run of two backticks
                    return None
                code = piece.replace("\n", " ")
                if code.startswith(" ") and code.endswith(" ") and code.strip(" "):
                    code = code[1:-1]
                out.append(("code_inline", code))
            elif piece:
                if not _INERT_TEXT_RE.fullmatch(piece):
                    return None
                out.append(("text", piece))
            elif 0 < i < last:  # "`a``b`": two backticks in one run
                return None
        return out

    def comments_possible(self, tok: Any) -> bool:
        """Whether an inline token can hold an `html_inline` comment (only then is it parsed)."""
        return "<!--" in tok.content if self.lazy else bool(tok.children)


def _front_matter(lines: list[str]) -> tuple[dict[str, Any] | None, str | None, int]:
    """(parsed, error, number of lines it occupies). SPEC §14 D11: skipped before the H1."""
    if not lines or lines[0].rstrip() != "---":
        return None, None, 0
    for i in range(1, min(len(lines), 500)):
        if lines[i].rstrip() in ("---", "..."):
            import yaml

            raw = "\n".join(lines[1:i])
            try:
                loaded = yaml.safe_load(raw) if raw.strip() else {}
            except yaml.YAMLError as exc:
                return None, f"front matter is not valid YAML: {str(exc).splitlines()[0]}", i + 1
            if loaded is None:
                loaded = {}
            if not isinstance(loaded, dict):
                return None, "front matter is not a YAML mapping", i + 1
            return {str(k): v for k, v in loaded.items()}, None, i + 1
    return None, None, 0


def parse_auth_md(text: str, *, lazy_inline: bool = True) -> AuthDoc:
    """The document model of `text`. Inline content is parsed only where the model reads it
    (headings, table cells, HTML comments); `lazy_inline=False` parses every paragraph first,
    as markdown-it does by default, and gives the same model (kept for the equivalence test)."""
    lines = split_lines(text)
    fm, fm_error, fm_len = _front_matter(lines)
    # Blank out the front matter instead of cutting it, so token line numbers stay true.
    body = "\n".join(([""] * fm_len) + lines[fm_len:])
    # The eager mode keeps the full parser, so the lazy/eager equivalence test covers both.
    md = _parser(inline=not lazy_inline, setext=not lazy_inline or _may_have_setext(body))
    env: dict[str, Any] = {}
    tokens = md.parse(body, env)
    inlines = _Inlines(md, env, lazy_inline)

    headings: list[Heading] = []
    fences: list[tuple[Any, str | None, str | None]] = []  # token, section, subsection
    code_lines: set[int] = set(range(1, fm_len + 1))
    comments: list[tuple[int, str]] = []
    tables: list[Table] = []
    current_h2: str | None = None
    current_sub: str | None = None

    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            inline = tokens[i + 1]
            level = int(tok.tag[1])
            line = tok.map[0] + 1
            htext = _inline_text(inline, inlines)
            raw = lines[line - 1] if line - 1 < len(lines) else htext
            headings.append(Heading(level, htext, line, raw))
            if level <= 2:
                current_h2 = section_id_for(split_heading(htext)[1]) if level == 2 else None
                current_sub = None
            else:
                current_sub = split_heading(htext)[1]
        elif tok.type == "fence":
            fences.append((tok, current_h2, current_sub))
            start, end = tok.map
            code_lines.update(range(start + 1, end + 1))
        elif tok.type == "code_block":
            start, end = tok.map
            code_lines.update(range(start + 1, end + 1))
        elif tok.type == "html_block":
            base = tok.map[0] + 1
            for m in _COMMENT_RE.finditer(tok.content):
                comments.append((base + tok.content.count("\n", 0, m.start()), m.group(1).strip()))
        elif tok.type == "inline" and inlines.comments_possible(tok):
            base = tok.map[0] + 1 if tok.map else 1
            for child in inlines.children(tok):
                if child.type == "html_inline":
                    cm = _COMMENT_RE.match(child.content)
                    if cm:
                        comments.append((base, cm.group(1).strip()))
        elif tok.type == "table_open":
            table, i = _read_table(tokens, i, current_h2, inlines)
            tables.append(table)
            continue
        i += 1

    total = len(lines)
    sections = _build_sections(headings, total)
    fence_models = tuple(_fence(tok, sec, sub) for tok, sec, sub in fences)
    json_blocks = tuple(_json_block(f) for f in fence_models if f.lang == "json")
    http = tuple(_http_message(f) for f in fence_models if f.lang == "http")

    first_h2 = next((h for h in headings if h.level == 2), None)
    # The intro runs from the title (or the start of the body when the file has no H1 above its
    # first section, e.g. front matter supplies the title, SPEC §3.6) to the first H2.
    h1 = next((h for h in headings if h.level == 1 and (first_h2 is None or h.line < first_h2.line)), None)
    intro_start = h1.line + 1 if h1 else fm_len + 1
    intro_end = first_h2.line - 1 if first_h2 else total
    intro_lines = [
        lines[n - 1] for n in range(intro_start, intro_end + 1) if n not in code_lines and n - 1 < total
    ]
    return AuthDoc(
        text=text,
        lines=tuple(lines),
        front_matter=fm,
        front_matter_error=fm_error,
        body_start_line=fm_len + 1,
        headings=tuple(headings),
        sections=sections,
        intro="\n".join(intro_lines).strip(),
        intro_line=intro_start,
        fences=fence_models,
        json_blocks=json_blocks,
        http_messages=http,
        tables=tuple(tables),
        code_lines=frozenset(code_lines),
        comments=tuple(comments),
    )


def _inline_text(inline: Any, inlines: _Inlines) -> str:
    if inlines.plain(inline):  # most table cells and headings: nothing to parse
        return str(inline.content).strip()
    children = inlines.simple_children(inline)  # most of the others: code spans
    if children is None:
        children = [(c.type, c.content) for c in inlines.children(inline)]
    if not children:
        return str(inline.content).strip()
    # Soft/hard breaks (a multi-line setext heading) become spaces, not nothing.
    parts = [" " if kind in ("softbreak", "hardbreak") else text
             for kind, text in children if kind in ("text", "code_inline", "html_inline", "softbreak", "hardbreak")]
    parts = [p for p in parts if not p.startswith("<!--")]
    return "".join(parts).strip()


def _read_table(tokens: list[Any], i: int, section: str | None, inlines: _Inlines) -> tuple[Table, int]:
    line = tokens[i].map[0] + 1 if tokens[i].map else 0
    rows: list[tuple[str, ...]] = []
    row_lines: list[int] = []
    cells: list[str] = []
    row_line = line
    header: tuple[str, ...] = ()
    in_head = False
    while i < len(tokens) and tokens[i].type != "table_close":
        tok = tokens[i]
        if tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open":
            cells = []
            row_line = tok.map[0] + 1 if tok.map else row_line
        elif tok.type == "inline":
            cells.append(_inline_text(tok, inlines))
        elif tok.type == "tr_close":
            if in_head:
                header = tuple(cells)
            else:
                rows.append(tuple(cells))
                row_lines.append(row_line)
        i += 1
    return Table(header, tuple(rows), line, tuple(row_lines), section), i + 1


def _build_sections(headings: list[Heading], total: int) -> tuple[Section, ...]:
    raw: list[_RawSection] = []
    for h in headings:
        if h.level == 1:
            continue
        if h.level == 2:
            raw.append(_RawSection(h, []))
        elif raw:
            raw[-1].children.append(h)
    out: list[Section] = []
    for n, rs in enumerate(raw):
        end = raw[n + 1].heading.line - 1 if n + 1 < len(raw) else total
        step, title, style = split_heading(rs.heading.text)
        kids: list[Section] = []
        for k, child in enumerate(rs.children):
            cend = rs.children[k + 1].line - 1 if k + 1 < len(rs.children) else end
            cstep, ctitle, cstyle = split_heading(child.text)
            kids.append(Section(child, None, cstep, ctitle, cstyle, cend))
        out.append(Section(rs.heading, section_id_for(title), step, title, style, end, tuple(kids)))
    return tuple(out)


def _fence(tok: Any, section: str | None, sub: str | None) -> Fence:
    start, end = tok.map  # 0-based [start, end)
    info = (tok.info or "").strip()
    lang = info.split()[0].lower() if info else ""
    # A fence's info may carry attributes: ```json {title=...} or ```json title="x"
    lang = lang.split("{")[0]
    return Fence(info=info, lang=lang, content=tok.content, line=start + 1, content_line=start + 2,
                 end_line=end, section=section, subsection=sub)


def _json_block(fence: Fence) -> JsonBlock:
    doc, err = parse_json(fence.content, line_offset=fence.content_line - 1)
    return JsonBlock(fence, doc, err)


def _http_message(fence: Fence) -> HttpMessage:
    """Split an ```http block (SPEC §3.3): start line, headers, blank line, body."""
    lines = split_lines(fence.content)
    n = 0
    while n < len(lines) and not lines[n].strip():
        n += 1
    if n == len(lines):
        return HttpMessage(fence, "invalid", error="empty http block", error_line=fence.line)
    first = lines[n].strip()
    first_line = fence.content_line + n
    req = _REQUEST_RE.match(first)
    resp = _RESPONSE_RE.match(first)
    if resp:
        kind = "response"
    elif req and req.group("method") in _HTTP_METHODS:
        kind = "request"
    else:
        return HttpMessage(fence, "invalid",
                           error=f"first line {first[:60]!r} is neither a request line (`METHOD /path`) "
                                 "nor a status line (`HTTP/1.1 200 OK`)",
                           error_line=first_line)
    headers: list[HttpHeader] = []
    n += 1
    while n < len(lines) and lines[n].strip():
        m = _HEADER_RE.match(lines[n].strip())
        if not m:
            # A body right after the start line without the blank separator.
            if lines[n].lstrip().startswith(("{", "[")):
                break
            return HttpMessage(fence, "invalid", error=f"malformed header line {lines[n].strip()[:60]!r}",
                               error_line=fence.content_line + n)
        headers.append(HttpHeader(m.group("name"), m.group("value").strip(), fence.content_line + n))
        n += 1
    while n < len(lines) and not lines[n].strip():
        n += 1
    body_lines = lines[n:]
    body = "\n".join(body_lines).strip()
    body_line = fence.content_line + n if body else None
    json_body: JsonBlock | None = None
    form: tuple[tuple[str, str], ...] | None = None
    if body and body[0] in "{[":
        doc, err = parse_json("\n".join(body_lines), line_offset=fence.content_line + n - 1)
        json_body = JsonBlock(fence, doc, err)
    elif body and "=" in body:
        # Forms are written over several lines, continuation lines starting with `&` (SPEC §3.3).
        joined = "".join(part.strip() for part in body_lines)
        form = tuple(parse_qsl(joined, keep_blank_values=True))
    common: dict[str, Any] = dict(headers=tuple(headers), body=body, body_line=body_line,
                                  json_body=json_body, form=form)
    if kind == "response":
        assert resp is not None
        return HttpMessage(fence, "response", version=resp.group("version"), status=int(resp.group("status")),
                           reason=(resp.group("reason") or "").strip() or None, **common)
    assert req is not None
    return HttpMessage(fence, "request", method=req.group("method"), target=req.group("target"),
                       version=req.group("version"), **common)
