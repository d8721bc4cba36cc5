"""Configuration: find, parse, validate and merge `.authmd.yaml` / `[tool.authmd]`.

Discovery walks up from a directory the caller passes in (never `os.getcwd()` here): in each
directory `.authmd.yaml`, then `.authmd.yml`, then a `pyproject.toml` that has a `[tool.authmd]`
table; the nearest directory wins. `--config PATH` replaces discovery, `--no-config` skips it.

The file is validated by the bundled `schemas/lint-config.schema.json`, then semantically (rule
codes and names exist). Every problem is ONE `ConfigError` whose text is `path:line:col: message`:
YAML positions come from PyYAML's node marks, TOML positions from a best-effort search of the
key path in the text (tomllib keeps none).

Merge order is defaults < file < command-line flags:
- `profile`, `strict`, `format`: a flag replaces the file's value;
- `select`: `--select` replaces the file's list (you asked for exactly these rules);
- `ignore`: `--ignore` adds to the file's list, minus rules named exactly by `--select`;
- `severity: {RULE: off}` is the same as ignoring RULE.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from authmd_cli.diagnostics import Severity
from authmd_cli.errors import ConfigError, UsageError
from authmd_cli.lint import LintOptions
from authmd_cli.suggest import did_you_mean as did_you_mean  # noqa: PLC0414 (explicit re-export: suppress.py)

CONFIG_NAMES = (".authmd.yaml", ".authmd.yml")
PYPROJECT = "pyproject.toml"
FORMATS = ("text", "json", "sarif", "github")
SCHEMA_FILE = "lint-config.schema.json"

KeyPath = tuple[str | int, ...]
Position = tuple[int, int]  # 1-based line, column


# ------------------------------------------------------------------ rule references


class UnknownRuleError(ValueError):
    """A rule code, name or prefix that matches no registered rule (message has a suggestion)."""


def _registry() -> Mapping[str, Any]:
    import authmd_cli.rules  # noqa: F401  (fills the registry; cheap, no heavy imports)
    from authmd_cli.rules.base import REGISTRY

    return REGISTRY


def rule_vocabulary() -> list[str]:
    """Every code, name and alias a user may write."""
    words: list[str] = []
    for code, rule in _registry().items():
        words += [code, rule.name, *rule.aliases]
    return words


def resolve_rule_ref(ref: str, *, allow_prefix: bool = False) -> str:
    """A rule code for `ref` (a code or name, case-insensitive for codes); with `allow_prefix`
    a family prefix like `MD` is returned upper-cased. Raises UnknownRuleError."""
    from authmd_cli.rules.base import lookup

    text = ref.strip()
    registry = _registry()
    found = lookup(text) if text else None
    if found is not None:
        return str(found.code)
    if allow_prefix and re.fullmatch(r"[A-Za-z]{2}", text):
        prefix = text.upper()
        if any(code.startswith(prefix) for code in registry):
            return prefix
    raise UnknownRuleError(f"unknown rule {ref!r}{did_you_mean(text, rule_vocabulary())}")


# ------------------------------------------------------------------ data


@dataclass(frozen=True)
class Overrides:
    """Command-line flags; None (or an empty tuple for lists) means "not given"."""

    profile: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    strict: bool | None = None
    format: str | None = None


@dataclass(frozen=True)
class LoadedConfig:
    """A validated configuration file (values as written, with their positions)."""

    path: Path | None
    data: Mapping[str, Any]
    positions: Mapping[KeyPath, Position] = field(default_factory=dict)  # of values
    key_positions: Mapping[KeyPath, Position] = field(default_factory=dict)  # of member names


@dataclass(frozen=True)
class Settings:
    """Everything a lint run needs from config + flags."""

    options: LintOptions = field(default_factory=LintOptions)
    strict: bool = False
    format: str | None = None  # None: the caller picks (render.default_format)
    config_path: Path | None = None


# ------------------------------------------------------------------ discovery (stat only)


def _has_tool_table(pyproject: Path) -> bool:
    import tomllib

    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        # A broken pyproject.toml that might hold our table: let load_config report it.
        try:
            return "[tool.authmd" in pyproject.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
    tool = data.get("tool")
    return isinstance(tool, dict) and "authmd" in tool


def find_config(start: Path) -> Path | None:
    """The nearest config file at or above `start` (a directory), or None."""
    here = start.resolve()
    for directory in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
        pyproject = directory / PYPROJECT
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
    return None


# ------------------------------------------------------------------ parsing (pure)


def _display(path: Path | str, cwd: Path | None) -> str:
    p = Path(path)
    if cwd is not None:
        try:
            return str(p.resolve().relative_to(cwd.resolve()))
        except ValueError:
            pass
    return str(path)


def _fmt_path(path: KeyPath, root: str = "") -> str:
    out = root
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def parse_yaml(text: str, source: str) -> LoadedConfig:
    """Parse YAML config text (bounded, alias-safe; see yamlsafe). Errors carry line:col."""
    from authmd_cli.yamlsafe import load_yaml

    doc = load_yaml(text, source)
    data: Any = {} if doc.value is None else doc.value
    if isinstance(data, dict) and isinstance(data.get("severity"), dict):
        # YAML 1.1 reads a bare `off` (and `no`) as false; the user meant the severity "off".
        data["severity"] = {k: "off" if v is False else v for k, v in data["severity"].items()}
    return LoadedConfig(None, data, doc.positions, doc.key_positions)


_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def _toml_locate(text: str, table: tuple[str, ...], path: KeyPath, value: Any) -> Position | None:
    """Best-effort position of `path` (inside `table`) in TOML text: tomllib keeps no marks."""
    lines = text.splitlines()
    if table:
        head = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(re.escape(t) for t in table) + r"\s*[\].]")
        start = next((i for i, ln in enumerate(lines) if head.match(ln)), None)
        if start is None:
            return None
    else:
        start = 0
    line_no, col = start, 1
    for i, part in enumerate(path):
        if isinstance(part, int):
            if i == len(path) - 1 and isinstance(value, str):
                needle = re.compile(r"[\"']" + re.escape(value) + r"[\"']")
                for j in range(line_no, len(lines)):
                    m = needle.search(lines[j])
                    if m:
                        return j + 1, m.start() + 1
            continue
        names = (*table, *[p for p in path[: i + 1] if isinstance(p, str)])
        sub_header = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(re.escape(t) for t in names) + r"\s*\]")
        key = re.compile(r"(?:^|[{,])\s*(?P<k>([\"']?)" + re.escape(part) + r"\2)\s*=")
        for j in range(line_no, len(lines)):
            if sub_header.match(lines[j]):
                line_no, col = j, 1
                break
            m = key.search(lines[j])
            if m:
                line_no, col = j, m.start("k") + 1
                break
    return line_no + 1, col


def parse_toml(text: str, source: str, *, table: tuple[str, ...] = ("tool", "authmd")) -> LoadedConfig:
    """Parse TOML text and take `table` from it (pyproject: `[tool.authmd]`)."""
    import tomllib

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        msg = str(err)
        m = _TOML_AT.search(msg)
        line, col = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        raise ConfigError(f"invalid TOML: {_TOML_AT.sub('', msg)}", source=source, line=line,
                          column=col) from None
    data: Any = doc
    for part in table:
        if not isinstance(data, dict) or part not in data:
            raise ConfigError(f"no [{'.'.join(table)}] table", source=source)
        data = data[part]
    return LoadedConfig(None, data, {})


class _Locator:
    """Where a key path of a loaded config is, for error messages."""

    def __init__(self, loaded: LoadedConfig, text: str, toml_table: tuple[str, ...] | None) -> None:
        self.loaded, self.text, self.toml_table = loaded, text, toml_table

    def _value(self, path: KeyPath) -> Any:
        cur: Any = self.loaded.data
        for part in path:
            try:
                cur = cur[part]
            except (KeyError, IndexError, TypeError):
                return None
        return cur

    def at(self, path: KeyPath, *, key: bool = False) -> Position | None:
        if self.toml_table is not None:
            return _toml_locate(self.text, self.toml_table, path, self._value(path))
        pos = self.loaded.positions
        if key and path in self.loaded.key_positions:
            return self.loaded.key_positions[path]
        p = path
        while True:
            if p in pos:
                return pos[p]
            if not p:
                return None
            p = p[:-1]

    def label(self, path: KeyPath) -> str:
        return _fmt_path(path, ".".join(self.toml_table) if self.toml_table else "")

    def error(self, path: KeyPath, message: str, source: str, *, key: bool = False) -> ConfigError:
        pos = self.at(path, key=key)
        where = self.label(path)
        text = f"{where}: {message}" if where else message
        return ConfigError(text, source=source, line=pos[0] if pos else None,
                           column=pos[1] if pos else None)


# ------------------------------------------------------------------ validation


def schema_path() -> Path:
    """The bundled config schema (installed package or source tree, see resources.py)."""
    from authmd_cli.resources import schemas_dir

    path = schemas_dir() / SCHEMA_FILE
    if not path.is_file():
        raise ConfigError(f"bundled schema {SCHEMA_FILE} is missing (broken installation)")
    return path


def load_config_schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(schema_path().read_text(encoding="utf-8"))
    return data


def _schema_error(data: Mapping[str, Any], schema: Mapping[str, Any]) -> tuple[KeyPath, str, bool] | None:
    """The most relevant schema violation as (path, message, point-at-key), or None."""
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]
    from jsonschema.exceptions import best_match  # type: ignore[import-untyped, unused-ignore]

    validator = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return None
    err = best_match(errors)
    path: KeyPath = tuple(err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        known = list(err.schema.get("properties", {}))
        extra = [k for k in err.instance if k not in known]
        if extra and known:
            return (*path, extra[0]), f"unknown key {extra[0]!r}{did_you_mean(extra[0], known)}", True
    if err.validator == "enum":
        allowed = [str(v) for v in err.validator_value]
        shown = err.instance if not isinstance(err.instance, str) else repr(err.instance)
        what = "profile" if path == ("profile",) else "value"
        hint = did_you_mean(str(err.instance), allowed) if isinstance(err.instance, str) else ""
        return path, f"unknown {what} {shown}{hint}; expected one of: {', '.join(allowed)}", False
    if err.validator == "pattern":
        if "propertyNames" in err.relative_schema_path:
            message = f"invalid key {err.instance!r}: expected a rule code or name"
            return (*path, str(err.instance)), message, True
        if path[:1] == ("extension-keys",):
            return path, (f"invalid extension key {err.instance!r}: expected a member name, optionally "
                          "prefixed by agent_auth., prm. or as."), False
        return path, f"{err.instance!r} is not a rule code, name or prefix", False
    return path, err.message, False


def _check_rules(data: Mapping[str, Any], loc: _Locator, source: str) -> None:
    for key in ("select", "ignore"):
        for i, ref in enumerate(data.get(key, ())):
            try:
                resolve_rule_ref(ref, allow_prefix=True)
            except UnknownRuleError as err:
                raise loc.error((key, i), str(err), source) from None
    for ref in data.get("severity", {}):
        try:
            resolve_rule_ref(ref)
        except UnknownRuleError as err:
            raise loc.error(("severity", ref), str(err), source, key=True) from None
    for glob, refs in data.get("per-file-ignores", {}).items():
        for i, ref in enumerate(refs):
            try:
                resolve_rule_ref(ref, allow_prefix=True)
            except UnknownRuleError as err:
                raise loc.error(("per-file-ignores", glob, i), str(err), source) from None


def validate_config(loaded: LoadedConfig, text: str, source: str, *,
                    toml_table: tuple[str, ...] | None = None,
                    schema: Mapping[str, Any] | None = None) -> None:
    """Raise ConfigError for the first schema or semantic problem."""
    loc = _Locator(loaded, text, toml_table)
    if not isinstance(loaded.data, dict):
        raise loc.error((), f"config must be a mapping of keys, not {type(loaded.data).__name__}", source)
    found = _schema_error(loaded.data, schema if schema is not None else load_config_schema())
    if found is not None:
        path, message, key = found
        raise loc.error(path, message, source, key=key)
    _check_rules(loaded.data, loc, source)


def parse_config(text: str, source: str, *, kind: str) -> LoadedConfig:
    """Parse and validate config text. `kind`: "yaml", "pyproject" ([tool.authmd]) or "toml"
    (a standalone TOML file: its top level, or its [tool.authmd] table when it has one)."""
    toml_table: tuple[str, ...] | None = None
    if kind == "yaml":
        loaded = parse_yaml(text, source)
    else:
        toml_table = ("tool", "authmd")
        if kind == "toml" and "[tool.authmd" not in text:
            toml_table = ()
        loaded = parse_toml(text, source, table=toml_table)
    validate_config(loaded, text, source, toml_table=toml_table)
    return loaded


def _kind_for(path: Path) -> str:
    if path.name == PYPROJECT:
        return "pyproject"
    return "toml" if path.suffix == ".toml" else "yaml"


def load_config(path: Path, *, cwd: Path | None = None) -> LoadedConfig:
    """Read, parse and validate one config file."""
    source = _display(path, cwd)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("config file not found", source=source) from None
    except IsADirectoryError:
        raise ConfigError("config path is a directory", source=source) from None
    except OSError as err:
        raise ConfigError(f"cannot read config: {err.strerror or err}", source=source) from None
    from authmd_cli.yamlsafe import decode_config_bytes

    text = decode_config_bytes(raw, source)
    loaded = parse_config(text, source, kind=_kind_for(path))
    return replace(loaded, path=path)


# ------------------------------------------------------------------ merging (pure)


def _resolve_profile(label: str, source: str | None = None) -> str:
    from authmd_cli.profiles import ALL_LABELS, resolve

    try:
        return resolve(label).label
    except KeyError:
        hint = did_you_mean(label, [*ALL_LABELS, "latest"])
        msg = f"unknown profile {label!r}{hint}; known: {', '.join(ALL_LABELS)}, latest"
        raise (ConfigError(msg, source=source) if source else UsageError(msg)) from None


def _resolve_flag_rules(refs: Sequence[str], flag: str) -> tuple[str, ...]:
    out: list[str] = []
    for ref in refs:
        try:
            out.append(resolve_rule_ref(ref, allow_prefix=True))
        except UnknownRuleError as err:
            raise UsageError(f"{flag}: {err}") from None
    return tuple(dict.fromkeys(out))


def merge(loaded: LoadedConfig, overrides: Overrides) -> Settings:
    """defaults < file < flags (see the module docstring for list semantics). Pure."""
    data = loaded.data
    source = str(loaded.path) if loaded.path else None
    profile: str | None = None
    if overrides.profile is not None:
        profile = _resolve_profile(overrides.profile)
    elif "profile" in data:
        profile = _resolve_profile(str(data["profile"]), source or "<config>")

    file_select = tuple(resolve_rule_ref(r, allow_prefix=True) for r in data.get("select", ()))
    file_ignore = [resolve_rule_ref(r, allow_prefix=True) for r in data.get("ignore", ())]
    severity: dict[str, Severity] = {}
    for ref, level in data.get("severity", {}).items():
        code = resolve_rule_ref(ref)
        if level == "off":
            file_ignore.append(code)
        else:
            severity[code] = Severity.parse(level)

    flag_select = _resolve_flag_rules(overrides.select, "--select")
    flag_ignore = _resolve_flag_rules(overrides.ignore, "--ignore")
    select = flag_select or file_select
    # An explicit --select of a rule beats the file's ignore of it; --ignore always adds.
    ignore = [c for c in file_ignore if c not in flag_select] + list(flag_ignore)

    # The engine matches these globs against each diagnostic's source as given and its file name.
    pfi = {
        glob: tuple(dict.fromkeys(resolve_rule_ref(r, allow_prefix=True) for r in refs))
        for glob, refs in data.get("per-file-ignores", {}).items()
    }
    options = LintOptions(
        profile=profile,
        select=tuple(select),
        ignore=tuple(dict.fromkeys(ignore)),
        severity=severity,
        allowed_extension_keys=tuple(data.get("extension-keys", ())),
        per_file_ignores=pfi,
    )
    strict = overrides.strict if overrides.strict is not None else bool(data.get("strict", False))
    fmt = overrides.format if overrides.format is not None else data.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}{did_you_mean(fmt, FORMATS)}; expected one of: "
                         f"{', '.join(FORMATS)}")
    return Settings(options=options, strict=strict, format=fmt, config_path=loaded.path)


def resolve_settings(cwd: Path, *, config: Path | None = None, isolated: bool = False,
                     overrides: Overrides | None = None) -> Settings:
    """Discover (or take) the config file, load it and merge the flags over it."""
    overrides = overrides or Overrides()
    if isolated and config is not None:
        raise UsageError("--config and --no-config cannot be used together")
    path: Path | None = None
    if config is not None:
        path = config if config.is_absolute() else cwd / config
    elif not isolated:
        path = find_config(cwd)
    if path is None:
        return merge(LoadedConfig(None, {}), overrides)
    loaded = load_config(path, cwd=cwd)
    return merge(loaded, overrides)
