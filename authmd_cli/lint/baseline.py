"""Baselines: adopt authmd on a site that already has findings, and fail only on new ones.

`authmd lint --baseline FILE` records today's findings in FILE the first time (or with
`--update-baseline`) and afterwards reports only findings that are not in it. A finding is matched
by its rule code, its file and a content fingerprint: a hash of the text of the line it points at
(whitespace-normalised), its JSON pointer and its message with digits blanked. Line numbers are not
part of it, so inserting lines above a known finding does not make it new; changing the offending
line (or the value the message names) does. Identical findings count: a baseline that holds two of
them absorbs two.

Pure: the caller passes `line_text(source, line)`, which reads the documents. Internal errors
(TL006) are never absorbed by a baseline.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from authmd_cli.core.diagnostics import Diagnostic
from authmd_cli.core.errors import ConfigError

BASELINE_VERSION = 1
NEVER_BASELINED = frozenset({"TL006"})

LineText = Callable[[str, int | None], str | None]
Key = tuple[str, str, str]  # (code, source, fingerprint)


def _source(source: str) -> str:
    return source.replace("\\", "/")


def fingerprint(diag: Diagnostic, line_text: LineText) -> str:
    text = line_text(diag.location.source, diag.location.line) or ""
    parts = (diag.code, " ".join(text.split()), diag.location.pointer or "", re.sub(r"\d+", "#", diag.message))
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:20]


def key(diag: Diagnostic, line_text: LineText) -> Key:
    return diag.code, _source(diag.location.source), fingerprint(diag, line_text)


def record(diagnostics: Iterable[Diagnostic], line_text: LineText, *, tool_version: str) -> dict[str, Any]:
    """The baseline file's content for these findings (sorted, so a re-recording diffs cleanly)."""
    entries = [{"code": d.code, "source": _source(d.location.source), "fingerprint": fingerprint(d, line_text),
                "line": d.location.line, "message": d.message}
               for d in diagnostics if d.code not in NEVER_BASELINED]
    entries.sort(key=lambda e: (e["source"], e["line"] or 0, e["code"], e["fingerprint"]))
    return {"version": BASELINE_VERSION, "tool": f"authmd {tool_version}", "findings": entries}


def parse(text: str, source: str) -> Counter[Key]:
    """A baseline file → how many times each finding may occur. ConfigError (with line and column)
    when the file is not a baseline."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigError(f"not a baseline file: invalid JSON ({err.msg})", source=source, line=err.lineno,
                          column=err.colno) from None
    except (ValueError, RecursionError):  # a 5000-digit number, nesting deeper than Python recurses
        raise ConfigError("not a baseline file: a number or nesting beyond what a baseline holds",
                          source=source) from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION or not isinstance(
            data.get("findings"), list):
        raise ConfigError(f"not a baseline file (expected {{\"version\": {BASELINE_VERSION}, \"findings\": [...]}}, "
                          "as `authmd lint --baseline` writes)", source=source)
    counts: Counter[Key] = Counter()
    for i, entry in enumerate(data["findings"]):
        fields = [entry.get(k) if isinstance(entry, dict) else None for k in ("code", "source", "fingerprint")]
        if not all(isinstance(f, str) for f in fields):
            raise ConfigError(f"findings[{i}]: expected an object with string code, source and fingerprint",
                              source=source)
        counts[(str(fields[0]), str(fields[1]), str(fields[2]))] += 1
    return counts


@dataclass(frozen=True)
class Filtered:
    new: list[Diagnostic]  # what the run reports
    known: int  # findings the baseline absorbed
    fixed: int  # baseline entries no finding matched any more (fixed, or the line changed)


def filter_new(diagnostics: Sequence[Diagnostic], baseline: Counter[Key], line_text: LineText) -> Filtered:
    left = Counter(baseline)
    new: list[Diagnostic] = []
    known = 0
    for d in diagnostics:
        k = key(d, line_text)
        if d.code not in NEVER_BASELINED and left[k] > 0:
            left[k] -= 1
            known += 1
        else:
            new.append(d)
    return Filtered(new, known, sum(left.values()))
