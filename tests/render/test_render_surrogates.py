"""No renderer crashes on a string a document can put in a finding, lone surrogates included."""

from __future__ import annotations

import io

import pytest

from authmd_cli.core.diagnostics import Diagnostic, DocumentInfo, Location, Report, Severity
from authmd_cli.render import FORMATS, render


def _report() -> Report:
    bad = "http://a.example/\ud800"
    doc = DocumentInfo(source="dir\udc80/prm.json", kind="prm", profile=None)
    diag = Diagnostic("DS006", "endpoint-url", Severity.ERROR, f"`{bad}` is not an https URL",
                      Location("dir\udc80/prm.json", 1, 13, "/resource"), hint=f"use https, not {bad}")
    return Report([doc], [diag])


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("color", [False, True])
def test_lone_surrogates_render_to_strict_utf8(fmt: str, color: bool) -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", newline="\n")
    render(_report(), fmt, stream=stream, color=color, tool_version="0", environ={})
    stream.flush()
    out = raw.getvalue().decode("utf-8")
    assert "http://a.example/" in out
    assert "ud800" in out
