"""`--save DIR` / `--replay DIR`: every fetched response (status, headers, body) on disk, so the
same analysis runs offline (`authmd probe --replay DIR`, `authmd lint --snapshot DIR`).

Layout of one target's snapshot:

    DIR/snapshot.json        {"format": "authmd-probe-snapshot", "version": 1, "target": {...},
                              "exchanges": [{step, method, url, side_effect, after, note,
                                             hops: [{method, url, status, headers, body, ms,
                                                     failure, retried_after}]}]}
    DIR/bodies/NNN-H.body    the body of hop H of exchange NNN, byte for byte

Several targets are saved as one such directory per target (`DIR/<host_port>/`). Files are
written 0600: with `--active`, bodies hold live tokens.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from authmd_cli.core.errors import InputError, OutputError
from authmd_cli.probe.model import Exchange, Failure, Hop
from authmd_cli.probe.target import Target

FORMAT = "authmd-probe-snapshot"
VERSION = 1
INDEX = "snapshot.json"


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _is_snapshot(directory: Path) -> bool:
    try:
        doc = json.loads((directory / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and doc.get("format") == FORMAT


def _bodies_only(bodies: Path) -> bool:
    return (bodies.is_dir() and not bodies.is_symlink()
            and all(b.suffix == ".body" and b.is_file() and not b.is_symlink() for b in bodies.iterdir()))


def _replaceable(directory: Path, *, top: bool) -> bool:
    """`directory` holds nothing but what `save` writes (snapshot.json, bodies/*.body) and, at the
    top of a `--save` directory (`top`), per-target snapshot directories that hold nothing else:
    then replacing it loses nothing of the user's. Symlinks are never ours."""
    try:
        for entry in directory.iterdir():
            if entry.is_symlink():
                return False
            if entry.name == INDEX and entry.is_file() and _is_snapshot(directory):
                continue
            if entry.name == "bodies" and _bodies_only(entry):
                continue
            if top and entry.is_dir() and _is_snapshot(entry) and _replaceable(entry, top=False):
                continue
            return False
    except OSError:
        return False
    return True


def check_save_dir(directory: Path) -> None:
    """Refuse (OutputError) a `--save` directory that holds anything but earlier snapshots: saving
    replaces `snapshot.json` and the bodies, and must never clear files the user keeps there.
    A new or empty directory, an earlier snapshot, or a directory of earlier per-target snapshots
    (holding nothing else) are fine. Run before any request, so a refusal costs nothing."""
    if not directory.exists():
        return
    if not directory.is_dir():
        raise OutputError("exists and is not a directory", source=str(directory))
    try:
        next(directory.iterdir(), None)
    except OSError as err:
        raise OutputError(f"cannot read the directory: {err.strerror or err}", source=str(directory)) from None
    if not _replaceable(directory, top=True):
        raise OutputError("holds files that are not an authmd probe snapshot; give --save a new or empty "
                          "directory (nothing was written)", source=str(directory))


def start_save(directory: Path) -> None:
    """Before a run that saves into `directory`: refuse it as `check_save_dir` does, then remove
    the earlier run's snapshots, so that `--replay DIR` gives this run and only this run (a run of
    3 targets saved over a run of 2 must not replay 5, nor a run of 2 over a single one replay the
    old one). Only what `save` writes is removed (snapshot.json, bodies/*.body, then the emptied
    directories). A directory holding anything else was refused by `check_save_dir`."""
    check_save_dir(directory)  # after it: every entry is ours (`_replaceable`)
    if not directory.is_dir():
        return
    try:
        for sub in [e for e in directory.iterdir() if e.is_dir() and e.name != "bodies"]:
            _clear(sub, remove_dir=True)
        _clear(directory, remove_dir=False)
    except OSError as err:
        raise OutputError(f"cannot clear the earlier snapshot: {err.strerror or err}", source=str(directory)) from None


def _clear(snap: Path, *, remove_dir: bool) -> None:
    (snap / INDEX).unlink(missing_ok=True)
    bodies = snap / "bodies"
    if bodies.is_dir() and not bodies.is_symlink():
        for old in bodies.glob("*.body"):
            old.unlink()
        if not any(bodies.iterdir()):
            bodies.rmdir()
    if remove_dir and not any(snap.iterdir()):
        snap.rmdir()


def save(directory: Path, target: Target, exchanges: list[Exchange] | tuple[Exchange, ...]) -> None:
    """Write one target's snapshot into `directory` (created; an earlier snapshot is replaced)."""
    check_save_dir(directory)
    try:
        bodies = directory / "bodies"
        bodies.mkdir(parents=True, exist_ok=True)
        for old in bodies.glob("*.body"):
            old.unlink()
        records = []
        for ex in exchanges:
            hops = []
            for h, hop in enumerate(ex.hops):
                name = f"{ex.index:03d}-{h}.body"
                _write(bodies / name, hop.body)
                hops.append({"method": hop.method, "url": hop.url, "status": hop.status,
                             "headers": [list(kv) for kv in hop.headers], "body": f"bodies/{name}",
                             "ms": round(hop.ms, 1),
                             "failure": None if hop.failure is None else {"kind": hop.failure.kind,
                                                                          "message": hop.failure.message},
                             "retried_after": hop.retried_after})
            records.append({"index": ex.index, "step": ex.step, "method": ex.method, "url": ex.url,
                            "side_effect": ex.side_effect, "after": ex.after, "note": ex.note, "hops": hops})
        doc = {"format": FORMAT, "version": VERSION,
               "target": {"given": target.given, "origin": target.origin, "api": target.api},
               "exchanges": records}
        _write(directory / INDEX, (json.dumps(doc, indent=2) + "\n").encode())
    except OSError as err:
        raise OutputError(f"cannot save the snapshot: {err.strerror or err}", source=str(directory)) from None


def snapshot_dirs(directory: Path) -> list[Path]:
    """`directory` itself when it holds a snapshot, else every subdirectory that does (sorted)."""
    if (directory / INDEX).is_file():
        return [directory]
    if not directory.is_dir():
        raise InputError("no such snapshot directory", source=str(directory))
    found = sorted(p for p in directory.iterdir() if (p / INDEX).is_file())
    if not found:
        raise InputError(f"no {INDEX} here or in its subdirectories (made by `authmd probe --save DIR`)",
                         source=str(directory))
    return found


def load(directory: Path) -> tuple[Target, list[Exchange]]:
    """One target's snapshot; `InputError` naming the file when it is not one."""
    index = directory / INDEX
    try:
        doc: Any = json.loads(index.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError("not an authmd probe snapshot")
        if doc.get("version") != VERSION:
            raise ValueError(f"snapshot version {doc.get('version')!r} (this authmd reads {VERSION})")
        t = _obj(doc["target"], "target")
        target = Target(given=_text(t["given"], "target.given"), origin=_text(t["origin"], "target.origin"),
                        api=_opt(t.get("api"), str, "target.api"))
        exchanges = []
        for n, raw_rec in enumerate(_list(doc["exchanges"], "exchanges")):
            at = f"exchanges[{n}]"
            rec = _obj(raw_rec, at)
            hops = []
            for k, raw_hop in enumerate(_list(rec["hops"], f"{at}.hops")):
                hat = f"{at}.hops[{k}]"
                h = _obj(raw_hop, hat)
                failure = h.get("failure")
                if failure:
                    failure = _obj(failure, f"{hat}.failure")
                    failure = Failure(_text(failure["kind"], f"{hat}.failure.kind"),
                                      _text(failure["message"], f"{hat}.failure.message"))
                hops.append(Hop(_text(h["method"], f"{hat}.method"), _text(h["url"], f"{hat}.url"),
                                _opt(h.get("status"), int, f"{hat}.status"),
                                tuple(_header(kv, f"{hat}.headers") for kv in _list(h.get("headers", []),
                                                                                   f"{hat}.headers")),
                                _body(directory, _text(h["body"], f"{hat}.body")),
                                float(_opt(h.get("ms"), float, f"{hat}.ms") or 0.0), failure or None,
                                _opt(h.get("retried_after"), float, f"{hat}.retried_after")))
            exchanges.append(Exchange(_int(rec["index"], f"{at}.index"), _text(rec["step"], f"{at}.step"),
                                      _text(rec["method"], f"{at}.method"), _text(rec["url"], f"{at}.url"),
                                      tuple(hops), _opt(rec.get("side_effect"), bool, f"{at}.side_effect") or False,
                                      _opt(rec.get("after"), int, f"{at}.after"),
                                      _opt(rec.get("note"), str, f"{at}.note") or ""))
        return target, exchanges
    except OSError as err:
        raise InputError(f"cannot read the snapshot: {err.strerror or err}", source=str(index)) from None
    except (ValueError, KeyError, TypeError) as err:
        raise InputError(f"not a usable snapshot: {err}", source=str(index)) from None


# A snapshot is a file users may edit or receive from someone else: every value is checked for
# the type the analysis expects, so a tampered file is an input error naming the member, never a
# crash deep in a rule.
def _obj(value: Any, at: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{at} is not an object")
    return value


def _list(value: Any, at: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{at} is not an array")
    return value


def _text(value: Any, at: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{at} is not a string")
    return value


def _int(value: Any, at: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{at} is not an integer")
    return value


def _opt(value: Any, kind: type, at: str) -> Any:
    """`value` when it is None or of `kind` (an int where a float is expected too)."""
    if value is None:
        return None
    ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
    if kind is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)
    if not ok:
        names = {float: "a number", int: "an integer", bool: "true or false", str: "a string"}
        raise ValueError(f"{at} is not {names.get(kind, kind.__name__)}")
    return value


def _header(kv: Any, at: str) -> tuple[str, str]:
    if not (isinstance(kv, list) and len(kv) == 2 and all(isinstance(x, str) for x in kv)):
        raise ValueError(f"{at}: each header is a [name, value] pair of strings")
    return kv[0], kv[1]


def _body(directory: Path, rel: str) -> bytes:
    path = (directory / rel).resolve()
    if directory.resolve() not in path.parents:
        raise ValueError(f"body path {rel!r} leaves the snapshot directory")
    return path.read_bytes()
