"""Rule documentation as text: the reference page (`docs/rules.md`), `--list-rules` and `--explain`.

Every diagnostic links to `docs/rules.md#<code>-<name>` (diagnostics.rule_doc_url, the one place
the link is built), so the page is built from the same docstrings `authmd lint --explain` prints
and a test keeps the committed file in step: `python -m authmd_cli.lint.rules.reference > docs/rules.md`.
The CLI only prints what these functions return.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from authmd_cli.core.diagnostics import rule_doc_url
from authmd_cli.lint.rules.base import Rule

_FAMILY_TITLES = {
    "TL": "Tool: the input itself, directives, the engine",
    "MD": "Markdown structure of auth.md",
    "EX": "Examples inside auth.md",
    "DS": "Discovery documents (PRM and AS metadata)",
    "XD": "Cross-document consistency",
    "GN": "Protocol generations and dialects",
    "SC": "Security",
    "PR": "Probe transport (HTTP exchanges of `authmd probe`)",
}


def _anchor(r: Rule) -> str:
    return rule_doc_url(r.code, r.name).rsplit("#", 1)[1]


def list_text(rules: Iterable[Rule]) -> str:
    """`--list-rules`: aligned CODE / NAME / SEVERITY columns, then the summary."""
    rows = [(r.code, r.name + (" (retired)" if r.retired else ""), r.severity.value, r.summary) for r in rules]
    header = ("CODE", "NAME", "SEVERITY", "SUMMARY")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)) + "  " + row[3]
                     for row in [header, *rows])


def explain_dict(r: Rule) -> dict[str, Any]:
    """`--explain --format json`: the registry entry, its documentation and its link."""
    return {**r.to_dict(), "doc": r.doc, "doc_url": rule_doc_url(r.code, r.name)}


def explain_text(r: Rule) -> str:
    """`--explain`: a header of facts, a blank line, the rule's documentation."""
    lines = [
        f"{r.code} {r.name}" + (" (retired)" if r.retired else ""),
        f"severity: {r.severity.value}",
        f"scope: {r.scope}",
        f"spec: {r.spec}",
        f"docs: {rule_doc_url(r.code, r.name)}",
    ]
    if r.aliases:
        lines.append(f"aliases: {', '.join(r.aliases)}")
    return "\n".join([*lines, "", r.doc])


def render_reference(registry: Mapping[str, Rule]) -> str:
    out = [
        "# authmd rule reference",
        "",
        "Generated from the rule registry (`python -m authmd_cli.lint.rules.reference > docs/rules.md`); do not edit.",
        "Codes are stable and never reused. `authmd lint --explain CODE` prints the same text.",
        "",
        "| Code | Name | Severity | Summary |",
        "| --- | --- | --- | --- |",
    ]
    rules = [registry[c] for c in sorted(registry)]
    for r in rules:
        anchor = _anchor(r)
        summary = r.summary.replace("|", "\\|")
        out.append(f"| [{r.code}](#{anchor}) | `{r.name}` | {r.severity.value} | {summary} |")
    family = ""
    for r in rules:
        if r.code[:2] != family:
            family = r.code[:2]
            out += ["", f"## {family}: {_FAMILY_TITLES.get(family, family)}"]
        out += ["", f"### {r.code} {r.name}", ""]
        meta = f"Severity: **{r.severity.value}** · scope: {r.scope} · spec: {r.spec}"
        if r.aliases:
            meta += " · aliases: " + ", ".join(f"`{a}`" for a in r.aliases)
        if r.no_registration:
            meta += " · also runs under `no-registration`"
        out += [meta, "", r.doc]
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    from authmd_cli.lint.rules import REGISTRY

    print(render_reference(REGISTRY), end="")
