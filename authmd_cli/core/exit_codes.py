"""Documented exit codes, the same for every command (README "Exit codes")."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0  # no error findings (warnings allowed unless --strict)
    FINDINGS = 1  # error findings, or warnings under --strict, or `init --check` drift
    USAGE = 2  # bad usage, bad config, unreadable input, internal failure
    UNREACHABLE = 3  # probe/simulate: the target could not be reached
    INTERRUPTED = 130  # Ctrl-C or end of input at a prompt (128 + SIGINT, the shell convention)
