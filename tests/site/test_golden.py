"""Golden files: examples/authmd.yaml rendered under each profile (tests/golden/init/<profile>/).

Regenerate after an intended change with:
    AUTHMD_UPDATE_GOLDENS=1 .venv/bin/pytest tests/init/test_golden.py
and review the diff like any other code change.
"""

from __future__ import annotations

import os

import pytest
from init_inputs import EXAMPLE, GOLDEN

from authmd_cli.site.config import INIT_PROFILES, load_config_file
from authmd_cli.site.generate import render_site

UPDATE_ENV = "AUTHMD_UPDATE_GOLDENS"


@pytest.mark.parametrize("profile", INIT_PROFILES)
def test_example_matches_golden_files(profile: str) -> None:
    site = render_site(load_config_file(EXAMPLE, profile=profile))
    root = GOLDEN / profile
    if os.environ.get(UPDATE_ENV) == "1":
        for rel, text in site.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
    on_disk = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert on_disk == sorted(site), f"golden file set differs; {UPDATE_ENV}=1 regenerates"
    for rel, text in site.items():
        assert (root / rel).read_text(encoding="utf-8") == text, f"{profile}/{rel} differs"
