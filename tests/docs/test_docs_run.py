"""Every documented command works as written: the README's and docs/'s blocks run and validate
(conventions in docblocks.py and docs/contributing.md)."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from docblocks import DOCS, REPO, Block, blocks, console_steps, output_matches

BIN = Path(sys.executable).parent
ALL_BLOCKS = [b for doc in DOCS for b in blocks(doc) if b.marker != "skip"]

# What the test runs: offline, quick, deterministic. Everything else is skipped with its output.
_RUN_AUTHMD = re.compile(r"^authmd (lint|init|migrate|schema|provider (keygen|jwks|mint)|--version|-V|--help)\b")
_RUN_SHELL = ("echo", "cat", "printf", "mkdir", "rm", "cp", "ls", "test")
_LINT_KEYS = {"select", "ignore", "severity", "extension-keys", "per-file-ignores", "strict", "format"}


def _ids(b: Block) -> str:
    return b.where


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("GITHUB_ACTIONS", "NO_COLOR", "FORCE_COLOR", "AUTHMD_DEBUG", "TERM")}
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def _runnable(command: str) -> bool:
    first = command.split("|", maxsplit=1)[0].strip()
    if _RUN_AUTHMD.match(first):
        return True
    return first.split(" ")[0] in _RUN_SHELL


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Path]:
    """One scratch directory per document, holding a copy of examples/ (commands cite examples/…)."""
    out: dict[Path, Path] = {}
    for doc in DOCS:
        where = tmp_path_factory.mktemp(doc.stem)
        shutil.copytree(REPO / "examples", where / "examples")
        out[doc] = where
    return out


CONSOLE = [b for b in ALL_BLOCKS if b.lang == "console" and "$ " in b.text]


_SERVER = re.compile(r"^authmd (provider )?serve\b")


def _banner(command: str, cwd: Path) -> list[str]:
    """A server's start-up lines (up to "Press Ctrl-C to stop."); the server is then stopped."""
    lines: list[str] = []
    with subprocess.Popen(["bash", "-c", f"exec {command} 2>&1"], cwd=cwd, env=_env(), stdout=subprocess.PIPE,
                          text=True) as proc:
        try:
            assert proc.stdout is not None
            for line in proc.stdout:  # ends when the server prints its last banner line, or exits
                lines.append(line.rstrip("\n"))
                if line.startswith("Press Ctrl-C to stop."):
                    break
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    return lines


@pytest.mark.parametrize("block", CONSOLE, ids=_ids)
def test_console_sessions_run_as_written(block: Block, workspaces: dict[Path, Path]) -> None:
    cwd = workspaces[block.doc]
    ran = 0
    for step in console_steps(block):
        if _SERVER.match(step.command) and step.expected:
            # A server's banner is checked too: on a free port, stopped once it has printed it.
            port = str(_free_port())
            actual = _banner(step.command.replace("8765", port).replace("4000", port), cwd)
            expected = [e.replace("8765", port).replace("4000", port) for e in step.expected]
            assert output_matches(expected, actual), (
                f"{block.doc.name}:{step.line}: `{step.command}`: documented banner differs\n"
                + "\n".join(expected) + "\n--- actual\n" + "\n".join(actual))
            ran += 1
            continue
        if not _runnable(step.command):
            continue
        proc = subprocess.run(["bash", "-c", step.command + " 2>&1"], cwd=cwd, env=_env(), capture_output=True,
                              text=True, timeout=120, check=False)
        ran += 1
        out = proc.stdout
        where = f"{block.doc.name}:{step.line}: `{step.command}`"
        assert "Traceback" not in out and "internal error" not in out, f"{where}\n{out}"
        if step.expected:
            assert output_matches(step.expected, out.splitlines()), (
                f"{where}: documented output differs\n--- documented\n" + "\n".join(step.expected)
                + "\n--- actual\n" + out)
        elif proc.returncode not in (0, 1):
            pytest.fail(f"{where}: exit {proc.returncode}\n{out}")
    if ran == 0:
        pytest.skip("nothing runnable offline in this block")


SYNOPSES = [b for b in ALL_BLOCKS if b.lang == "console" and "$ " not in b.text]


def _help(words: list[str]) -> str | None:
    proc = subprocess.run([str(BIN / "authmd"), *words, "--help"], capture_output=True, text=True, env=_env(),
                          timeout=60, check=False)
    return proc.stdout if proc.returncode == 0 else None


