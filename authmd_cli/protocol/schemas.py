"""The JSON Schemas in `schemas/`: catalogue, per-profile selection, offline `$ref` resolution, validation.

`schemas/index.json` is the catalogue: every schema has a `name` (its file stem), a `kind` (the
document type, e.g. "registration-response") and the SPEC §14 D1 `profiles` it applies to, so a
kind has one variant per group of profiles whose wire shapes agree. `schema_for(kind, profile)`
picks the variant; `validate()` turns jsonschema errors into `SchemaViolation`s: one per leaf
problem, with an RFC 6901 pointer and a one-sentence message naming the offending value.

Severity policy encoded in the schemas (SPEC §14): a schema violation is something §14 calls an
**error**. What §14 makes a warning or info is left to rules and therefore allowed here:
unknown members (D15), empty arrays (D16), a number where a timestamp belongs (D28), `refresh`
in `identity_types_supported` (D8), the legacy `verified_email` assertion type (D3), a missing
`message`/`error_description` (D10). Request bodies are closed (`additionalProperties: false`).

jsonschema/referencing are imported inside functions (start-up time of `authmd --help`), and
`$ref`s resolve only against the bundled files: the registry's `retrieve` refuses every URI.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from authmd_cli.core.pointer import join as pointer_join
from authmd_cli.core.resources import schemas_dir
from authmd_cli.protocol.profiles import LATEST, VERSIONED, resolve

if TYPE_CHECKING:
    from referencing import Registry

# The kinds of document a schema describes (index.json `kind`). "defs" (common.schema.json) and the
# configuration kinds are catalogued too but are not protocol messages.
KINDS: tuple[str, ...] = (
    "prm",
    "as-metadata",
    "registration-request",
    "registration-response",
    "claim-request",
    "claim-response",
    "claim-complete-request",
    "claim-complete-response",
    "token-response",
    "claim-grant-response",
    "error",
    "oauth-error",
    "set-error",
    "id-jag",
    "id-jag-header",
    "service-assertion",
    "set",
    "set-header",
)

_VALUE_WIDTH = 80


@dataclass(frozen=True, slots=True)
class SchemaInfo:
    """One catalogue entry (index.json), with title/description as written in the schema file."""

    name: str
    title: str
    description: str
    profiles: tuple[str, ...]
    kind: str
    file: str
    schema_id: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "title": self.title, "description": self.description,
                "profiles": list(self.profiles), "file": self.file, "id": self.schema_id}


@dataclass(frozen=True, slots=True)
class SchemaViolation:
    """One leaf problem of an instance against a schema.

    `pointer` is the RFC 6901 pointer of the offending instance location ("" = root; for an
    unexpected member it points at that member); `keyword` the failing JSON Schema keyword;
    `schema_path` the keyword path from the root schema as jsonschema walked it (`$ref`s are
    followed, not named, so it is a trail, not a pointer into one file); `value` a truncated
    repr of the offending value.
    """

    pointer: str
    message: str
    keyword: str
    schema_path: str
    value: str

    def to_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "message": self.message, "keyword": self.keyword,
                "schema_path": self.schema_path, "value": self.value}


# ---------------------------------------------------------------- catalogue


# Every bundled schema's `$id` is this base + its file name (tests/schemas enforce it), so the
# catalogue and `$ref` resolution know a schema's `$id` without opening its file.
_ID_BASE = "https://authmd.dev/schemas/"


@functools.lru_cache(maxsize=1)
def _catalogue() -> tuple[SchemaInfo, ...]:
    # index.json alone: a lint needs 1-3 of the ~45 files, so the others are never read (start-up
    # time). index.json repeats each file's title and description (tests/schemas check they agree);
    # the file is read only for an entry that lacks them.
    base = schemas_dir()
    index = json.loads((base / "index.json").read_text(encoding="utf-8"))
    out: list[SchemaInfo] = []
    for entry in index["schemas"]:
        path = base / entry["file"]
        if not path.is_file():  # catalogued ahead of the file (written by another part of the tool)
            continue
        title, description = entry.get("title"), entry.get("description")
        if not isinstance(title, str) or not isinstance(description, str):
            raw = _raw(entry["file"])
            title = str(raw.get("title", title or ""))
            description = str(raw.get("description", description or ""))
        out.append(SchemaInfo(
            name=entry["name"],
            title=title,
            description=description,
            profiles=tuple(entry.get("profiles", ())),
            kind=entry.get("kind", entry["name"]),
            file=entry["file"],
            schema_id=_ID_BASE + entry["file"],
        ))
    return tuple(out)


@functools.cache
def _raw(file: str) -> dict[str, Any]:
    data = json.loads((schemas_dir() / file).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"schema file {file} does not hold a JSON object")
    return data


def _by_name() -> dict[str, SchemaInfo]:
    return {info.name: info for info in _catalogue()}


def list_schemas() -> list[SchemaInfo]:
    """Every schema shipped, in catalogue order (drives `authmd schema list`)."""
    return list(_catalogue())


@functools.lru_cache(maxsize=256)  # EX001 asks per example; kinds x profiles are a few dozen pairs
def schema_for(kind: str, profile: str) -> str:
    """Name of the schema describing `kind` under `profile` (a SPEC §14 D1 label or alias).

    Raises KeyError for an unknown kind or profile, or when the kind does not exist in that
    profile (e.g. "token-response" under v0.1, "claim-grant-response" under v0.7-B).
    """
    label = resolve(profile).label
    variants = [info for info in _catalogue() if info.kind == kind]
    if not variants:
        known = sorted({info.kind for info in _catalogue()})
        raise KeyError(f"unknown schema kind {kind!r} (known: {', '.join(known)})")
    for info in variants:
        if label in info.profiles:
            return info.name
    covered = [p for p in (*VERSIONED, "no-registration") if any(p in v.profiles for v in variants)]
    raise KeyError(f"no {kind} schema for profile {label} (it exists in: {', '.join(covered)})")


def _default_profile(kind: str) -> str:
    """LATEST when the kind exists there, else the newest profile that has it."""
    variants = [info for info in _catalogue() if info.kind == kind]
    for label in (LATEST, *reversed(VERSIONED)):
        if any(label in v.profiles for v in variants):
            return label
    return LATEST


def resolve_name(name: str, profile: str | None = None) -> str:
    """Schema name for a schema name or kind, switched to the variant for `profile` when given."""
    infos = _by_name()
    info = infos.get(name)
    if info is not None:
        if profile is None or not info.profiles or resolve(profile).label in info.profiles:
            return name
        return schema_for(info.kind, profile)
    if any(i.kind == name for i in infos.values()):
        return schema_for(name, profile or _default_profile(name))
    kinds = sorted({i.kind for i in infos.values()})
    raise KeyError(f"unknown schema {name!r} (schemas: {', '.join(infos)}; kinds: {', '.join(kinds)})")


def load_schema(name: str, profile: str | None = None) -> dict[str, Any]:
    """The schema (a fresh copy) by name or kind; `profile` picks the per-profile variant."""
    return copy.deepcopy(_raw(_by_name()[resolve_name(name, profile)].file))


def schema_text(name: str, profile: str | None = None) -> str:
    """Pretty JSON of a schema, for `authmd schema show`."""
    return json.dumps(load_schema(name, profile), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- registry and validators


@functools.cache
def _retrieve(uri: str) -> Any:
    """The bundled schema whose `$id` is `uri`, loaded on first reference; anything else is refused.

    Offline only: a `$ref` outside the bundled schemas is a packaging bug, never a download.
    """
    from referencing.exceptions import NoSuchResource
    from referencing.jsonschema import DRAFT202012

    info = next((i for i in _catalogue() if i.schema_id == uri), None)
    raw = _raw(info.file) if info is not None else None
    if raw is None or raw.get("$id") != uri:
        raise NoSuchResource(ref=uri)  # type: ignore[call-arg]  # attrs class: mypy lacks the plugin
    return DRAFT202012.create_resource(raw)


@functools.lru_cache(maxsize=1)
def registry() -> Registry[Any]:
    """A `referencing.Registry` of the bundled schemas by `$id`, filled on demand (`_retrieve`).

    Lazy because loading and crawling all ~45 files cost more than a whole one-file lint needs.
    """
    from referencing import Registry

    return Registry(retrieve=_retrieve)  # type: ignore[call-arg]


@functools.cache
def _referenced(uri: str) -> frozenset[str]:
    """The other documents (absolute URIs, no fragment) that `$ref`s in the bundled schema `uri` point into."""
    from urllib.parse import urljoin

    out: set[str] = set()
    stack: list[object] = [_retrieve(uri).contents]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                out.add(ref.partition("#")[0])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    # Hundreds of `$ref`s name a handful of documents: join each distinct one once ("" = this one).
    return frozenset(urljoin(uri, doc) for doc in out if doc) - {uri}


@functools.cache
def _crawled(uri: str) -> Registry[Any]:
    """A registry of the one bundled schema `uri`, crawled (subresources, anchors) once per run."""
    from referencing import Registry

    crawled: Registry[Any] = Registry().with_resource(uri, _retrieve(uri)).crawl()
    return crawled


def _registry_for(schema_id: str) -> Registry[Any]:
    """`registry()` with the schema `schema_id` and every schema it `$ref`s, transitively, already in.

    A validator is reused for many documents, and jsonschema resolves each `$ref` from the
    validator's own registry: a miss there would crawl and retrieve again on every validation."""
    from referencing.exceptions import NoSuchResource

    needed: set[str] = set()
    todo = [schema_id]
    while todo:
        uri = todo.pop()
        if uri in needed:
            continue
        try:
            todo.extend(_referenced(uri) - needed)
        except NoSuchResource:
            continue  # not bundled: left to fail at validation, as an unresolvable `$ref` does
        needed.add(uri)
    return registry().combine(*(_crawled(uri) for uri in sorted(needed)))


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$", re.ASCII)


