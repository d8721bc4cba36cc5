"""authmd.yaml → ServiceConfig: defaults, and every bad input gives ONE line with file:line:col."""

from __future__ import annotations

import pytest
from init_inputs import EXAMPLE, MINIMAL

from authmd_cli.core.errors import ConfigError, UsageError
from authmd_cli.site.config import load_config, load_config_bytes, load_config_file


def test_minimal_config_gets_every_default() -> None:
    cfg = load_config(MINIMAL, "authmd.yaml")
    assert cfg.profile == "v0.7-B"
    assert cfg.site == "https://api.fernpost.net"
    assert cfg.skill == "https://api.fernpost.net/auth.md"
    asrv = cfg.authorization_server
    assert asrv is not None
    assert asrv.identity_endpoint == "https://auth.fernpost.net/agent/identity"
    assert asrv.claim_endpoint == "https://auth.fernpost.net/agent/identity/claim"
    assert asrv.claim_complete_endpoint == "https://auth.fernpost.net/agent/identity/claim/complete"
    assert asrv.events_endpoint == "https://auth.fernpost.net/agent/event/notify"
    assert asrv.token_endpoint == "https://auth.fernpost.net/oauth2/token"
    assert asrv.revocation_endpoint == "https://auth.fernpost.net/oauth2/revoke"
    assert cfg.methods.enabled == ("service_auth",)
    assert cfg.post_claim_scopes == ("posts.read",)
    assert cfg.pre_claim_scopes == ()
    assert cfg.events is False
    assert (cfg.ceremony.claim_window, cfg.ceremony.attempt_ttl, cfg.ceremony.interval) == (86400, 600, 5)
    assert cfg.id_jag.max_auth_age == 3600
    assert cfg.resource_server.bearer_methods == ("header",)
    assert cfg.resource_server.example_path == "/"


def test_example_config_loads_under_every_profile() -> None:
    for label in ("v0.7-B", "v0.7-A", "v0.6", "no-registration", "latest"):
        cfg = load_config_file(EXAMPLE, profile=label)
        assert cfg.profile == ("v0.7-B" if label == "latest" else label)
    cfg = load_config_file(EXAMPLE)
    assert cfg.methods.enabled == ("identity_assertion", "service_auth", "anonymous")
    assert cfg.events is True  # default: on with identity_assertion
    assert [p.name for p in cfg.methods.trusted_providers] == ["Northwind Agent Cloud", "Arbor Assist"]


def test_issuer_trailing_slash_is_dropped_and_endpoints_can_be_absolute() -> None:
    text = MINIMAL.replace("issuer: https://auth.fernpost.net", "issuer: https://auth.fernpost.net/\n"
                           "  token_endpoint: https://tokens.fernpost.net/t")
    cfg = load_config(text, "a.yaml")
    assert cfg.authorization_server is not None
    assert cfg.authorization_server.issuer == "https://auth.fernpost.net"
    assert cfg.authorization_server.token_endpoint == "https://tokens.fernpost.net/t"


def test_with_origin_rebases_protocol_urls_only() -> None:
    cfg = load_config_file(EXAMPLE).with_origin("http://127.0.0.1:8000")
    assert cfg.resource_server.resource == "http://127.0.0.1:8000/"
    assert cfg.site == "http://127.0.0.1:8000"
    assert cfg.skill == "http://127.0.0.1:8000/auth.md"
    assert cfg.authorization_server is not None
    assert cfg.authorization_server.issuer == "http://127.0.0.1:8000"
    assert cfg.authorization_server.identity_endpoint == "http://127.0.0.1:8000/agent/identity"
    assert cfg.service.docs_url == "https://docs.tallyworks.io/api"  # a page elsewhere: unchanged
    with pytest.raises(ValueError):
        cfg.with_origin("http://127.0.0.1:8000/path")


def test_loopback_http_is_allowed() -> None:
    text = MINIMAL.replace("https://api.fernpost.net", "http://127.0.0.1:8000").replace(
        "https://auth.fernpost.net", "http://localhost:8000")
    assert load_config(text, "a.yaml").resource_server.resource == "http://127.0.0.1:8000"


BOMB = """\
a: &a ["x","x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
"""

