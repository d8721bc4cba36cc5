"""One exception family. `cli/runner.py` maps these to exit codes in one place; nothing below it exits."""

from __future__ import annotations

from authmd_cli.core.exit_codes import ExitCode


class AuthmdError(Exception):
    """Base of every error a user can cause. `str(err)` is the one-line message shown."""

    code = "error"
    exit_code = ExitCode.USAGE

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        # Further problems of the same kind found in the same pass (a config file with three
        # mistakes): the CLI prints each on its own `file:line:col` line after this one.
        self.others: tuple[AuthmdError, ...] = ()

    def lines(self) -> list[str]:
        """This error and every further one, one line each."""
        return [str(self), *(str(o) for o in self.others)]

    def __str__(self) -> str:
        where = ""
        if self.source:
            where = self.source
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        return f"{where}{self.message}"


class UsageError(AuthmdError):
    code = "usage"


class ConfigError(AuthmdError):
    code = "config"


class InputError(AuthmdError):
    """A file or stream that cannot be read at all (missing, a directory, permission)."""

    code = "input"


class OutputError(AuthmdError):
    """Refusing to write (a file the user owns would be overwritten) or failing to."""

    code = "output"


class UnreachableError(AuthmdError):
    code = "unreachable"
    exit_code = ExitCode.UNREACHABLE