@pytest.mark.parametrize("block", SYNOPSES, ids=_ids)
def test_synopses_name_real_options(block: Block) -> None:
    checked = 0
    for raw in block.text.splitlines():
        line = raw.split("  #", 1)[0].strip()
        if not line.startswith("authmd "):
            continue
        words = [w for w in shlex.split(line.replace("[", " ").replace("]", " ").replace("|", " "))]
        path: list[str] = []
        for w in words[1:]:
            if w.startswith("-") or not re.fullmatch(r"[a-z]+", w):
                break
            if _help([*path, w]) is None:
                break
            path.append(w)
        if not path:
            continue  # a command this build does not have (another branch documents it)
        text = _help(path) or ""
        for option in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", line):
            assert re.search(rf"(?<![\w-]){re.escape(option)}\b", text), (
                f"{block.where}: `authmd {' '.join(path)}` has no option {option}")
            checked += 1
    if checked == 0:
        pytest.skip("no option to check")


YAML = [b for b in ALL_BLOCKS if b.lang in ("yaml", "yml")]


@pytest.mark.parametrize("block", YAML, ids=_ids)
def test_yaml_snippets_are_valid_for_what_they_configure(block: Block, tmp_path: Path) -> None:
    data: Any = yaml.safe_load(block.text)
    if isinstance(data, dict) and "service" in data:
        from authmd_cli.site.config import load_config

        load_config(block.text, block.where)
    elif isinstance(data, dict) and _LINT_KEYS & set(data):
        from authmd_cli.lint.config import Overrides, merge, parse_config

        merge(parse_config(block.text, block.where, kind="yaml"), Overrides())  # rule names resolve too
    elif isinstance(data, dict) and "repos" in data:
        hooks = {h["id"] for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
        for repo in data["repos"]:
            for hook in repo.get("hooks", []):
                assert hook["id"] in hooks, f"{block.where}: no hook {hook['id']!r} in .pre-commit-hooks.yaml"
    else:
        assert data is not None, f"{block.where}: empty YAML block"
    for step in data if isinstance(data, list) else data.get("steps", []) if isinstance(data, dict) else []:
        uses = step.get("uses", "") if isinstance(step, dict) else ""
        if uses.startswith("authmd/authmd"):  # this repository's own Action
            assert (REPO / "action.yml").is_file()
            with_ = step.get("with", {}) or {}
            inputs = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))["inputs"]
            assert set(with_) <= set(inputs), f"{block.where}: unknown Action inputs {set(with_) - set(inputs)}"


JSON = [b for b in ALL_BLOCKS if b.lang == "json"]


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return None


@pytest.mark.parametrize("block", JSON, ids=_ids)
def test_json_snippets_are_strict_and_shaped_like_the_real_output(block: Block, tmp_path: Path) -> None:
    documented = json.loads(block.text)
    if block.marker != "shape-of":
        return
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    proc = subprocess.run(["bash", "-c", block.marker_arg], cwd=tmp_path, env=_env(), capture_output=True,
                          text=True, timeout=60, check=False)
    real = json.loads(proc.stdout)

    def keys(doc: Any, real: Any, at: str) -> None:
        if isinstance(doc, dict):
            assert isinstance(real, dict), f"{block.where}: {at} is not an object in the real output"
            assert set(doc) == set(real), f"{block.where}: members of {at or '/'}: documented {sorted(doc)}, " \
                                          f"real {sorted(real)}"
            for k in doc:
                keys(doc[k], real[k], f"{at}/{k}")
        elif isinstance(doc, list) and doc and isinstance(real, list) and real:
            keys(doc[0], real[0], f"{at}/0")

    keys(_shape(documented), _shape(real), "")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SCRIPTS = [b for b in ALL_BLOCKS if b.marker == "run"]


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("curl") is None, reason="the documented scripts use curl")
@pytest.mark.parametrize("block", SCRIPTS, ids=_ids)
def test_documented_scripts_run(block: Block, tmp_path: Path) -> None:
    script = block.text.replace("8765", str(_free_port())).replace("4000", str(_free_port()))
    proc = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=_env(), capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, f"{block.where}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"


def test_every_document_has_checked_blocks() -> None:
    """The conventions are in use: README has runnable sessions, sandbox.md a script."""
    assert any(b.doc.name == "README.md" for b in CONSOLE)
    assert any(b.doc.name == "sandbox.md" for b in SCRIPTS)
