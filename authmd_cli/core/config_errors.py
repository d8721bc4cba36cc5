"""Config-file problems as one positioned line: a jsonschema error → `Problem(path, message, at_key)`.

Both configuration files go through here: the lint config (`.authmd.yaml` / `[tool.authmd]`,
lint/config.py, schema `lint-config`) and the service config (`authmd.yaml` for init/serve,
site/config.py, schema `config`), so the same mistake reads the same in both. A message names
where it is as a dotted key path (`service.name`, `select[2]`; a TOML table prefixes its `root`,
`tool.authmd.severity.TL003`), says what was expected and what was found, and the caller's
`Locator` turns the path into line and column: a `yamlsafe.YamlDoc`, or lint/config.py's TOML key
search (issue 2: "file:line:column"; issue 3: "map jsonschema errors back to YAML positions").

What was expected comes from the schema: JSON types as words, enum lists, and for `pattern` the
subschema's `title`, so the wording sits next to the pattern it explains. Schemas are validated
through `schemas.validator` (bundled registry, stdlib formats); jsonschema itself is imported only
when a config is actually validated (start-up time of `authmd --help` and a one-file lint).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, Protocol

from authmd_cli.core.errors import AuthmdError, ConfigError
from authmd_cli.core.suggest import did_you_mean
from authmd_cli.core.yamlsafe import PathKey

KeyPath = PathKey  # the key paths yamlsafe records positions under
Position = tuple[int, int]  # 1-based line, column


class Locator(Protocol):
    """Where a key path of a parsed config file is (its member name's position when `key`)."""

    def position(self, path: KeyPath, *, key: bool = False) -> Position | None: ...


class Problem(NamedTuple):
    """One thing wrong with a config: the offending key path, the whole one-line message (naming
    the path), and whether to point at the member's name rather than its value."""

    path: KeyPath
    message: str
    at_key: bool = False

    def error(self, source: str, where: Locator | None) -> ConfigError:
        pos = where.position(self.path, key=self.at_key) if where is not None else None
        return ConfigError(self.message, source=source, line=pos[0] if pos else None,
                           column=pos[1] if pos else None)


def dotted(path: Sequence[str | int], root: str = "") -> str:
    """`service.name`, `select[2]`, `tool.authmd.severity.TL003` (with `root`); "" for the root."""
    out = root
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def problem(path: KeyPath, message: str, *, root: str = "", at_key: bool = False) -> Problem:
    """`message` about `path`, prefixed by the path's dotted name (`select[1]: …`); none at the root."""
    where = dotted(path, root)
    return Problem(path, f"{where}: {message}" if where else message, at_key)


# ------------------------------------------------------------------ words for values and types

_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer",
               "boolean": "true or false", "number": "a number", "null": "null"}
_SHOWN = (bool, int, float, str, list, dict)  # values worth quoting after their type word


def type_word(value: Any) -> str:
    """What a parsed YAML/TOML value is, for "got …": `a mapping`, `null`, `a YAML date (put it…)`."""
    if value is None:
        return "null"
    for kind, word in ((bool, "a boolean"), (int, "a number"), (float, "a number"), (str, "a string"),
                       (list, "a list"), (dict, "a mapping")):
        if isinstance(value, kind):
            return word
    # dates and the like, from YAML's implicit types: say how to get the string that was meant
    return f"a YAML {type(value).__name__} (put it in quotes to make it a string)"


def _shown(value: Any) -> str:
    """The value quoted as JSON, truncated, secrets hidden (the one display helper)."""
    from authmd_cli.core.display import show_value

    return show_value(value, width=60)


def _got(value: Any) -> str:
    return f"{type_word(value)} {_shown(value)}" if isinstance(value, _SHOWN) else type_word(value)


def _type_words(want: Any) -> str:
    wanted = [w for item in (want if isinstance(want, list) else [want])
              for w in (item if isinstance(item, list) else [item])]
    return " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in wanted)


def one_of(value: Any, options: Sequence[str]) -> str:
    """`expected one of: a, b; got "x" (did you mean 'y'?)`: an enum mismatch, for any caller."""
    hint = did_you_mean(value, options) if isinstance(value, str) else ""
    return f"expected one of: {', '.join(options)}; got {_shown(value)}{hint}"


def mapping_problem(value: Any, *, root: str = "") -> Problem | None:
    """A config whose top level is not a mapping (checked before anything looks inside it)."""
    if isinstance(value, dict):
        return None
    return Problem((), f"{root or 'the config'} must be a mapping, got {_got(value)}")


# ------------------------------------------------------------------ jsonschema errors


def _title(schema: Any) -> str | None:
    title = schema.get("title") if isinstance(schema, dict) else None
    return title if isinstance(title, str) and title else None


