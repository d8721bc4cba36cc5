"""The one "did you mean" helper (authmd_cli/suggest.py)."""

from __future__ import annotations

import pytest

from authmd_cli.core.suggest import closest, did_you_mean


@pytest.mark.parametrize(("word", "candidates", "cutoff", "expected"), [
    ("invalid-directiv", ["invalid-directive", "unused-directive"], 0.6, ["invalid-directive"]),
    ("md001", ["MD001", "MD002", "missing-h1"], 0.6, ["MD001"]),  # retried case-folded
    ("zzz", ["anonymous", "service_auth"], 0.6, []),
    ("identity_endpont", ["identity_endpoint", "claim_endpoint"], 0.85, ["identity_endpoint"]),
    ("claim_url", ["claim_endpoint"], 0.85, []),  # close enough for 0.6, not for the member cutoff
])
def test_closest(word: str, candidates: list[str], cutoff: float, expected: list[str]) -> None:
    assert closest(word, candidates, cutoff=cutoff) == expected


def test_did_you_mean_text_and_empty() -> None:
    assert did_you_mean("jsn", ["json", "text"]) == " (did you mean 'json'?)"
    assert did_you_mean("xml", ["json", "text"]) == ""


def test_importing_suggest_does_not_import_difflib() -> None:
    import subprocess
    import sys

    code = "import sys, authmd_cli.core.suggest; print('difflib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
