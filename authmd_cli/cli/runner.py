"""What every command shares: the one place exceptions become exit codes, and option helpers.

`run(body)` maps:
  AuthmdError   -> `authmd: error: <message>` on stderr, its exit code (usually 2);
  anything else -> `authmd: internal error: <type>: <message> (please report)`, exit 2
                   (AUTHMD_DEBUG=1 re-raises, for developers).
Typer/click usage errors exit 2 on their own.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

import typer

from authmd_cli import __version__
from authmd_cli.core.errors import AuthmdError, OutputError, UsageError
from authmd_cli.core.exit_codes import ExitCode

if TYPE_CHECKING:
    from authmd_cli.core.diagnostics import Report, RuleInfo

DEBUG_ENV = "AUTHMD_DEBUG"

SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}

# OSErrors that mean "the disk said no" wherever they happen (ENOSPC, EDQUOT, EROFS, EFBIG).
_DISK_ERRNOS = frozenset(getattr(errno, name) for name in ("ENOSPC", "EDQUOT", "EROFS", "EFBIG")
                         if hasattr(errno, name))


def sub_app(name: str, help_text: str) -> typer.Typer:
    """A command group (`authmd schema …`, `authmd provider …`) with the root's settings."""
    return typer.Typer(name=name, help=help_text, rich_markup_mode=None, no_args_is_help=True,
                       context_settings=SETTINGS)


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def run(body: Callable[[], int | None]) -> None:
    """Run a command body and turn its result or exception into an exit code."""
    try:
        code = body()
    except typer.Exit:
        raise
    except (typer.Abort, KeyboardInterrupt, EOFError):
        # A prompt answered with Ctrl-C / Ctrl-D: not "findings" (1); the shell's convention.
        typer.echo("authmd: interrupted", err=True)
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    except AuthmdError as err:
        for line in err.lines():
            typer.echo(f"authmd: error: {one_line(line)}", err=True)
        raise typer.Exit(int(err.exit_code)) from None
    except OSError as err:
        if err.errno == errno.EPIPE:  # `authmd lint | head`: click quiets the pipe and exits
            raise
        if err.errno in _DISK_ERRNOS:
            # A full disk or a read-only file system is the machine's state, not our bug: an
            # I/O error with the file named (exit 2), never "internal error".
            where = f"{err.filename}: " if err.filename else ""
            typer.echo(f"authmd: error: {where}cannot write: {err.strerror or err}", err=True)
            raise typer.Exit(int(ExitCode.USAGE)) from None
        internal(err)
    except Exception as err:  # the last line of defence: never a traceback
        internal(err)
    if code:
        raise typer.Exit(int(code))


def internal(err: BaseException) -> None:
    if os.environ.get(DEBUG_ENV, "") not in ("", "0"):
        raise err
    # The message is cut short: an unexpected exception may carry a value from the input (a token).
    detail = one_line(str(err))
    if len(detail) > 120:
        detail = detail[:117] + "..."
    typer.echo(f"authmd: internal error: {type(err).__name__}: {detail} (please report; "
               f"{DEBUG_ENV}=1 shows the traceback)", err=True)
    raise typer.Exit(int(ExitCode.USAGE)) from None


def split_list(values: Sequence[str] | None) -> tuple[str, ...]:
    """`--select A,B --select C` -> ("A", "B", "C")."""
    out: list[str] = []
    for value in values or ():
        out += [v.strip() for v in value.split(",") if v.strip()]
    return tuple(out)


def check_format(fmt: str | None, allowed: Sequence[str]) -> str | None:
    if fmt is None:
        return None
    if fmt not in allowed:
        raise UsageError(f"unknown format {fmt!r}; expected one of: {', '.join(allowed)}")
    return fmt


def read_stdin() -> bytes | None:
    from authmd_cli.lint.loader import read_capped

    return read_capped(sys.stdin.buffer)


def emit(report: Report, fmt: str, *, output: str | None, color: bool | None,
          rules: dict[str, RuleInfo] | None = None) -> None:
    """Render to stdout, or to `--output FILE` (never coloured unless forced)."""
    from authmd_cli.render import render

    if rules is None and fmt == "sarif":  # SARIF describes every rule of the run (tool.driver.rules)
        rules = rule_catalogue()
    if output is None:
        render(report, fmt, stream=sys.stdout, color=color, rules=rules, tool_version=__version__,
               environ=os.environ)
        return
    # Rendered in memory first: opening the file truncates it, and a report that failed to render
    # must not cost the user the previous one.
    import io

    buf = io.StringIO()
    render(report, fmt, stream=buf, color=bool(color), rules=rules, tool_version=__version__, environ=os.environ)
    try:
        with open(output, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(buf.getvalue())
    except OSError as err:
        raise OutputError(f"cannot write report: {err.strerror or err}", source=output) from None


def echo_json(value: Any, stream: TextIO | None = None) -> None:
    import json

    out = stream or sys.stdout
    out.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def rule_catalogue() -> dict[str, RuleInfo]:
    """Every registered rule, for `--list-rules`, `--explain` and SARIF's rule descriptors."""
    from authmd_cli.lint.rules import REGISTRY  # the package import registers every family

    return dict(REGISTRY)
