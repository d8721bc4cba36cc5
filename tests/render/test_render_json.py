"""JSON renderer: the stable report contract."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

from authmd_cli.core.diagnostics import REPORT_VERSION, Report
from authmd_cli.render import render

VERSION = "9.8.7"


def json_of(report: Report, version: str = VERSION) -> str:
    out = io.StringIO()
    render(report, "json", stream=out, tool_version=version, environ={})
    return out.getvalue()


def test_golden(report: Report, golden: Callable[[str, str], None]) -> None:
    golden("report.json", json_of(report))


def test_is_to_dict_plus_tool(report: Report) -> None:
    data = json.loads(json_of(report, "1.2.3"))
    assert data.pop("tool") == {"name": "authmd", "version": "1.2.3"}
    assert data == report.to_dict()


def test_key_order_is_stable(report: Report) -> None:
    data = json.loads(json_of(report))
    assert list(data) == ["version", "tool", "documents", "diagnostics", "summary"]
    assert data["version"] == REPORT_VERSION
    assert list(data["documents"][0]) == ["source", "kind", "profile", "profile_origin", "dialect", "mixed",
                                          "evidence"]
    assert list(data["diagnostics"][0]) == ["code", "name", "severity", "message", "location", "hint",
                                            "doc_url"]
    assert list(data["diagnostics"][0]["location"]) == ["source", "line", "column", "pointer"]
    assert data["summary"] == {"documents": 6, "errors": 3, "warnings": 3, "infos": 2}


def test_formatting(report: Report) -> None:
    out = json_of(report)
    assert out.endswith("}\n") and not out.endswith("\n\n")
    assert out.startswith('{\n  "version": ')
    assert out.isascii()  # non-ASCII is escaped: bytes do not depend on the stream encoding
    assert "caf\\u00e9" in out
    assert json_of(report) == out  # deterministic


def test_empty_report() -> None:
    data = json.loads(json_of(Report()))
    assert data["documents"] == [] and data["diagnostics"] == []
    assert data["summary"] == {"documents": 0, "errors": 0, "warnings": 0, "infos": 0}
