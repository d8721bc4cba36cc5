"""Small pieces shared by the renderers (no third-party imports here)."""

from __future__ import annotations

import re

from authmd_cli.core.diagnostics import Diagnostic, Location

# A source with a URI scheme and authority ("https://…", "file://…") is a URL, not a path.
_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


# A lone UTF-16 surrogate cannot be encoded as UTF-8: writing one raised UnicodeEncodeError mid-report.
# The loader refuses such strings (RFC 8259 §8.2), but no renderer may crash on whatever a finding quotes.


def is_url(source: str) -> bool:
    return bool(_URL_RE.match(source))


def is_file_path(source: str) -> bool:
    """A path in the user's tree (what editors and GitHub can attach an annotation to)."""
    return not is_url(source) and not (source.startswith("<") and source.endswith(">"))


def pointer_note(loc: Location) -> str:
    """` (at /ptr)` when a JSON pointer adds to a line/column position.

    Without a line, `str(Location)` already shows `source#/ptr`; the root pointer "" says
    nothing a line does not.
    """
    if loc.pointer and loc.line is not None:
        return f" (at {loc.pointer})"
    return ""


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def title(diag: Diagnostic) -> str:
    """`MD001 missing-h1`: the code for grep and config, the name for humans."""
    return f"{diag.code} {diag.name}"
