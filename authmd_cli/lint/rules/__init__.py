"""Every rule family, imported explicitly so the registry is complete (no directory scanning).

Code prefixes (stable, never reused): TL tool, MD Markdown structure, DS discovery JSON,
EX examples inside auth.md, XD cross-document, GN generations, SC security,
PR probe transport (declared in `transport`, checked by `authmd_cli.probe.transport`), SM simulate (reserved).
"""

from authmd_cli.lint.rules import (  # noqa: F401  (imported for their @rule registrations)
    consistency,
    discovery,
    examples,
    generations,
    security,
    structure,
    tool,
    transport,
)
from authmd_cli.lint.rules.base import REGISTRY, Rule, RuleContext, lookup, rule

__all__ = ["REGISTRY", "Rule", "RuleContext", "lookup", "rule"]
