"""`authmd migrate`: the migration itself is lint/migrate.py (documents) and site/writer.py (an
authmd.yaml's profile, then regeneration); this module finds the files, shows the diff, asks, writes."""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from authmd_cli.cli.runner import run
from authmd_cli.core.errors import InputError, OutputError, UsageError
from authmd_cli.core.exit_codes import ExitCode

if TYPE_CHECKING:
    from authmd_cli.protocol.model import Document
    from authmd_cli.site.writer import Change

_PROFILE_LINE = re.compile(r"^profile:[ \t]*[^#\n]*?(?P<tail>[ \t]*(?:#.*)?)$", re.M)


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read: {getattr(err, 'strerror', None) or err}", source=path) from None


def _documents(paths: list[str], target: str) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """source → (old text, new text) for each document that changes, and the notes."""
    from authmd_cli.lint import migrate
    from authmd_cli.lint.loader import read_inputs
    from authmd_cli.protocol.model import DocKind

    inputs = read_inputs(paths)
    changed: dict[str, tuple[str, str]] = {}
    notes: list[str] = []
    for doc in inputs.documents:
        if doc.source == "-" or doc.kind not in (DocKind.AS_METADATA, DocKind.AUTH_MD):
            continue
        text = _read(doc.source)
        if doc.kind is DocKind.AS_METADATA:
            if doc.json is None:
                continue  # not valid JSON: lint says why; nothing to migrate reliably
            result = migrate.migrate_as_metadata(text, target)
        else:
            result = migrate.migrate_auth_md(text, target)
        notes += [f"{doc.source}: {n}" for n in result.notes]
        if result.changed(text):
            changed[doc.source] = (text, result.text)
    return changed, notes


def _config(path: str, target: str) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """An authmd.yaml: its `profile` becomes `target` (a line edit; comments and layout kept)."""
    from authmd_cli.site.config import load_config

    text = _read(path)
    load_config(text, path)  # refuse a broken config before touching it
    if _PROFILE_LINE.search(text):
        new = _PROFILE_LINE.sub(lambda m: f"profile: {target}{m.group('tail')}", text, count=1)
    else:
        new = f"profile: {target}\n" + text
    return ({path: (text, new)} if new != text else {}), []


def _is_snapshot(path: Path) -> bool:
    """A directory `authmd probe --save` wrote (its index, or subdirectories holding one)."""
    from authmd_cli.probe.snapshot import INDEX

    return path.is_dir() and ((path / INDEX).is_file() or any((sub / INDEX).is_file() for sub in path.iterdir()))


def _snapshot_documents(directory: Path) -> list[Document]:
    """The PRM and AS metadata of the first service saved in a probe snapshot (replayed offline)."""
    from authmd_cli.core.net import FetchLimits
    from authmd_cli.probe.run import ProbeOptions, replay

    reports = replay(directory, ProbeOptions(limits=FetchLimits()))
    docs = reports[0].discovery.documents if reports else {}
    return [d for role in ("prm", "as") if (d := docs.get(role)) is not None]


def _draft(paths: list[str], target: str, path: str) -> tuple[str, list[str]]:
    """`--draft-config FILE`: an authmd.yaml from the site's PRM and AS metadata (migrated first).
    Returns its text and the notes; writing it waits for the same confirmation as the rest."""
    import json

    from authmd_cli.lint import migrate
    from authmd_cli.lint.loader import read_inputs
    from authmd_cli.protocol.model import DocKind

    if Path(path).exists() or Path(path).is_symlink():
        raise OutputError("exists; not overwriting it (pick another name, or remove it)", source=path)
    snapshots = [p for p in paths if _is_snapshot(Path(p))]
    if snapshots:  # what `authmd probe --save DIR` fetched from a live service
        documents = [d for p in snapshots for d in _snapshot_documents(Path(p))]
    else:
        documents = list(read_inputs(paths).documents)
    prm = next((d for d in documents if d.kind is DocKind.PRM and d.json is not None), None)
    asm = next((d for d in documents if d.kind is DocKind.AS_METADATA and d.json is not None), None)
    if prm is None and asm is None:
        raise InputError("no protected-resource or authorization-server metadata to derive a config from",
                         source=" ".join(paths))
    as_value = json.loads(migrate.migrate_as_metadata(asm.text, target).text.lstrip("\ufeff")) if asm else None
    sources = ", ".join(d.source for d in (prm, asm) if d is not None)
    text, todo = migrate.draft_config(prm.json.value if prm and prm.json else None, as_value, target,
                                      sources=sources)
    return text, [f"{path}: fill in {item}" for item in todo]


