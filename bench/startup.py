"""Start-up and throughput benchmark (speed is measured here, never asserted in tests).

Reports, as the median of N runs of fresh interpreters:
  - `python -c pass`                         (the floor)
  - importing the seven chosen dependencies eagerly (the cost lazy imports avoid)
  - `authmd --version`, `authmd --help`
  - `authmd lint` of one auth.md file, and of one site (auth.md + PRM + AS metadata)
and lint throughput in files/s over a generated corpus of 1,000 files (one process).

Usage: python bench/startup.py [--runs 15] [--corpus 1000] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EAGER = ("import typer, rich.console, httpx, yaml, jsonschema, markdown_it, jwt")


def _time(cmd: list[str], runs: int, cwd: Path) -> float:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)
        samples.append(time.perf_counter() - t0)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
    return statistics.median(samples) * 1000


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
    args = ap.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        site = _make_site(base)
        one = str(site / "auth.md")
        results = {
            "python -c pass": _time([py, "-c", "pass"], args.runs, base),
            "eager import of the 7 dependencies": _time([py, "-c", EAGER], args.runs, base),
            "authmd --version": _time([py, "-m", "authmd_cli", "--version"], args.runs, base),
            "authmd --help": _time([py, "-m", "authmd_cli", "--help"], args.runs, base),
            "authmd lint auth.md (1 file)": _time([py, "-m", "authmd_cli", "lint", "--no-config", one],
                                                  args.runs, base),
            "authmd lint site/ (3 files)": _time([py, "-m", "authmd_cli", "lint", "--no-config", str(site)],
                                                 args.runs, base),
        }
        files = _corpus(base, args.corpus, site)
        sys.path.insert(0, str(ROOT))
        from authmd_cli.lint import LintOptions, lint_paths

        lint_paths(files[:3], LintOptions())  # warm imports and caches: we measure steady state
        t0 = time.perf_counter()
        report = lint_paths(files, LintOptions())
        elapsed = time.perf_counter() - t0
        throughput = {"files": len(files), "seconds": round(elapsed, 3),
                      "files_per_second": round(len(files) / elapsed, 1),
                      "diagnostics": len(report.diagnostics)}
    if args.json:
        print(json.dumps({"wall_ms": {k: round(v, 1) for k, v in results.items()}, "throughput": throughput},
                         indent=2))
        return
    width = max(map(len, results))
    print(f"median of {args.runs} runs, wall time of a fresh interpreter ({sys.version.split()[0]})")
    for name, ms in results.items():
        print(f"  {name:<{width}}  {ms:7.1f} ms")
    print(f"lint throughput: {throughput['files']} files in {throughput['seconds']} s = "
          f"{throughput['files_per_second']} files/s ({throughput['diagnostics']} diagnostics)")


if __name__ == "__main__":
    main()
