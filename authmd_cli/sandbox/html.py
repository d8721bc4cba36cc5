"""Plain HTML for the human pages (`/login`, `/claim`, results). Every interpolated value is
escaped; no scripts, so the pages work in any browser and in a test with a cookie jar.
The shapes follow the reference (SPEC §7.3): the claim form carries a hidden
`claim_attempt_token`; the v0.7-B confirmation reveals the code in `<div class="code">`."""

from __future__ import annotations

import base64
import hashlib
from html import escape

from authmd_cli.sandbox.ceremony import PageState

_STYLE = ("body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;"
          "line-height:1.5}.code{font:700 2.5rem monospace;letter-spacing:.3rem;margin:1rem 0}"
          ".note{background:#fff7d6;padding:.5rem 1rem;border-radius:.3rem}"
          "input,button{font-size:1rem;padding:.4rem}.inline{display:inline}")
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode("utf-8")).digest()).decode("ascii")

# Sent with every human page. The claim pages act on an account and one reveals a code: no
# framing (clickjacking: X-Frame-Options, CSP frame-ancestors), no caching (RFC 9111 §5.2.2.5:
# a shared or back-button copy would show the code again), no Referer (the page URL carries the
# claim attempt token), and a CSP that allows only our one inline style and same-origin forms.
SECURITY_HEADERS = {
    "Content-Security-Policy": (f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'"),
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def page(title: str, body: str, *, user_email: str | None = None) -> str:
    who = ""
    if user_email:
        # a <div>: a <form> cannot sit inside a <p> (the browser would split the paragraph)
        who = (f'<div>Signed in as <strong>{escape(user_email)}</strong>. '
               '<form method="post" action="/logout" class="inline">'
               '<button type="submit">Sign out</button></form></div>')
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{_STYLE}</style>'
            f"</head><body><h1>{escape(title)}</h1>{who}{body}</body></html>")


def login_form(service: str, return_to: str, error: str | None = None) -> str:
    err = f'<p class="note">{escape(error)}</p>' if error else ""
    return page(f"Sign in to {service}", (
        f"{err}<p>This is a test sign-in: any email address signs in (unknown ones are created).</p>"
        '<form method="post" action="/login">'
        f'<input type="hidden" name="return_to" value="{escape(return_to)}">'
        '<label>Email <input type="email" name="email" required autofocus></label> '
        '<button type="submit">Sign in</button></form>'))


_ADVICE = {
    "first_time_provider": "This is the first time {provider} asks to link an agent to your account.",
    "first_time_account": "No agent is linked to your account yet.",
}


def claim_page(service: str, state: PageState, attempt_token: str, email: str, *, nested: bool,
               action: str) -> str:
    if state.view == "code":
        return page("Agent authorized", (
            "<p>Read this code to your agent. It works once and expires soon.</p>"
            f'<div class="code">{escape(state.user_code or "")}</div>'), user_email=email)
    if state.view in ("claimed", "done", "error"):
        title = {"claimed": "Already claimed", "done": "All set"}.get(state.view, "Cannot continue")
        return page(title, f"<p>{escape(state.message)}</p>", user_email=email)
    provider = state.provider_name or "An agent provider"
    notes = "".join(f'<p class="note">{escape(_ADVICE[a].format(provider=provider))}</p>'
                    for a in state.advisories if a in _ADVICE)
    if state.message:  # why the last submission failed (a wrong code): shown above the form
        notes = f'<p class="note">{escape(state.message)}</p>' + notes
    who = (f"{escape(provider)} is asking to link this account to an agent."
           if state.attempt and state.attempt.provider else "An agent is asking to act on your account.")
    hidden = f'<input type="hidden" name="claim_attempt_token" value="{escape(attempt_token)}">'
    if nested:
        form = (f'<form method="post" action="{escape(action)}">{hidden}'
                '<button type="submit">Authorize agent</button></form>')
    else:
        form = (f'<form method="post" action="{escape(action)}">{hidden}'
                '<label>Code shown by the agent <input name="user_code" inputmode="numeric" '
                'pattern="[0-9]{6}" maxlength="6" required autofocus></label> '
                '<button type="submit">Link agent</button></form>')
    return page(f"Link an agent to {service}", f"{notes}<p>{who}</p>{form}", user_email=email)


def home(service: str, links: list[tuple[str, str]], email: str | None) -> str:
    items = "".join(f'<li><a href="{escape(u)}">{escape(label)}</a></li>' for label, u in links)
    return page(service, f"<p>A local sandbox of the auth.md protocol.</p><ul>{items}</ul>", user_email=email)


def message(title: str, text: str) -> str:
    return page(title, f"<p>{escape(text)}</p>")
