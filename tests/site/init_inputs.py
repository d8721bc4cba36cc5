"""Shared inputs for the `authmd init` tests."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "authmd.yaml"
GOLDEN = REPO / "tests" / "golden" / "init"

# The smallest registration config: everything else is a default.
MINIMAL = """\
service:
  name: Fernpost
resource_server:
  resource: https://api.fernpost.net
authorization_server:
  issuer: https://auth.fernpost.net
scopes:
  - name: posts.read
    description: Read posts.
"""
