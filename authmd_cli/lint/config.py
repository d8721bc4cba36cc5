"""Configuration: find, parse, validate and merge `.authmd.yaml` / `[tool.authmd]`.

Discovery walks up from a directory the caller passes in (never `os.getcwd()` here): in each
directory `.authmd.yaml`, then `.authmd.yml`, then a `pyproject.toml` that has a `[tool.authmd]`
table; the nearest directory wins. `--config PATH` replaces discovery, `--no-config` skips it.

The file is validated against the bundled schema `lint-config` (through config_errors, which
words schema errors the same way for authmd.yaml), then semantically (rule codes and names
exist). Every problem is ONE `ConfigError` whose text is `path:line:col: message`: YAML positions
come from PyYAML's node marks (yamlsafe.YamlDoc), TOML positions from a best-effort search of the
key path in the text (TomlPositions; tomllib keeps none).

Merge order is defaults < file < command-line flags:
- `profile`, `strict`, `format`: a flag replaces the file's value;
- `select`: `--select` replaces the file's list (you asked for exactly these rules);
- `ignore`: `--ignore` adds to the file's list, minus rules named exactly by `--select`;
- `severity: {RULE: off}` is the same as ignoring RULE.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from authmd_cli.core.config_errors import (
    KeyPath,
    Locator,
    Position,
    Problem,
    first_error,
    mapping_problem,
    problem,
    schema_problems,
)
from authmd_cli.core.diagnostics import Severity
from authmd_cli.core.errors import ConfigError, UsageError
from authmd_cli.core.suggest import did_you_mean
from authmd_cli.lint.engine import LintOptions
from authmd_cli.lint.rule_refs import UnknownRuleError, resolve_rule_ref

CONFIG_NAMES = (".authmd.yaml", ".authmd.yml")
PYPROJECT = "pyproject.toml"
FORMATS = ("text", "json", "sarif", "github")
SCHEMA_FILE = "lint-config.schema.json"


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
    """A configuration file's values as written, and where each one is (None: not from a file)."""

    path: Path | None
    data: Mapping[str, Any]
    where: Locator | None = None  # a YamlDoc, or TomlPositions
    root: str = ""  # how key paths are named in messages: `tool.authmd` for a pyproject table


@dataclass(frozen=True)
class Settings:
    """Everything a lint run needs from config + flags."""

    options: LintOptions = field(default_factory=LintOptions)
    strict: bool = False
    format: str | None = None  # None: the caller picks (render.default_format)
    config_path: Path | None = None
    notes: tuple[str, ...] = ()  # said on stderr by the CLI (e.g. a lint config under the wrong name)


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


def parse_yaml(text: str, source: str) -> LoadedConfig:
    """Parse YAML config text (bounded, alias-safe; see yamlsafe). Errors carry line:col."""
    from authmd_cli.core.yamlsafe import load_yaml

    doc = load_yaml(text, source)
    data: Any = {} if doc.value is None else doc.value
    if isinstance(data, dict) and isinstance(data.get("severity"), dict):
        # YAML 1.1 reads a bare `off` (and `no`) as false; the user meant the severity "off".
        data["severity"] = {k: "off" if v is False else v for k, v in data["severity"].items()}
    return LoadedConfig(None, data, doc)


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


@dataclass(frozen=True)
class TomlPositions:
    """Best-effort positions in TOML text (tomllib keeps none): a Locator for config_errors."""

    text: str
    table: tuple[str, ...]
    data: Any

    def position(self, path: KeyPath, *, key: bool = False) -> Position | None:
        value: Any = self.data
        for part in path:
            try:
                value = value[part]
            except (KeyError, IndexError, TypeError):
                value = None
                break
        return _toml_locate(self.text, self.table, path, value)


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
    return LoadedConfig(None, data, TomlPositions(text, table, data), ".".join(table))


# ------------------------------------------------------------------ validation


def schema_path() -> Path:
    """Where the bundled lint-config schema file is (validation loads it through schemas.py)."""
    from authmd_cli.core.resources import schemas_dir

    return schemas_dir() / SCHEMA_FILE


# Top-level keys only the service config (`authmd.yaml`, for init/serve) has: a lint config that
# holds them is the other file under the wrong name (or given to the wrong command).
SERVICE_ONLY_KEYS = ("service", "resource_server", "authorization_server", "methods", "scopes",
                     "pre_claim_scopes", "post_claim_scopes", "ceremony", "tokens", "id_jag", "site", "skill")
LINT_ONLY_KEYS = ("select", "ignore", "severity", "extension-keys", "per-file-ignores", "strict", "format")


def _mixup_problem(loaded: LoadedConfig) -> Problem | None:
    """A service config (authmd.yaml) where a lint config was expected: say so, not "unknown key"."""
    data = loaded.data
    service = [k for k in SERVICE_ONLY_KEYS if k in data]
    if not service or any(k in data for k in LINT_ONLY_KEYS):
        return None
    return Problem((service[0],), "this is a service config (the `authmd.yaml` that `authmd init` and "
                   "`authmd serve` read, with `service:` and `resource_server:`), not a lint config; "
                   "keep it as authmd.yaml and put lint settings (select, ignore, severity, …) in "
                   ".authmd.yaml", True)