# `\s` is exactly `str.isspace()` (tests/protocol/test_schema_formats.py), one C scan instead of a
# generator per character.
_SPACE_RE = re.compile(r"\s")


def _check_uri(value: object) -> bool:
    from urllib.parse import urlsplit

    if not isinstance(value, str):
        return True
    if not value or _SPACE_RE.search(value):
        return False
    parts = urlsplit(value)
    _ = parts.port  # raises ValueError on a non-numeric or out-of-range port
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


def _check_date_time(value: object) -> bool:
    from datetime import datetime

    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        return False
    # fromisoformat rejects impossible dates (month 13, Feb 30) that a pattern lets through.
    datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    return True


def _check_email(value: object) -> bool:
    if not isinstance(value, str):
        return True
    local, at, domain = value.rpartition("@")
    return bool(at and local and domain) and not _SPACE_RE.search(value)


def _jsonschema() -> Any:
    """The jsonschema module, imported on first use (it ships no type information)."""
    import jsonschema  # type: ignore[import-untyped]

    return jsonschema


@functools.lru_cache(maxsize=1)
def _format_checker() -> Any:
    """A FormatChecker with stdlib-only checks, so results never depend on optional packages
    (jsonschema's own `uri`/`date-time` checks silently turn off without rfc3987/rfc3339-validator)."""
    checker = _jsonschema().FormatChecker(formats=())
    checker.checks("uri", raises=ValueError)(_check_uri)
    checker.checks("date-time", raises=ValueError)(_check_date_time)
    checker.checks("email")(_check_email)
    return checker


