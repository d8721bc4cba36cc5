"""The compiled validity precheck (`schemas._precheck`) answers exactly what jsonschema answers:
valid when the bundled validator finds no error, invalid otherwise. `validate` trusts its "valid"
(and returns [] without asking jsonschema), so a wrong "valid" would hide violations."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authmd_cli.protocol import schemas
from authmd_cli.protocol.markdown import parse_auth_md
from authmd_cli.protocol.profiles import VERSIONED

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _pairs() -> list[tuple[str, str | None]]:
    """Every (schema name, profile) a lint validates against, and each schema without a profile."""
    out: list[tuple[str, str | None]] = [(info.name, None) for info in schemas.list_schemas()]
    for kind in schemas.KINDS:
        for profile in (*VERSIONED, "no-registration"):
            try:
                out.append((schemas.schema_for(kind, profile), profile))
            except KeyError:
                continue
    return out


PAIRS = _pairs()


def _agree(instance: Any, name: str, profile: str | None) -> bool:
    """Assert the precheck and jsonschema agree; returns whether the instance is valid.

    The tolerant precheck (placeholders allowed) need not be exact: its "valid" must mean that
    `validate(..., allow_placeholders=True)` finds nothing (asked here without the precheck)."""
    check = schemas._precheck(name, profile)
    assert check is not None, name
    slow = not any(True for _ in schemas._bundled_validator(name, profile).iter_errors(instance))
    assert check(instance) == slow, (name, profile, instance)
    tolerant = schemas._precheck(name, profile, True)
    assert tolerant is not None, name
    if slow:
        assert tolerant(instance), (name, profile, instance)
    elif tolerant(instance):
        assert schemas.validate(instance, name, profile, allow_placeholders=True, bundled=False) == [], \
            (name, profile, instance)
    return slow


def _instances(root: Path, pattern: str) -> list[Any]:
    out: list[Any] = []
    for path in sorted(root.rglob(pattern)):
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if path.suffix == ".md":
            auth = parse_auth_md(text)
            out += [b.doc.value for b in auth.json_blocks if b.doc is not None]
            out += [m.json_body.doc.value for m in auth.http_messages
                    if m.json_body is not None and m.json_body.doc is not None]
        elif text.lstrip().startswith("{"):
            try:
                out.append(json.loads(text))
            except ValueError:
                continue
    return out


EXAMPLES = _instances(FIXTURES, "*")


def test_every_bundled_schema_is_compiled() -> None:
    for name, profile in PAIRS:
        assert schemas._precheck(name, profile) is not None, (name, profile)


def test_precheck_agrees_on_every_fixture_example_for_every_schema() -> None:
    assert len(EXAMPLES) > 100
    valid = 0
    for name, profile in PAIRS:
        for instance in EXAMPLES:
            valid += _agree(instance, name, profile)
    assert valid > 100  # valid instances are the ones a wrong precheck would get wrong


def _walk(node: Any, keys: set[str], values: list[Any]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "properties" and isinstance(v, dict):
                keys.update(v)
            if k == "const":
                values.append(v)
            if k == "enum" and isinstance(v, list):
                values.extend(v)
            _walk(v, keys, values)
    elif isinstance(node, list):
        for v in node:
            _walk(v, keys, values)


_KEYS: set[str] = set()
_VALUES: list[Any] = []
for _info in schemas.list_schemas():
    _walk(schemas.load_schema(_info.name), _KEYS, _VALUES)

_SCALARS = (st.sampled_from([json.dumps(v) for v in _VALUES]).map(json.loads)
            | st.sampled_from(["https://auth.example.io/agent/identity", "http://x", "not a url", "", "https://a:99999/",
                               "https://[::1", "2026-06-12T10:00:00Z", "2026-02-30T00:00:00Z", "reg_...", "a@b.io",
                               "a b@c", "eyJhbGciOiJFUzI1NiJ9.e30.c2ln", "anonymous", "service_auth", "<jwt>", "...",
                               "https://<host>/agent/identity", "<host>/x", "clm_..."])
            | st.integers(-5, 10**10) | st.floats(allow_nan=False, allow_infinity=False) | st.booleans()
            | st.none() | st.text(max_size=6))
_JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.sampled_from(sorted(_KEYS)), inner, max_size=6), max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PAIRS), st.dictionaries(st.sampled_from(sorted(_KEYS)), _JSON, max_size=10))
def test_precheck_agrees_on_arbitrary_objects(pair: tuple[str, str | None], instance: dict[str, Any]) -> None:
    _agree(instance, *pair)


def _paths(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [at]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*at, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*at, i))
    return out


@settings(max_examples=600, deadline=None)
@given(st.data())
def test_precheck_agrees_on_small_edits_of_real_examples(data: st.DataObject) -> None:
    """Near-valid instances: one member dropped, replaced, added or duplicated in a real example."""
    pair = data.draw(st.sampled_from(PAIRS))
    instance = copy.deepcopy(data.draw(st.sampled_from([e for e in EXAMPLES if isinstance(e, dict)])))
    for _ in range(data.draw(st.integers(1, 2))):
        path = data.draw(st.sampled_from(_paths(instance)))
        parent: Any = instance
        for step in path[:-1]:
            parent = parent[step]
        op = data.draw(st.sampled_from(["drop", "replace", "add", "duplicate"]))
        if not path:
            if isinstance(instance, dict):
                instance[data.draw(st.sampled_from(sorted(_KEYS)))] = data.draw(_SCALARS)
            continue
        last = path[-1]
        if op == "drop":
            del parent[last]
        elif op == "replace":
            parent[last] = data.draw(_JSON)
        elif op == "add" and isinstance(parent[last], dict):
            parent[last][data.draw(st.sampled_from(sorted(_KEYS)))] = data.draw(_SCALARS)
        elif op == "duplicate" and isinstance(parent[last], list) and parent[last]:
            parent[last].append(copy.deepcopy(parent[last][0]))
    _agree(instance, *pair)


def test_validate_trusts_the_precheck_only_when_it_says_valid() -> None:
    name = schemas.schema_for("prm", "v0.7-B")
    good = {"resource": "https://api.quillnote.io", "authorization_servers": ["https://auth.quillnote.io"]}
    bad = {"resource": "https://api.quillnote.io", "authorization_servers": "https://auth.quillnote.io"}
    assert schemas.validate(good, name, "v0.7-B") == []
    assert schemas.validate(bad, name, "v0.7-B") == schemas.validate(bad, name, "v0.7-B", bundled=False) != []


def test_a_keyword_the_precheck_does_not_know_leaves_the_schema_to_jsonschema() -> None:
    with pytest.raises(schemas._UnsupportedError):
        schemas._compile_check({"type": "object", "unevaluatedProperties": False})
    with pytest.raises(schemas._UnsupportedError):
        schemas._compile_check({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"})


def test_the_space_pattern_of_the_format_checks_is_str_isspace() -> None:
    import sys

    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    assert set(schemas._SPACE_RE.findall(every)) == {c for c in every if c.isspace()}