def _rule_problems(loaded: LoadedConfig) -> list[Problem]:
    """Every rule reference names a registered rule (the schema checks only their shape)."""
    data = loaded.data
    found: list[Problem] = []

    def check(path: KeyPath, ref: Any, *, allow_prefix: bool = True, at_key: bool = False) -> None:
        if not isinstance(ref, str):
            return  # the schema reports the type
        try:
            resolve_rule_ref(ref, allow_prefix=allow_prefix)
        except UnknownRuleError as err:
            found.append(problem(path, str(err), root=loaded.root, at_key=at_key))

    def refs(value: Any) -> list[Any]:
        return list(value) if isinstance(value, list) else []

    for key in ("select", "ignore"):
        for i, ref in enumerate(refs(data.get(key))):
            check((key, i), ref)
    severity = data.get("severity")
    for ref in severity if isinstance(severity, dict) else ():
        check(("severity", ref), ref, allow_prefix=False, at_key=True)
    pfi = data.get("per-file-ignores")
    for glob, value in pfi.items() if isinstance(pfi, dict) else ():
        for i, ref in enumerate(refs(value)):
            check(("per-file-ignores", glob, i), ref)
    return found


def validate_config(loaded: LoadedConfig, source: str) -> None:
    """Raise one ConfigError listing every schema and semantic problem (see first_error)."""
    bad_root = mapping_problem(loaded.data, root=loaded.root)
    if bad_root is not None:
        raise bad_root.error(source, loaded.where)
    mixup = _mixup_problem(loaded)
    if mixup is not None:
        raise mixup.error(source, loaded.where)
    from authmd_cli.protocol.schemas import config_validator

    found = schema_problems(loaded.data, config_validator("lint-config"), root=loaded.root)
    found += _rule_problems(loaded)
    error = first_error(found, source, loaded.where)
    if error is not None:
        raise error


def parse_config(text: str, source: str, *, kind: str) -> LoadedConfig:
    """Parse and validate config text. `kind`: "yaml", "pyproject" ([tool.authmd]) or "toml"
    (a standalone TOML file: its top level, or its [tool.authmd] table when it has one)."""
    if kind == "yaml":
        loaded = parse_yaml(text, source)
    else:
        table = ("tool", "authmd") if kind == "pyproject" or "[tool.authmd" in text else ()
        loaded = parse_toml(text, source, table=table)
    validate_config(loaded, source)
    return loaded


def _kind_for(path: Path) -> str:
    if path.name == PYPROJECT:
        return "pyproject"
    return "toml" if path.suffix == ".toml" else "yaml"


def load_config(path: Path, *, cwd: Path | None = None) -> LoadedConfig:
    """Read, parse and validate one config file."""
    from authmd_cli.core.files import read_capped

    source = _display(path, cwd)
    try:
        raw = read_capped(path)  # `--config /dev/zero` must not fill memory
    except FileNotFoundError:
        raise ConfigError("config file not found", source=source) from None
    except IsADirectoryError:
        raise ConfigError("config path is a directory", source=source) from None
    except OSError as err:
        raise ConfigError(f"cannot read config: {err.strerror or err}", source=source) from None
    from authmd_cli.core.yamlsafe import decode_config_bytes

    text = decode_config_bytes(raw, source)
    loaded = parse_config(text, source, kind=_kind_for(path))
    return replace(loaded, path=path)


# ------------------------------------------------------------------ merging (pure)


def _resolve_profile(label: str, source: str | None = None) -> str:
    from authmd_cli.protocol.profiles import ALL_LABELS, resolve

    try:
        return resolve(label).label
    except KeyError:
        hint = did_you_mean(label, [*ALL_LABELS, "latest"])
        msg = f"unknown profile {label!r}{hint}; known: {', '.join(ALL_LABELS)}, latest"
        raise (ConfigError(msg, source=source) if source else UsageError(msg)) from None


def resolve_flag_rules(refs: Sequence[str], flag: str) -> tuple[str, ...]:
    """Rule codes (or family prefixes, `ALL`) for `--select`/`--ignore` values; an unknown one is a
    UsageError naming the flag, with a did-you-mean (lint and probe read their flags alike)."""
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

    flag_select = resolve_flag_rules(overrides.select, "--select")
    flag_ignore = resolve_flag_rules(overrides.ignore, "--ignore")
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


_LINT_KEY_LINE = re.compile(r"^(?:" + "|".join(re.escape(k) for k in LINT_ONLY_KEYS) + r")\s*:", re.M)


def misnamed_lint_config(cwd: Path) -> str | None:
    """A note when no lint config was found but `authmd.yaml` here holds lint settings (the service
    config's name, without the dot): lint never reads it, and silence would hide that."""
    candidate = cwd / "authmd.yaml"
    try:
        text = candidate.read_text(encoding="utf-8", errors="replace")[:65536] if candidate.is_file() else ""
    except OSError:
        return None
    if _LINT_KEY_LINE.search(text) and not re.search(r"^service\s*:", text, re.M):
        return ("authmd.yaml holds lint settings (select, ignore, …) but lint reads .authmd.yaml (with a dot); "
                "authmd.yaml is the service config of init and serve: rename the file to .authmd.yaml")
    return None


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
        settings = merge(LoadedConfig(None, {}), overrides)
        misnamed = None if isolated else misnamed_lint_config(cwd)
        return replace(settings, notes=(misnamed,)) if misnamed else settings
    loaded = load_config(path, cwd=cwd)
    return merge(loaded, overrides)