@functools.cache
def _validator(name: str) -> Any:
    """The validator of schema `name`, built on first use: only the schemas a run validates
    against (and those they reference) are ever loaded."""
    info = _by_name()[name]
    return _jsonschema().Draft202012Validator(_raw(info.file), registry=_registry_for(info.schema_id),
                                              format_checker=_format_checker())


@functools.cache
def _validator_for(name: str, profile: str | None) -> Any:
    """`_validator` by schema name or kind and profile: resolved once per pair, not per document."""
    return _validator(resolve_name(name, profile))


def validator(name: str, profile: str | None = None) -> Any:
    """The cached Draft 2020-12 validator of schema `name` (a name or kind; bundled registry, stdlib
    formats), for callers that map errors to their own positions (config_errors). KeyError if unknown."""
    return _validator_for(name, profile)


def config_validator(name: str) -> Any:
    """`validator(name)` for a bundled config schema; a missing one is a broken installation."""
    from authmd_cli.core.errors import ConfigError

    try:
        return validator(name)
    except KeyError:
        raise ConfigError(f"the bundled schema {name!r} is missing (broken installation)") from None


# ---------------------------------------------------------------- bundled validators

# Where JSON Schema 2020-12 keeps subschemas: maps of name -> schema, lists of schemas, one schema.
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_ONE = frozenset({"items", "contains", "additionalProperties", "propertyNames", "if", "then", "else",
                         "not", "unevaluatedItems", "unevaluatedProperties"})


