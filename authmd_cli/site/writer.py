"""`authmd init`: config → site files on disk, never clobbering what a person wrote.

init records what it wrote in `DIR/.authmd-init.json` (relative path → SHA-256). A file on
disk is replaced only when it is byte-identical to what init last wrote there; a file init
did not write, or one edited since, is refused (naming the file and why) unless `--force`.
All refusals are found before anything is written, so a refused run writes nothing.
`--dry-run` prints the unified diff of what would change; `--check` prints the same diff and
returns 1 when the disk differs (the CI drift check). Rendering is `authmd_cli.site.generate`.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from authmd_cli.core.errors import InputError, OutputError, UsageError
from authmd_cli.core.exit_codes import ExitCode
from authmd_cli.core.files import atomic_write
from authmd_cli.site.config import misnamed_service_config

if TYPE_CHECKING:
    from authmd_cli.site.config import ServiceConfig

MANIFEST = ".authmd-init.json"
DEFAULT_CONFIG = "authmd.yaml"


@dataclass(frozen=True)
class Change:
    path: str  # relative to the out dir, "/"-separated
    action: str  # "create" | "update" | "unchanged" | "remove" | "orphan" (edited leftover, kept)
    old: str | None  # text on disk (None: absent)
    new: str | None  # text init produces (None: no longer produced)
    refused: str | None = None  # why it may not be written without --force


def update_command(config: Path, out: Path, profile: str | None, pending: list[Change]) -> str:
    """The command that brings `out` up to date: `--check`'s advice names the very flags needed
    (`--force` only when a file would be refused without it, e.g. one edited by hand)."""
    import shlex

    words = ["authmd", "init", "--config", str(config), "--out", str(out)]
    if profile is not None:
        words += ["--profile", profile]
    if any(c.refused for c in pending):
        words.append("--force")
    return " ".join(shlex.quote(w) for w in words)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_manifest(out: Path) -> dict[str, str]:
    path = out / MANIFEST
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
            raise ValueError("files is not a mapping of hashes")
        return {str(k): v for k, v in files.items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise OutputError(f"cannot read the init manifest ({exc}); delete it and re-run with --force",
                          source=str(path)) from None


def _read_text(path: Path) -> str | None:
    if path.is_symlink():
        raise OutputError("is a symbolic link; init does not write through links", source=str(path))
    if not path.exists():
        return None
    if not path.is_file():
        raise OutputError("exists and is not a regular file", source=str(path))
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return "\ufffd<not UTF-8>"  # certainly not what init wrote: compare as different
    except OSError as exc:
        raise OutputError(exc.strerror or str(exc), source=str(path)) from None


def _inside(out: Path, rel: str) -> Path:
    """`out/rel`, refusing links and anything that resolves outside `out` (a linked .well-known)."""
    path = out / rel
    if path.is_symlink():
        raise OutputError("is a symbolic link; init does not write through links", source=str(path))
    for parent in reversed(path.relative_to(out).parents):  # e.g. a file named `.well-known`
        above = out / parent
        if parent.parts and above.exists() and not above.is_dir():
            raise OutputError(f"is not a directory; init writes {rel} under it", source=str(above))
    target = path.parent.resolve() / path.name
    if out.resolve() not in target.parents:
        raise OutputError(f"refusing to write outside the output directory: {rel}", source=str(out))
    return out / rel


def plan(out: Path, files: dict[str, str], *, force: bool = False) -> list[Change]:
    """What writing `files` into `out` would do, with refusals (pure apart from reading)."""
    manifest = _read_manifest(out)
    changes: list[Change] = []
    for rel in sorted(files):
        new = files[rel]
        old = _read_text(_inside(out, rel))
        if old is None:
            changes.append(Change(rel, "create", None, new))
            continue
        if old == new:
            changes.append(Change(rel, "unchanged", old, new))
            continue
        refused = None
        if rel not in manifest:
            refused = "exists and was not written by authmd init"
        elif manifest[rel] != sha256(old):
            refused = "was edited since authmd init wrote it"
        changes.append(Change(rel, "update", old, new, None if force else refused))
    for rel in sorted(set(manifest) - set(files)):
        path = _inside(out, rel)
        old = _read_text(path)
        if old is None:
            continue
        if force or manifest[rel] == sha256(old):
            changes.append(Change(rel, "remove", old, None))
        else:  # an edited leftover is the user's now: keep it, stop tracking it, say so
            changes.append(Change(rel, "orphan", old, None))
    return changes


def check_out(out: Path) -> None:
    """Refuse an output directory that cannot be one: it, or the nearest existing parent, is not a
    directory (`--out afile/sub`). Checked before anything is written."""
    for p in (out, *out.parents):
        if p.exists():
            if not p.is_dir():
                raise OutputError("exists and is not a directory" if p == out else f"{p} is not a directory",
                                  source=str(out))
            return


def refuse(out: Path, changes: list[Change]) -> None:
    """Raise for the first change that may not be written without --force."""
    blocked = [c for c in changes if c.refused]
    if blocked:
        c = blocked[0]
        raise OutputError(f"{c.refused}; not overwriting it (use --force to replace it)",
                          source=str(out / c.path))


def site_changes(cfg: ServiceConfig, out: Path, *, force: bool = False) -> list[Change]:
    """Render the site for `cfg` and plan writing it into `out` (refusals marked, nothing written)."""
    from authmd_cli.site.generate import render_site

    check_out(out)
    return plan(out, render_site(cfg), force=force)


def write_site(out: Path, changes: list[Change], stream: TextIO) -> None:
    """Apply a plan (refusing first) and say what happened to each file."""
    apply(out, changes)
    for c in changes:
        if c.action == "orphan":
            _echo(stream, f"kept {out / c.path}: no longer generated, but edited since init wrote it")
            continue
        verb = {"create": "wrote", "update": "updated", "unchanged": "unchanged", "remove": "removed"}[c.action]
        _echo(stream, f"{verb} {out / c.path}")


def diff(changes: list[Change]) -> str:
    """Unified diff of every change (git-style a/ b/ names; /dev/null for new/removed files)."""
    chunks: list[str] = []
    for ch in changes:
        if ch.action in ("unchanged", "orphan"):
            continue
        a = (ch.old or "").splitlines(keepends=True)
        b = (ch.new or "").splitlines(keepends=True)
        chunks.extend(difflib.unified_diff(
            a, b, fromfile="/dev/null" if ch.old is None else f"a/{ch.path}",
            tofile="/dev/null" if ch.new is None else f"b/{ch.path}"))
    return "".join(chunks)


def apply(out: Path, changes: list[Change]) -> None:
    """Write the planned changes and the manifest. Call only when no change is refused."""
    refuse(out, changes)
    manifest = _read_manifest(out)
    try:
        for ch in changes:
            path = out / ch.path
            if ch.action in ("create", "update") and ch.new is not None:
                atomic_write(path, ch.new)
            elif ch.action in ("remove", "orphan"):
                if ch.action == "remove":
                    path.unlink(missing_ok=True)
                manifest.pop(ch.path, None)
            if ch.new is not None:
                manifest[ch.path] = sha256(ch.new)
        body = {"generator": "authmd init", "version": 1, "files": dict(sorted(manifest.items()))}
        atomic_write(out / MANIFEST, json.dumps(body, indent=2) + "\n")
    except OSError as exc:
        raise OutputError(exc.strerror or str(exc), source=exc.filename or str(out)) from None


# ---------------------------------------------------------------------------- the command


def _echo(stream: TextIO, text: str) -> None:
    stream.write(text + ("" if text.endswith("\n") else "\n"))


def init_command(
    *,
    config: Path | None = None,
    out: Path = Path("."),
    profile: str | None = None,
    force: bool = False,
    dry_run: bool = False,
    check: bool = False,
    yes: bool = False,
    interactive: bool | None = None,
    stdout: TextIO | None = None,
    ask: Callable[[str, str], str] | None = None,
    confirm: Callable[[str, bool], bool] | None = None,
    cwd: Path | None = None,
) -> int:
    """Generate the site into `out`; returns the exit code (0, or 1 for `--check` drift).
    Raises AuthmdError subclasses for bad usage, config or output problems (exit 2).

    Without `config`, `./authmd.yaml` is used when it exists; otherwise the wizard writes it
    first (prompts only when `interactive`, default: stdin is a TTY and not `yes`)."""
    from authmd_cli.site.config import load_config, load_config_file

    stream = stdout or sys.stdout
    if check and dry_run:
        raise UsageError("--check and --dry-run cannot be combined (--check already prints the diff)")
    if profile is not None:  # a bad option fails before the wizard writes a starter config
        from authmd_cli.site.config import check_profile_option

        check_profile_option(profile)
    check_out(out)
    base = cwd or Path.cwd()
    if config is None and (base / DEFAULT_CONFIG).is_file():
        # relative when it is the working directory's: messages and advice name `authmd.yaml`
        config = Path(DEFAULT_CONFIG) if cwd is None else base / DEFAULT_CONFIG
    if config is None:
        # The service config under the lint config's name: say so rather than start the wizard.
        misnamed_service_config(base, "init")
    wizard: tuple[Path, str, dict[str, Any]] | None = None
    if config is None:
        if check:
            raise InputError(f"no {DEFAULT_CONFIG} here; --check needs a config (--config FILE)")
        from authmd_cli.site.wizard import wizard_text

        if interactive is None:
            interactive = not yes and sys.stdin.isatty()
        config = base / DEFAULT_CONFIG
        text, data = wizard_text(config, interactive=interactive and not yes, ask=ask, confirm=confirm,
                                 stdout=stream)
        if dry_run:  # nothing is written, so there is no config yet to generate from
            stream.write(f"would write {config}:\n{text}")
            return int(ExitCode.OK)
        # The site is rendered and planned from the would-be config, so every refusal (a file
        # init did not write, a bad --out, a corrupt manifest) comes before the config is written.
        cfg = load_config(text, str(config), profile=profile)
        wizard = (config, text, data)
    else:
        cfg = load_config_file(config, profile=profile)
    changes = site_changes(cfg, out, force=force)
    pending = [c for c in changes if c.action not in ("unchanged", "orphan")]
    if check:
        if pending:
            stream.write(diff(changes))
            _echo(stream, f"{len(pending)} file(s) in {out} differ from what {config} produces; "
                          f"run `{update_command(config, out, profile, pending)}` to update them")
            return int(ExitCode.FINDINGS)
        _echo(stream, f"{out}: up to date with {config}")
        return int(ExitCode.OK)
    if dry_run:
        stream.write(diff(changes))
        for c in changes:
            if c.refused:
                _echo(stream, f"{out / c.path}: {c.refused}; would need --force")
        _echo(stream, f"dry run: {len(pending)} file(s) would change, nothing written")
        return int(ExitCode.OK)
    refuse(out, changes)
    if wizard is not None:
        from authmd_cli.site.wizard import write_wizard_config

        write_wizard_config(*wizard, stdout=stream)
    write_site(out, changes, stream)
    return int(ExitCode.OK)