# (name, yaml text, expected (line, column), a token the message must contain)
BAD: list[tuple[str, str, tuple[int, int], str]] = [
    ("wrong type", MINIMAL.replace("name: Fernpost", "name: [1, 2]"), (2, 9), "service.name"),
    ("wrong type int", MINIMAL + "ceremony:\n  interval: soon\n", (11, 13), "ceremony.interval"),
    ("unknown top key", MINIMAL.replace("service:", "servce:"), (1, 1), "'service'"),
    ("unknown nested key", MINIMAL.replace("  resource:", "  resouce:"), (4, 3), "'resource'"),
    ("unknown method", MINIMAL + "methods:\n  anonymus: true\n", (11, 3), "'anonymous'"),
    ("not a url", MINIMAL.replace("https://api.fernpost.net", "api.fernpost.net"), (4, 13),
     "resource_server.resource"),
    ("plain http", MINIMAL.replace("https://api.fernpost.net", "http://api.fernpost.net"), (4, 13), "https"),
    ("fragment", MINIMAL.replace("https://auth.fernpost.net", "https://auth.fernpost.net/#x"), (6, 11),
     "fragment"),
    ("credentials", MINIMAL.replace("https://auth.fernpost.net", "https://u:p@auth.fernpost.net"), (6, 11),
     "credentials"),
    ("bad port", MINIMAL.replace("https://api.fernpost.net", "https://api.fernpost.net:99999"), (4, 13), "URL"),
    ("dot segment", MINIMAL.replace("https://api.fernpost.net", "https://api.fernpost.net/a/../../x"), (4, 13),
     "segment"),
    ("template", MINIMAL + "site: https://fernpost.net/{tenant}\n", (10, 7), "template"),
    ("pre-claim not in scopes", MINIMAL + "methods:\n  anonymous: true\npre_claim_scopes: [posts.reed]\n",
     (12, 20), "'posts.read'"),
    ("post-claim not in scopes", MINIMAL + "post_claim_scopes: [admin]\n", (10, 21), "admin"),
    ("anonymous without pre-claim", MINIMAL + "methods:\n  anonymous: true\n", (11, 14), "pre_claim_scopes"),
    ("pre-claim without anonymous", MINIMAL + "pre_claim_scopes: [posts.read]\n", (10, 1), "anonymous"),
    ("unknown profile", "profile: v0.9\n" + MINIMAL, (1, 10), "v0.7-B"),
    ("profile init cannot write", "profile: v0.4\n" + MINIMAL, (1, 10), "v0.4"),
    ("profile near miss", "profile: v0.7-b2\n" + MINIMAL, (1, 10), "did you mean"),
    ("no method", MINIMAL + "methods:\n  service_auth: false\n", (11, 3), "no-registration"),
    ("events without id-jag", MINIMAL + "events: true\n", (10, 9), "identity_assertion"),
    ("endpoint clash", MINIMAL.replace("fernpost.net\nscopes", "fernpost.net\n  token_endpoint: /agent/identity\n"
                                       "scopes"), (7, 19), "identity_endpoint"),
    ("dcr-looking endpoint", MINIMAL.replace("fernpost.net\nscopes", "fernpost.net\n  identity_endpoint: /register\n"
                                             "scopes"), (7, 22), "7591"),
    ("skill not auth.md", MINIMAL + "skill: https://fernpost.net/agents.md\n", (10, 8), "auth.md"),
    ("example path outside", MINIMAL.replace("  resource: https://api.fernpost.net",
                                             "  resource: https://fernpost.net/api\n  example_path: /v2/posts"),
     (5, 17), "/api"),
    ("resource dir slash", MINIMAL.replace("https://api.fernpost.net", "https://fernpost.net/api/"), (4, 13),
     "trailing"),
    ("no scopes", MINIMAL.split("scopes:")[0], (1, 1), "scope"),
    ("no authorization server", MINIMAL.split("authorization_server:")[0] + "scopes: []\n", (1, 1),
     "authorization_server"),
    ("duplicate key", MINIMAL + "service:\n  name: Again\n", (10, 1), "duplicate"),
    ("duplicate scope", MINIMAL + "  - name: posts.read\n    description: again\n", (10, 11), "duplicate"),
    ("bad scope token", MINIMAL.replace("name: posts.read", 'name: "posts read"'), (8, 11), "scope token"),
    ("multi-line name", MINIMAL.replace("name: Fernpost", 'name: "Fern\\npost"'), (2, 9), "one non-empty line"),
    ("yaml syntax", MINIMAL + "scopes: [\n", (11, 1), "invalid YAML"),
    ("python tag", MINIMAL.replace("name: Fernpost", "name: !!python/object:os.system ls"), (2, 9),
     "invalid YAML"),
    ("two documents", MINIMAL + "---\nservice: {}\n", (10, 1), "invalid YAML"),
    ("not a mapping", "- a\n- b\n", (1, 1), "mapping"),
    ("empty", "# nothing\n", (1, 1), "empty"),
    ("bomb", BOMB + MINIMAL, (5, 8), "alias"),
    ("recursive alias", "x: &a [1, *a]\n" + MINIMAL, (1, 11), "recursive YAML alias"),
    ("recursive alias in a mapping", "x: &a {y: *a}\n" + MINIMAL, (1, 11), "recursive YAML alias"),
    ("deep nesting", "x: " + "[" * 40 + "]" * 40 + "\n" + MINIMAL, (1, 35), "nesting"),
    ("bad bool method", MINIMAL + "methods:\n  identity_assertion: sometimes\n", (11, 23),
     "true or false or a mapping"),
    # regressions found by hand (2026-11): wording and URL characters
    ("null section", MINIMAL.replace("service:\n  name: Fernpost", "service: null"), (1, 10),
     "expected a mapping, got null"),
    ("unquoted date", MINIMAL.replace("name: Fernpost", "name: Fernpost\n  docs_url: 2024-01-01"), (3, 13),
     "put it in quotes"),
    ("contact neither email nor url", MINIMAL.replace("name: Fernpost", "name: Fernpost\n  contact: ask Bob"),
     (3, 12), "neither an email address nor an https URL"),
    ("url with markdown-breaking char", MINIMAL.replace("name: Fernpost",
                                                        "name: Fernpost\n  docs_url: https://x.dev/a>b"),
     (3, 13), "percent-encoded"),
]