class _CyclicRefError(Exception):
    """A `$ref` that reaches itself cannot be inlined (none of ours does; the registry copes)."""


def _target(uri: str) -> tuple[str, Any]:
    """(base URI, subschema) that the absolute `uri` (document + JSON pointer fragment) names."""
    from urllib.parse import unquote

    base, _, fragment = uri.partition("#")
    info = next((i for i in _catalogue() if i.schema_id == base), None)
    if info is None:
        raise KeyError(uri)
    node: Any = _raw(info.file)
    for raw in (t for t in fragment.split("/") if t):
        token = unquote(raw).replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return base, node


def _inline(node: Any, base: str, done: dict[str, Any]) -> Any:
    """`node` with every `$ref` replaced by the (inlined) schema it names: `{"$ref": X}` becomes X,
    and `{"$ref": X, ...siblings}` becomes `{...siblings, "allOf": [..., X]}` (the same assertion in
    2020-12). `$defs` are dropped: nothing refers into the copy."""
    from urllib.parse import urljoin

    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("$ref", "$defs"):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {k: _inline(v, base, done) for k, v in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_inline(v, base, done) for v in value]
        elif key in _SCHEMA_ONE:
            out[key] = _inline(value, base, done)
        else:
            out[key] = value  # keywords whose values are data (enum, const, required, title, ...)
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return out
    uri = urljoin(base, ref)
    if uri not in done:
        done[uri] = None  # in progress
        target_base, target = _target(uri)
        done[uri] = _inline(target, target_base, done)
    target = done[uri]
    if target is None:
        raise _CyclicRefError(uri)
    if not out:
        return target
    out["allOf"] = [*out.get("allOf", []), target]
    return out


@functools.cache
def _bundled_validator(name: str, profile: str | None) -> Any:
    """The validator of `_validator_for(name, profile)`, compiled once with every `$ref` inlined.

    Following a `$ref` costs a registry lookup and a new validator on every visit, about half of
    all validation time; inlined, the same keywords run against the same subschemas, so the
    violations are the same (tests/protocol/test_schema_bundled.py). Only their `schema_path`
    trail differs: `$ref` steps are not in it. Falls back to the registry-backed validator for a
    schema whose references cannot be inlined."""
    info = _by_name()[resolve_name(name, profile)]
    try:
        schema = _inline(_raw(info.file), info.schema_id, {})
    except (_CyclicRefError, KeyError, IndexError, ValueError):
        return _validator_for(name, profile)
    return _jsonschema().Draft202012Validator(schema, format_checker=_format_checker())


# ---------------------------------------------------------------- validation


_PLACEHOLDER_KEYWORDS = frozenset({"pattern", "format", "type", "const", "enum", "minLength"})


def is_placeholder(value: object) -> bool:
    """A documentation placeholder anywhere in a JSON string: `"<…>"`, `"reg_..."`, `"https://<host>/x"`
    (SPEC §14 D12; the one definition is `urls.is_placeholder`)."""
    from authmd_cli.core.urls import is_placeholder as placeholder

    return isinstance(value, str) and placeholder(value, partial=True)


def validate(instance: object, name: str, profile: str | None = None, *,
             allow_placeholders: bool = False, bundled: bool = True) -> list[SchemaViolation]:
    """Validate `instance` against the schema `name` (a schema name or a kind) for `profile`.

    Returns leaf violations in document order, deduplicated; [] when valid. Never raises for
    any JSON value (KeyError only for an unknown schema/profile). `allow_placeholders` drops
    value-shape findings on placeholder strings, for examples in auth.md (SPEC §14 D12).
    `bundled=False` follows `$ref`s through the registry instead of inlined copies (slower; the
    same violations, with `$ref` steps in `schema_path`).
    """
    validator = _bundled_validator(name, profile) if bundled else _validator_for(name, profile)
    try:
        errors = list(validator.iter_errors(instance))
        leaves = [leaf for err in errors for leaf in _leaves(err)]
        found = [v for leaf in leaves for v in _violations(leaf)]
    except RecursionError:
        return [SchemaViolation("", "the document is nested too deeply to validate", "depth", "", "…")]
    items = [(key, v) for key, v, raw in found
             if not (allow_placeholders and v.keyword in _PLACEHOLDER_KEYWORDS and is_placeholder(raw))]
    return _finish(items)


