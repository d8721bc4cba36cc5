"""core/files: atomic_write through symlinks, keeping modes; read_capped bounds what it reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from authmd_cli.core.files import FileTooLargeError, atomic_write, read_capped


def test_atomic_write_keeps_mode_and_can_replace_the_link(tmp_path: Path) -> None:
    root = tmp_path
    (root / "t.txt").write_text("old", encoding="utf-8")
    (root / "t.txt").chmod(0o600)
    (root / "l.txt").symlink_to("t.txt")
    atomic_write(root / "l.txt", "new", follow_symlinks=True)
    assert (root / "l.txt").is_symlink()
    assert (root / "t.txt").read_text(encoding="utf-8") == "new"
    assert (root / "t.txt").stat().st_mode & 0o777 == 0o600
    atomic_write(root / "l.txt", "own", mode=0o644)  # the default: the link itself is replaced
    assert not (root / "l.txt").is_symlink()
    assert (root / "t.txt").read_text(encoding="utf-8") == "new"


def test_read_capped_refuses_one_byte_more(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x" * 11)
    assert read_capped(tmp_path / "f", 11) == b"x" * 11
    with pytest.raises(FileTooLargeError) as info:
        read_capped(tmp_path / "f", 10)
    assert info.value.strerror is not None and "larger than" in info.value.strerror
