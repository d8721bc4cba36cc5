"""Fenced blocks of the project's Markdown documents, and how the documentation test treats them.

Conventions (docs/contributing.md, "Documentation that runs"):

* ```` ```console ```` with `$ ` prompts: each command runs in a scratch copy of `examples/` (one per
  document, in order, so later commands see earlier files); the lines up to the next prompt are its
  expected output (stdout and stderr together). A line `…` or `...` stands for any number of lines; `…`
  inside a line stands for any text. Only commands the test can run offline and briefly are run
  (`authmd lint|init|migrate|schema|provider keygen|jwks|mint`, `--version`, `--help`, and simple shell
  helpers);
  other lines (`make`, `pip`, `curl`, probes) are skipped with their outputs. A server command shown with
  its banner is started on a free port, the banner compared, and the server stopped.
* ```` ```console ```` without prompts is a synopsis: every `--option` it names must exist in that
  command's `--help` (a command this build does not have is skipped, so other branches' docs merge cleanly).
* ```` ```yaml ```` is parsed; a lint config (`select:`, `ignore:`, …) and a service config (`service:`) are
  validated by the real loaders; a pre-commit config's hook ids must exist in `.pre-commit-hooks.yaml`.
* ```` ```json ```` must be strict JSON; preceded by `<!-- authmd-docs: shape-of COMMAND -->` its member
  names (recursively) must be those of COMMAND's real JSON output.
* `<!-- authmd-docs: run -->` before a ```` ```sh ```` block: the script runs with bash (ports 8765 and 4000
  are replaced by free ones) and must exit 0.
* `<!-- authmd-docs: skip -->` before any block: not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^`\n]*)$")
_MARKER = re.compile(r"<!--\s*authmd-docs:\s*(?P<what>[a-z-]+)(?P<arg>[^>]*?)\s*-->")


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int  # 1-based line of the opening fence
    lang: str
    text: str
    marker: str | None = None  # "skip", "run", "shape-of"
    marker_arg: str = ""

    @property
    def where(self) -> str:
        return f"{self.doc.relative_to(REPO)}:{self.line}"


def blocks(doc: Path) -> list[Block]:
    """Every fenced block of `doc`, with the authmd-docs marker on the nearest non-blank line above it."""
    lines = doc.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, lang = m.group("fence"), m.group("info").strip().split(" ")[0]
        start = i
        i += 1
        body: list[str] = []
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i])
            i += 1
        i += 1
        above = next((lines[j] for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        mark = _MARKER.search(above)
        out.append(Block(doc, start + 1, lang, "\n".join(body) + "\n",
                         mark.group("what") if mark else None, mark.group("arg").strip() if mark else ""))
    return out


@dataclass(frozen=True)
class Step:
    command: str
    expected: list[str]  # empty: no output shown
    line: int


def console_steps(block: Block) -> list[Step]:
    """`$ cmd` (with `\\` continuations) and the output lines that follow it."""
    steps: list[Step] = []
    lines = block.text.splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            i += 1
            continue
        line_no = block.line + 1 + i
        cmd = lines[i][2:]
        while cmd.endswith("\\") and i + 1 < len(lines):
            i += 1
            cmd = cmd[:-1] + " " + lines[i].strip()
        i += 1
        expected: list[str] = []
        while i < len(lines) and not lines[i].startswith("$ "):
            expected.append(lines[i])
            i += 1
        while expected and not expected[-1].strip():
            expected.pop()
        steps.append(Step(cmd, expected, line_no))
    return steps


def _line_pattern(expected: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in expected.rstrip().split("…")]
    return re.compile("^" + ".*".join(parts) + "$")


def output_matches(expected: list[str], actual: list[str]) -> bool:
    """Expected lines against actual ones: a line `…`/`...` skips any number of lines; `…` within a line
    matches any text."""
    actual = [a.rstrip() for a in actual]

    def match(e: int, a: int) -> bool:
        if e == len(expected):
            return a == len(actual)
        if expected[e].strip() in ("…", "..."):
            return any(match(e + 1, k) for k in range(a, len(actual) + 1))
        return a < len(actual) and bool(_line_pattern(expected[e]).match(actual[a])) and match(e + 1, a + 1)

    return match(0, 0)
