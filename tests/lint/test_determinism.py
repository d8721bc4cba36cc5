"""The same input gives the same report, byte for byte, whatever the interpreter's string-hash seed:
baselines, SARIF diffs and golden files in CI depend on it (set iteration order varies by seed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_the_report_does_not_depend_on_the_hash_seed(fmt: str) -> None:
    outputs = set()
    for seed in ("0", "1", "2", "3"):
        done = subprocess.run([sys.executable, "-m", "authmd_cli", "lint", "--no-config", "--format", fmt,
                               str(FIXTURES)], capture_output=True, text=True, check=False, timeout=120,
                              env={**os.environ, "PYTHONHASHSEED": seed, "NO_COLOR": "1"})
        assert done.returncode == 1, done.stderr  # the fixtures hold errors on purpose
        outputs.add(done.stdout)
    assert len(outputs) == 1
