"""Findings per document over the real-style corpus (issue 11): precision and noise, not speed.

Lints every fixture of tests/fixtures/wild (a file alone, a directory as a site, nothing pinned)
and any extra paths given, and prints one line per document: its findings by code. For corpus
fixtures it scores them against tests/fixtures/wild/expected.json:

  true      a finding the fixture expects (code, file, line)
  repeated  an unexpected finding of a rule the fixture expects (the same root cause again)
  false     any other unexpected finding
  missed    an expected finding that did not come

The target (issue 11) is no document with more than 12 findings unless it has more than 12
distinct defects; documents above it are marked `!`. The engine is imported from the source tree
this script belongs to, or from `--root DIR` (e.g. an older checkout, for before/after figures).

Usage: python bench/corpus.py [--root DIR] [--json] [PATH ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
WILD = HERE / "tests" / "fixtures" / "wild"
LIMIT = 12


def _findings(path: Path, base: Path) -> dict[str, list[str]]:
    from authmd_cli.lint.engine import LintOptions, lint_paths

    report = lint_paths([str(path)], LintOptions())
    out: dict[str, list[str]] = {}
    for info in report.documents:
        out.setdefault(info.source, [])
    for d in report.diagnostics:
        rel = Path(d.location.source).resolve()
        try:
            name = rel.relative_to(base.resolve()).as_posix()
        except ValueError:
            name = d.location.source
        out.setdefault(d.location.source, []).append(f"{d.code} {name}:{d.location.line}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", help="extra files or site directories (examples/, demo-site/)")
    ap.add_argument("--root", help="import authmd_cli from this checkout instead")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(Path(args.root).resolve() if args.root else HERE))

    expected: dict[str, list[str]] = json.loads((WILD / "expected.json").read_text(encoding="utf-8"))["fixtures"]
    totals: Counter[str] = Counter()
    rows: list[dict[str, object]] = []
    for name in sorted(expected):
        path = WILD / name
        base = path if path.is_dir() else path.parent
        per_doc = _findings(path, base)
        actual = Counter(f for fs in per_doc.values() for f in fs)
        want = Counter(expected[name])
        true = actual & want
        extra = actual - want
        rules = {e.split()[0] for e in want}
        repeated = sum(n for f, n in extra.items() if f.split()[0] in rules)
        score = {"true": sum(true.values()), "repeated": repeated, "false": sum(extra.values()) - repeated,
                 "missed": sum((want - actual).values())}
        totals.update(score)
        for source, fs in per_doc.items():
            rows.append({"fixture": name, "document": source, "findings": len(fs),
                         "codes": dict(Counter(f.split()[0] for f in fs)), **score})
    for extra_path in args.paths:
        path = Path(extra_path)
        for source, fs in _findings(path, path if path.is_dir() else path.parent).items():
            rows.append({"fixture": extra_path, "document": source, "findings": len(fs),
                         "codes": dict(Counter(f.split()[0] for f in fs))})
            totals["extra-paths findings"] += len(fs)
    over = [r for r in rows if int(str(r["findings"])) > LIMIT]
    if args.json:
        print(json.dumps({"totals": dict(totals), "documents": rows, "over_limit": len(over)}, indent=2))
        return 0
    for r in rows:
        mark = "!" if int(str(r["findings"])) > LIMIT else " "
        codes = ", ".join(f"{c}×{n}" if n > 1 else c for c, n in sorted(dict(r["codes"]).items()))  # type: ignore[call-overload]
        print(f"{mark} {r['findings']:>3}  {r['document']}  {codes}")
    print(f"\ncorpus: {totals['true']} true, {totals['false']} false, {totals['repeated']} repeated, "
          f"{totals['missed']} missed; documents over {LIMIT} findings: {len(over)}")
    if args.paths:
        print(f"extra paths: {totals['extra-paths findings']} findings")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
