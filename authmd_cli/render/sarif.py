"""SARIF 2.1.0 (OASIS standard, errata 01) for code-scanning services such as GitHub's.

One run; `tool.driver.rules` describes every rule of the registry passed in (sorted by code,
so `ruleIndex` is stable), each result points at its rule by id and index. No timestamps,
no absolute paths invented, no environment: the same report gives the same bytes.
Section numbers below are those of the SARIF 2.1.0 specification.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote

from authmd_cli.core.diagnostics import DOCS_BASE, Diagnostic, Location, Report, Severity, rule_doc_url
from authmd_cli.core.display import encodable
from authmd_cli.render._common import is_url

if TYPE_CHECKING:
    from authmd_cli.core.diagnostics import RuleInfo

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
TOOL_NAME = "authmd"
# The project's home: the repository that DOCS_BASE documents the rules in.
INFORMATION_URI = DOCS_BASE.split("/blob/", 1)[0]

# §3.27.10 / §3.49.8: SARIF has no "info"; "note" is its informational level.
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}

# RFC 3986 §2: what may stay unencoded in a path (unreserved, sub-delims, ":", "@", "/").
_PATH_SAFE = "/!$&'()*+,;=:@-._~"
_DRIVE_RE = re.compile(r"^[A-Za-z]:/")
_MIME = {"auth.md": "text/markdown", "protected-resource-metadata": "application/json",
         "authorization-server-metadata": "application/json", "json": "application/json"}


def artifact_uri(source: str) -> str:
    """The `artifactLocation.uri` (§3.4.3, a URI reference) for a report source.

    URLs stay as they are. A relative path stays relative (code scanning resolves it against
    the repository root), with `\\` turned into `/` and characters a URI cannot hold
    percent-encoded (RFC 3986 §2.1). An absolute path becomes a `file:` URI (§3.4.3 wants
    absolute references to carry a scheme). A first segment containing `:` gets a `./` prefix
    so it is not read as a scheme (RFC 3986 §4.2).
    """
    if is_url(source):
        return encodable(source)
    try:  # a file name of non-UTF-8 bytes (surrogate-escaped by Python) is percent-encoded byte for byte
        path_bytes = source.replace("\\", "/").encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # any other lone surrogate: shown as its escape, never a crash
        path_bytes = encodable(source.replace("\\", "/")).encode("utf-8")
    if _DRIVE_RE.match(path_bytes.decode("utf-8", "replace")):  # Windows "C:/dir/auth.md"
        return "file:///" + quote(path_bytes, safe=_PATH_SAFE)
    if path_bytes.startswith(b"/"):
        return "file://" + quote(path_bytes, safe=_PATH_SAFE)
    encoded = quote(path_bytes, safe=_PATH_SAFE)
    if ":" in encoded.split("/", 1)[0]:
        encoded = "./" + encoded
    return encoded


def _text(value: str, fallback: str) -> dict[str, str]:
    return {"text": value or fallback}


def rule_descriptor(rule: RuleInfo) -> dict[str, Any]:
    """A reportingDescriptor (§3.49) for one registered rule."""
    url = rule_doc_url(rule.code, rule.name)
    doc = rule.doc or rule.summary or rule.name
    out: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
    }
    if rule.aliases:
        out["deprecatedNames"] = list(rule.aliases)  # §3.49.7: names the rule was known by
    out["shortDescription"] = _text(rule.summary, rule.name)
    out["fullDescription"] = _text(doc, rule.name)
    out["helpUri"] = url
    out["help"] = {"text": f"{doc}\n\n{url}", "markdown": f"{doc}\n\n[{rule.code} {rule.name}]({url})"}
    config: dict[str, Any] = {"level": LEVELS[rule.severity]}
    if rule.retired:
        config["enabled"] = False  # §3.50.3: a retired code is kept, never reported
    out["defaultConfiguration"] = config
    out["properties"] = {"tags": [rule.family], "family": rule.family, "scope": rule.scope,
                         "spec": rule.spec}
    return out


def _logical_location(pointer: str) -> dict[str, str]:
    """§3.33: the JSON value a pointer names; `kind` from the JSON values listed in §3.33.7
    ("object" for the whole document, "property" for an object member, "value" for an array item)."""
    last = pointer.rsplit("/", 1)[-1] if pointer else ""
    if not pointer:
        kind = "object"
    elif last.isdigit():
        kind = "value"
    else:
        kind = "property"
    name = last.replace("~1", "/").replace("~0", "~")  # RFC 6901 §4 unescaping
    out = {"fullyQualifiedName": pointer, "kind": kind}
    if pointer:
        out = {"name": name, **out}
    return out


def _location(loc: Location, artifact_index: int | None) -> dict[str, Any]:
    artifact: dict[str, Any] = {"uri": artifact_uri(loc.source)}
    if artifact_index is not None:
        artifact["index"] = artifact_index
    physical: dict[str, Any] = {"artifactLocation": artifact}
    # §3.30.5: lines and columns are 1-based; a region without a known start line is omitted.
    if loc.line is not None and loc.line >= 1:
        region: dict[str, int] = {"startLine": loc.line}
        if loc.column is not None and loc.column >= 1:
            region["startColumn"] = loc.column
        physical["region"] = region
    out: dict[str, Any] = {"physicalLocation": physical}
    if loc.pointer is not None:
        out["logicalLocations"] = [_logical_location(loc.pointer)]
    return out


def _result(diag: Diagnostic, rule_index: Mapping[str, int], artifacts: Mapping[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {"ruleId": diag.code}
    if diag.code in rule_index:
        out["ruleIndex"] = rule_index[diag.code]
    # Always explicit: config may have changed the rule's default severity (§3.27.10).
    out["level"] = LEVELS[diag.severity]
    out["message"] = {"text": diag.message}
    out["locations"] = [_location(diag.location, artifacts.get(diag.location.source))]
    if diag.related:
        # §3.27.22: the other places of the same root cause, each with a unique id (§3.28.2).
        out["relatedLocations"] = [{"id": i, **_location(r, artifacts.get(r.source))}
                                   for i, r in enumerate(diag.related, start=1)]
    props: dict[str, Any] = {"name": diag.name, "docUrl": diag.doc_url}
    if diag.location.pointer is not None:
        props["jsonPointer"] = diag.location.pointer
    if diag.hint:
        props["hint"] = diag.hint
    out["properties"] = props
    return out


def _artifact(doc_source: str, kind: str, props: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"location": {"uri": artifact_uri(doc_source)}}
    if kind in _MIME:
        out["mimeType"] = _MIME[kind]
    out["properties"] = props
    return out


def sarif_log(report: Report, rules: Mapping[str, RuleInfo], tool_version: str) -> dict[str, Any]:
    ordered = sorted(rules.values(), key=lambda r: r.code)
    rule_index = {r.code: i for i, r in enumerate(ordered)}
    artifacts: list[dict[str, Any]] = []
    artifact_index: dict[str, int] = {}
    for doc in report.documents:
        if doc.source in artifact_index:
            continue
        artifact_index[doc.source] = len(artifacts)
        artifacts.append(_artifact(doc.source, doc.kind, {
            "kind": doc.kind, "profile": doc.profile, "profileOrigin": doc.profile_origin,
            "dialect": doc.dialect, "mixed": doc.mixed, "evidence": list(doc.evidence)}))
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": TOOL_NAME,
            "version": tool_version,
            "informationUri": INFORMATION_URI,
            "rules": [rule_descriptor(r) for r in ordered],
        }},
        "columnKind": "unicodeCodePoints",  # columns count code points (Python str indices)
    }
    if artifacts:
        run["artifacts"] = artifacts
    run["results"] = [_result(d, rule_index, artifact_index) for d in report.diagnostics]
    run["properties"] = {"summary": report.summary}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render(report: Report, *, stream: TextIO, color: bool | None, rules: Mapping[str, RuleInfo] | None,
           tool_version: str, environ: Mapping[str, str]) -> None:
    # `rules` is the catalogue the run describes (the command line passes the registry); without
    # one, results still name their rule by id and carry its doc URL (SARIF §3.27.5).
    stream.write(json.dumps(sarif_log(report, rules or {}, tool_version), indent=2, ensure_ascii=True))
    stream.write("\n")
