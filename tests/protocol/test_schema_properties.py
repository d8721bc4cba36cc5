"""`validate` never raises on arbitrary JSON, and every pointer it reports exists in the instance."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from authmd_cli.protocol import schemas
from authmd_cli.protocol.schemas import SchemaViolation, validate

NAMES = sorted(i.name for i in schemas.list_schemas())

# Member names the schemas care about, so generated objects reach past the first `required`.
KEYS = st.sampled_from([
    "type", "registration_type", "error", "status", "agent_auth", "identity_types_supported", "identity_assertion",
    "assertion_types_supported", "scopes", "claim", "attempt", "identity", "refresh_token", "events", "aud",
    "email_verified", "resource", "issuer", "token_endpoint", "grant_types_supported", "user_code", "a/b~c", "",
]) | st.text(max_size=8)
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
           | st.sampled_from(["anonymous", "identity_assertion", "service_auth", "refresh", "interaction_required",
                              "login_required", "initiated", "claimed", "https://a.example/x", "123456",
                              "2026-06-26T12:00:00Z", "<placeholder>"])
           | st.text(max_size=12))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=6),
                    max_leaves=30)


def _resolve(instance: Any, pointer: str) -> Any:
    node = instance
    if not pointer:
        return node
    for raw in pointer.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(token)]
        else:
            assert isinstance(node, dict)
            node = node[token]
    return node


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(NAMES), instance=JSON, placeholders=st.booleans())
def test_validate_never_raises_and_pointers_resolve(name: str, instance: Any, placeholders: bool) -> None:
    found = validate(instance, name, allow_placeholders=placeholders)
    for v in found:
        assert isinstance(v, SchemaViolation)
        assert v.message and v.keyword
        _resolve(instance, v.pointer)  # raises (fails the test) when the pointer is not in the instance
    assert len({(v.pointer, v.message) for v in found}) == len(found)


@settings(max_examples=100, deadline=None)
@given(instance=JSON)
def test_every_profile_variant_accepts_any_input(instance: Any) -> None:
    for profile in ("v0.1", "v0.5", "v0.7-A", "v0.7-B"):
        for kind in ("as-metadata", "registration-request", "registration-response"):
            assert isinstance(validate(instance, kind, profile), list)
