"""Human output in the ruff/eslint style; rich (imported only here) only when colouring.

    auth.md:3:1: MD001 missing-h1 [error] the document has no H1 heading
        hint: add `# Service name` as the first heading

    auth.md: profile v0.7-B (detected)
    1 error, 0 warnings, 0 infos in 1 document

The first line of a finding is `path:line:col:` so editors and terminals can jump to it.
Without colour the output is byte-stable (golden tests) and never wrapped: one finding is
one greppable line however long.

Without colour (a pipe, CI logs, NO_COLOR, --no-color: the common case) the runs are joined as
plain strings: importing rich costs ~25 ms of a one-file lint (bench/startup.py). That output is
byte-identical to what rich prints with colour off (tests/render compare the two): rich only adds
the final newline, except that it rewrites some tabs as spaces (tab stops by cell width), so text
holding a tab still goes through rich rather than re-implementing its cell widths here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, TextIO

from authmd_cli.core.diagnostics import Diagnostic, DocumentInfo, Report, Severity
from authmd_cli.core.display import printable
from authmd_cli.render._common import plural, pointer_note

if TYPE_CHECKING:
    from rich.console import Console

    from authmd_cli.core.diagnostics import RuleInfo

# Findings quote values from documents we did not write (probe fetches them from the network):
# show control characters instead of letting an ESC sequence drive the user's terminal.
# Newline and tab stay; newlines become indented continuation lines.
_SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.INFO: "bold blue"}
_INDENT = "    "
# DocumentInfo.profile_origin -> what the summary says in parentheses.
_ORIGIN_TEXT = {"detected": "detected", "pinned": "pinned", "site": "from the site's other documents",
                "default": "assumed: nothing detected"}
# Not a TTY: never wrap. soft_wrap already prevents wrapping; a huge width also keeps rich from
# asking the OS for a terminal size that does not exist.
_NO_TTY_WIDTH = 1 << 20


def _visible(text: str) -> str:
    return printable(text.replace("\r\n", "\n"))


def should_color(stream: TextIO, environ: Mapping[str, str], color: bool | None = None) -> bool:
    """Colour decision: the explicit flag, else NO_COLOR, FORCE_COLOR, TERM=dumb, else is-a-TTY.

    NO_COLOR follows no-color.org: present and non-empty (whatever the value) disables colour,
    and it wins over FORCE_COLOR (the user's preference beats a CI default). FORCE_COLOR
    non-empty forces colour, except the conventional off values "0" and "false".
    """
    if color is not None:
        return color
    if environ.get("NO_COLOR", ""):
        return False
    force = environ.get("FORCE_COLOR", "")
    if force:
        return force.strip().lower() not in ("0", "false")
    if environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except ValueError:  # closed stream
        return False


def _console(stream: TextIO, color: bool) -> Console:
    from rich.console import Console

    # Every environment-dependent knob is set explicitly, so rich's own reading of the
    # environment (NO_COLOR, FORCE_COLOR, COLUMNS, TTY_*) cannot contradict `should_color`.
    return Console(
        file=stream,
        force_terminal=color,
        force_jupyter=False,
        force_interactive=False,
        no_color=not color,
        color_system="standard" if color else None,
        width=None if color else _NO_TTY_WIDTH,
        soft_wrap=True,
        markup=False,
        emoji=False,
        highlight=False,
        legacy_windows=False,
        tab_size=4,
    )


def _diagnostic_lines(diag: Diagnostic, color: bool) -> list[tuple[str, str]]:
    """(text, style) runs of one finding, ending with a newline."""
    loc = diag.location
    sev = _SEVERITY_STYLE[diag.severity]
    code_style = f"{sev} link {diag.doc_url}" if color else sev
    message_lines = _visible(diag.message).split("\n")
    runs: list[tuple[str, str]] = [
        (f"{_visible(str(loc))}:", "bold"),
        (" ", ""),
        (diag.code, code_style),
        (f" {diag.name} ", ""),
        (f"[{diag.severity.value}]", sev),
        (f" {message_lines[0]}{_visible(pointer_note(loc))}\n", ""),
    ]
    runs.extend((f"{_INDENT}{line}\n", "") for line in message_lines[1:])
    if diag.hint:
        hint_lines = _visible(diag.hint).split("\n")
        runs.append((f"{_INDENT}hint: {hint_lines[0]}\n", "cyan"))
        runs.extend((f"{_INDENT}      {line}\n", "cyan") for line in hint_lines[1:])
    return runs


def document_line(doc: DocumentInfo) -> str:
    """`auth.md: profile v0.7-B (detected), dialect stytch, mixed generations`."""
    if doc.profile is None:
        profile = "profile unknown"
    else:
        origin = _ORIGIN_TEXT.get(doc.profile_origin, doc.profile_origin)
        profile = f"profile {doc.profile} ({origin})"
    parts = [profile]
    if doc.dialect:
        parts.append(f"dialect {doc.dialect}")
    if doc.mixed:
        parts.append("mixed generations")
    return _visible(f"{doc.source}: {', '.join(parts)}")


def summary_line(report: Report) -> str:
    """`2 errors, 1 warning, 0 infos in 3 documents` (always last, so `tail -1` finds it)."""
    s = report.summary
    return (f"{plural(s['errors'], 'error')}, {plural(s['warnings'], 'warning')}, "
            f"{plural(s['infos'], 'info')} in {plural(s['documents'], 'document')}")


def render(report: Report, *, stream: TextIO, color: bool | None, rules: Mapping[str, RuleInfo] | None,
           tool_version: str, environ: Mapping[str, str]) -> None:
    use_color = should_color(stream, environ, color)
    runs = _runs(report, use_color)
    if not use_color and not any("\t" in text for text, _ in runs):
        stream.write("".join(text for text, _ in runs) + "\n")
        stream.flush()  # as rich does after every print
        return
    _print_rich(runs, stream, use_color)


def _print_rich(runs: list[tuple[str, str]], stream: TextIO, color: bool) -> None:
    from rich.text import Text

    # One Text, printed once: rich adds the final newline; styles vanish without colour.
    _console(stream, color).print(Text.assemble(*runs), soft_wrap=True)


def _runs(report: Report, use_color: bool) -> list[tuple[str, str]]:
    """The whole output as (text, style) runs, without the final newline."""
    runs: list[tuple[str, str]] = []
    for diag in report.diagnostics:
        runs.extend(_diagnostic_lines(diag, use_color))
    if report.diagnostics:
        runs.append(("\n", ""))
    runs.extend((f"{document_line(doc)}\n", "dim") for doc in report.documents)
    s = report.summary
    summary_style = "bold red" if s["errors"] else ("bold yellow" if s["warnings"] else "bold green")
    runs.append((summary_line(report), summary_style))
    return runs