def _finish(items: Iterable[tuple[tuple[Any, ...], SchemaViolation]]) -> list[SchemaViolation]:
    items = list(items)
    # `pattern` already explains a malformed string; a `format` finding at the same spot is noise.
    patterned = {v.pointer for _, v in items if v.keyword == "pattern"}
    seen: set[tuple[str, str]] = set()
    out: list[tuple[tuple[Any, ...], SchemaViolation]] = []
    for key, v in items:
        if v.keyword == "format" and v.pointer in patterned:
            continue
        if (v.pointer, v.message) in seen:
            continue
        seen.add((v.pointer, v.message))
        out.append((key, v))
    out.sort(key=lambda kv: (kv[0], kv[1].keyword, kv[1].message))
    return [v for _, v in out]


def _leaves(error: Any) -> list[Any]:
    """Leaf errors: a oneOf/anyOf is replaced by the errors of the branch the instance was meant for."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        branch = _pick_branch(error)
        if branch is not None:
            return [leaf for sub in branch for leaf in _leaves(sub)]
    return [error]


def _pick_branch(error: Any) -> list[Any] | None:
    """The branch of a failed union to report, or None to report the union itself.

    1. Branches that fail only on the instance's JSON type are not what was meant; if one
       branch is left, it is the one (e.g. `aud` given as an array with a bad item).
    2. A titled union (a named alternative such as D27 `scopes`) is reported by its title.
    3. A discriminated union: branches that clash on a `const`/`enum` member are dropped; if
       exactly one branch is left, the instance was meant for it.
    4. Otherwise the branch whose errors go deepest (fewest errors on a tie).
    """
    groups: dict[int, list[Any]] = {}
    for sub in error.context:
        groups.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    if not groups:
        return None
    shaped = [g for g in groups.values()
              if not all(e.validator == "type" and not e.relative_path for e in g)]
    if len(shaped) == 1:
        return shaped[0]
    if not shaped or _title(error.schema):
        return None
    clashing = [g for g in shaped
                if any(e.validator in ("const", "enum") and len(e.relative_path) == 1 for e in g)]
    rest = [g for g in shaped if not any(g is c for c in clashing)]
    if clashing and len(rest) == 1:
        return rest[0]
    return max(shaped, key=lambda g: (max(len(e.relative_path) for e in g), -len(g)))


def _title(schema: object) -> str | None:
    if isinstance(schema, dict):
        title = schema.get("title")
        if isinstance(title, str) and title:
            return title
    return None


def _pointer(path: Sequence[object]) -> str:
    return pointer_join(path)


def _sort_key(path: Sequence[object]) -> tuple[Any, ...]:
    return tuple((0, t, "") if isinstance(t, int) else (1, 0, str(t)) for t in path)


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _where(path: Sequence[object]) -> str:
    """`agent_auth.identity_types_supported[1]`, or "the document" for the root."""
    if not path:
        return "the document"
    out = ""
    for t in path:
        if isinstance(t, int):
            out += f"[{t}]"
        elif _IDENT.match(str(t)):
            out += ("." if out else "") + str(t)
        else:
            out += f"[{json.dumps(str(t), ensure_ascii=False)}]"
    return f"`{out}`"


def _short(value: object) -> str:
    """The value as JSON for a message, truncated, secrets hidden (IN-THE-WILD §4.1)."""
    from authmd_cli.core.display import show_value

    return show_value(value, width=_VALUE_WIDTH)


_JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"),
               (list, "array"), (dict, "object"), (type(None), "null"))


def _json_type(value: object) -> str:
    for py, name in _JSON_TYPES:
        if isinstance(value, py):
            return name
    return type(value).__name__


def _violations(error: Any) -> list[tuple[tuple[Any, ...], SchemaViolation, object]]:
    """One violation per leaf error; `additionalProperties` splits into one per unexpected member."""
    path = list(error.absolute_path)
    schema_path = _pointer(list(error.absolute_schema_path))
    keyword = str(error.validator) if error.validator is not None else "false"
    inst = error.instance

    def one(message: str, at: list[object] | None = None, value: object = inst) -> tuple[
            tuple[Any, ...], SchemaViolation, object]:
        loc = path if at is None else at
        violation = SchemaViolation(_pointer(loc), message, keyword, schema_path, _short(value))
        return (_sort_key(loc), violation, value)

    if keyword == "additionalProperties" and isinstance(inst, dict) and isinstance(error.schema, dict):
        props = error.schema.get("properties", {})
        patterns = list(error.schema.get("patternProperties", {}))
        extras = [k for k in inst if k not in props and not any(re.search(p, k) for p in patterns)]
        if extras:
            return [one(f"{_where(path)} has unexpected member `{k}`", [*path, k], inst[k]) for k in extras]
    if keyword == "dependentRequired" and isinstance(inst, dict) and isinstance(error.validator_value, dict):
        pairs = [(p, d) for p, deps in error.validator_value.items() if p in inst
                 for d in deps if d not in inst]
        if pairs:
            return [one(f"{_where(path)} has `{p}` but is missing `{d}`") for p, d in pairs]
    return [one(_message(error, keyword, path, inst))]


def _describe(schema: object) -> str:
    if isinstance(schema, dict):
        if "const" in schema:
            return repr(schema["const"])
        if isinstance(schema.get("enum"), list):
            return "any of " + ", ".join(str(x) for x in schema["enum"])
    return _title(schema) or "a matching item"


def _message(error: Any, keyword: str, path: list[object], inst: object) -> str:
    where = _where(path)
    val = _short(inst)
    vv = error.validator_value
    title = _title(error.schema)
    if keyword == "enum":
        return f"{where} is {val}, not one of {', '.join(str(x) for x in vv)}"
    if keyword == "const":
        return f"{where} is {val}, expected {vv!r}"
    if keyword == "type":
        expected = title or " or ".join(vv if isinstance(vv, list) else [str(vv)])
        return f"{where} is {val} ({_json_type(inst)}), expected {expected}"
    if keyword == "required":
        missing = [m for m in vv if isinstance(inst, dict) and m not in inst] if isinstance(vv, list) else []
        # jsonschema yields one error per missing member; its message names which one.
        named = re.match(r"^'(.*)' is a required property$", str(error.message))
        member = named.group(1) if named else ", ".join(missing)
        return f"{where} is missing required member `{member}`"
    if keyword in ("pattern", "format"):
        expected = title or (f"a string matching {vv}" if keyword == "pattern" else f"a valid {vv}")
        return f"{where} is {val}, expected {expected}"
    if keyword in ("minItems", "minProperties", "minLength") and vv == 1:
        return f"{where} is empty"
    if keyword in ("minItems", "maxItems", "minProperties", "maxProperties", "minLength", "maxLength"):
        bound = "at least" if keyword.startswith("min") else "at most"
        unit = ("characters" if keyword.endswith("Length")
                else "members" if "Properties" in keyword else "items")
        size = len(inst) if isinstance(inst, (str, list, dict)) else "?"
        return f"{where} has {size} {unit}, expected {bound} {vv}"
    if keyword == "uniqueItems":
        return f"{where} has duplicate items"
    if keyword == "contains":
        return f"{where} does not contain {_describe(vv)}"
    if keyword in ("minimum", "exclusiveMinimum"):
        return f"{where} is {val}, below the minimum {vv}"
    if keyword in ("maximum", "exclusiveMaximum"):
        return f"{where} is {val}, above the maximum {vv}"
    if keyword == "not":
        if isinstance(vv, dict) and "const" in vv:
            return f"{where} must not be {vv['const']!r}"
        return f"{where} is {val}, which is not allowed"
    if keyword in ("oneOf", "anyOf"):
        if keyword == "oneOf" and not error.context:
            return f"{where} matches more than one allowed shape{f' of {title}' if title else ''}"
        if isinstance(inst, dict):
            return f"{where} does not satisfy: {title or 'any allowed shape'}"
        return f"{where} is {val}, expected {title or 'one of the allowed shapes'}"
    if keyword == "false":
        return f"{where} is not allowed here"
    return f"{where}: {error.message}"
