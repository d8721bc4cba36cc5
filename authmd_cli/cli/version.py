"""`authmd --version`: the tool's version, the protocol profiles it knows and the rule set's version.

The rule-set version is a fingerprint of every registered rule's code, name, default severity and
retirement, so a CI log shows whether two runs judged by the same rules (a rule added, renamed or
re-levelled changes it). Cheap to compute: the registry imports no heavy module.
"""

from __future__ import annotations

import hashlib


def ruleset_version() -> str:
    """`N rules, <8 hex digits>`: changes whenever a rule is added, renamed, re-levelled or retired."""
    from authmd_cli.lint.rules import REGISTRY

    live = [r for r in REGISTRY.values() if not r.retired]
    digest = hashlib.sha256()
    for code in sorted(REGISTRY):
        r = REGISTRY[code]
        digest.update(f"{r.code}|{r.name}|{r.severity.value}|{r.retired}\n".encode())
    return f"{len(live)} rules, {digest.hexdigest()[:8]}"


def version_text() -> str:
    from authmd_cli import __version__
    from authmd_cli.protocol.profiles import ALL_LABELS, LATEST

    profiles = ", ".join(f"{label} (latest)" if label == LATEST else label for label in ALL_LABELS)
    return f"authmd {__version__}\nprofiles: {profiles}\nrule set: {ruleset_version()}"
