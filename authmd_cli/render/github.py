"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

    ::error file=auth.md,line=3,col=1,title=MD001 missing-h1::the document has no H1 heading%0Ahint: …

Escaping follows GitHub's toolkit (`@actions/core` command.ts): the message (data) escapes
`%`, CR and LF; property values additionally escape `:` and `,`, which delimit properties.
`%` goes first so the escapes themselves are not escaped again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, TextIO

from authmd_cli.core.diagnostics import Diagnostic, Report, Severity
from authmd_cli.core.display import encodable
from authmd_cli.render._common import is_file_path, pointer_note, title

if TYPE_CHECKING:
    from authmd_cli.core.diagnostics import RuleInfo

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return encodable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(diag: Diagnostic) -> str:
    """One workflow command line (without the newline)."""
    loc = diag.location
    props: list[tuple[str, str]] = []
    message = diag.message + pointer_note(loc)
    if is_file_path(loc.source):
        props.append(("file", loc.source))
        if loc.line is not None and loc.line >= 1:
            props.append(("line", str(loc.line)))
            if loc.column is not None and loc.column >= 1:
                props.append(("col", str(loc.column)))
    else:
        # A URL or <stdin> is no file of the repository: GitHub could not place the annotation,
        # so it goes unattached (on the run summary) and the message names where it was found.
        message = f"{loc}: {message}"
    props.append(("title", title(diag)))
    if diag.hint:
        message += f"\nhint: {diag.hint}"
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{COMMANDS[diag.severity]} {rendered}::{escape_data(message)}"


def render(report: Report, *, stream: TextIO, color: bool | None, rules: Mapping[str, RuleInfo] | None,
           tool_version: str, environ: Mapping[str, str]) -> None:
    for diag in report.diagnostics:
        stream.write(annotation(diag) + "\n")
