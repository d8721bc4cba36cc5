"""Writing a file so that a reader never sees half of it and a crash never leaves it truncated."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path: Path, text: str, *, mode: int = 0o644) -> None:
    """Write `text` (UTF-8, LF) to a temporary file beside `path`, then rename it over `path`.

    The rename replaces a symlink at `path` instead of writing through it, and the temporary file
    is created with O_EXCL by `mkstemp`, so nothing outside the directory is ever written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
