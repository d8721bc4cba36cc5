"""Safe YAML reading for user configuration: bounded, position-keeping, SafeLoader only.

PyYAML's composer shares aliased nodes instead of copying them, so a "billion laughs" file
costs little to parse but explodes in anything that walks the result (schema validation,
JSON output). We therefore (1) cap the input size and (2) stream the *events* first — the
event parser is iterative — measuring depth, alias count and the node count with aliases
expanded, all under budgets, before the recursive composer runs.
Positions are kept per path so schema errors can be reported as `file:line:col`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from authmd_cli.core.errors import ConfigError

MAX_BYTES = 256 * 1024  # a service config is a few KiB
MAX_DEPTH = 32  # the config schema nests 4 levels; 32 leaves room and stops stack abuse
MAX_ALIASES = 100
MAX_EXPANDED_NODES = 20_000  # nodes after alias expansion

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class YamlDoc:
    """A constructed YAML value plus 1-based (line, column) of every value and mapping key."""

    value: Any
    positions: dict[PathKey, tuple[int, int]]
    key_positions: dict[PathKey, tuple[int, int]]

    def position(self, path: PathKey, *, key: bool = False) -> tuple[int, int]:
        """Position of `path` (its key when `key`), else of the nearest ancestor."""
        p = tuple(path)
        while True:
            if key and p in self.key_positions:
                return self.key_positions[p]
            if p in self.positions:
                return self.positions[p]
            if not p:
                return (1, 1)
            p = p[:-1]


def decode_config_bytes(data: bytes, source: str) -> str:
    """UTF-8 (an optional BOM is dropped); anything else is a one-line ConfigError."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(f"not valid UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded; save the file "
                          "as UTF-8", source=source, line=line, column=col) from None


def _yaml_error(exc: Exception, source: str) -> ConfigError:
    """PyYAML's error as one line, at its mark when it has one (MarkedYAMLError)."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    text = getattr(exc, "problem", None) or str(exc)
    return ConfigError(f"invalid YAML: {' '.join(text.split())}", source=source,
                       line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None)


def _event_pos(event: Any) -> tuple[int | None, int | None]:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


def _surrogate_problem(value: str) -> str:
    at = next(i for i, c in enumerate(value) if "\ud800" <= c <= "\udfff")
    pair = value[at:at + 2]
    if len(pair) == 2 and "\ud800" <= pair[0] <= "\udbff" and "\udc00" <= pair[1] <= "\udfff":
        # YAML's \u escape is one code point; a UTF-16 pair (JSON's habit) stays two halves.
        char = ord(pair.encode("utf-16-le", "surrogatepass").decode("utf-16-le"))
        return (f"the string holds a UTF-16 surrogate pair (\\u{ord(pair[0]):04x}\\u{ord(pair[1]):04x}); YAML "
                f"escapes one code point at a time: write \\U{char:08x} or the character itself")
    return (f"the string holds a lone surrogate (\\u{ord(value[at]):04x}), which is not a Unicode character "
            "and cannot be written as UTF-8; remove or replace it")


def _precheck_events(text: str, source: str) -> None:
    """Stream the events (iterative, cheap) and measure the document *as if aliases were
    expanded*: each anchor's subtree size and height are known when it closes, so an alias
    adds its full size. The first event that breaks a budget is the position reported."""
    import yaml

    from authmd_cli.core.strict_json import has_lone_surrogate

    depth = aliases = expanded = 0
    sizes: dict[str, tuple[int, int]] = {}  # anchor -> (expanded node count, height)
    frames: list[list[Any]] = []  # open collections: [anchor, count, height below]

    def add(count: int, height: int) -> None:
        if frames:
            frames[-1][1] += count
            frames[-1][2] = max(frames[-1][2], height)

    def fail(event: Any, message: str) -> ConfigError:
        line, col = _event_pos(event)
        return ConfigError(message, source=source, line=line, column=col)

    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                expanded += 1
                if depth > MAX_DEPTH:
                    raise fail(event, f"nesting deeper than {MAX_DEPTH} levels; a config is never this deep")
                frames.append([event.anchor, 1, 0])
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
                anchor, count, height = frames.pop()
                if anchor:
                    sizes[anchor] = (count, height + 1)
                add(count, height + 1)
            elif isinstance(event, yaml.ScalarEvent):
                if has_lone_surrogate(event.value):
                    # `"\ud800"` in a double-quoted string: not a Unicode scalar value, so it can
                    # never be written as UTF-8 (init would crash half-way through a site).
                    raise fail(event, _surrogate_problem(event.value))
                expanded += 1
                if event.anchor:
                    sizes[event.anchor] = (1, 0)
                add(1, 0)
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                # An alias to an anchor whose collection is still open is a cycle (`a: &a [*a]`):
                # the composer would build a node graph that never ends for anything walking it.
                if any(f[0] is not None and f[0] == event.anchor for f in frames):
                    raise fail(event, f"recursive YAML alias *{event.anchor} refers to a collection that "
                                      "contains it")
                count, height = sizes.get(event.anchor or "", (1, 0))
                expanded += count
                if aliases > MAX_ALIASES:
                    raise fail(event, f"more than {MAX_ALIASES} YAML aliases; refusing a possible alias bomb")
                if expanded > MAX_EXPANDED_NODES:
                    raise fail(event, f"the YAML expands to more than {MAX_EXPANDED_NODES} values through "
                                      "aliases; refusing a possible alias bomb")
                if depth + height > MAX_DEPTH:
                    raise fail(event, f"nesting deeper than {MAX_DEPTH} levels through aliases")
                add(count, height)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source) from None


def _record(node: Any, path: PathKey, pos: dict[PathKey, tuple[int, int]],
            kpos: dict[PathKey, tuple[int, int]], source: str) -> None:
    """Positions per path; duplicate mapping keys are an error (PyYAML keeps the last silently)."""
    # Finite because `_precheck_events` refuses recursive aliases before the composer runs.
    stack: list[tuple[Any, PathKey]] = [(node, path)]
    while stack:
        cur, p = stack.pop()
        pos.setdefault(p, (cur.start_mark.line + 1, cur.start_mark.column + 1))
        if cur.id == "mapping":
            seen: set[str] = set()
            for k, v in cur.value:
                key = str(k.value) if k.id == "scalar" else repr(k.value)
                if key in seen:
                    raise ConfigError(f"duplicate key {key!r}", source=source, line=k.start_mark.line + 1,
                                      column=k.start_mark.column + 1)
                seen.add(key)
                kpos.setdefault((*p, key), (k.start_mark.line + 1, k.start_mark.column + 1))
                stack.append((v, (*p, key)))
        elif cur.id == "sequence":
            stack.extend((v, (*p, i)) for i, v in enumerate(cur.value))


def load_yaml(text: str, source: str) -> YamlDoc:
    """Parse one YAML document safely. Raises ConfigError (one line, with position)."""
    import yaml

    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ConfigError(f"file is larger than {MAX_BYTES // 1024} KiB; a config is a few KiB", source=source)
    _precheck_events(text, source)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDoc(None, {}, {})
        pos: dict[PathKey, tuple[int, int]] = {}
        kpos: dict[PathKey, tuple[int, int]] = {}
        _record(node, (), pos, kpos, source)
        value = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source) from None
    finally:
        loader.dispose()
    return YamlDoc(value, pos, kpos)
