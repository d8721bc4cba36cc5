"""Rule registry and the context rules receive.

A rule is a function decorated with `@rule(...)`; its docstring is its documentation
(`authmd lint --explain CODE`). Rules only yield `Finding`s: the engine stamps code, name and
(configured) severity. Registration is explicit: `authmd_cli.lint.rules` imports every family
module (no directory scanning). Codes are never reused or renumbered: a retired rule keeps
its entry with `retired=True`.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from authmd_cli.core.diagnostics import Finding, Location, Severity
from authmd_cli.core.pointer import escape_token
from authmd_cli.protocol.model import Document, Site
from authmd_cli.protocol.profiles import Profile

# What a rule looks at:
#   "auth.md"  one auth.md Document (doc.auth is set)
#   "json"     one PRM or AS-metadata Document (doc.json is set)
#   "prm"      one PRM Document;  "as" one AS-metadata Document
#   "any"      every Document (tool rules: unreadable, unparseable)
#   "site"     a Site (cross-document rules), only when two or more artefacts are known
#   "probe"    an HTTP exchange of `authmd probe`: declared here (codes, docs, config), never run by
#              the lint engine; `authmd_cli.probe.transport` checks them (see rules/transport.py)
Scope = Literal["auth.md", "json", "prm", "as", "any", "site", "probe"]


@dataclass(frozen=True)
class RuleContext:
    """Immutable inputs besides the document: effective profile, dialect, options."""

    profile: Profile  # effective profile (pinned, else detected, else latest)
    pinned: bool  # the user pinned the profile (--profile / config)
    dialect: str | None = None
    allowed_extension_keys: frozenset[str] = frozenset()
    options: Mapping[str, Any] = field(default_factory=dict)
    # The document is a PRM / AS metadata example shown inside an auth.md (an `embedded` rule
    # runs on it with positions in the auth.md): it may be an excerpt, so nothing is "missing".
    embedded: bool = False
    # The site the document belongs to, when linted with its siblings: a single-document rule
    # may use it to word a hint (never to decide whether to report).
    site: Site | None = None
    verbose: bool = False  # LintOptions.verbose: no folding of per-construct findings
    # One lint run's schema validations by content (`validate`): the same JSON against the same
    # schema is validated once per run (an auth.md showing the served metadata, an example shown
    # twice). Shared by every context of the run; never across runs.
    validations: dict[tuple[Any, ...], list[Any]] = field(default_factory=dict, compare=False, repr=False)

    def validate(self, instance: object, name: str, *, allow_placeholders: bool = False) -> list[Any]:
        """`protocol.schemas.validate(instance, name, self.profile.label, ...)`, once per content in
        this run. The key is the instance's JSON text in its own member order (the violations come
        in document order) with the schema, profile and flag; a result is a fresh list each time."""
        import json

        from authmd_cli.protocol.schemas import validate

        try:
            text = json.dumps(instance, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError, RecursionError):
            return validate(instance, name, self.profile.label, allow_placeholders=allow_placeholders)
        key = (name, self.profile.label, allow_placeholders, text)
        found = self.validations.get(key)
        if found is None:
            found = validate(instance, name, self.profile.label, allow_placeholders=allow_placeholders)
            if len(self.validations) < _MAX_VALIDATIONS:
                self.validations[key] = found
        return list(found)


# A lint run validates a few dozen instances per site; the memo stops growing beyond this.
_MAX_VALIDATIONS = 4096


Check = Callable[..., Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    scope: Scope
    family: str
    spec: str  # SPEC / RFC reference
    check: Check
    aliases: tuple[str, ...] = ()
    retired: bool = False
    # Runs under the no-registration profile too (SPEC §14 D13: only Markdown, H1, JSON validity
    # and declaration rules apply there, plus the stub checks that hold under every profile).
    no_registration: bool = False
    # Also runs on discovery documents shown inside an auth.md (```json PRM / AS metadata and
    # `agent_auth` excerpts), with positions in the auth.md: the same rules at every level.
    embedded: bool = False

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0] if self.doc else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "scope": self.scope,
            "family": self.family,
            "spec": self.spec,
            "summary": self.summary,
            "aliases": list(self.aliases),
        }


REGISTRY: dict[str, Rule] = {}
_BY_NAME: dict[str, str] = {}
_CODE_RE = re.compile(r"^[A-Z]{2}\d{3}$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def rule(code: str, name: str, severity: Severity, *, scope: Scope, spec: str,
         aliases: tuple[str, ...] = (), no_registration: bool = False,
         embedded: bool = False) -> Callable[[Check], Check]:
    """Register a rule. Family = the module's last dotted component."""

    def deco(fn: Check) -> Check:
        if not _CODE_RE.match(code):
            raise ValueError(f"bad rule code {code!r}")
        if not _NAME_RE.match(name):
            raise ValueError(f"bad rule name {name!r}")
        if code in REGISTRY or name in _BY_NAME:
            raise ValueError(f"duplicate rule {code} / {name}")
        family = fn.__module__.rsplit(".", 1)[-1]
        REGISTRY[code] = Rule(code, name, severity, scope, family, spec, fn, aliases,
                              no_registration=no_registration or family == "tool", embedded=embedded)
        _BY_NAME[name] = code
        for alias in aliases:
            _BY_NAME[alias] = code
        return fn

    return deco


def lookup(code_or_name: str) -> Rule | None:
    key = code_or_name.strip()
    if key.upper() in REGISTRY:
        return REGISTRY[key.upper()]
    code = _BY_NAME.get(key.lower())
    return REGISTRY[code] if code else None


def at(doc: Document, line: int | None = None, column: int | None = None,
       pointer: str | None = None) -> Location:
    """A location in `doc`; for JSON documents a pointer is turned into line/column."""
    if pointer is not None and line is None and doc.json is not None:
        pos = doc.json.position(pointer)
        if pos:
            line, column = pos
    return Location(doc.source, line, column, pointer)


def key_at(doc: Document, pointer: str) -> Location:
    """Location of a member's *key* (for unknown or misplaced members)."""
    if doc.json is not None:
        pos = doc.json.position(pointer, key=True)
        if pos:
            return Location(doc.source, pos[0], pos[1], pointer)
    return Location(doc.source, None, None, pointer)


def escape_pointer_token(token: str) -> str:
    """RFC 6901 §3 escaping of one reference token (kept for the rule modules)."""
    return escape_token(token)
