"""Files: writing so that a reader never sees half of it, reading with a bound."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

# Config files, baselines and the like: far larger than any real one, small enough to hold.
MAX_SMALL_FILE = 16 * 1024 * 1024


class FileTooLargeError(OSError):
    """Raised by `read_capped`; an OSError, so callers' `err.strerror` handling shows it as is."""

    def __init__(self, limit: int) -> None:
        super().__init__(errno.EFBIG, f"larger than {limit // (1024 * 1024)} MiB; not read")


def read_capped(path: str | Path, limit: int = MAX_SMALL_FILE) -> bytes:
    """The bytes of `path`, reading at most `limit` + 1 of them: `/dev/zero` or a huge file is
    refused (FileTooLargeError) instead of filling memory. Other OSErrors propagate."""
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise FileTooLargeError(limit)
    return data


def atomic_write(path: Path, text: str, *, mode: int | None = None, follow_symlinks: bool = False) -> None:
    """Write `text` (UTF-8, LF) to a temporary file beside the target, then rename it over it.

    By default the rename replaces a symlink at `path` instead of writing through it, so nothing
    outside the directory is written (what a file of our own, such as a private key, needs).
    `follow_symlinks=True` is for editing the user's documents in place (lint --fix, migrate):
    the link's target gets the new text and the link stays a link, as editors and formatters do.
    `mode` None keeps the mode of the file being replaced (0o644 for a new one). The temporary
    file is created with O_EXCL by `mkstemp`, in the target's directory."""
    target = Path(os.path.realpath(path)) if follow_symlinks and path.is_symlink() else path
    if mode is None:
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except OSError:
            mode = 0o644
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def output_problem(path: str | Path) -> str | None:
    """Why a report could not be written to `path` (None when it looks writable), checked before
    long work (a probe of many targets) so that the work is not lost at the end. Advisory: the
    write itself still reports its own error."""
    p = Path(path)
    if p.is_dir():
        return "is a directory"
    if p.exists():
        return None if os.access(p, os.W_OK) else "permission denied"
    parent = p.parent
    if not parent.is_dir():
        return "no such directory" if not parent.exists() else "the parent is not a directory"
    return None if os.access(parent, os.W_OK | os.X_OK) else "permission denied"
