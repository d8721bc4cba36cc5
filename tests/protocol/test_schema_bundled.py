"""Validators with `$ref`s inlined (compiled once per schema and profile) report exactly what the
registry-backed validators report: same pointers, messages, keywords and values, in the same order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from authmd_cli.protocol import schemas
from authmd_cli.protocol.markdown import parse_auth_md
from authmd_cli.protocol.profiles import VERSIONED

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SCHEMAS = schemas.list_schemas()  # protocol messages and the two config schemas (whose $refs have siblings)


def _walk(node: Any, keys: set[str], values: list[Any]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("properties", "patternProperties") and isinstance(v, dict):
                keys.update(v)
            if k in ("const",):
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
            | st.sampled_from(["https://auth.example.io/agent/identity", "http://x", "not a url", "",
                               "2026-06-12T10:00:00Z", "2026-13-40T00:00:00Z", "reg_...", "<placeholder>",
                               "a@b.io", "eyJhbGciOiJFUzI1NiJ9.e30.c2ln"])
            | st.integers(-5, 10**10) | st.booleans() | st.none())
_JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.sampled_from(sorted(_KEYS)), inner, max_size=8), max_leaves=30)


def _same(instance: Any, name: str, profile: str | None) -> None:
    fast = schemas.validate(instance, name, profile, allow_placeholders=True)
    slow = schemas.validate(instance, name, profile, allow_placeholders=True, bundled=False)
    assert [(v.pointer, v.message, v.keyword, v.value) for v in fast] == \
        [(v.pointer, v.message, v.keyword, v.value) for v in slow]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SCHEMAS), st.dictionaries(st.sampled_from(sorted(_KEYS)), _JSON, max_size=10))
def test_bundled_and_registry_validators_agree(info: schemas.SchemaInfo, instance: dict[str, Any]) -> None:
    _same(instance, info.name, None)


def test_bundled_validators_agree_on_every_fixture_example_for_every_profile() -> None:
    instances: list[Any] = []
    for path in sorted(FIXTURES.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".md":
            auth = parse_auth_md(text)
            instances += [b.doc.value for b in auth.json_blocks if b.doc is not None]
            instances += [m.json_body.doc.value for m in auth.http_messages
                          if m.json_body is not None and m.json_body.doc is not None]
        elif text.lstrip().startswith("{"):
            instances.append(json.loads(text))
    assert len(instances) > 100
    checked = 0
    for kind in schemas.KINDS:
        for profile in VERSIONED:
            try:
                name = schemas.schema_for(kind, profile)
            except KeyError:
                continue
            for instance in instances:
                _same(instance, name, profile)
                checked += 1
    assert checked > 5000


def test_every_protocol_schema_is_inlined_not_left_to_the_registry() -> None:
    for info in SCHEMAS:
        fast = schemas._bundled_validator(info.name, None)
        assert fast is not schemas._validator_for(info.name, None), info.name
        assert "$ref" not in json.dumps(fast.schema), info.name


def test_a_ref_with_siblings_keeps_both() -> None:
    base = "https://authmd.dev/schemas/x.schema.json"
    url = schemas._inline({"$ref": "common.schema.json#/$defs/https-url"}, base, {})
    assert url and "$ref" not in json.dumps(url)
    both = schemas._inline({"$ref": "common.schema.json#/$defs/https-url", "description": "d",
                            "allOf": [{"minLength": 9}]}, base, {})
    assert both == {"description": "d", "allOf": [{"minLength": 9}, url]}
    assert schemas.validate("http://x", "config") == schemas.validate("http://x", "config", bundled=False)
