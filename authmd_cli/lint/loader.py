"""Bytes -> `Document`: decode, recognise the kind by content, parse, detect the profile.

`load_document` is pure (no I/O); `read_inputs` is the filesystem side used by `lint_paths`
and groups a site layout (`DIR/auth.md` + `DIR/.well-known/oauth-*`) into a `Site`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from authmd_cli.core.errors import InputError
from authmd_cli.protocol.model import AuthDoc, Detection, DocKind, Document, JsonDoc, Site

PRM_NAME = "oauth-protected-resource"
AS_NAME = "oauth-authorization-server"
OIDC_NAME = "openid-configuration"
MAX_BYTES = 5 * 1024 * 1024  # no auth.md or metadata document is anywhere near this
_WELL_KNOWN_NAMES = frozenset({PRM_NAME, f"{PRM_NAME}.json", AS_NAME, f"{AS_NAME}.json"})
_SKIP_DIRS = frozenset({".git", ".hg", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".mypy_cache",
                        ".ruff_cache", ".pytest_cache"})


def _decode(data: bytes) -> tuple[str, str | None, tuple[int, int] | None]:
    """(text, error, (line, column) of the first undecodable byte)."""
    bom = data.startswith(b"\xef\xbb\xbf")
    if bom:
        data = data[3:]  # RFC 8259 §8.1: parsers MAY ignore a BOM
    try:
        return data.decode("utf-8"), None, None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        offset = exc.start + (3 if bom else 0)
        return "", f"not UTF-8: byte 0x{data[exc.start]:02x} at offset {offset} cannot be decoded", (line, column)


def _name_kind(source: str) -> DocKind | None:
    low = source.replace("\\", "/").lower()
    if PRM_NAME in low:
        return DocKind.PRM
    if AS_NAME in low or OIDC_NAME in low:
        return DocKind.AS_METADATA
    if low.endswith(".md") or low.endswith(".markdown"):
        return DocKind.AUTH_MD
    if low.endswith(".json"):
        return DocKind.JSON
    return None


def json_kind(doc: JsonDoc) -> DocKind:
    """Recognise a metadata document by content (RFC 9728 §2 `resource`; RFC 8414 §2 `issuer`)."""
    value = doc.value
    if not isinstance(value, dict):
        return DocKind.JSON
    if "agent_auth" in value or "issuer" in value or "token_endpoint" in value:
        return DocKind.AS_METADATA
    if "resource" in value or "authorization_servers" in value:
        return DocKind.PRM
    # Misplaced agent_auth members at the top level still make it AS metadata (IN-THE-WILD P4).
    if any(k in value for k in ("identity_endpoint", "register_uri", "identity_types_supported")):
        return DocKind.AS_METADATA
    return DocKind.JSON


def _detect(kind: DocKind, auth: AuthDoc | None, jdoc: JsonDoc | None) -> tuple[Detection, str | None]:
    """Detection, or no profile plus the bug (TL006) — never a silent guess."""
    from authmd_cli.protocol.detect import detect

    try:
        return detect(kind, auth, jdoc), None
    except Exception as exc:
        return Detection(profile=None), f"profile detection failed: {type(exc).__name__}: {exc}"


def load_document(source: str, data: bytes | str, *, kind: DocKind | None = None) -> Document:
    """Decode and parse one input. Never raises on content: problems become fields that tool
    rules report (TL001 unreadable, TL002 invalid JSON, TL006 a bug while loading)."""
    from authmd_cli.protocol.jsonpos import parse_json

    if isinstance(data, bytes):
        text, read_error, err_at = _decode(data)
    else:
        text, read_error, err_at = data, None, None
    hinted = kind or _name_kind(source)
    if read_error:
        return Document(source, hinted or DocKind.UNKNOWN, "", read_error=read_error, read_error_at=err_at)

    looks_json = text.lstrip()[:1] in ("{", "[")
    if hinted in (DocKind.PRM, DocKind.AS_METADATA, DocKind.JSON) or (hinted is None and looks_json) or (
        hinted is DocKind.AUTH_MD and looks_json and kind is None and not source.lower().endswith(".md")
    ):
        jdoc, jerr = parse_json(text)
        if jdoc is not None:
            found = json_kind(jdoc)
            if hinted in (DocKind.PRM, DocKind.AS_METADATA) and found is DocKind.JSON:
                found = hinted
            det, bug = _detect(found, None, jdoc)
            return Document(source, found, text, json=jdoc, detection=det, internal_error=bug)
        if hinted in (DocKind.PRM, DocKind.AS_METADATA, DocKind.JSON) or hinted is None:
            return Document(source, hinted or DocKind.JSON, text, json_error=jerr)

    from authmd_cli.protocol.markdown import parse_auth_md

    auth = parse_auth_md(text)
    det, bug = _detect(DocKind.AUTH_MD, auth, None)
    return Document(source, DocKind.AUTH_MD, text, auth=auth, detection=det, internal_error=bug)


# ---------------------------------------------------------------------------- filesystem


@dataclass
class Inputs:
    documents: list[Document] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)


def read_capped(stream: BinaryIO) -> bytes | None:
    """At most MAX_BYTES from `stream`; None when there is more (never reads without bound)."""
    data = stream.read(MAX_BYTES + 1)
    return None if len(data) > MAX_BYTES else data


def too_large(source: str, kind: DocKind | None = None) -> Document:
    """An oversized input is a finding (TL001) for that file, not the end of the run."""
    return Document(source, kind or _name_kind(source) or DocKind.UNKNOWN, "",
                    read_error=f"larger than {MAX_BYTES // (1024 * 1024)} MiB; not read")


def _load_path(path: Path, kind: DocKind | None = None) -> Document:
    data = _read(path)
    return load_document(_display(path), data, kind=kind) if data is not None else too_large(_display(path), kind)


def _read(path: Path) -> bytes | None:
    """The file's bytes; None when over MAX_BYTES. Devices, FIFOs and sockets are refused: they
    can block forever or never end (st_size says nothing about them)."""
    try:
        if not path.is_dir() and not stat.S_ISREG(path.stat().st_mode):
            raise InputError("not a regular file", source=str(path))
        with path.open("rb") as fh:
            return read_capped(fh)
    except FileNotFoundError:
        raise InputError("no such file or directory", source=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory", source=str(path)) from None
    except PermissionError:
        raise InputError("permission denied", source=str(path)) from None
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), source=str(path)) from None


def _display(path: Path) -> str:
    return os.path.normpath(str(path))


def _well_known(root: Path, name: str) -> list[Path]:
    """Every document at `.well-known/NAME` (or NAME.json), then the RFC 9728 §3.1 / RFC 8414 §3
    path-suffixed variants below `.well-known/NAME/`: a site may describe several resources."""
    plain: list[Path] = []
    nested: list[Path] = []
    for cand in (root / ".well-known" / name, root / ".well-known" / f"{name}.json"):
        if cand.is_dir():
            # Dotfiles (.DS_Store, .gitkeep) are the file system's or git's, not resource paths.
            nested.extend(sorted(p for p in cand.rglob("*") if not p.is_dir()
                                 and not any(part.startswith(".") for part in p.relative_to(cand).parts)))
        elif cand.exists() or cand.is_symlink():
            plain.append(cand)
    return plain + nested


def _auth_md_names(root: Path) -> list[Path]:
    """Every entry of `root` named auth.md in any letter case (`auth.md` first), whatever its
    type: a dangling link or a FIFO is reported as unreadable rather than skipped."""
    try:
        with os.scandir(root) as entries:
            names = [e.name for e in entries if e.name.lower() == "auth.md" and not e.is_dir()]
    except OSError:
        return []
    return [root / n for n in sorted(names, key=lambda n: (n != "auth.md", n))]


@dataclass(frozen=True)
class SitePlan:
    """The documents of one site root: the ones that form the `Site` (None when absent), and the
    others linted on their own (another letter case of auth.md, further path-suffixed metadata)."""

    root: Path
    auth: Path | None
    prm: Path | None
    asm: Path | None
    extra: tuple[tuple[Path, DocKind | None], ...] = ()


def _site_files(root: Path) -> SitePlan:
    auths = _auth_md_names(root)
    prms = _well_known(root, PRM_NAME)
    asms = _well_known(root, AS_NAME)
    extra = (*((p, None) for p in auths[1:]), *((p, DocKind.PRM) for p in prms[1:]),
             *((p, DocKind.AS_METADATA) for p in asms[1:]))
    return SitePlan(root, auths[0] if auths else None, prms[0] if prms else None, asms[0] if asms else None,
                    extra)


def _walk(root: Path) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for f in sorted(filenames):
            yield Path(dirpath) / f


@dataclass(frozen=True)
class Unit:
    """One independent piece of a run, loaded and linted on its own (`lint_paths` streams them,
    in order, so documents are not all held at once; `--jobs` spreads them over processes).

    `site` is a site root below a directory argument: its auth.md, PRM and AS metadata (paths,
    None when absent) and the further documents linted on their own. `file` is a loose metadata
    JSON file found in a directory. `given` are the files named on the command line, in order (a
    `bytes` item is stdin's data, `None` stdin over the size cap); they may form one site together,
    so they are one unit.
    """

    site: SitePlan | None = None
    file: Path | None = None
    given: tuple[Path | bytes | None, ...] = ()


def plan_inputs(paths: Sequence[str], *, read_stdin: Callable[[], bytes | None] | None = None) -> list[Unit]:
    """The units of `read_inputs(paths)`, in its document order, without reading any file but
    stdin. Raises the InputErrors about paths (missing, a directory without documents)."""
    units: list[Unit] = []
    given: list[Path | bytes | None] = []
    for raw in paths:
        if raw == "-":
            given.append(read_stdin() if read_stdin else b"")
            continue
        path = Path(raw)
        if path.is_dir():
            units.extend(_plan_dir(path))
        elif path.exists():
            given.append(path)
        else:
            raise InputError("no such file or directory", source=raw)
    if given:
        units.append(Unit(given=tuple(given)))
    return units


def load_unit(unit: Unit) -> Inputs:
    """Read and parse one unit's files: its documents and the site they form, if any."""
    out = Inputs()
    if unit.site is not None:
        plan = unit.site
        docs: list[Document | None] = [
            _load_site_file(p, k) if p else None
            for p, k in ((plan.auth, None), (plan.prm, DocKind.PRM), (plan.asm, DocKind.AS_METADATA))
        ]
        out.documents.extend(d for d in docs if d is not None)
        out.documents.extend(_load_site_file(p, k) for p, k in plan.extra)
        if sum(d is not None and not d.read_error for d in docs) >= 2:
            out.sites.append(Site(_display(plan.root), docs[0], docs[1], docs[2]))
    if unit.file is not None:
        out.documents.append(_load_path(unit.file))
    if unit.given:
        loose = [_load_given(item) for item in unit.given]
        out.documents.extend(loose)
        kinds = [d.kind for d in loose]
        site_kinds = (DocKind.AUTH_MD, DocKind.PRM, DocKind.AS_METADATA)
        if (len(loose) >= 2 and all(kinds.count(k) <= 1 for k in site_kinds)
                and sum(k in site_kinds for k in kinds) >= 2):
            by = {d.kind: d for d in loose}
            out.sites.append(Site("(files given together)", by.get(DocKind.AUTH_MD), by.get(DocKind.PRM),
                                  by.get(DocKind.AS_METADATA)))
    return out


def _load_site_file(path: Path, kind: DocKind | None) -> Document:
    """A document found in a site directory. One that cannot be read (a dangling link, a FIFO, no
    permission) is a finding (TL001) on it, not silently skipped, nor the end of the run."""
    try:
        return _load_path(path, kind)
    except InputError as err:
        why = err.message
        if path.is_symlink() and not path.exists():
            why = f"a symbolic link to {os.readlink(path)!r}, which does not exist"
        return Document(_display(path), kind or _name_kind(str(path)) or DocKind.AUTH_MD, "",
                        read_error=f"cannot be read: {why}")


def _load_given(item: Path | bytes | None) -> Document:
    if isinstance(item, Path):
        return _load_path(item)
    return load_document("<stdin>", item) if item is not None else too_large("<stdin>")


def read_inputs(paths: Sequence[str], *, read_stdin: Callable[[], bytes | None] | None = None) -> Inputs:
    """Read every path. Directories: a site layout is linted as one site; otherwise every
    auth.md and metadata JSON below it. Files given together (at most one of each kind) form a
    site too, so cross-document rules run on `authmd lint auth.md prm.json as.json`.
    Holds every document at once; `lint_paths` loads one `Unit` at a time instead."""
    out = Inputs()
    for unit in plan_inputs(paths, read_stdin=read_stdin):
        part = load_unit(unit)
        out.documents.extend(part.documents)
        out.sites.extend(part.sites)
    return out


def _plan_dir(root: Path) -> list[Unit]:
    """Every site root below `root` (a directory holding auth.md or `.well-known/oauth-*`),
    plus loose metadata JSON files named after their well-known path."""
    roots: set[Path] = set()
    loose: list[Path] = []
    for f in _walk(root):
        parts = f.relative_to(root).parts
        if ".well-known" in parts:
            i = parts.index(".well-known")
            # Exactly the names _well_known reads (`oauth-protected-resource.bak` is no document:
            # a root holding only that had 0 documents and passed).
            if i + 1 < len(parts) and parts[i + 1] in _WELL_KNOWN_NAMES:
                roots.add(root.joinpath(*parts[:i]))
        elif f.name.lower() == "auth.md":
            roots.add(f.parent)
        elif f.name.lower().endswith(".json") and (PRM_NAME in f.name or AS_NAME in f.name):
            loose.append(f)
    if not roots and not loose:
        raise InputError("no auth.md or discovery documents found in this directory", source=_display(root))
    units = [Unit(site=_site_files(site_root)) for site_root in sorted(roots)]
    units.extend(Unit(file=f) for f in loose)
    return units
