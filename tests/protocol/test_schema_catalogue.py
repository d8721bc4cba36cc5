"""The bundled schemas as a whole: valid 2020-12, unique ids, offline refs, catalogue and selection."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from authmd_cli.core.resources import schemas_dir, templates_dir
from authmd_cli.protocol import schemas
from authmd_cli.protocol.profiles import ALL_LABELS, VERSIONED

SCHEMA_FILES = sorted(schemas_dir().glob("*.schema.json"))
INDEX = json.loads((schemas_dir() / "index.json").read_text(encoding="utf-8"))
# Catalogued ahead of time; written by other parts of the tool (init config, lint config).
PENDING = {"config", "lint-config"}


def _load(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_data_dirs_resolve_to_the_source_tree() -> None:
    assert (schemas_dir() / "index.json").is_file()
    assert templates_dir().name == "templates"


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_file_is_a_valid_2020_12_schema(path: Path) -> None:
    doc = _load(path)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(doc)
    assert doc["$id"] == f"https://authmd.dev/schemas/{path.name}"
    assert doc.get("title") and doc.get("description")


def test_ids_are_unique() -> None:
    ids = [_load(p)["$id"] for p in SCHEMA_FILES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_ref_resolves_offline(path: Path) -> None:
    doc = _load(path)
    resolver = schemas.registry().resolver(base_uri=doc["$id"])
    refs = list(_refs(doc))
    for ref in refs:
        resolved = resolver.lookup(ref)
        assert isinstance(resolved.contents, (dict, bool)), ref


def test_registry_never_retrieves() -> None:
    from referencing.exceptions import NoSuchResource, Unresolvable

    reg = schemas.registry()
    with pytest.raises(NoSuchResource):
        reg.get_or_retrieve("https://json-schema.org/draft/2020-12/schema")
    with pytest.raises(Unresolvable):
        reg.resolver(base_uri="https://authmd.dev/schemas/prm.schema.json").lookup("other.schema.json")


def test_index_lists_every_file_and_every_entry_has_one() -> None:
    listed = {e["file"] for e in INDEX["schemas"]}
    assert {p.name for p in SCHEMA_FILES} <= listed
    names = [e["name"] for e in INDEX["schemas"]]
    assert len(names) == len(set(names))
    for entry in INDEX["schemas"]:
        assert entry["file"] == f"{entry['name']}.schema.json"
        assert set(entry["profiles"]) <= set(ALL_LABELS), entry["name"]
        if entry["name"] not in PENDING:
            assert (schemas_dir() / entry["file"]).is_file(), entry["file"]
            raw = _load(schemas_dir() / entry["file"])
            assert (entry["title"], entry["description"]) == (raw["title"], raw["description"])


def test_list_schemas_matches_the_files() -> None:
    infos = schemas.list_schemas()
    assert {i.file for i in infos} == {p.name for p in SCHEMA_FILES}
    by_name = {i.name: i for i in infos}
    assert by_name["prm"].schema_id == "https://authmd.dev/schemas/prm.schema.json"
    assert by_name["as-metadata-v0.4-v0.5"].profiles == ("v0.4", "v0.5")


def test_every_kind_is_catalogued_and_variants_do_not_overlap() -> None:
    infos = schemas.list_schemas()
    assert set(schemas.KINDS) <= {i.kind for i in infos}
    for kind in schemas.KINDS:
        seen: dict[str, str] = {}
        for info in (i for i in infos if i.kind == kind):
            for label in info.profiles:
                assert label not in seen, f"{kind}: {label} in {seen.get(label)} and {info.name}"
                seen[label] = info.name


@pytest.mark.parametrize(("kind", "profile", "expected"), [
    ("prm", "v0.1", "prm"),
    ("prm", "no-registration", "prm"),
    ("as-metadata", "v0.1", "as-metadata-v0.1"),
    ("as-metadata", "v0.5", "as-metadata-v0.4-v0.5"),
    ("as-metadata", "v0.7.1", "as-metadata-v0.6-v0.7-A"),
    ("as-metadata", "latest", "as-metadata-v0.7-B"),
    ("registration-request", "v0.3", "registration-request-v0.2-v0.5"),
    ("registration-response", "v0.4", "registration-response-v0.4"),
    ("registration-response", "v0.7-A", "registration-response-v0.6-v0.7-A"),
    ("claim-request", "v0.6", "claim-request-v0.1-v0.6"),
    ("claim-response", "v0.5", "claim-response-v0.4-v0.6"),
    ("claim-complete-request", "v0.6", "claim-complete-form-v0.4-v0.7-A"),
    ("claim-complete-response", "v0.3", "claim-complete-response-v0.2-v0.3"),
    ("token-response", "v0.7-B", "token-response"),
    ("claim-grant-response", "v0.4", "claim-grant-response"),
    ("error", "v0.1", "error"),
    ("oauth-error", "v0.2", "oauth-error"),
    ("set-error", "v0.3", "set-error"),
    ("id-jag", "v0.4", "id-jag-v0.1-v0.4"),
    ("id-jag", "v0.5", "id-jag"),
    ("set", "v0.2", "set"),
    ("set-header", "v0.2", "set-header-v0.1-v0.2"),
    ("set-header", "v0.3", "set-header"),
    ("service-assertion", "v0.2", "service-assertion"),
])
def test_schema_for(kind: str, profile: str, expected: str) -> None:
    assert schemas.schema_for(kind, profile) == expected


@pytest.mark.parametrize(("kind", "profile"), [
    ("token-response", "v0.1"),  # v0.1 had no token endpoint
    ("claim-grant-response", "v0.7-B"),  # line B removed the claim grant
    ("claim-grant-response", "v0.3"),
    ("claim-complete-response", "v0.5"),  # the form answers HTML
    ("as-metadata", "no-registration"),
    ("set-error", "v0.2"),
    ("no-such-kind", "v0.7-B"),
    ("prm", "v9"),
])
def test_schema_for_refuses(kind: str, profile: str) -> None:
    with pytest.raises(KeyError):
        schemas.schema_for(kind, profile)


def test_every_versioned_profile_has_the_core_kinds() -> None:
    for label in VERSIONED:
        for kind in ("prm", "as-metadata", "registration-request", "registration-response", "claim-request",
                     "claim-response", "claim-complete-request", "error", "id-jag", "set", "set-header"):
            assert schemas.schema_for(kind, label)


def test_load_schema_by_name_kind_and_profile() -> None:
    assert schemas.load_schema("as-metadata")["$id"].endswith("/as-metadata-v0.7-B.schema.json")
    assert schemas.load_schema("as-metadata", "v0.2")["$id"].endswith("/as-metadata-v0.2.schema.json")
    # a variant name with another profile switches to that profile's variant
    assert schemas.load_schema("as-metadata-v0.1", "v0.6")["$id"].endswith("/as-metadata-v0.6-v0.7-A.schema.json")
    # a kind absent from latest defaults to its newest profile
    assert schemas.load_schema("claim-grant-response")["title"] == "Token response (claim grant)"
    copy = schemas.load_schema("prm")
    copy["title"] = "changed"
    assert schemas.load_schema("prm")["title"] != "changed"


def test_load_schema_unknown_name_lists_known_names() -> None:
    with pytest.raises(KeyError) as err:
        schemas.load_schema("nope")
    assert "prm" in str(err.value) and "as-metadata" in str(err.value)


def test_schema_text_is_the_pretty_schema() -> None:
    text = schemas.schema_text("registration-request", "v0.7-B")
    assert text.endswith("\n")
    assert json.loads(text) == schemas.load_schema("registration-request-v0.7-B")
    assert '\n  "$id"' in text


def test_importing_schemas_does_not_import_jsonschema() -> None:
    code = ("import sys, authmd_cli.protocol.schemas, authmd_cli.core.resources; "
            "print(sorted(m for m in ('jsonschema', 'referencing') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _load_resources_copy(package_dir: Path) -> Any:
    import importlib.util
    import shutil

    import authmd_cli.core.resources as real

    (package_dir / "core").mkdir(parents=True)
    shutil.copy(real.__file__, package_dir / "core" / "resources.py")
    spec = importlib.util.spec_from_file_location("resources_copy", package_dir / "core" / "resources.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_installed_layout_prefers_the_package_data(tmp_path: Path) -> None:
    pkg = tmp_path / "site-packages" / "authmd_cli"
    module = _load_resources_copy(pkg)
    (pkg / "_data" / "schemas").mkdir(parents=True)
    (pkg / "_data" / "templates").mkdir(parents=True)
    assert module.schemas_dir() == (pkg / "_data" / "schemas").resolve()
    assert module.templates_dir() == (pkg / "_data" / "templates").resolve()


def test_source_layout_falls_back_to_the_repository_root(tmp_path: Path) -> None:
    module = _load_resources_copy(tmp_path / "repo" / "authmd_cli")
    assert module.schemas_dir() == (tmp_path / "repo" / "schemas").resolve()
    assert module.templates_dir() == (tmp_path / "repo" / "templates").resolve()
