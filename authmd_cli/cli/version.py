"""`authmd --version`: the tool's version, the protocol profiles it knows and the rule set's version.

The rule-set version is a fingerprint of every rule's code, name, default severity and retirement, so a
CI log shows whether two runs judged by the same rules (a rule added, renamed or re-levelled changes it).
`--version` answers before typer loads, so the fingerprint is read from the rule modules' `@rule(...)`
declarations rather than by importing them (about 90 ms); a test keeps it equal to the registry's.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

_DECLARATION = re.compile(r'^@rule\(\s*"(?P<code>[A-Z]{2}\d{3})",\s*"(?P<name>[a-z0-9-]+)",\s*Severity\.(?P<sev>[A-Z]+)'
                          r"(?P<rest>.*?)\)\s*\ndef ", re.M | re.S)


def _fingerprint(rules: list[tuple[str, str, str, bool]]) -> str:
    digest = hashlib.sha256()
    for code, name, severity, retired in sorted(rules):
        digest.update(f"{code}|{name}|{severity}|{retired}\n".encode())
    live = sum(1 for *_, retired in rules if not retired)
    return f"{live} rules, {digest.hexdigest()[:8]}"


def declared_rules() -> list[tuple[str, str, str, bool]]:
    """(code, name, severity, retired) of every `@rule` declaration in the rule modules' source."""
    import authmd_cli

    found = []
    for path in sorted((Path(authmd_cli.__file__).parent / "lint" / "rules").glob("*.py")):
        for m in _DECLARATION.finditer(path.read_text(encoding="utf-8")):
            found.append((m["code"], m["name"], m["sev"].lower(), bool(re.search(r"retired\s*=\s*True", m["rest"]))))
    return found


def registry_rules() -> list[tuple[str, str, str, bool]]:
    from authmd_cli.lint.rules import REGISTRY

    return [(r.code, r.name, r.severity.value, r.retired) for r in REGISTRY.values()]


def ruleset_version() -> str:
    """`N rules, <8 hex digits>`: changes whenever a rule is added, renamed, re-levelled or retired."""
    declared = declared_rules()
    return _fingerprint(declared if declared else registry_rules())


def version_text() -> str:
    from authmd_cli import __version__
    from authmd_cli.protocol.profiles import ALL_LABELS, LATEST

    profiles = ", ".join(f"{label} (latest)" if label == LATEST else label for label in ALL_LABELS)
    return f"authmd {__version__}\nprofiles: {profiles}\nrule set: {ruleset_version()}"
