"""Low-level modules never pull in the rule registry (it imports every family, and a cycle back
into the parsers once crashed lint), nor heavy dependencies at import time."""

from __future__ import annotations

import subprocess
import sys

import pytest

LEAVES = ["authmd_cli.core.pointer", "authmd_cli.core.urls", "authmd_cli.core.diagnostics", "authmd_cli.core.display",
          "authmd_cli.core.suggest", "authmd_cli.protocol.model", "authmd_cli.protocol.jsonpos",
          "authmd_cli.protocol.markdown", "authmd_cli.protocol.profiles", "authmd_cli.protocol.schemas",
          "authmd_cli.protocol.metadata_shape", "authmd_cli.lint.loader"]


@pytest.mark.parametrize("module", LEAVES)
def test_leaf_module_imports_no_rules_and_no_jsonschema(module: str) -> None:
    code = (f"import sys, {module}; "
            "bad = sorted(m for m in sys.modules if m.startswith('authmd_cli.lint.rules') or m == 'jsonschema'); "
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_linting_a_jwt_does_not_import_pyjwt() -> None:
    """SC001/SC004 decode JWT headers with tokens.peek (stdlib); pyjwt stays out of lint."""
    token = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1MSJ9."
             "c2lnbmF0dXJlLXZhbHVlLWhlcmU")
    code = ("import sys; from authmd_cli.lint.engine import lint_text; "
            f"r = lint_text('# auth.md\\n\\n```json\\n{{\"assertion\": \"{token}\"}}\\n```\\n'); "
            "print(sorted({d.code for d in r.diagnostics} & {'SC001', 'SC004'}), 'jwt' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "['SC001', 'SC004'] False"
