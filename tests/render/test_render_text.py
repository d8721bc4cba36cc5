"""Text renderer: golden output, colour decisions (NO_COLOR / FORCE_COLOR / TTY), no wrapping."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterator

import pytest

from authmd_cli.core.diagnostics import PROFILE_ORIGINS, Diagnostic, DocumentInfo, Location, Report, Severity
from authmd_cli.render import render
from authmd_cli.render.text import document_line, should_color

ESC = "\x1b["
TOOL_VERSION = "9.8.7"  # the text format does not show it


def text_of(report: Report, *, color: bool | None = None, environ: dict[str, str] | None = None,
            stream: io.StringIO | None = None) -> str:
    out = stream or io.StringIO()
    render(report, "text", stream=out, color=color, tool_version=TOOL_VERSION, environ=environ or {})
    return out.getvalue()


def test_golden_plain(report: Report, golden: Callable[[str, str], None]) -> None:
    golden("report.txt", text_of(report, color=False))


def test_golden_colour(report: Report, golden: Callable[[str, str], None]) -> None:
    # rich gives each OSC 8 hyperlink a random id; everything else is stable.
    golden("report.color.txt", re.sub(r"\x1b\]8;id=\d+;", "\x1b]8;id=N;", text_of(report, color=True)))


def test_line_shape(report: Report) -> None:
    lines = text_of(report, color=False).splitlines()
    assert lines[0] == "site/auth.md:1:1: MD001 missing-h1 [error] the document has no H1 heading"
    assert lines[1] == "    hint: add `# Service name` as the first heading"
    # line without column; JSON pointer after the message when a line is known; pointer in the
    # location when it is not
    assert lines[3].startswith("site/auth.md:20: XD003 prose-endpoint [info] ")
    assert lines[4].endswith("is not https (at /authorization_servers/0)")
    assert lines[4].startswith("site/.well-known/oauth-protected-resource:3:15: DS002 as-not-https [error]")
    assert lines[6].startswith(
        "https://api.example.com/.well-known/oauth-authorization-server#/agent_auth/register_uri: DS007")
    # a multi-line hint stays under its finding
    assert lines[7:9] == ["    hint: make it absolute", "          for example https://api.example.com/register"]


def test_summary_and_documents(report: Report) -> None:
    lines = text_of(report, color=False).splitlines()
    assert lines[-1] == "3 errors, 3 warnings, 2 infos in 6 documents"
    assert lines[-7:-1] == [
        "site/auth.md: profile v0.7-B (detected)",
        "site/.well-known/oauth-protected-resource: profile v0.7-A (pinned)",
        "https://api.example.com/.well-known/oauth-authorization-server: profile v0.5 (detected), "
        "dialect acme, mixed generations",
        "docs/odd dir/a,b%c:d.md: profile unknown",
        "site/extra/auth.md: profile v0.7-B (from the site's other documents)",
        "<stdin>: profile v0.7-B (assumed: nothing detected)",
    ]


@pytest.mark.parametrize(("counts", "expected"), [
    ((0, 0, 0, 0), "0 errors, 0 warnings, 0 infos in 0 documents"),
    ((1, 1, 1, 1), "1 error, 1 warning, 1 info in 1 document"),
    ((2, 0, 3, 2), "2 errors, 0 warnings, 3 infos in 2 documents"),
])
def test_summary_counts(counts: tuple[int, int, int, int], expected: str) -> None:
    errors, warnings, infos, documents = counts
    sev = [Severity.ERROR] * errors + [Severity.WARNING] * warnings + [Severity.INFO] * infos
    diags = [Diagnostic("MD001", "missing-h1", s, "m", Location("a.md", 1, 1)) for s in sev]
    docs = [DocumentInfo(f"d{n}.md", "auth.md", None) for n in range(documents)]
    out = text_of(Report(docs, diags), color=False)
    assert out.splitlines()[-1] == expected
    assert out.endswith(expected + "\n")
    assert ("\n\n" in out) == bool(diags)  # a blank line separates findings from the summary


def test_long_lines_are_not_wrapped() -> None:
    message = "x" * 3000
    diag = Diagnostic("MD001", "missing-h1", Severity.ERROR, message, Location("a.md", 1, 1), hint="y" * 500)
    lines = text_of(Report([], [diag]), color=False).splitlines()
    assert lines[0] == f"a.md:1:1: MD001 missing-h1 [error] {message}"
    assert lines[1] == "    hint: " + "y" * 500


def test_long_lines_are_not_wrapped_with_colour_either() -> None:
    diag = Diagnostic("MD001", "missing-h1", Severity.ERROR, "z" * 400, Location("a.md", 1, 1))
    out = text_of(Report([], [diag]), color=True, environ={"COLUMNS": "40"})
    assert "z" * 400 in out


def test_control_characters_are_shown_not_sent_to_the_terminal() -> None:
    diag = Diagnostic("MD001", "missing-h1", Severity.ERROR, "value \x1b[31mred\x07 end",
                      Location("a\x1b.md", 1, 1), hint="tab\tok")
    out = text_of(Report([], [diag]), color=False)
    assert "\x1b" not in out and "\x07" not in out
    assert "a\\x1b.md:1:1:" in out
    assert "value \\x1b[31mred\\x07 end" in out


def test_colour_uses_ansi_and_plain_does_not(report: Report) -> None:
    coloured = text_of(report, color=True)
    plain = text_of(report, color=False)
    assert ESC in coloured
    assert ESC not in plain
    assert "\x1b]8;" in coloured  # rule codes link to their documentation (OSC 8)


# ------------------------------------------------------------------ colour decision


@pytest.fixture
def tty() -> Iterator[io.TextIOWrapper]:
    """A real terminal: the slave side of a pseudo-terminal pair."""
    master, slave = os.openpty()
    stream = open(slave, "w", encoding="utf-8")  # noqa: SIM115 (closed below)
    try:
        yield stream
    finally:
        stream.close()
        os.close(master)


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, True),
    ({"NO_COLOR": "1"}, False),
    ({"NO_COLOR": "0"}, False),  # any non-empty value disables (no-color.org)
    ({"NO_COLOR": ""}, True),  # empty means unset (no-color.org)
    ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),  # the user's preference wins
    ({"TERM": "dumb"}, False),
    ({"FORCE_COLOR": "0"}, False),
])
def test_should_color_on_a_tty(tty: io.TextIOWrapper, environ: dict[str, str], expected: bool) -> None:
    assert tty.isatty()
    assert should_color(tty, environ) is expected


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, False),
    ({"FORCE_COLOR": "1"}, True),
    ({"FORCE_COLOR": "true"}, True),
    ({"FORCE_COLOR": "false"}, False),
    ({"FORCE_COLOR": ""}, False),
    ({"FORCE_COLOR": "1", "TERM": "dumb"}, True),
])
def test_should_color_off_a_tty(environ: dict[str, str], expected: bool) -> None:
    assert should_color(io.StringIO(), environ) is expected


@pytest.mark.parametrize("flag", [True, False])
def test_color_parameter_overrides_everything(tty: io.TextIOWrapper, flag: bool) -> None:
    assert should_color(tty, {"NO_COLOR": "1"}, flag) is flag
    assert should_color(io.StringIO(), {"FORCE_COLOR": "0"}, flag) is flag


def test_closed_stream_is_not_a_tty() -> None:
    stream = io.StringIO()
    stream.close()
    assert should_color(stream, {}) is False


def test_environment_reaches_the_renderer(report: Report) -> None:
    assert ESC in text_of(report, environ={"FORCE_COLOR": "1"})
    assert ESC not in text_of(report, environ={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert ESC not in text_of(report, environ={})  # StringIO is no terminal
    assert text_of(report, environ={}) == text_of(report, color=False)


def test_render_on_a_real_tty_is_coloured_and_no_color_disables_it() -> None:
    # Small output: it must fit the pty buffer, since we read only after writing.
    report = Report([DocumentInfo("a.md", "auth.md", "v0.7-B")],
                    [Diagnostic("MD001", "missing-h1", Severity.ERROR, "no H1", Location("a.md", 1, 1))])
    for environ, coloured in (({}, True), ({"NO_COLOR": "1"}, False)):
        master, slave = os.openpty()
        try:
            with open(slave, "w", encoding="utf-8") as stream:
                render(report, "text", stream=stream, tool_version=TOOL_VERSION, environ=environ)
            chunks = []
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the slave side is closed and drained
                    break
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(master)
        out = b"".join(chunks).decode("utf-8")
        assert "MD001" in out
        assert (ESC in out) is coloured


@pytest.mark.parametrize("origin", PROFILE_ORIGINS)
def test_every_profile_origin_has_wording(origin: str) -> None:
    line = document_line(DocumentInfo("a.md", "auth.md", "v0.7-B", profile_origin=origin))
    assert line.startswith("a.md: profile v0.7-B (")
    wording = line[len("a.md: profile v0.7-B ("):-1]
    assert wording == origin if origin in ("detected", "pinned") else len(wording) > len(origin)
