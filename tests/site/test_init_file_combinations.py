"""`authmd init` output linted in any combination of its three files is clean (issue 11).

A user may lint the auth.md alone, the two discovery documents, or the auth.md with only one of
them (a partial site: an AS metadata without its PRM). Each combination must be free of errors
and warnings; the only finding allowed is GN001's info that a v0.6 / v0.7-A file follows an older
generation than the latest (SPEC §14 D3).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml

from authmd_cli.core.diagnostics import Severity
from authmd_cli.lint.engine import LintOptions, lint_paths
from authmd_cli.site.config import load_config
from authmd_cli.site.generate import render_site


def _config(profile: str, methods: dict[str, Any], *, split_hosts: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "profile": profile, "service": {"name": "Fernpost"},
        "resource_server": {"resource": "https://api.fernpost.net" if split_hosts else "https://fernpost.net/api"},
        "authorization_server": {"issuer": "https://login.fernpost-auth.com" if split_hosts
                                 else "https://fernpost.net"},
        "scopes": [{"name": "posts.read", "description": "Read posts."},
                   {"name": "posts.write", "description": "Write posts."}],
        "methods": methods,
    }
    if methods.get("anonymous"):
        data["pre_claim_scopes"] = ["posts.read"]
    return data


METHODS = [
    {"service_auth": True, "anonymous": True, "identity_assertion": True},
    {"service_auth": False, "anonymous": False, "identity_assertion": {"step_up": False}},
    {"service_auth": False, "anonymous": False, "identity_assertion": {"step_up": True}},
    {"service_auth": False, "anonymous": True},
]
CASES = [(p, i, split) for p in ("v0.7-B", "v0.7-A", "v0.6") for i in range(len(METHODS)) for split in (True, False)]


def _write(tmp: Path, data: dict[str, Any]) -> Path:
    cfg = load_config(yaml.safe_dump(data, sort_keys=False), "authmd.yaml")
    root = tmp / "site"
    for rel, text in render_site(cfg).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(("profile", "methods", "split"), CASES)
def test_every_combination_of_init_files_lints_clean(tmp_path: Path, profile: str, methods: int,
                                                     split: bool) -> None:
    root = _write(tmp_path, _config(profile, METHODS[methods], split_hosts=split))
    files = sorted(str(p) for p in root.rglob("*") if p.is_file())
    assert len(files) == 3  # auth.md, PRM (maybe path-suffixed, RFC 9728 §3.1), AS metadata
    problems: list[str] = []
    for n in (1, 2, 3):
        for combo in itertools.combinations(files, n):
            for pinned in (None, profile):
                report = lint_paths(list(combo), LintOptions(profile=pinned))
                problems += [f"{'+'.join(combo)} pinned={pinned}: {d.code} {d.location} {d.message}"
                             for d in report.diagnostics
                             if d.severity is not Severity.INFO or d.code != "GN001"]
    assert problems == []


def test_no_registration_site_in_any_combination_lints_clean(tmp_path: Path) -> None:
    data = {"profile": "no-registration", "service": {"name": "Fernpost"},
            "resource_server": {"resource": "https://api.fernpost.net"},
            "scopes": [{"name": "posts.read", "description": "Read posts."}]}
    root = _write(tmp_path, data)
    files = sorted(str(p) for p in root.rglob("*") if p.is_file())
    for n in range(1, len(files) + 1):
        for combo in itertools.combinations(files, n):
            assert lint_paths(list(combo), LintOptions()).diagnostics == [], combo
