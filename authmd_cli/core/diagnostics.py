"""The one diagnostic model shared by lint, probe and simulate.

A rule yields `Finding`s (what it saw, where); the engine turns each into a `Diagnostic`,
stamping the registered code, name and severity (after config overrides). Renderers only
ever consume `Diagnostic.to_dict()` / `Report.to_dict()`, so every output format says the
same thing. The JSON form of `Report.to_dict()` is a stable contract (README "JSON output").
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

# Bump only on a breaking change of the JSON report shape.
REPORT_VERSION = "1"
DOCS_BASE = "https://github.com/authmd/authmd/blob/main/docs/rules.md"


def rule_doc_url(code: str, name: str) -> str:
    """The documentation link of a rule (diagnostics and SARIF `rules[].helpUri` share it)."""
    return f"{DOCS_BASE}#{code.lower()}-{name}"


class Severity(enum.Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning or info)") from None


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


class RuleInfo(Protocol):
    """What a renderer may know of a rule (lint's `Rule` satisfies it; SARIF describes rules with it).

    Declared here, below the renderers, so that `render` never imports the lint engine's registry:
    the command line passes the registry in."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def scope(self) -> str: ...
    @property
    def family(self) -> str: ...
    @property
    def spec(self) -> str: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...
    @property
    def retired(self) -> bool: ...
    @property
    def doc(self) -> str: ...
    @property
    def summary(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding is. `line`/`column` are 1-based; `pointer` is an RFC 6901 JSON pointer."""

    source: str
    line: int | None = None
    column: int | None = None
    pointer: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "line": self.line, "column": self.column, "pointer": self.pointer}

    def __str__(self) -> str:
        out = self.source
        if self.line is not None:
            out += f":{self.line}"
            if self.column is not None:
                out += f":{self.column}"
        if self.pointer is not None and self.line is None:
            out += f"#{self.pointer}"
        return out


@dataclass(frozen=True, slots=True)
class Finding:
    """What a rule reports. `severity` overrides the rule's default only where one rule has two
    levels by spec (e.g. SPEC §14 D30: agreeing aliases warn, disagreeing aliases are errors)."""

    message: str
    location: Location
    hint: str | None = None
    severity: Severity | None = None
    # Further places of the same root cause (one finding names every element of one stub or
    # list; JSON `related`, SARIF `relatedLocations`).
    related: tuple[Location, ...] = ()


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    name: str
    severity: Severity
    message: str
    location: Location
    hint: str | None = None
    related: tuple[Location, ...] = ()

    @property
    def doc_url(self) -> str:
        return rule_doc_url(self.code, self.name)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.source, loc.line or 0, loc.column or 0, self.code, self.message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "location": self.location.to_dict(),
            "hint": self.hint,
            "doc_url": self.doc_url,
            **({"related": [r.to_dict() for r in self.related]} if self.related else {}),
        }


PROFILE_ORIGINS = ("detected", "pinned", "site", "default")


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """What the report says about each input document (JSON report `documents[]`)."""

    source: str
    kind: str
    profile: str | None
    dialect: str | None = None
    evidence: tuple[str, ...] = ()
    mixed: bool = False
    # Where `profile` came from: "detected" (this document's own signals), "pinned" (--profile /
    # config), "site" (inferred from the other artefacts of its site), "default" (no signal
    # anywhere: the latest profile is assumed). See PROFILE_ORIGINS.
    profile_origin: str = "detected"

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "profile": self.profile,
            "profile_origin": self.profile_origin,
            "dialect": self.dialect,
            "mixed": self.mixed,
            "evidence": list(self.evidence),
        }


@dataclass
class Report:
    documents: list[DocumentInfo] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def extend(self, diags: Iterable[Diagnostic]) -> None:
        self.diagnostics.extend(diags)

    def sorted(self) -> Report:
        return Report(list(self.documents), sorted(self.diagnostics, key=Diagnostic.sort_key))

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity is severity)

    @property
    def summary(self) -> dict[str, int]:
        return {
            "documents": len(self.documents),
            "errors": self.count(Severity.ERROR),
            "warnings": self.count(Severity.WARNING),
            "infos": self.count(Severity.INFO),
        }

    def exit_code(self, *, strict: bool = False) -> int:
        """0 clean, 1 findings (errors, or warnings with strict), 2 when a rule or the loader
        failed (TL006): a crash is never a clean pass nor mere findings."""
        if any(d.code == "TL006" for d in self.diagnostics):
            return 2
        return 1 if self.failed(strict=strict) else 0

    def failed(self, *, strict: bool = False) -> bool:
        if self.count(Severity.ERROR):
            return True
        return strict and self.count(Severity.WARNING) > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": REPORT_VERSION,
            "documents": [d.to_dict() for d in self.documents],
            "diagnostics": [d.to_dict() for d in self.diagnostics],
            "summary": self.summary,
        }
