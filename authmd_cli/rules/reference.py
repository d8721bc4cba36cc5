"""The rule reference page (`docs/rules.md`), generated from the registry.

Every diagnostic links to `docs/rules.md#<code>-<name>` (diagnostics.rule_doc_url), so the page
is built from the same docstrings `authmd lint --explain` prints and a test keeps the committed
file in step: `python -m authmd_cli.rules.reference > docs/rules.md`.
"""

from __future__ import annotations

from collections.abc import Mapping

from authmd_cli.rules.base import Rule

_FAMILY_TITLES = {
    "TL": "Tool: the input itself, directives, the engine",
    "MD": "Markdown structure of auth.md",
    "EX": "Examples inside auth.md",
    "DS": "Discovery documents (PRM and AS metadata)",
    "XD": "Cross-document consistency",
    "GN": "Protocol generations and dialects",
    "SC": "Security",
}


def render_reference(registry: Mapping[str, Rule]) -> str:
    out = [
        "# authmd rule reference",
        "",
        "Generated from the rule registry (`python -m authmd_cli.rules.reference > docs/rules.md`); do not edit.",
        "Codes are stable and never reused. `authmd lint --explain CODE` prints the same text.",
        "",
        "| Code | Name | Severity | Summary |",
        "| --- | --- | --- | --- |",
    ]
    rules = [registry[c] for c in sorted(registry)]
    for r in rules:
        anchor = f"{r.code.lower()}-{r.name}"
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
    from authmd_cli.rules import REGISTRY

    print(render_reference(REGISTRY), end="")
