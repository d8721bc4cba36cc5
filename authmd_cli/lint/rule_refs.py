"""Rule references as users write them (a code, a name, an alias or a family prefix) resolved to codes.

Shared by the lint configuration, the inline directives and `--explain`; it sits below all three so
none of them imports another for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from authmd_cli.core.suggest import did_you_mean


class UnknownRuleError(ValueError):
    """A rule code, name or prefix that matches no registered rule (message has a suggestion)."""


def _registry() -> Mapping[str, Any]:
    import authmd_cli.lint.rules  # noqa: F401  (fills the registry; cheap, no heavy imports)
    from authmd_cli.lint.rules.base import REGISTRY

    return REGISTRY


def rule_vocabulary() -> list[str]:
    """Every code, name and alias a user may write."""
    words: list[str] = []
    for code, rule in _registry().items():
        words += [code, rule.name, *rule.aliases]
    return words


def resolve_rule_ref(ref: str, *, allow_prefix: bool = False) -> str:
    """A rule code for `ref` (a code or name, case-insensitive for codes); with `allow_prefix`
    a family prefix like `MD` is returned upper-cased, and `ALL` (every rule) as "ALL".
    Raises UnknownRuleError."""
    from authmd_cli.lint.rules.base import lookup

    text = ref.strip()
    registry = _registry()
    found = lookup(text) if text else None
    if found is not None:
        return str(found.code)
    if allow_prefix and text.upper() == "ALL":  # ruff's convention: every rule
        return "ALL"
    if allow_prefix and re.fullmatch(r"[A-Za-z]{2}", text):
        prefix = text.upper()
        if any(code.startswith(prefix) for code in registry):
            return prefix
    raise UnknownRuleError(f"unknown rule {ref!r}{did_you_mean(text, rule_vocabulary())}")