def _size(keyword: str, bound: Any, value: Any) -> str:
    unit = "characters" if keyword.endswith("Length") else "items"
    size = len(value) if isinstance(value, str | list | dict) else "?"
    return f"expected {'at least' if keyword.startswith('min') else 'at most'} {bound} {unit}, got {size}"


def _value_message(error: Any) -> str:
    """What is wrong with the value itself (the path is added by the caller)."""
    keyword, want, value = error.validator, error.validator_value, error.instance
    if keyword == "type":
        return f"expected {_type_words(want)}, got {_got(value)}"
    if keyword == "enum":
        return one_of(value, [str(o) for o in want])
    if keyword in ("minLength", "minItems") and want == 1:
        return "must not be empty"
    if keyword in ("minLength", "maxLength", "minItems", "maxItems"):
        return _size(keyword, want, value)
    if keyword in ("pattern", "format"):
        expected = _title(error.schema) or (f"a string matching {want}" if keyword == "pattern" else f"a {want}")
        return f"expected {expected}, got {_shown(value)}"
    if keyword in ("minimum", "maximum"):
        return f"expected {'at least' if keyword == 'minimum' else 'at most'} {want}, got {_shown(value)}"
    if keyword == "uniqueItems":
        return "contains a duplicate entry"
    return str(error.message)


def describe(error: Any, *, root: str = "") -> list[Problem]:
    """One jsonschema error → its problems (an unexpected member gives one per unknown key)."""
    path: KeyPath = tuple(error.absolute_path)
    where = dotted(path, root)
    inside = f" in {where}" if where else ""
    keyword, value = error.validator, error.instance
    if keyword in ("oneOf", "anyOf") and error.context:
        types = [e.validator_value for e in error.context if e.validator == "type" and not e.relative_path]
        if len(types) == len(error.context):  # the value fits no alternative's type: list them
            return [problem(path, f"expected {_type_words(types)}, got {_got(value)}", root=root)]
        from jsonschema.exceptions import best_match  # type: ignore[import-untyped, unused-ignore]

        # An alternative of the right type was meant: report what is wrong inside it.
        inner = best_match(e for e in error.context if e.validator != "type" or e.relative_path)
        return describe(inner, root=root) if inner is not None else []
    if keyword == "additionalProperties" and isinstance(value, dict) and isinstance(error.schema, dict):
        known = [str(k) for k in error.schema.get("properties") or {}]
        return [Problem((*path, str(k)), f"unknown key {str(k)!r}{inside}{did_you_mean(str(k), known)}", True)
                for k in value if str(k) not in known]
    if keyword == "required" and isinstance(value, dict):
        missing = [str(k) for k in error.validator_value if k not in value]
        names = ", ".join(repr(k) for k in missing)
        return [Problem(path, f"missing required key{'s' if len(missing) > 1 else ''} {names}{inside}")]
    if "propertyNames" in error.absolute_schema_path:  # the member's name is what is wrong
        title = _title(error.schema)
        why = f"expected {title}" if title else _value_message(error)
        return [Problem((*path, str(value)), f"invalid key {str(value)!r}{inside}: {why}", True)]
    return [problem(path, _value_message(error), root=root)]


MAX_LISTED = 10  # problems listed one per line; beyond that, a count


def first_error(problems: Iterable[Problem], source: str, where: Locator | None) -> ConfigError | None:
    """Every problem as positioned lines, in file order: the first as a ConfigError, the rest
    (up to MAX_LISTED in all, then a count) as its `others`.

    One problem per key path (a value failing `minLength` and `pattern` is one mistake); problems
    with the same position keep the validator's order."""
    by_path: dict[KeyPath, Problem] = {}
    for found in problems:
        by_path.setdefault(found.path, found)
    if not by_path:
        return None
    unplaced = (1 << 30, 0)

    def place(p: Problem) -> Position:
        return (where.position(p.path, key=p.at_key) if where is not None else None) or unplaced

    ordered = sorted(by_path.values(), key=place)
    first = ordered[0].error(source, where)
    others: list[AuthmdError] = [p.error(source, where) for p in ordered[1:MAX_LISTED]]
    hidden = len(ordered) - MAX_LISTED
    if hidden > 0:
        others.append(ConfigError(f"and {hidden} more problem{'s' if hidden > 1 else ''}", source=source))
    first.others = tuple(others)
    return first


def schema_problems(instance: Any, validator: Any, *, root: str = "") -> list[Problem]:
    """Every schema problem of `instance`, worded (not yet positioned)."""
    return [p for err in validator.iter_errors(instance) for p in describe(err, root=root)]


def check_schema(instance: Any, validator: Any, source: str, where: Locator | None, *,
                 root: str = "") -> None:
    """Validate `instance` with a jsonschema `validator` (the caller takes it from the bundled
    schemas: this module sits below the protocol layer); raise the first problem."""
    error = first_error(schema_problems(instance, validator, root=root), source, where)
    if error is not None:
        raise error
