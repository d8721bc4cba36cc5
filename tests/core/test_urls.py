from __future__ import annotations

import pytest

from authmd_cli.core import urls


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("https://auth.quillnote.io", "https://auth.quillnote.io", "same"),
        ("https://auth.quillnote.io/", "https://auth.quillnote.io", "normalised"),  # SPEC §14 D4
        ("https://Auth.Quillnote.io:443", "https://auth.quillnote.io", "normalised"),
        ("https://auth.quillnote.io/claim/", "https://auth.quillnote.io/claim", "different"),
        ("https://auth.quillnote.io", "https://auth.quillnote.com", "different"),
    ],
)
def test_compare(a: str, b: str, expected: str) -> None:
    assert urls.compare(a, b) == expected


@pytest.mark.parametrize(
    ("identifier", "suffix", "expected"),
    [
        ("https://h", urls.AS_SUFFIX, "https://h/.well-known/oauth-authorization-server"),
        ("https://h/", urls.AS_SUFFIX, "https://h/.well-known/oauth-authorization-server"),
        ("https://h/tenant", urls.PRM_SUFFIX, "https://h/.well-known/oauth-protected-resource/tenant"),
        # RFC 8414 §3.1: a terminating "/" of the issuer's path is removed before inserting.
        ("https://h/oauth/", urls.AS_SUFFIX, "https://h/.well-known/oauth-authorization-server/oauth"),
        ("https://h/t/", "/.well-known/openid-configuration", "https://h/.well-known/openid-configuration/t"),
        # RFC 9728 §3.1 removes only the "/" that follows the host.
        ("https://h/api/", urls.PRM_SUFFIX, "https://h/.well-known/oauth-protected-resource/api/"),
    ],
)
def test_insert_well_known(identifier: str, suffix: str, expected: str) -> None:
    # RFC 8414 §3.1 / RFC 9728 §3.1: inserted between host and path, never appended.
    assert urls.insert_well_known(identifier, suffix) == expected


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://api.quillnote.io/x", None),
        ("http://127.0.0.1:8000/x", None),
        ("http://[::1]/x", None),
        ("http://api.quillnote.io/x", "plain http"),
        ("ftp://api.quillnote.io", "scheme"),
        ("/agent/identity", "absolute"),
    ],
)
def test_scheme_problem(url: str, problem: str | None) -> None:
    got = urls.scheme_problem(url)
    assert (got is None) if problem is None else (got is not None and problem in got)


def test_placeholders_and_templates() -> None:
    assert all(urls.is_placeholder(v) for v in ("<service-signed JWT>", "...", "…", "reg_..."))
    assert not any(urls.is_placeholder(v) for v in ("reg_abc", "https://x", ""))
    assert urls.has_template("https://h/agents/{agent_id}") and not urls.has_template("https://h/a")
    assert urls.is_placeholder_host("api.service.example.com") and not urls.is_placeholder_host("quillnote.io")


# SPEC §14 D12: the one placeholder table (urls.is_placeholder; schemas.is_placeholder and
# metadata_shape.looks_placeholder are `partial=True`). Columns: value, whole, partial.
PLACEHOLDERS = [
    ("<service-signed JWT>", True, True),
    ("  <user email>  ", True, True),
    ("...", True, True),
    ("…", True, True),
    ("reg_...", True, True),
    ("clm_…", True, True),
    ("https://x/claim?token=...", True, True),  # ends in an elision
    ("abc...def", False, True),  # an elision inside a value
    ("<host>/x", False, True),
    ("https://<host>/x", False, True),
    ("https://<your domain>/agent/identity", False, True),
    ("{{issuer}}", False, False),  # template syntaxes are not D12 placeholders: unrendered text
    ("{{issuer}}/token", False, False),
    ("${ISSUER}", False, False),
    ("https://h/agents/{agent_id}", False, False),  # RFC 6570: has_template's, not a placeholder
    ("reg_abc", False, False),
    ("https://auth.quillnote.io/agent/identity", False, False),
    ("a..b", False, False),
    ("", False, False),
]


@pytest.mark.parametrize(("value", "whole", "partial"), PLACEHOLDERS)
def test_is_placeholder_table(value: str, whole: bool, partial: bool) -> None:
    assert urls.is_placeholder(value) is whole
    assert urls.is_placeholder(value, partial=True) is partial


@pytest.mark.parametrize(("value", "whole", "partial"), PLACEHOLDERS)
def test_every_placeholder_helper_follows_the_table(value: str, whole: bool, partial: bool) -> None:
    from authmd_cli.protocol import metadata_shape, schemas

    assert schemas.is_placeholder(value) is partial
    assert metadata_shape.looks_placeholder(value) is partial