def _write(path: str, text: str, *, new: bool = False) -> None:
    """Replace `path` atomically, keeping its permission bits (a 0600 file stays 0600)."""
    import os
    import stat

    from authmd_cli.core.files import atomic_write

    try:
        if new:
            if Path(path).exists() or Path(path).is_symlink():  # appeared since it was checked
                raise OutputError("exists; not overwriting it (pick another name, or remove it)", source=path)
            atomic_write(Path(path), text)
        else:
            # The user's document, edited in place: through a symlink to its target, mode kept.
            atomic_write(Path(path), text, mode=stat.S_IMODE(os.stat(path).st_mode), follow_symlinks=True)
    except OSError as err:
        raise OutputError(f"cannot write: {err.strerror or err}", source=path) from None


def _diff(changed: dict[str, tuple[str, str]], draft: tuple[str, str] | None = None) -> str:
    patch = "".join("".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                                 f"a/{src}", f"b/{src}"))
                    for src, (old, new) in changed.items())
    if draft is not None:  # a file to create: /dev/null → b/FILE, so the patch stays one patch
        patch += "".join(difflib.unified_diff([], draft[1].splitlines(keepends=True), "/dev/null", f"b/{draft[0]}"))
    return patch


def migrate_command(  # noqa: PLR0917 - typer maps parameters to options
    paths: Annotated[list[str] | None, typer.Argument(
        help="Site directories or files (auth.md, AS metadata), an authmd.yaml, or a probe snapshot "
             "(`authmd probe --save DIR`, with --draft-config). Default: the current directory.",
        show_default=False, metavar="PATH...")] = None,
    to: Annotated[str, typer.Option("--to", metavar="PROFILE", help="The target profile.")] = "v0.7-B",
    diff: Annotated[bool, typer.Option(
        "--diff", help="Only print the changes (exit 1 when there is something to migrate).")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Write without asking.")] = False,
    out: Annotated[str | None, typer.Option(
        "--out", metavar="DIR",
        help="With an authmd.yaml: regenerate the site into DIR after changing the profile.",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="With --out: replace site files authmd init did not write, or that were edited since.")
    ] = False,
    draft_config: Annotated[str | None, typer.Option(
        "--draft-config", metavar="FILE",
        help="Also write a draft authmd.yaml describing the service the documents describe (never overwrites).",
        show_default=False)] = None,
) -> None:
    """Migrate legacy documents (or an authmd.yaml) to a newer profile, as a reviewable diff.

    Files are rewritten in place, so standard input (`-`) is not accepted: give file paths.

    Example:

    \b
      authmd migrate public/ --to v0.7-B --diff
      authmd migrate authmd.yaml --to v0.7-B --out public --yes
      authmd migrate public/ --draft-config authmd.yaml   # then: authmd init
      authmd migrate probe-snapshot/ --draft-config authmd.yaml   # from `authmd probe --save`

    Exit codes: 0 migrated (or nothing to do), 1 --diff found changes (or not confirmed), 2 usage or
    input error.
    """

    def body() -> int:  # one ordered pass: check everything, show, ask, then write
        if diff and yes:
            raise UsageError("--diff and --yes cannot be combined (--diff writes nothing)")
        targets = list(paths or ["."])
        if "-" in targets:
            raise UsageError("migrate rewrites files in place and cannot rewrite standard input ('-'); "
                             "give the file's path")
        configs = [p for p in targets if Path(p).suffix in (".yaml", ".yml") and Path(p).is_file()]
        if configs and len(targets) > 1:
            raise UsageError("give an authmd.yaml alone, or documents and directories without it")
        if out is not None and not configs:
            raise UsageError("--out regenerates from an authmd.yaml; give its path")
        if force and out is None:
            raise UsageError("--force applies to the site --out regenerates; give --out DIR")
        draft: tuple[str, str] | None = None
        site: list[Change] | None = None
        if configs:
            from authmd_cli.protocol.profiles import resolve
            from authmd_cli.site.config import INIT_PROFILES

            label = resolve(to).label if to.lower() in ("latest", *(p.lower() for p in INIT_PROFILES)) else None
            if label is None:
                raise UsageError(f"--to: init writes {', '.join(INIT_PROFILES)} (or latest), not {to!r}")
            changed, notes = _config(configs[0], label)
            if out is not None and not diff:
                # The site is planned from the migrated config before anything is written, so a
                # refusal (a file edited since init wrote it, a bad --out) leaves the config as it was.
                from authmd_cli.site.config import load_config
                from authmd_cli.site.writer import refuse, site_changes

                new_text = changed[configs[0]][1] if changed else _read(configs[0])
                site = site_changes(load_config(new_text, configs[0]), Path(out), force=force)
                refuse(Path(out), site)
        else:
            from authmd_cli.lint.migrate import check_target

            try:
                target = check_target(to)
            except ValueError as err:
                raise UsageError(f"--to: {err}") from None
            snapshots = [p for p in targets if _is_snapshot(Path(p))]
            if snapshots:
                # A probe snapshot records a live service: nothing in it is rewritten, but the
                # service it describes becomes a draft authmd.yaml, the way onto `authmd init`.
                if len(snapshots) != len(targets) or draft_config is None:
                    raise UsageError("a probe snapshot (`authmd probe --save DIR`) is migrated by deriving a draft "
                                     "config from it: give the snapshot alone, with --draft-config FILE")
                changed, notes = {}, []
            else:
                changed, notes = _documents(targets, target)
            if draft_config is not None:
                text, todo = _draft(targets, target, draft_config)
                draft, notes = (draft_config, text), notes + todo
        patch = _diff(changed, draft if diff else None)
        if patch:
            typer.echo(patch, nl=False)
        for note in notes:
            typer.echo(f"authmd: note: {note}", err=True)
        if not changed and draft is None:
            typer.echo("authmd: nothing to migrate", err=True)
        elif diff:
            return ExitCode.FINDINGS
        elif changed and not yes:
            # A new draft alone is written without asking (it never replaces a file); beside
            # rewritten documents it waits for the same confirmation.
            count = len(changed) + (draft is not None)
            if not sys.stdin.isatty():
                typer.echo(f"authmd: {count} file(s) not written: review the diff, then run again with --yes",
                           err=True)
                return ExitCode.FINDINGS
            if not typer.confirm(f"Write the changes to {count} file(s)?", default=False):
                return ExitCode.FINDINGS
        if diff:
            return ExitCode.OK
        for src, (_, new) in changed.items():
            _write(src, new)
            typer.echo(f"migrated {src}")
        if draft is not None:
            _write(draft[0], draft[1], new=True)
            typer.echo(f"wrote {draft[0]} (a draft: review it, then `authmd init --config {draft[0]} --out DIR`)")
        if site is not None and out is not None:
            from authmd_cli.site.writer import write_site

            write_site(Path(out), site, sys.stdout)
        return ExitCode.OK

    run(body)


def register(app: typer.Typer) -> None:
    app.command("migrate")(migrate_command)
