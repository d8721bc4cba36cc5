"""`--jobs N` and the streaming `lint_paths`: the same report, in the same order, as one process
linting every document at once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from authmd_cli.cli.app import app
from authmd_cli.core.diagnostics import Report, Severity
from authmd_cli.core.errors import InputError
from authmd_cli.lint.engine import LintOptions, lint_documents, lint_paths
from authmd_cli.lint.loader import plan_inputs, read_inputs
from authmd_cli.lint.pool import default_jobs, ordered_map

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _tree(tmp_path: Path) -> Path:
    """Many sites of every profile and dialect, some spoiled, plus loose and lone files."""
    root = tmp_path / "tree"
    for n in range(3):
        for group in ("profiles", "dialects"):
            for src in sorted((FIXTURES / group).iterdir()):
                shutil.copytree(src, root / f"{n}-{group}-{src.name}")
    spoiled = root / "0-profiles-v0.7-B" / "auth.md"
    spoiled.write_text(spoiled.read_text(encoding="utf-8").replace("## Step 2 — Pick a method", "## 2. Pick a method")
                       + "\n<!-- authmd-disable-next-line MD999 -->\n```json\n{\"a\": 1,}\n```\n", encoding="utf-8")
    (root / "1-profiles-v0.6" / ".well-known" / "oauth-protected-resource").write_text("{not json", encoding="utf-8")
    (root / "lone").mkdir()
    shutil.copy(FIXTURES / "not-protocol" / "cli-login.auth.md", root / "lone" / "auth.md")
    (root / "bytes").mkdir()
    (root / "bytes" / "auth.md").write_bytes(b"# auth.md\n\n\xff\xfe broken\n")
    shutil.copy(FIXTURES / "json" / "v0.6" / "as.json", root / "tenant-oauth-authorization-server.json")
    return root


def _dump(report: Report) -> str:
    return json.dumps(report.to_dict())


@pytest.mark.parametrize("options", [
    LintOptions(),
    LintOptions(profile="v0.7-A", ignore=("MD005",), severity={"GN001": Severity.ERROR},
                per_file_ignores={"*.json": ("DS",)}),
])
def test_jobs_give_the_report_of_one_process_in_the_same_order(tmp_path: Path, options: LintOptions) -> None:
    root = _tree(tmp_path)
    one = lint_paths([str(root)], options, jobs=1)
    two = lint_paths([str(root)], options, jobs=2)
    three = lint_paths([str(root)], options, jobs=3)
    assert len(one.documents) > 60 and len(one.diagnostics) > 20  # a real workload, with findings
    assert _dump(two) == _dump(one)
    assert _dump(three) == _dump(one)


def test_streaming_equals_linting_every_document_at_once(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    extra = FIXTURES / "md" / "v0.7-B.auth.md"
    paths = [str(root), str(extra), str(FIXTURES / "json" / "v0.7-B" / "prm.json")]
    inputs = read_inputs(paths)
    at_once = lint_documents(inputs.documents, inputs.sites, LintOptions())
    assert len(plan_inputs(paths)) > 40  # it really is split into units
    assert _dump(lint_paths(paths, LintOptions())) == _dump(at_once)
    assert _dump(lint_paths(paths, LintOptions(), jobs=2)) == _dump(at_once)
    # The files given together still form one site (cross-document rules ran on them).
    assert any(s.root == "(files given together)" for s in inputs.sites)


def test_cli_jobs_output_is_identical(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    runner = CliRunner()
    outs = [runner.invoke(app, ["lint", "--no-config", "--format", "json", "--jobs", j, str(root)]) for j in "12"]
    assert outs[0].exit_code == outs[1].exit_code == 1
    assert outs[0].stdout == outs[1].stdout
    default = runner.invoke(app, ["lint", "--no-config", "--format", "json", str(root)])
    assert default.stdout == outs[0].stdout
    bad = runner.invoke(app, ["lint", "--jobs", "0", str(root)])
    assert bad.exit_code == 2


def test_missing_path_is_still_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        lint_paths([str(tmp_path / "nope.md")], LintOptions(), jobs=2)


def _square_or_fail(n: int) -> int:
    if n == 7:
        raise InputError("seven", source=f"item{n}")
    return n * n


def test_ordered_map_keeps_order_and_raises_at_the_failing_item() -> None:
    assert list(ordered_map(_square_or_fail, list(range(7)), jobs=2)) == [n * n for n in range(7)]
    results = ordered_map(_square_or_fail, list(range(20)), jobs=2)
    got = [next(results) for _ in range(7)]
    assert got == [n * n for n in range(7)]
    with pytest.raises(InputError, match="seven") as err:
        next(results)
    assert err.value.source == "item7"  # the worker's exception arrives whole
    assert default_jobs() >= 1
