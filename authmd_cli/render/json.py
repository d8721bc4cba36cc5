"""The JSON report: `Report.to_dict()` plus the producing tool. A stable contract.

Shape (README "JSON output"): `version` (REPORT_VERSION, bumped only on a breaking change),
`tool` {name, version}, `documents[]`, `diagnostics[]`, `summary`. Keys keep the order
`to_dict()` gives them; 2-space indent; ASCII-only (non-ASCII is \\u-escaped) so the bytes do
not depend on the stream's encoding; one trailing newline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TextIO

from authmd_cli.core.diagnostics import Report

if TYPE_CHECKING:
    from authmd_cli.core.diagnostics import RuleInfo

TOOL_NAME = "authmd"


def report_document(report: Report, tool_version: str) -> dict[str, Any]:
    body = report.to_dict()
    out: dict[str, Any] = {"version": body.pop("version"),
                           "tool": {"name": TOOL_NAME, "version": tool_version}}
    out.update(body)
    return out


def render(report: Report, *, stream: TextIO, color: bool | None, rules: Mapping[str, RuleInfo] | None,
           tool_version: str, environ: Mapping[str, str]) -> None:
    stream.write(json.dumps(report_document(report, tool_version), indent=2, ensure_ascii=True))
    stream.write("\n")
