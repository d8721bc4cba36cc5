"""The `SM` codes: what `authmd simulate` reports, in the diagnostic model lint and probe share.

Codes are stable: never reused, never renumbered (a retired code keeps its entry). The location
of an SM diagnostic is the URL of the request (and a JSON pointer into its response when the
finding is about one member). `authmd simulate --explain` is not offered; docs/simulate.md lists
them with the reason for each.
"""

from __future__ import annotations

from dataclasses import dataclass

from authmd_cli.core.diagnostics import Diagnostic, Location, Severity


@dataclass(frozen=True)
class SmRule:
    code: str
    name: str
    severity: Severity
    summary: str


ERR, WARN, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

RULES: dict[str, SmRule] = {r.code: r for r in (
    SmRule("SM001", "unreachable", ERR, "no answer: connection refused, timeout, or a body over the size cap"),
    SmRule("SM002", "unexpected-status", ERR, "the status is not what the protocol answers at this step"),
    SmRule("SM003", "not-json", ERR, "a JSON answer was expected (RFC 8259), something else came"),
    SmRule("SM004", "schema-violation", ERR, "the body breaks the profile's schema (a member missing or of the "
                                           "wrong type)"),
    SmRule("SM005", "cacheable-secret", ERR, "an OAuth response lacks `Cache-Control: no-store` (RFC 6749 §5.1)"),
    SmRule("SM006", "error-envelope", WARN, "an error body lacks `error` or its description (RFC 6749 §5.2, "
                                         "RFC 8935 §2.4)"),
    SmRule("SM007", "unexpected-error-code", WARN, "the request was refused, but with a code the profile does not "
                                                "document for this case"),
    SmRule("SM008", "accepted-bad-request", ERR, "the service accepted a request it must refuse (negative check)"),
    SmRule("SM009", "server-error", ERR, "a 5xx: the service failed instead of answering"),
    SmRule("SM010", "token-rejected", ERR, "the protected API refused a token the service just issued"),
    SmRule("SM011", "pre-claim-token-alive", ERR, "a pre-claim access token still works after the claim"),
    SmRule("SM012", "revoked-token-alive", ERR, "an access token still works after RFC 7009 revocation"),
    SmRule("SM013", "scope-mismatch", WARN, "the token's scope is not what the registration's state grants"),
    SmRule("SM014", "ceremony-failed", ERR, "the claim ceremony did not complete"),
    SmRule("SM015", "needs-a-person", ERR, "the flow needs a person and none was available"),
    SmRule("SM016", "login-required", WARN, "the provider must re-authenticate the user (fresh auth_time)"),
    SmRule("SM017", "method-not-offered", ERR, "the service does not offer the method this flow needs"),
    SmRule("SM018", "discovery-failed", ERR, "the discovery documents do not lead to a registration endpoint"),
    SmRule("SM019", "missing-challenge", WARN, "a 401 without the `WWW-Authenticate` header it must carry"),
    SmRule("SM020", "refresh-failed", ERR, "the refresh token did not rotate as v0.7-B requires"),
    SmRule("SM021", "polling-pace", WARN, "the service asked to slow down although the interval was honoured"),
    SmRule("SM022", "check-skipped", INFO, "a negative check could not be built (no key, no endpoint)"),
    SmRule("SM023", "nothing-to-simulate", INFO, "the service offers no agent registration"),
    SmRule("SM024", "redirected", ERR, "a redirect where the protocol answers directly"),
    SmRule("SM025", "profile-fallback", INFO, "the service answered in another generation's shape; the flow "
                                           "followed it"),
    SmRule("SM026", "refresh-reuse-accepted", ERR, "a spent refresh token was accepted again (RFC 9700 §4.14.2)"),
    SmRule("SM027", "identity-merged", ERR, "two trusted issuers' users with the same `sub` became one account"),
    SmRule("SM028", "assertion-not-single-use", INFO, "only one ID-JAG was available; steps needing a fresh one "
                                                   "were skipped"),
)}


def diag(code: str, message: str, url: str, *, pointer: str | None = None, hint: str | None = None,
         severity: Severity | None = None) -> Diagnostic:
    rule = RULES[code]
    return Diagnostic(code, rule.name, severity or rule.severity, message, Location(url, pointer=pointer), hint)
