"""Start-up and throughput benchmark (speed is measured here, never asserted in tests).

Reports, as the median of N runs of fresh interpreters:
  - `python -c pass`                         (the floor)
  - importing the seven chosen dependencies eagerly (the cost lazy imports avoid)
  - `authmd --version`, `authmd --help`
  - `authmd lint` of one auth.md file, and of one site (auth.md + PRM + AS metadata)
and lint throughput in files/s over a generated corpus of 1,000 files (one process).

The commands are run round-robin (run 1 of every command, then run 2, ...), so a burst of load on
a shared machine hits every line alike instead of one. Children import the source tree this
script belongs to (or `--root`), whatever `authmd` is installed, so two checkouts can be compared.

Bytecode matters (~30 authmd modules recompiled on every run otherwise): with
PYTHONDONTWRITEBYTECODE set the interpreter never writes `__pycache__`, so by default the bench
writes it once with `python -m compileall -q authmd_cli` into the normal location, and prints
whether it did. `--no-warm` measures whatever is (or is not) cached.

Usage: python bench/startup.py [--runs 15] [--corpus 1000] [--json] [--no-warm] [--root DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EAGER = ("import typer, rich.console, httpx, yaml, jsonschema, markdown_it, jwt")


def _time_all(cmds: dict[str, list[str]], runs: int, cwd: Path, env: dict[str, str]) -> dict[str, float]:
    """Median wall time (ms) of each command, the commands run round-robin `runs` times."""
    samples: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(runs):
        for name, cmd in cmds.items():
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=False)
            samples[name].append(time.perf_counter() - t0)
            if proc.returncode not in (0, 1):
                raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
    return {name: statistics.median(times) * 1000 for name, times in samples.items()}


def _warm_bytecode(root: Path) -> str:
    """Compile authmd_cli into __pycache__ (the normal location) and say what the runs will see."""
    dont_write = os.environ.get("PYTHONDONTWRITEBYTECODE", "")
    prefix = os.environ.get("PYTHONPYCACHEPREFIX", "")
    setting = f"PYTHONDONTWRITEBYTECODE={dont_write or '(unset)'}"
    if prefix:
        setting += f", PYTHONPYCACHEPREFIX={prefix}"
    # py_compile writes the .pyc whatever PYTHONDONTWRITEBYTECODE says; the interpreter still reads it.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "authmd_cli")], check=True)
    return f"bytecode cached (compileall authmd_cli); {setting}"


def _bytecode_state(root: Path) -> str:
    sources = list((root / "authmd_cli").rglob("*.py"))
    tag = sys.implementation.cache_tag
    cached = sum((p.parent / "__pycache__" / f"{p.stem}.{tag}.pyc").is_file() for p in sources)
    dont_write = os.environ.get("PYTHONDONTWRITEBYTECODE", "") or "(unset)"
    return f"bytecode not warmed: {cached}/{len(sources)} modules cached; PYTHONDONTWRITEBYTECODE={dont_write}"


def _make_site(base: Path) -> Path:
    site = base / "site"
    src = ROOT / "tests" / "fixtures" / "profiles" / "v0.7-B"
    if src.is_dir():
        shutil.copytree(src, site)
    else:  # pragma: no cover - fixtures ship with the repo
        site.mkdir()
        (site / "auth.md").write_text("# auth.md\n\nNothing here.\n", encoding="utf-8")
    return site


def _corpus(base: Path, n: int, site: Path) -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in (site / "auth.md", *sorted((site / ".well-known").glob("*")))
             if p.is_file()]
    names = ["auth.md", "oauth-protected-resource.json", "oauth-authorization-server.json"]
    out = []
    corpus = base / "corpus"
    corpus.mkdir()
    for i in range(n):
        k = i % len(texts)
        d = corpus / f"s{i:04d}"
        d.mkdir()
        p = d / names[k]
        p.write_text(texts[k], encoding="utf-8")
        out.append(str(p))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--corpus", type=int, default=1000)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--no-warm", action="store_true", help="do not compile authmd_cli to bytecode first")
    ap.add_argument("--root", type=Path, default=ROOT, help="source tree to measure (default: this one)")
    args = ap.parse_args()
    root = args.root.resolve()
    py = sys.executable
    bytecode = _bytecode_state(root) if args.no_warm else _warm_bytecode(root)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        site = _make_site(base)
        one = str(site / "auth.md")
        prm = str(site / ".well-known" / "oauth-protected-resource")
        lint = [py, "-m", "authmd_cli", "lint", "--no-config"]
        results = _time_all({
            "python -c pass": [py, "-c", "pass"],
            "eager import of the 7 dependencies": [py, "-c", EAGER],
            "authmd --version": [py, "-m", "authmd_cli", "--version"],
            "authmd --help": [py, "-m", "authmd_cli", "--help"],
            "authmd lint auth.md (1 file)": [*lint, one],
            "authmd lint PRM (1 file)": [*lint, prm],
            "authmd lint site/ (3 files)": [*lint, str(site)],
        }, args.runs, base, env)
        files = _corpus(base, args.corpus, site)
        sys.path.insert(0, str(root))
        from authmd_cli.lint.engine import LintOptions, lint_paths

        lint_paths(files[:3], LintOptions())  # warm imports and caches: we measure steady state
        t0 = time.perf_counter()
        report = lint_paths(files, LintOptions())
        elapsed = time.perf_counter() - t0
        throughput = {"files": len(files), "seconds": round(elapsed, 3),
                      "files_per_second": round(len(files) / elapsed, 1),
                      "diagnostics": len(report.diagnostics)}
    if args.json:
        print(json.dumps({"bytecode": bytecode, "wall_ms": {k: round(v, 1) for k, v in results.items()},
                          "throughput": throughput}, indent=2))
        return
    width = max(map(len, results))
    print(f"median of {args.runs} runs, wall time of a fresh interpreter ({sys.version.split()[0]}), {root}")
    print(f"  {bytecode}")
    for name, ms in results.items():
        print(f"  {name:<{width}}  {ms:7.1f} ms")
    print(f"lint throughput: {throughput['files']} files in {throughput['seconds']} s = "
          f"{throughput['files_per_second']} files/s ({throughput['diagnostics']} diagnostics)")


if __name__ == "__main__":
    main()
