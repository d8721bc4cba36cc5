"""What `authmd serve` publishes (auth.md, PRM, AS metadata) lints clean, for both profiles,
exactly as served: plain http on loopback, rendered for the address it listens on."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from authmd_cli.lint.engine import LintOptions, lint_paths
from authmd_cli.sandbox.defaults import default_config
from authmd_cli.sandbox.server import start
from authmd_cli.site.config import ServiceConfig, load_config_file

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "authmd.yaml"


def _configs(profile: str) -> list[ServiceConfig]:
    return [default_config(profile), load_config_file(EXAMPLE, profile=profile)]


@pytest.mark.parametrize("profile", ["v0.7-B", "v0.7-A"])
@pytest.mark.parametrize("which", [0, 1], ids=["built-in", "example"])
def test_served_documents_lint_clean(tmp_path: Path, profile: str, which: int) -> None:
    cfg = _configs(profile)[which]
    sandbox = start(cfg, port=0)
    with sandbox.background():
        port = sandbox.sock.getsockname()[1]
        local = f"http://127.0.0.1:{port}"
        meta = httpx.get(f"{local}/.well-known/oauth-authorization-server").json()
        prm_path = urlsplit(meta["resource"]).path.rstrip("/")
        files = {"auth.md": "/auth.md",
                 ".well-known/oauth-authorization-server": "/.well-known/oauth-authorization-server",
                 ".well-known/oauth-protected-resource" + prm_path: "/.well-known/oauth-protected-resource" + prm_path}
        for rel, path in files.items():
            r = httpx.get(local + path)
            assert r.status_code == 200, path
            (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / rel).write_bytes(r.content)
        assert local in (tmp_path / "auth.md").read_text(encoding="utf-8")  # rendered for the served host
    report = lint_paths([str(tmp_path)], LintOptions(profile=profile))
    assert [f"{d.code} {d.location.line} {d.message}" for d in report.diagnostics] == []
