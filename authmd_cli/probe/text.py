"""The human output of `authmd probe`: the step trace (like an OAuth debugger), then the findings
in lint's text format, then the generation, the capability table and the one-line verdict.

It reads only `ProbeReport.to_dict()` (the JSON the other formats are built from), so the text and
JSON outputs cannot disagree. Everything printed here came from the network: control characters
are shown escaped, and URLs and headers are already scrubbed of secrets by the trace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TextIO

from authmd_cli.core.display import printable

# Trace headers worth a line of their own (the rest are in the JSON report).
_SHOWN = ("location", "www-authenticate", "retry-after")
_STEP_WIDTH = 20


def visible(text: str) -> str:
    return printable(text)


def trace_lines(trace: list[dict[str, Any]]) -> list[str]:
    """`  3 GET  200  12.1 ms   1.2 kB  prm          http://…  (from the 401 challenge)`."""
    out = []
    for hop in trace:
        status = str(hop["status"]) if hop["status"] is not None else "---"
        size = _size(hop["bytes"])
        mark = " *" if hop["side_effect"] else ""
        note = f"  ({hop['note']})" if hop.get("note") else ""
        out.append(visible(f"{hop['index']:>3} {hop['method']:<5}{status:>4} {hop['ms']:>8.1f} ms {size:>8}  "
                           f"{hop['step']:<{_STEP_WIDTH}} {hop['url']}{mark}{note}"))
        headers = hop["headers"]
        ctype = headers.get("content-type")
        if ctype:
            out.append(visible(f"{'':>38}content-type: {ctype}"))
        for name in _SHOWN:
            if name in headers:
                out.append(visible(f"{'':>38}{name}: {headers[name]}"))
        for r in hop["redirects"]:
            out.append(visible(f"{'':>38}redirect {r['status']} {r['url']} -> {r['location']}"))
        if hop["error"]:
            out.append(visible(f"{'':>38}error {hop['error']['kind']}: {hop['error']['message']}"))
    return out


def _size(n: int) -> str:
    return f"{n} B" if n < 1000 else f"{n / 1000:.1f} kB"


def _cell(cell: Mapping[str, Any] | None) -> str:
    if cell is None:
        return "-"
    marks = "".join(letter if cell[key] else "." for key, letter in
                    (("advertised", "A"), ("documented", "D"), ("verified", "V")))
    if cell["verified"] is None:
        marks = marks[:2]
    if cell["broken_by"]:
        marks += " !" + ",".join(cell["broken_by"])
    return marks


def capability_lines(rows: list[dict[str, Any]]) -> list[str]:
    from authmd_cli.probe.capability import STEPS

    table = [["method", *STEPS]]
    for row in rows:
        name = row["method"] + ("" if row["offered"] else " (not offered)")
        table.append([name, *(_cell(row["steps"][s]) for s in STEPS)])
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in table]
    return [*lines, "  A advertised in the metadata, D documented in auth.md, V verified live (--active), "
                    "- not part of this method or generation, !CODE broken by that finding"]


def render(doc: dict[str, Any], findings_text: str, stream: TextIO) -> None:
    """Write one target's report; `findings_text` is lint's text rendering of its diagnostics."""
    target = doc["target"]
    head = f"authmd probe {target['given']}"
    if target["api"] and target["api"] != target["given"]:
        head += f" (API {target['api']})"
    gen = doc["generation"]
    lines = [visible(head), "", "trace (* = request with possible side effects)", *trace_lines(doc["trace"]), "",
             findings_text.rstrip("\n"), ""]
    profile = gen["profile"] or "unknown"
    lines.append(visible(f"generation: {profile}" + (f", dialect {gen['dialect']}" if gen["dialect"] else "")))
    lines.append(f"requests with side effects: {doc['requests_with_side_effects']}")
    if doc.get("not_checkable"):
        lines.append(visible("not checkable (URI templates, not fetched): " + ", ".join(doc["not_checkable"])))
    if doc["capabilities"] and doc["reachable"] and not gen["no_registration"] and not doc.get("not_assessed"):
        lines += ["capabilities:", *capability_lines(doc["capabilities"])]
    lines.append(visible(f"verdict: {doc['verdict']}"))
    stream.write("\n".join(lines) + "\n")
