"""Generation detection (authmd_cli/detect.py): SPEC §1.3 fingerprints, §14 D2, D13; IN-THE-WILD §3."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authmd_cli.lint.loader import load_document
from authmd_cli.protocol.detect import decide, detect, document_scan, scan, span
from authmd_cli.protocol.markdown import parse_auth_md
from authmd_cli.protocol.model import Detection, DocKind, JsonDoc
from authmd_cli.protocol.profiles import ALL_LABELS, VERSIONED, range_label

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PROFILES_DIR = FIXTURES / "profiles"
AS_FILE = ".well-known/oauth-authorization-server"
PRM_FILE = ".well-known/oauth-protected-resource"

# AS metadata alone cannot tell some siblings apart (SPEC §1.3): v0.5 adds only auth.md-visible
# constructs (interaction_required, login_required) to v0.4, and v0.7-A only changes the /claim
# body; the newest profile with a positive fingerprint in the JSON is then the older one.
AS_DETECTED = {**{v: v for v in VERSIONED}, "v0.5": "v0.4", "v0.7-A": "v0.6", "no-registration": "no-registration"}


def load(path: Path) -> Detection:
    return load_document(str(path), path.read_bytes()).detection


def det_json(value: Any, kind: DocKind = DocKind.AS_METADATA) -> Detection:
    return load_document("as.json", json.dumps(value, indent=2), kind=kind).detection


def det_md(text: str) -> Detection:
    return load_document("auth.md", text).detection


@pytest.mark.parametrize("label", ALL_LABELS)
def test_profile_fixture_auth_md_detected_as_its_label(label: str) -> None:
    det = load(PROFILES_DIR / label / "auth.md")
    assert det.profile == label
    assert det.mixed is False
    assert det.evidence
    assert all(e.line is not None and e.pointer is None for e in det.evidence)
    if label in VERSIONED:
        # The first evidence entries are the fingerprints of the detected profile itself.
        assert det.evidence[0].profile.startswith(label) or label in det.evidence[0].profile


@pytest.mark.parametrize("label", ALL_LABELS)
def test_profile_fixture_as_metadata_detected(label: str) -> None:
    det = load(PROFILES_DIR / label / AS_FILE)
    assert det.profile == AS_DETECTED[label]
    assert det.mixed is False
    assert det.evidence
    assert all(e.pointer is not None and e.line is None for e in det.evidence)


@pytest.mark.parametrize("label", VERSIONED)
def test_profile_fixture_prm_has_no_generation(label: str) -> None:
    # RFC 9728 PRM carries no generation vocabulary at all.
    det = load(PROFILES_DIR / label / PRM_FILE)
    assert det.profile is None
    assert det.evidence == ()


def test_v01_fingerprints_name_register_uri_with_pointer() -> None:
    det = det_json({"agent_auth": {"register_uri": "https://auth.quillnote.io/agent/auth",
                                   "identity_types_supported": ["anonymous"]}})
    assert det.profile == "v0.1"
    assert any(e.signal == "agent_auth.register_uri" and e.pointer == "/agent_auth/register_uri"
               for e in det.evidence)


def test_mixed_register_uri_and_identity_endpoint() -> None:
    det = det_json({"agent_auth": {"register_uri": "https://auth.quillnote.io/agent/auth",
                                   "identity_endpoint": "https://auth.quillnote.io/agent/identity"}})
    assert det.mixed is True
    assert det.profile == "v0.2"  # D2: the newest profile with a positive signal


def test_mixed_claim_grant_in_v07b_envelope_auth_md() -> None:
    text = "\n".join([
        "# auth.md", "", "## Step 3 — Register", "", "```json",
        json.dumps({"id": "reg_...", "type": "anonymous", "identity": {"assertion": "<jwt>", "expires_at": "x"}}),
        "```", "", "```http", "POST /oauth2/token HTTP/1.1", "Host: auth.quillnote.io",
        "Content-Type: application/x-www-form-urlencoded", "",
        "grant_type=urn:workos:agent-auth:grant-type:claim&claim_token=clm_...", "```", "",
    ])
    det = det_md(text)
    assert det.mixed is True
    assert det.profile == "v0.7-B"
    lines = {e.signal: e.line for e in det.evidence}
    assert lines["nested `identity.assertion`"] == 6


def test_weak_signals_alone_never_decide() -> None:
    # SPEC §14 D2: revocation_uri, otp, logout+jwt and events_supported alone are not enough.
    det = det_json({"agent_auth": {"revocation_uri": "https://auth.quillnote.io/agent/auth/revoke",
                                   "events_supported": ["https://schemas.workos.com/events/x"]}})
    assert det.profile is None
    md = det_md("# auth.md\n\n```json\n{\"claim_token\": \"clm_...\", \"otp\": \"123456\"}\n```\n")
    assert md.profile is None


def test_weak_signals_narrow_between_candidates() -> None:
    # identity_endpoint (v0.2+) + verified_email (<= v0.5) + no claim grant with anonymous
    # leaves v0.2/v0.3; revocation_uri (weak, v0.1-v0.2) picks v0.2 (SPEC §1.3 v0.2).
    det = det_json({
        "issuer": "https://auth.quillnote.io",
        "grant_types_supported": ["urn:ietf:params:oauth:grant-type:jwt-bearer"],
        "agent_auth": {"identity_endpoint": "https://auth.quillnote.io/agent/identity",
                       "revocation_uri": "https://auth.quillnote.io/agent/auth/revoke",
                       "identity_types_supported": ["anonymous", "identity_assertion"],
                       "identity_assertion": {"assertion_types_supported": ["verified_email"]}},
    })
    assert det.profile == "v0.2"
    assert det.mixed is False


@pytest.mark.parametrize("name", ["noform", "vendor-claim-grant", "extension-block", "templated"])
def test_dialect_fixtures_are_named(name: str) -> None:
    det = load(FIXTURES / "dialects" / name / AS_FILE)
    assert det.dialect == name
    assert det.dialect_evidence


def test_authkit_shape_is_v07b_not_a_dialect() -> None:
    det = det_md("# auth.md\n\n```json\n" + json.dumps({
        "id": "agent_reg_...", "type": "service_auth", "scopes": {"post_claim": ["notes.read"]},
        "claim": {"token": "clm_...", "expires_at": "t", "url": "https://auth.quillnote.io/agent/identity/claim",
                  "attempt": {"verification_uri": "https://quillnote.authkit.app/claim?token=att_...",
                              "expires_at": "t"}}}, indent=2) + "\n```\n")
    assert det.profile == "v0.7-B"
    assert det.dialect is None


def test_one_unknown_key_is_only_an_extension() -> None:
    det = det_json({"agent_auth": {"identity_endpoint": "https://auth.quillnote.io/agent/identity",
                                   "rekey_uri": "https://auth.quillnote.io/rekey"}})
    assert det.dialect is None


def test_vendor_urn_alone_is_not_the_dialect() -> None:
    det = det_json({"grant_types_supported": ["urn:quillnote:params:oauth:grant-type:claim_token"]})
    assert det.dialect is None


@pytest.mark.parametrize(("path", "word"), [
    ("cli-login.auth.md", "manifest"),
    (".ai-governance/auth.md", "governance"),
])
def test_not_protocol_fixtures(path: str, word: str) -> None:
    det = load(FIXTURES / "not-protocol" / path)
    assert det.not_protocol is not None and word in det.not_protocol
    assert det.profile is None


def test_front_matter_with_protocol_vocabulary_is_protocol() -> None:
    text = ("---\npolicy: agents\nflows: [pat]\n---\n\n# auth.md\n\n```http\nPOST /agent/identity HTTP/1.1\n"
            "Host: auth.quillnote.io\n```\n")
    det = det_md(text)
    assert det.not_protocol is None
    assert det.profile == "v0.2"


def test_no_registration_auth_md_statement() -> None:
    det = det_md("# auth.md\n\nQuillnote does not offer agent registration.\n")
    assert det.profile == "no-registration"
    assert det.evidence[0].line == 3


def test_no_registration_needs_the_statement() -> None:
    assert det_md("# auth.md\n\nWelcome, agents.\n").profile is None


def test_no_registration_not_when_registration_is_documented() -> None:
    text = ("# auth.md\n\nThere is no registration fee.\n\n```http\nPOST /agent/identity HTTP/1.1\n"
            "Host: auth.quillnote.io\n```\n")
    assert det_md(text).profile == "v0.2"


def test_no_registration_as_without_agent_auth_and_prm_without_servers() -> None:
    assert det_json({"issuer": "https://auth.quillnote.io", "token_endpoint": "https://auth.quillnote.io/t",
                     "grant_types_supported": ["urn:ietf:params:oauth:grant-type:jwt-bearer"]}).profile \
        == "no-registration"
    assert det_json({"resource": "https://api.quillnote.io"}, kind=DocKind.PRM).profile == "no-registration"


def test_decide_prefers_newest_candidate_with_positive_signal() -> None:
    sc = scan(DocKind.AS_METADATA, None, JsonDoc({"grant_types_supported": [
        "urn:workos:agent-auth:grant-type:claim"], "agent_auth": {"identity_types_supported": ["verified_email"]}}))
    # claim URN: v0.4-v0.7-A (positive v0.4); verified_email: <= v0.5 (ceiling) -> v0.4, not v0.5.
    assert decide(sc) == ("v0.4", False)


def test_range_labels() -> None:
    assert range_label(span("v0.4", "v0.7-A")) == "v0.4–v0.7-A"
    assert range_label(span("v0.3")) == "v0.3+"
    assert range_label(frozenset({"v0.2", "v0.3", "v0.7-B"})) == "v0.2–v0.3, v0.7-B"


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40)
    | st.sampled_from(["register_uri", "urn:workos:agent-auth:grant-type:claim", "https://h/agent/auth",
                       "service_auth", "login_hint", "verified_email", "refresh", "{agent_id}"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["agent_auth", "type", "claim_token", "identity", "claim", "grant_types_supported",
                         "identity_types_supported", "register_uri", "identity_endpoint", "error", "x", "skill",
                         "events_supported", "scopes"]) | st.text(max_size=8), children, max_size=5),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(_json, st.sampled_from([DocKind.AS_METADATA, DocKind.PRM, DocKind.JSON]))
def test_detect_never_raises_on_arbitrary_json(value: Any, kind: DocKind) -> None:
    doc = JsonDoc(value)
    decide(scan(kind, None, doc))  # the unguarded core must not raise either
    assert isinstance(detect(kind, None, doc), Detection)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=400))
def test_detect_never_raises_on_arbitrary_text(text: str) -> None:
    auth = parse_auth_md(text)
    decide(scan(DocKind.AUTH_MD, auth, None))
    assert isinstance(detect(DocKind.AUTH_MD, auth, None), Detection)


def test_document_scan_is_computed_once_per_parsed_document() -> None:
    # detect() at load time, GN001/GN003 and XD007 all read the scan: one pass per document.
    text = (PROFILES_DIR / "v0.7-B" / "auth.md").read_text(encoding="utf-8")
    doc = load_document("auth.md", text)
    first = document_scan(doc.kind, doc.auth, doc.json)
    assert document_scan(doc.kind, doc.auth, doc.json) is first
    assert first.signals == scan(doc.kind, doc.auth, doc.json).signals
    # A re-parse of the same text is another document with its own (equal) scan.
    other = load_document("auth.md", text)
    assert document_scan(other.kind, other.auth, other.json) is not first


def test_document_scan_entry_dies_with_its_document() -> None:
    import gc

    from authmd_cli.protocol import detect as detect_module

    doc = load_document("as.json", json.dumps({"issuer": "https://a.example", "agent_auth": {}}))
    document_scan(doc.kind, doc.auth, doc.json)
    key = (doc.kind, id(doc.auth), id(doc.json))
    assert key in detect_module._SCANS
    del doc
    gc.collect()
    assert key not in detect_module._SCANS
