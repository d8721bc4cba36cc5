"""Inline directives in auth.md HTML comments (outside code), markdownlint / pymarkdown style.

    <!-- authmd-disable-next-line CODE[, CODE…] -->   the line after the comment
    <!-- authmd-disable-line CODE… -->                 the comment's own line (end of a line)
    <!-- authmd-disable CODE… --> … <!-- authmd-enable CODE… -->   a region (to EOF if unclosed)
    <!-- authmd-disable-file [CODE…] -->               the whole file

No codes means every rule. Codes may be rule codes (`MD005`) or names (`section-order`).
A directive that is malformed or names an unknown rule is TL004 invalid-directive; a code in a
disable directive that suppressed nothing is TL005 unused-directive (a bare
`authmd-disable-file` is never "unused"). Diagnostics without a line are suppressed only by
`authmd-disable-file`. Everything here is pure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from authmd_cli.core.diagnostics import Diagnostic, Location, Severity
from authmd_cli.core.suggest import did_you_mean
from authmd_cli.lint.rule_refs import UnknownRuleError, resolve_rule_ref
from authmd_cli.protocol.model import Document

NEXT_LINE = "disable-next-line"
SAME_LINE = "disable-line"
DISABLE = "disable"
ENABLE = "enable"
FILE = "disable-file"
KINDS = (NEXT_LINE, SAME_LINE, DISABLE, ENABLE, FILE)
INVALID_DIRECTIVE = "TL004"
UNUSED_DIRECTIVE = "TL005"

_DIRECTIVE_RE = re.compile(r"^authmd-(?P<kind>[A-Za-z-]*)(?P<rest>(?:\s.*)?)$", re.DOTALL)
_TOKEN_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Directive:
    kind: str  # one of KINDS, or "" when the directive word itself is unknown
    line: int  # line of the comment
    end_line: int  # last line of the comment (a disable-next-line applies to end_line + 1)
    codes: tuple[str, ...]  # resolved rule codes, as written order, duplicates removed
    all_rules: bool  # no codes written: every rule
    problems: tuple[str, ...] = ()  # TL004 messages (unknown word, bad token, unknown rule)

    def concerns(self, code: str) -> bool:
        return self.all_rules or code in self.codes

    @property
    def label(self) -> str:
        return f"authmd-{self.kind}"


def _strip_comment(text: str) -> str:
    body = text.strip()
    body = body.removeprefix("<!--").removesuffix("-->")
    return body.strip()


def parse_directive(line: int, text: str) -> Directive | None:
    """One comment -> a Directive, or None when the comment is not an `authmd-` directive."""
    body = _strip_comment(text)
    m = _DIRECTIVE_RE.match(body)
    if m is None:
        return None
    end_line = line + text.strip().count("\n")
    kind = m.group("kind").lower()
    if kind not in KINDS:
        word = f"authmd-{m.group('kind')}"
        hint = did_you_mean(word, [f"authmd-{k}" for k in KINDS])
        return Directive("", line, end_line, (), False, (f"unknown directive {word!r}{hint}",))
    tokens = [t for t in re.split(r"[\s,]+", m.group("rest")) if t]
    codes: list[str] = []
    problems: list[str] = []
    for token in tokens:
        if not _TOKEN_RE.match(token):
            problems.append(f"malformed rule reference {token!r} in authmd-{kind}")
            continue
        try:
            codes.append(resolve_rule_ref(token))
        except UnknownRuleError as err:
            problems.append(f"{err} in authmd-{kind}")
    return Directive(kind, line, end_line, tuple(dict.fromkeys(codes)), not tokens, tuple(problems))


def parse_directives(comments: Iterable[tuple[int, str]]) -> list[Directive]:
    """Every `authmd-` directive among (line, text) comments, in line order."""
    found = [d for line, text in comments if (d := parse_directive(line, text)) is not None]
    return sorted(found, key=lambda d: d.line)


# ------------------------------------------------------------------ applying


Credit = tuple[int, str | None]  # (directive index, code credited; None for an all-rules directive)


def _credit(directive: Directive, idx: int, code: str) -> Credit:
    return (idx, None if directive.all_rules else code)


class _Matcher:
    """Finds the directive (if any) that suppresses a diagnostic."""

    def __init__(self, directives: Sequence[Directive]) -> None:
        self.directives = directives
        # Region directives in document order; the last one at or before a line that concerns
        # a code decides whether that code is disabled there.
        self.regions = [(i, d) for i, d in enumerate(directives) if d.kind in (DISABLE, ENABLE)]

    def match(self, diag: Diagnostic, *, exclude: int | None = None) -> Credit | None:
        code, line = diag.code, diag.location.line
        ds = self.directives
        if line is not None:
            for i, d in enumerate(ds):
                if i == exclude or not d.concerns(code):
                    continue
                target = d.end_line + 1 if d.kind == NEXT_LINE else d.line if d.kind == SAME_LINE else None
                if target == line:
                    return _credit(d, i, code)
            decided: tuple[int, Directive] | None = None
            for i, d in self.regions:
                if d.line > line:
                    break
                if i != exclude and d.concerns(code):
                    decided = (i, d)
            if decided is not None and decided[1].kind == DISABLE:
                return _credit(decided[1], decided[0], code)
        # Specific file directives first, so they are the ones credited.
        for i, d in sorted(enumerate(ds), key=lambda p: p[1].all_rules):
            if i != exclude and d.kind == FILE and d.concerns(code):
                return _credit(d, i, code)
        return None


def _end_line(doc: Document, d: Directive) -> int:
    """The comment's real last line. The parser hands over the stripped inside of the comment,
    whose line count is only a lower bound, so look for the closing `-->` from there."""
    lines = doc.auth.lines if doc.auth is not None else ()
    for n in range(d.end_line, min(len(lines), d.end_line + 200) + 1):
        if "-->" in lines[n - 1]:
            return n
    return d.end_line


def _column(doc: Document, line: int) -> int | None:
    lines = doc.auth.lines if doc.auth is not None else ()
    if 1 <= line <= len(lines):
        col = lines[line - 1].find("<!--")
        return col + 1 if col >= 0 else None
    return None


def _tool_diag(code: str, doc: Document, line: int, message: str, hint: str, *,
               severity: Mapping[str, Severity]) -> Diagnostic:
    from authmd_cli.lint.rules import REGISTRY

    rule = REGISTRY[code]
    level = severity.get(rule.code) or severity.get(rule.name) or rule.severity
    return Diagnostic(rule.code, rule.name, level, message, Location(doc.source, line, _column(doc, line)), hint)


def _enable_problems(directives: Sequence[Directive]) -> list[tuple[int, str]]:
    """`authmd-enable` that re-enables nothing: there is no open disable for its codes."""
    out: list[tuple[int, str]] = []
    all_off = False
    off: set[str] = set()
    for d in directives:
        if d.kind == DISABLE:
            if d.all_rules:
                all_off, off = True, set()
            else:
                off.update(d.codes)
        elif d.kind == ENABLE:
            if d.all_rules:
                if not all_off and not off:
                    out.append((d.line, "authmd-enable has no authmd-disable above it"))
                all_off, off = False, set()
            else:
                stray = [c for c in d.codes if not all_off and c not in off]
                if stray:
                    out.append((d.line, f"authmd-enable {', '.join(stray)} has no matching authmd-disable "
                                        "above it"))
                off.difference_update(d.codes)
    return out


def _unused(directives: Sequence[Directive], used: set[Credit],
            is_active: Callable[[str], bool]) -> list[tuple[int, int, str]]:
    """(directive index, line, message) for each disable code that suppressed nothing."""
    out: list[tuple[int, int, str]] = []
    for i, d in enumerate(directives):
        if d.kind in ("", ENABLE) or (d.problems and not d.codes):
            continue
        if d.all_rules:
            if d.kind != FILE and (i, None) not in used:
                out.append((i, d.line, f"{d.label} (all rules) suppressed nothing"))
            continue
        for code in d.codes:
            if (i, code) not in used and is_active(code):
                out.append((i, d.line, f"{d.label} {code} suppressed nothing"))
    return out


def apply_suppressions(doc: Document, diagnostics: Sequence[Diagnostic], *,
                       is_active: Callable[[str], bool] | None = None,
                       severity: Mapping[str, Severity] | None = None) -> list[Diagnostic]:
    """The diagnostics the directives in `doc` keep, plus TL004/TL005 for the directives.

    Only diagnostics located in `doc` are candidates; others pass through untouched.
    `is_active(code)` says whether a rule is reported for this document at all (select, ignore,
    per-file-ignores): a directive naming an inactive rule is not reported as unused, and
    TL004/TL005 are only emitted when active themselves. `severity` is the configured override
    map (code or name -> Severity) for TL004/TL005; default: the registry's severity.
    TL004/TL005 are themselves suppressible (e.g. `<!-- authmd-disable-file TL005 -->`), but
    never by the directive they are about.
    """
    if doc.auth is None or not doc.auth.comments:
        return list(diagnostics)
    parsed = parse_directives(doc.auth.comments)
    if not parsed:
        return list(diagnostics)
    directives = [Directive(d.kind, d.line, _end_line(doc, d), d.codes, d.all_rules, d.problems)
                  for d in parsed]
    active = is_active or (lambda _code: True)
    levels = severity or {}
    matcher = _Matcher(directives)

    kept: list[Diagnostic] = []
    used: set[Credit] = set()
    for diag in diagnostics:
        credit = matcher.match(diag) if diag.location.source == doc.source else None
        if credit is None:
            kept.append(diag)
        else:
            used.add(credit)

    invalid = [
        _tool_diag(INVALID_DIRECTIVE, doc, d.line, problem,
                   "use a rule code or name (`authmd lint --list-rules`) in a known directive", severity=levels)
        for d in directives for problem in d.problems
    ] + [
        _tool_diag(INVALID_DIRECTIVE, doc, line, message, "remove the authmd-enable or add the disable",
                   severity=levels)
        for line, message in _enable_problems(directives)
    ] if active(INVALID_DIRECTIVE) else []
    report_unused = active(UNUSED_DIRECTIVE)
    # TL005 depends on what was used, and a directive may suppress another's TL005: iterate
    # to a fixed point (`used` only grows, so this ends).
    while True:
        unused = _unused(directives, used, active) if report_unused else []
        meta = [(None, d) for d in invalid] + [
            (i, _tool_diag(UNUSED_DIRECTIVE, doc, line, message, "remove the directive or the code",
                           severity=levels))
            for i, line, message in unused
        ]
        meta_kept: list[Diagnostic] = []
        grew = False
        for owner, diag in meta:
            credit = matcher.match(diag, exclude=owner)
            if credit is None:
                meta_kept.append(diag)
            elif credit not in used:
                used.add(credit)
                grew = True
        if not grew:
            return kept + meta_kept
