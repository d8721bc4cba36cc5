"""The run's report: text (step by step), JSON (a stable contract), a Markdown transcript, and the
requests as curl commands for `--dry-run` (pure: strings out).

Secrets are masked to their last four characters (`core.display.redact`) unless `show_secrets`;
the claim token is masked always, so it never reaches a file (SPEC §12: hold it in memory only).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from authmd_cli.agent.record import Recorder, Step
from authmd_cli.agent.wire import FORM, NOT_JSON, Request, Response, parse_json
from authmd_cli.core.diagnostics import Severity
from authmd_cli.core.display import redact, safe, scrub

REPORT_VERSION = "1"
SHOWN_HEADERS = ("content-type", "cache-control", "pragma", "www-authenticate", "location", "retry-after")
BODY_LIMIT = 4000
_MARK = {"ok": "✓", "warn": "!", "fail": "✗", "note": "·"}


class Masker:
    """Every known secret replaced by `redact(secret)`; `always` (claim tokens) even with show."""

    def __init__(self, secrets: Iterable[str], always: Iterable[str], *, show: bool) -> None:
        hidden = set(always) if show else set(secrets) | set(always)
        # a `<placeholder>` (--dry-run) is no secret: keep it readable
        self._hidden = sorted((s for s in hidden if not (s.startswith("<") and s.endswith(">"))), key=len,
                              reverse=True)
        self.show = show

    def text(self, value: str) -> str:
        for secret in self._hidden:
            if secret in value:
                value = value.replace(secret, redact(secret))
        return value if self.show else scrub(value)

    def json(self, value: Any) -> Any:
        shown = value if self.show else safe(value)
        return json.loads(self.text(json.dumps(shown, ensure_ascii=False)))


def masker(rec: Recorder, *, show: bool) -> Masker:
    return Masker(rec.secrets, rec.never_shown, show=show)


def _body_text(body: bytes | None, content_type: str, m: Masker) -> str:
    if not body:
        return ""
    if content_type.startswith(FORM):
        pairs = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        return m.text("&".join(f"{k}={v}" for k, v in m.json(pairs).items()))
    parsed = parse_json(body)
    if parsed is not NOT_JSON:
        text = json.dumps(m.json(parsed), indent=2, ensure_ascii=False)
    else:
        text = m.text(body.decode("utf-8", "replace"))
    return text if len(text) <= BODY_LIMIT else text[:BODY_LIMIT] + "\n… (truncated)"


def _header_value(name: str, value: str, m: Masker) -> str:
    if name.lower() == "authorization" and not m.show:
        scheme, _, cred = value.partition(" ")
        return f"{scheme} {redact(cred)}"
    return m.text(value)


def step_dict(step: Step, m: Masker) -> dict[str, Any]:
    out: dict[str, Any] = {"index": step.index, "name": step.name, "result": step.status}
    if step.request is not None:
        out["request"] = {"method": step.request.method, "url": m.text(step.request.url),
                          "side_effect": step.request.side_effect}
    if step.response is not None:
        r = step.response
        out["response"] = {"status": r.status, "ms": round(r.elapsed_ms, 1), "error": r.error,
                           "headers": {k: m.text(v) for k, v in r.headers.items() if k in SHOWN_HEADERS}}
    if step.note:
        out["note"] = m.text(step.note)
    out["diagnostics"] = [_diag_dict(d, m) for d in step.diagnostics]
    return out


def _diag_dict(d: Any, m: Masker) -> dict[str, Any]:
    data: dict[str, Any] = d.to_dict()
    data["message"] = m.text(data["message"])
    data["location"]["source"] = m.text(data["location"]["source"])
    return data


def to_dict(rec: Recorder, target: dict[str, Any], *, show_secrets: bool = False) -> dict[str, Any]:
    m = masker(rec, show=show_secrets)
    diags = rec.diagnostics
    return {
        "version": REPORT_VERSION,
        "flow": rec.flow,
        "target": {k: (m.text(v) if isinstance(v, str) else v) for k, v in target.items()},
        "outcome": rec.outcome,
        "steps": [step_dict(s, m) for s in rec.steps],
        "diagnostics": [_diag_dict(d, m) for d in diags],
        "summary": {"steps": sum(1 for s in rec.steps if s.request is not None),
                    "errors": sum(1 for d in diags if d.severity is Severity.ERROR),
                    "warnings": sum(1 for d in diags if d.severity is Severity.WARNING),
                    "infos": sum(1 for d in diags if d.severity is Severity.INFO)},
        "left_behind": rec.left_behind(),
    }


def step_line(step: Step, m: Masker) -> list[str]:
    mark = _MARK[step.status]
    if step.request is not None and step.response is not None:
        r = step.response
        answer = f"{r.status}" if r.error is None else f"no answer ({r.error})"
        head = f"{mark} {step.index:>2} {step.name:<34} {step.request.method} {m.text(step.request.url)} → " \
               f"{answer} ({r.elapsed_ms:.0f} ms)" + (f"  [{m.text(step.note)}]" if step.note else "")
    else:
        head = f"{mark} {step.index:>2} {step.name}" + (f": {m.text(step.note)}" if step.note else "")
    lines = [head]
    for d in step.diagnostics:
        lines.append(f"       {d.severity.value} {d.code} {d.name}: {m.text(d.message)}")
        if d.hint:
            lines.append(f"         hint: {m.text(d.hint)}")
    return lines


def text(rec: Recorder, target: dict[str, Any], *, show_secrets: bool = False, steps: bool = True) -> str:
    """The step-by-step report; `steps=False` when the steps were already shown live on the terminal."""
    m = masker(rec, show=show_secrets)
    data = to_dict(rec, target, show_secrets=show_secrets)
    s = data["summary"]
    lines = [f"authmd simulate {rec.flow} against {m.text(str(target.get('issuer', '')))} "
             f"(profile {target.get('profile')}, {target.get('profile_origin')})"]
    for note in target.get("notes", ()):
        lines.append(f"  note: {m.text(note)}")
    for step in rec.steps if steps else ():
        lines += ["  " + line for line in step_line(step, m)]
    lines.append(f"{rec.outcome}: {s['steps']} requests, {s['errors']} error(s), {s['warnings']} warning(s), "
                 f"{s['infos']} info")
    for left in data["left_behind"]:
        lines.append(f"left on the service: {left}")
    return "\n".join(lines) + "\n"


def transcript(rec: Recorder, target: dict[str, Any], *, show_secrets: bool = False) -> str:
    """A Markdown transcript of every request and answer (`--transcript FILE`)."""
    m = masker(rec, show=show_secrets)
    out = [f"# authmd simulate {rec.flow}", "",
           f"Target: {m.text(str(target.get('issuer', '')))} — profile {target.get('profile')} "
           f"({target.get('profile_origin')}). Outcome: **{rec.outcome}**.", ""]
    for note in target.get("notes", ()):
        out.append(f"- Note: {m.text(note)}")
    if target.get("notes"):
        out.append("")
    if not show_secrets:
        out += ["Secrets are masked to their last four characters.", ""]
    for step in rec.steps:
        out.append(f"## {step.index}. {step.name}")
        out.append("")
        if step.note:
            out += [m.text(step.note), ""]
        if step.request is not None:
            out += ["```http", _request_text(step.request, m), "```", ""]
        if step.response is not None:
            out += ["```http", _response_text(step.response, m), "```", ""]
        for d in step.diagnostics:
            out.append(f"- **{d.severity.value} {d.code}** {d.name}: {m.text(d.message)}")
        if step.diagnostics:
            out.append("")
    left = rec.left_behind()
    if left:
        out += ["## Left on the service", ""] + [f"- {x}" for x in left] + [""]
    return "\n".join(out)


def _request_text(req: Request, m: Masker) -> str:
    lines = [f"{req.method} {m.text(req.url)}"]
    lines += [f"{k}: {_header_value(k, v, m)}" for k, v in req.headers.items()]
    body = _body_text(req.body, req.headers.get("Content-Type", ""), m)
    return "\n".join(lines + (["", body] if body else []))


def _response_text(resp: Response, m: Masker) -> str:
    if resp.error is not None:
        return f"(no answer: {m.text(resp.error)})"
    lines = [f"HTTP/1.1 {resp.status}"]
    lines += [f"{k}: {m.text(v)}" for k, v in resp.headers.items() if k in SHOWN_HEADERS]
    body = _body_text(resp.body, resp.header("content-type") or "", m)
    return "\n".join(lines + (["", body] if body else []))


def curl(req: Request, m: Masker) -> str:
    """`--dry-run`: the request as a curl command line (POSIX shell quoting)."""
    parts = ["curl", "-sS", "-X", req.method, shlex.quote(m.text(req.url))]
    for k, v in req.headers.items():
        parts += ["-H", shlex.quote(f"{k}: {_header_value(k, v, m)}")]
    if req.body is not None:
        body = _body_text(req.body, req.headers.get("Content-Type", ""), m)
        if req.headers.get("Content-Type") != FORM:
            parsed = parse_json(req.body)
            body = json.dumps(m.json(parsed), ensure_ascii=False, separators=(",", ":")) \
                if parsed is not NOT_JSON else body
        parts += ["--data-binary", shlex.quote(body)]
    return " ".join(parts)
