"""`authmd simulate` as a process: help, exit codes, a whole run against `authmd serve`, and Ctrl-C
in the middle of a hand-off (exit 130, the report says what was left on the service)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from authmd_cli.sandbox.defaults import default_config
from authmd_cli.sandbox.server import start

pytestmark = pytest.mark.e2e


def authmd(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "authmd_cli", *args], capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL, check=False, **kw)  # type: ignore[call-overload]


@pytest.fixture
def origin(tmp_path: Path) -> Iterator[str]:
    sb = start(default_config("v0.7-A"), host="127.0.0.1", port=0, test_hooks=True,
               provider_key_path=tmp_path / "k.pem")
    with sb.background() as served:
        yield served


def test_help_lists_both_flows() -> None:
    out = authmd("simulate", "--help")
    assert out.returncode == 0 and "user-claimed" in out.stdout and "agent-verified" in out.stdout
    assert "simulate" in authmd("--help").stdout


def test_whole_run_as_a_process(origin: str) -> None:
    out = authmd("simulate", "user-claimed", origin, "--allow-private", "--yes", "--claim", "p@example.com",
                 "--auto-confirm", "--format", "json")
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads(out.stdout)["outcome"] == "passed"


def test_no_terminal_and_no_yes_is_a_one_line_usage_error(origin: str) -> None:
    out = authmd("simulate", "user-claimed", origin, "--allow-private")
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and "--yes" in out.stderr


def test_agent_verified_without_an_id_jag_source_is_a_usage_error(origin: str) -> None:
    out = authmd("simulate", "agent-verified", origin, "--allow-private", "--yes")
    assert out.returncode == 2 and "--provider-key" in out.stderr


def test_ctrl_c_during_the_hand_off(origin: str, tmp_path: Path) -> None:
    marker = tmp_path / "handed-off"
    human = tmp_path / "human.sh"
    human.write_text(f"touch {marker}\nsleep 30\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "authmd_cli", "simulate", "user-claimed", origin, "--allow-private", "--yes",
         "--method", "service_auth", "--login-hint", "q@example.com", "--human-command", f"sh {human}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, "the hand-off never started"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    assert "interrupted" in out and "unclaimed registration" in err
    assert "Traceback" not in err