@pytest.mark.parametrize(("name", "text", "where", "token"), BAD, ids=[b[0] for b in BAD])
def test_bad_config_is_one_line_with_position(name: str, text: str, where: tuple[int, int], token: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(text, "authmd.yaml")
    err = info.value
    assert (err.line, err.column) == where, str(err)
    rendered = str(err)
    assert "\n" not in rendered
    assert rendered.startswith(f"authmd.yaml:{where[0]}:{where[1]}: ")
    assert token in rendered
    assert "null null" not in rendered


def test_non_utf8_bytes_name_the_byte_position() -> None:
    data = MINIMAL.replace("Fernpost", "Fernpost caf\u00e9").encode("latin-1")
    with pytest.raises(ConfigError) as info:
        load_config_bytes(data, "authmd.yaml")
    assert (info.value.line, info.value.column) == (2, 21)
    assert "0xe9" in str(info.value)


def test_utf8_bom_is_accepted() -> None:
    assert load_config_bytes(b"\xef\xbb\xbf" + MINIMAL.encode(), "a.yaml").service.name == "Fernpost"


def test_oversized_file_is_refused() -> None:
    with pytest.raises(ConfigError, match="larger than"):
        load_config(MINIMAL + "#" * (300 * 1024) + "\n", "a.yaml")


def test_profile_override_must_be_an_init_profile() -> None:
    with pytest.raises(UsageError, match=r"v0\.7-B"):
        load_config(MINIMAL, "a.yaml", profile="v0.3")


def test_alias_bomb_is_refused_quickly() -> None:
    # 10^5 leaves if expanded; refused by the alias/expansion budget before any walk explodes.
    import time

    start = time.perf_counter()
    with pytest.raises(ConfigError):
        load_config(BOMB.replace("e: &e", "f: &f [*e,*e]\ne: &e") + MINIMAL, "a.yaml")
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize("host", ["127.0.0.2", "app.localhost", "[::1]", "localhost"])
def test_loopback_http_is_the_same_rule_as_lint(host: str) -> None:
    # One loopback rule everywhere (urls.is_loopback_host): what lint's DS006 accepts, init accepts.
    from authmd_cli.core.urls import scheme_problem

    url = f"http://{host}:8000"
    assert scheme_problem(url) is None
    cfg = load_config(MINIMAL.replace("https://api.fernpost.net", url), "a.yaml")
    assert cfg.resource_server.resource == url
