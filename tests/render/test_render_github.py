"""GitHub workflow-command renderer: golden output and the toolkit's escaping rules."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from authmd_cli.core.diagnostics import Diagnostic, Location, Report, Severity
from authmd_cli.render import render
from authmd_cli.render.github import annotation, escape_data, escape_property

# How the runner reads a command: `::name key=value,key=value::data`. Property values cannot
# hold `:` or `,` once escaped, so the first `::` after the name ends the properties.
_COMMAND_RE = re.compile(r"^::(?P<cmd>[a-z]+)(?: (?P<props>[^:]*))?::(?P<data>.*)$", re.DOTALL)


def unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    return (text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",")
            .replace("%25", "%"))


def parse(line: str) -> tuple[str, dict[str, str], str]:
    match = _COMMAND_RE.match(line)
    assert match, line
    props: dict[str, str] = {}
    if match["props"]:
        for pair in match["props"].split(","):
            key, _, value = pair.partition("=")
            props[key] = unescape_property(value)
    return match["cmd"], props, unescape_data(match["data"])


def github_of(report: Report) -> str:
    out = io.StringIO()
    render(report, "github", stream=out, tool_version="9.8.7", environ={})
    return out.getvalue()


def test_golden(report: Report, golden: Callable[[str, str], None]) -> None:
    golden("report.github.txt", github_of(report))


def test_one_command_per_finding(report: Report) -> None:
    lines = github_of(report).splitlines()
    assert len(lines) == len(report.diagnostics)
    parsed = [parse(line) for line in lines]
    assert [cmd for cmd, _, _ in parsed] == ["error", "warning", "notice", "error", "warning", "notice",
                                            "warning", "error"]
    _, props, data = parsed[0]
    assert props == {"file": "site/auth.md", "line": "1", "col": "1", "title": "MD001 missing-h1"}
    assert data == "the document has no H1 heading\nhint: add `# Service name` as the first heading"
    assert parsed[2][1] == {"file": "site/auth.md", "line": "20", "title": "XD003 prose-endpoint"}
    assert parsed[3][2].endswith("(at /authorization_servers/0)\nhint: use an https URL (RFC 9728 §2)")


def test_urls_are_not_files(report: Report) -> None:
    parsed = [parse(line) for line in github_of(report).splitlines()]
    _, props, data = parsed[4]
    assert "file" not in props and "line" not in props
    assert data.startswith("https://api.example.com/.well-known/oauth-authorization-server#/agent_auth/"
                           "register_uri: `register_uri` is 50% relative: `a:b,c`\nhint: make it absolute\n")
    _, props, data = parsed[6]
    assert props == {"title": "DS002 as-not-https"}
    assert data.startswith("https://api.example.com/.well-known/oauth-authorization-server:1:1: ")


def test_odd_file_names_are_escaped(report: Report) -> None:
    line = github_of(report).splitlines()[7]
    assert line.startswith("::error file=docs/odd dir/a%2Cb%25c%3Ad.md,title=PR001 unreachable::")
    assert parse(line)[1]["file"] == "docs/odd dir/a,b%c:d.md"
    assert parse(line)[2] == "could not read: 100% gone\r\nreally\nhint: check the path, then retry"


@pytest.mark.parametrize(("raw", "data", "prop"), [
    ("100%", "100%25", "100%25"),
    ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
    ("k: v, w", "k: v, w", "k%3A v%2C w"),
    ("%0A", "%250A", "%250A"),  # an escape sequence in the input is not taken for an escape
])
def test_escape_examples(raw: str, data: str, prop: str) -> None:
    assert escape_data(raw) == data
    assert escape_property(raw) == prop


@given(st.text())
def test_data_round_trips(text: str) -> None:
    escaped = escape_data(text)
    assert "\r" not in escaped and "\n" not in escaped
    assert unescape_data(escaped) == text


@given(st.text())
def test_property_round_trips(text: str) -> None:
    escaped = escape_property(text)
    assert not set(escaped) & set("\r\n:,")
    assert unescape_property(escaped) == text


_sources = st.one_of(st.text(min_size=1),
                     st.sampled_from(["auth.md", "https://x.example/auth.md", "<stdin>"]))
_locations = st.builds(Location, _sources, st.one_of(st.none(), st.integers(1, 10**6)),
                       st.one_of(st.none(), st.integers(1, 999)))


@given(message=st.text(), hint=st.one_of(st.none(), st.text(min_size=1)), loc=_locations,
       severity=st.sampled_from(list(Severity)))
def test_any_finding_round_trips(message: str, hint: str | None, loc: Location, severity: Severity) -> None:
    source, line, column = loc.source, loc.line, loc.column
    diag = Diagnostic("MD001", "missing-h1", severity, message, loc, hint=hint)
    text = annotation(diag)
    assert "\n" not in text and "\r" not in text  # one command, one line
    cmd, props, data = parse(text)
    assert cmd == {"error": "error", "warning": "warning", "info": "notice"}[severity.value]
    assert props["title"] == "MD001 missing-h1"
    expected = message if hint is None else f"{message}\nhint: {hint}"
    if "file" in props:
        assert props["file"] == source
        assert props.get("line") == (str(line) if line is not None else None)
        assert props.get("col") == (str(column) if line is not None and column is not None else None)
        assert data == expected
    else:
        assert data.endswith(expected)
        assert data.startswith(source)
