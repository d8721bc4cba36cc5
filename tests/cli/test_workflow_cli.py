"""Issue 12: the paths into a team's workflow (ALL, --check advice, config errors, help, version,
full disk, network errors in words)."""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from authmd_cli.cli.app import app
from authmd_cli.protocol.profiles import ALL_LABELS

RunCli = Callable[..., subprocess.CompletedProcess[str]]  # the `run_cli` fixture (conftest.py)
REPO = Path(__file__).resolve().parents[2]

LEGACY = str(REPO / "examples" / "legacy-site")
BROKEN = str(REPO / "examples" / "broken-site")


def _codes(runner: CliRunner, *args: str) -> list[str]:
    result = runner.invoke(app, ["lint", "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return sorted(d["code"] for d in json.loads(result.stdout)["diagnostics"])


def test_all_selects_every_rule_on_the_command_line_and_in_the_config(
        runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    everything = _codes(runner, "--no-config", BROKEN)
    assert everything  # the broken site has findings to compare
    assert _codes(runner, "--no-config", "--select", "ALL", BROKEN) == everything
    assert _codes(runner, "--no-config", "--select", "all", "--ignore", "MD003", BROKEN) == [
        c for c in everything if c != "MD003"]
    (tmp_path / ".authmd.yaml").write_text("select: [ALL]\nignore: [MD003]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert _codes(runner, BROKEN) == [c for c in everything if c != "MD003"]


def test_init_check_advice_names_the_command_that_updates_the_files(tmp_path: Path, runner: CliRunner) -> None:
    config, out = str(REPO / "examples" / "authmd.yaml"), str(tmp_path / "site")
    assert runner.invoke(app, ["init", "--config", config, "--out", out]).exit_code == 0
    with open(Path(out) / "auth.md", "a", encoding="utf-8") as f:
        f.write("local note\n")
    check = runner.invoke(app, ["init", "--config", config, "--out", out, "--check"])
    assert check.exit_code == 1
    advice = check.stdout.strip().splitlines()[-1]
    command = advice.split("run `", 1)[1].split("`", 1)[0]
    assert command.endswith("--force")  # the edited file is refused without it
    words = shlex.split(command)
    assert words[:2] == ["authmd", "init"]
    assert runner.invoke(app, words[1:]).exit_code == 0  # the advice, followed, works
    assert runner.invoke(app, ["init", "--config", config, "--out", out, "--check"]).exit_code == 0


def test_init_check_advice_without_edits_needs_no_force(tmp_path: Path, runner: CliRunner) -> None:
    config, out = str(REPO / "examples" / "authmd.yaml"), str(tmp_path / "site")
    assert runner.invoke(app, ["init", "--config", config, "--out", out, "--profile", "v0.7-A"]).exit_code == 0
    check = runner.invoke(app, ["init", "--config", config, "--out", out, "--check"])
    assert check.exit_code == 1
    assert check.stdout.rstrip().endswith(f"run `authmd init --config {config} --out {out}` to update them")


def test_config_errors_are_listed_one_per_line_with_positions(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / ".authmd.yaml").write_text("selct: 1\nstrict: 2\nseverity: {nope-rule: info}\n", encoding="utf-8")
    proc = run_cli("lint", LEGACY, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert [ln.split(": ")[2] for ln in lines] == [".authmd.yaml:1:1", ".authmd.yaml:2:9", ".authmd.yaml:3:12"]
    assert all(ln.startswith("authmd: error: ") for ln in lines)


def test_a_service_config_found_as_lint_config_is_named(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / ".authmd.yaml").write_bytes((REPO / "examples" / "authmd.yaml").read_bytes())
    proc = run_cli("lint", LEGACY, cwd=tmp_path)
    assert proc.returncode == 2
    assert "this is a service config" in proc.stderr and "unknown key" not in proc.stderr


def test_version_lists_profiles_and_the_rule_set(run_cli: RunCli, tmp_path: Path) -> None:
    from authmd_cli.lint.rules import REGISTRY

    out = run_cli("--version", cwd=tmp_path).stdout.splitlines()
    assert out[1].startswith("profiles: ")
    assert [p.replace(" (latest)", "") for p in out[1][len("profiles: "):].split(", ")] == list(ALL_LABELS)
    live = sum(1 for r in REGISTRY.values() if not r.retired)
    assert out[2].startswith(f"rule set: {live} rules, ")


def _commands() -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []

    def walk(cmd: click.Command, path: str) -> None:
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, f"{path} {name}")
        else:
            found.append((path, cmd))

    walk(typer.main.get_command(app), "authmd")
    return found


@pytest.mark.parametrize(("path", "command"), _commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_has_an_example_and_plain_metavars(path: str, command: click.Command,
                                                         runner: CliRunner) -> None:
    result = runner.invoke(app, [*path.split()[1:], "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout
    assert f"\n    {path} " in result.stdout  # the example runs this very command
    assert "<str>" not in result.stdout and "<int" not in result.stdout
    assert "SPEC" not in result.stdout


def test_root_help_says_where_to_start(runner: CliRunner) -> None:
    out = runner.invoke(app, ["--help"]).stdout
    assert "Start here:" in out and "authmd lint public/" in out


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_an_io_error_not_an_internal_one(run_cli: RunCli, tmp_path: Path) -> None:
    with open("/dev/full", "w", encoding="utf-8") as full:
        proc = subprocess.run([sys.executable, "-m", "authmd_cli", "lint", LEGACY], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=60, check=False,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 2
    assert "No space left on device" in proc.stderr and "internal error" not in proc.stderr
    report = run_cli("lint", LEGACY, "--output", "/dev/full", cwd=tmp_path)
    assert report.returncode == 2 and "internal error" not in report.stderr
    key = run_cli("provider", "jwks", "--key", "/dev/full", cwd=tmp_path)  # an endless file: bounded read
    assert key.returncode == 2 and "not a usable ES256 private key" in key.stderr


def test_network_errors_are_said_in_words(run_cli: RunCli, tmp_path: Path) -> None:
    assert run_cli("provider", "keygen", "--key", "k.pem", cwd=tmp_path).returncode == 0
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/agent/event/notify"
    proc = run_cli("provider", "revoke", "--key", "k.pem", "--events-url", url, "--aud",
                   f"http://127.0.0.1:{port}", "--sub", "u1", cwd=tmp_path)
    assert proc.returncode == 3
    assert proc.stderr.strip() == (f"authmd: error: {url}: cannot deliver the SET: connection refused "
                                   "(is the server running, on that port?)")


def test_shell_completion_completes_commands(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "_AUTHMD_COMPLETE": "complete_bash",
           "COMP_WORDS": "authmd li", "COMP_CWORD": "1"}
    proc = subprocess.run([sys.executable, "-c", "from authmd_cli.cli.app import main; main()"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert proc.stdout.split() == ["lint"]


def test_lint_settings_under_the_service_config_name_are_pointed_out(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "authmd.yaml").write_text("select: [ALL]\nignore: [MD003]\n", encoding="utf-8")
    proc = run_cli("lint", LEGACY, cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stderr.startswith("authmd: note: authmd.yaml holds lint settings")
    assert "rename the file to .authmd.yaml" in proc.stderr
    quiet = run_cli("lint", "--no-config", LEGACY, cwd=tmp_path)
    assert quiet.stderr == ""
    (tmp_path / "authmd.yaml").write_bytes((REPO / "examples" / "authmd.yaml").read_bytes())  # a real one
    assert run_cli("lint", LEGACY, cwd=tmp_path).stderr == ""


def test_a_service_config_under_the_lint_config_name_stops_init(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / ".authmd.yaml").write_bytes((REPO / "examples" / "authmd.yaml").read_bytes())
    proc = run_cli("init", "--out", "site", "--yes", cwd=tmp_path)
    assert proc.returncode == 2
    assert ".authmd.yaml holds a service config" in proc.stderr
    assert not (tmp_path / "authmd.yaml").exists() and not (tmp_path / "site").exists()  # no wizard ran
    assert run_cli("init", "--config", ".authmd.yaml", "--out", "site", cwd=tmp_path).returncode == 0


def test_a_service_config_under_the_lint_config_name_stops_serve(run_cli: RunCli, tmp_path: Path) -> None:
    """serve would otherwise start its built-in sandbox and silently ignore the service the user described."""
    (tmp_path / ".authmd.yaml").write_bytes((REPO / "examples" / "authmd.yaml").read_bytes())
    proc = run_cli("serve", "--port", "0", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("authmd: error: ") and "serve reads authmd.yaml (without the dot)" in proc.stderr


def test_the_rule_set_version_read_from_source_equals_the_registry() -> None:
    from authmd_cli.cli.version import declared_rules, registry_rules

    assert sorted(declared_rules()) == sorted(registry_rules())
