"""`authmd lint --fix` / `--diff`: the safe, mechanical fixes, each tied to the rule that reports it.

* MD005 heading-style: each heading it names becomes the canonical `## Step N — Title` of its section;
* MD007 fence-language: an *untagged* fence whose content is strict JSON (an object or array) gets
  `json`; one whose first line is an HTTP request or status line gets `http`;
* XD002 issuer-mismatch, the normalisation warning only: the PRM's `authorization_servers[i]`
  becomes exactly the AS `issuer`.

A fix never changes meaning (docs/protocol.md D4, D18; §3.3): a heading keeps its section, a tag names
what the content already is, a URL changes only where normalisation says the two are the same. Each fix
replaces text inside one line; every other byte of the file (line endings, indentation, key order,
the rest of the line) is kept, so a second run finds nothing to fix.

Pure: the caller passes the documents, their texts and the diagnostics; the result is the new texts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from authmd_cli.core.diagnostics import Diagnostic, Severity
from authmd_cli.core.urls import compare
from authmd_cli.protocol.model import Document, Site

FIXABLE = ("MD005", "MD007", "XD002")


@dataclass(frozen=True)
class Edit:
    source: str
    line: int  # 1-based
    start: int  # 0-based column range within the line (without its line ending)
    end: int
    new: str
    code: str


_ATX = re.compile(r"^(?P<indent> {0,3})(?P<hashes>#{1,6})(?:[ \t]+|$)")


def _heading_edits(d: Diagnostic, lines: Sequence[str], doc: Document | None, profile: str | None) -> list[Edit]:
    """MD005 reports one finding per document (the other headings are `related`): each heading it names
    becomes the canonical heading of its own section, as the rule computes it."""
    from authmd_cli.lint.rules.structure import canonical_heading
    from authmd_cli.protocol.model import SECTION_TITLES
    from authmd_cli.protocol.profiles import LATEST, resolve

    if doc is None or doc.auth is None:
        return []
    prof = resolve(profile or LATEST)
    wanted = {loc.line for loc in (d.location, *d.related) if loc.line}
    out: list[Edit] = []
    for sec in doc.auth.sections:
        line = sec.heading.line
        if line not in wanted or not sec.section_id or not 0 < line <= len(lines):
            continue
        unnumbered = sec.section_id in ("errors", "revocation")
        canonical = SECTION_TITLES[sec.section_id]
        title = canonical if " ".join(sec.title.split()).casefold() == canonical.casefold() else sec.title
        want = canonical_heading(sec.section_id, prof, None if unnumbered else sec.step, title)
        text = lines[line - 1]
        atx = _ATX.match(text)
        if atx is None or want.split(" ", 1)[0] != atx.group("hashes"):
            continue  # not an ATX heading of that level (a setext heading, say): leave it
        out.append(Edit(d.location.source, line, len(atx.group("indent")), len(text.rstrip()), want, d.code))
    return out


_FENCE_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*$")


def _fence_kind(content: str) -> str | None:
    from authmd_cli.lint.rules.structure import looks_http

    text = content.strip()
    if text[:1] in "{[":
        try:
            value = json.loads(text)
        except ValueError:
            return None  # JSON-looking but broken: tagging it would only move the problem
        return "json" if isinstance(value, dict | list) else None
    return "http" if looks_http(content) else None


def _fence_edit(d: Diagnostic, lines: Sequence[str], doc: Document | None) -> Edit | None:
    line = d.location.line
    if doc is None or doc.auth is None or line is None or not 0 < line <= len(lines):
        return None
    fence = next((f for f in doc.auth.fences if f.line == line), None)
    m = _FENCE_OPEN.match(lines[line - 1])
    if fence is None or fence.info or m is None:
        return None  # only a missing tag is added; an existing tag is the author's
    kind = _fence_kind(fence.content)
    if kind is None:
        return None
    end = m.end("fence")
    return Edit(d.location.source, line, end, len(lines[line - 1]), kind, d.code)


def _issuer_edit(d: Diagnostic, lines: Sequence[str], doc: Document | None, site: Site | None) -> Edit | None:
    pointer = d.location.pointer or ""
    m = re.fullmatch(r"/authorization_servers/(\d+)", pointer)
    if d.severity is not Severity.WARNING or m is None or doc is None or doc.json is None or site is None:
        return None
    asm = site.as_metadata.json.value if site.as_metadata is not None and site.as_metadata.json else None
    issuer = asm.get("issuer") if isinstance(asm, dict) else None
    servers = doc.json.value.get("authorization_servers") if isinstance(doc.json.value, dict) else None
    index = int(m.group(1))
    if not isinstance(issuer, str) or not isinstance(servers, list) or index >= len(servers):
        return None
    old = servers[index]
    if not isinstance(old, str) or compare(old, issuer) != "normalised":
        return None  # only a difference normalisation erases is fixed
    pos = doc.json.position(pointer)
    if pos is None or not 0 < pos[0] <= len(lines):
        return None
    text = lines[pos[0] - 1]
    start = pos[1] - 1
    if text[start:start + 1] != '"':
        return None
    try:
        from json.decoder import scanstring  # type: ignore[attr-defined]

        decoded, end = scanstring(text, start + 1)
    except ValueError:
        return None
    if decoded != old:
        return None
    return Edit(d.location.source, pos[0], start, end, json.dumps(issuer, ensure_ascii=False), d.code)


def plan(diagnostics: Iterable[Diagnostic], texts: Mapping[str, str], documents: Mapping[str, Document],
         sites: Sequence[Site] = (), profiles: Mapping[str, str | None] | None = None) -> list[Edit]:
    """The edits for the fixable diagnostics (at most one per line; overlapping ones are dropped).
    `profiles`: each document's profile in the lint run (the report's), for canonical headings."""
    site_of = {s.prm.source: s for s in sites if s.prm is not None}
    edits: list[Edit] = []
    for d in diagnostics:
        source = d.location.source
        if d.code not in FIXABLE or source not in texts:
            continue
        lines = texts[source].splitlines()
        doc = documents.get(source)
        if d.code == "MD005":
            edits += _heading_edits(d, lines, doc, (profiles or {}).get(source))
            continue
        edit = _fence_edit(d, lines, doc) if d.code == "MD007" else _issuer_edit(d, lines, doc, site_of.get(source))
        if edit is not None:
            edits.append(edit)
    seen: set[tuple[str, int]] = set()
    unique: list[Edit] = []
    for e in sorted(edits, key=lambda e: (e.source, e.line, e.start)):
        if (e.source, e.line) not in seen:
            seen.add((e.source, e.line))
            unique.append(e)
    return unique


def apply(text: str, edits: Iterable[Edit]) -> str:
    """`text` with the edits made (each inside one line; line endings kept byte for byte)."""
    lines = text.splitlines(keepends=True)
    for e in sorted(edits, key=lambda e: (e.line, e.start), reverse=True):
        raw = lines[e.line - 1]
        body = raw.rstrip("\r\n")
        ending = raw[len(body):]
        lines[e.line - 1] = body[:e.start] + e.new + body[e.end:] + ending
    return "".join(lines)


def fixed_texts(texts: Mapping[str, str], edits: Sequence[Edit]) -> dict[str, str]:
    """source → new text, for every source an edit touches."""
    out: dict[str, str] = {}
    for source in dict.fromkeys(e.source for e in edits):
        out[source] = apply(texts[source], [e for e in edits if e.source == source])
    return out
