"""Rule family: structure (see authmd_cli/rules/__init__.py for code prefixes)."""

from __future__ import annotations
