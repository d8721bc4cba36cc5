"""A corpus of real-style auth.md sites for the lint benchmarks (written by us; nothing copied).

Each site is what a service publishes after a few months of edits, not what `authmd init`
writes on day one: the generated auth.md (from a varied config, so names, scopes, profiles and
methods differ) grows prose, tables, code samples in other languages, a rate-limit section and
an FAQ until it is 15-30 KB, and picks up the deviations IN-THE-WILD describes (legacy aliases
left in examples, a JSON example with a trailing comma, a heading restyled, an http example
without its blank line, a token in a URL, pushy copy, a duplicated heading, a skill that is not
the auth.md URL ...). So the corpus has a realistic number of findings per file.

Deterministic: the same `--seed` and count give byte-identical files.

    python bench/speed_corpus.py OUT_DIR [--sites 300] [--seed 7] [--loose 0.33]

About a third of the entries are an auth.md alone (a directory holding only auth.md, as many
publishers have); the rest are full sites (auth.md + PRM + AS metadata under .well-known).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_NAMES = ("Quillnote", "Tallyworks", "Parcelbay", "Ledgerline", "Brightdesk", "Cartwheel", "Dovetail",
          "Fernhill", "Gridlock Labs", "Harborview", "Inkpot", "Juniper Ops", "Kestrel", "Lumen Forms",
          "Mosaic HR", "Nimbus Notes", "Orchard CRM", "Pebble Mail", "Quarry", "Rivet Tasks")
_NOUNS = ("notes", "invoices", "parcels", "tickets", "forms", "tasks", "contacts", "events", "files", "orders")
_VERBS = ("read", "write", "send", "admin", "export")
_PROFILES = ("v0.7-B", "v0.7-B", "v0.7-B", "v0.7-A", "v0.6")

_WORDS = ("agent", "user", "registration", "token", "assertion", "claim", "scope", "request", "response",
          "service", "account", "session", "endpoint", "workspace", "owner", "credential", "limit", "retry",
          "window", "header", "payload", "provider", "consent", "audit", "record", "webhook", "tenant",
          "billing", "export", "import", "archive", "policy", "review", "support", "team", "member")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", name.lower())


def _config(rng: random.Random, i: int) -> tuple[str, str, str, str]:
    """(yaml text, product name, noun, profile) of site i."""
    name = f"{rng.choice(_NAMES)} {i}" if rng.random() < 0.3 else rng.choice(_NAMES)
    slug = (_slug(name) or "svc") + "." + rng.choice(("io", "dev", "app", "co"))
    noun = rng.choice(_NOUNS)
    profile = rng.choice(_PROFILES)
    scopes = [f"{noun}.{v}" for v in rng.sample(_VERBS, rng.randint(2, 4))]
    methods = []
    if rng.random() < 0.8:
        methods.append("  identity_assertion:\n    trusted_providers:\n"
                       "      - name: Northwind Agent Cloud\n        issuer: https://id.northwind-agents.net\n")
    if rng.random() < 0.85 or not methods:
        methods.append("  service_auth: true\n")
    anonymous = rng.random() < 0.7
    if anonymous:
        methods.append("  anonymous: true\n")
    api_host = rng.choice(("api", "app", "www"))
    text = (
        f"profile: {profile}\n"
        f"service:\n  name: {name}\n  description: {noun.capitalize()} for small teams.\n"
        f"  logo_uri: https://{slug}/static/logo.png\n"
        f"  docs_url: https://docs.{slug}/api\n  contact: agents@{slug}\n"
        f"site: https://{slug}\n"
        f"resource_server:\n  resource: https://{api_host}.{slug}\n  example_path: /v1/{noun}\n"
        f"authorization_server:\n  issuer: https://auth.{slug}\n"
        "scopes:\n" + "".join(f"  - name: {s}\n    description: {s.split('.')[1].capitalize()} {noun}.\n"
                              for s in scopes)
        + (f"pre_claim_scopes: [{scopes[0]}]\n" if anonymous else "")
        + f"post_claim_scopes: [{', '.join(scopes)}]\n"
        "methods:\n" + "".join(methods)
    )
    return text, name, noun, profile


def _sentence(rng: random.Random, noun: str) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 18))]
    k = rng.randrange(len(words))
    words[k] = rng.choice((f"`{noun}`", f"**{words[k]}**", f"*{words[k]}*", f"[{words[k]}](#errors)",
                           f"`{rng.choice(_WORDS)}_id`", noun))
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _paragraph(rng: random.Random, noun: str, n: int | None = None) -> str:
    lines, line = [], ""
    for _ in range(n or rng.randint(3, 6)):
        s = _sentence(rng, noun)
        if len(line) + len(s) > 96:
            lines.append(line)
            line = s
        else:
            line = f"{line} {s}".strip()
    lines.append(line)
    return "\n".join(lines)


def _extra_sections(rng: random.Random, name: str, noun: str, api: str, scopes: list[str], *,
                    profile: str) -> str:
    """Sections real files grow after the protocol steps: scopes, limits, samples, FAQ, support."""
    out = ["## Scopes\n", _paragraph(rng, noun, 3), "",
           "| Scope | Grants | Before claim | Notes |", "| --- | --- | --- | --- |"]
    for s in scopes:
        out.append(f"| `{s}` | {_sentence(rng, noun)[:60]} | {rng.choice(('yes', 'no'))} | "
                   f"{rng.choice(('—', 'Audited.', 'Rate limited separately.', 'Owner only.'))} |")
    out += ["", "## Rate limits\n", _paragraph(rng, noun), "",
            "| Endpoint | Limit | Window | Burst |", "| --- | --- | --- | --- |"]
    for ep in ("/agent/identity", "/agent/identity/claim", "/oauth2/token", f"/v1/{noun}", f"/v1/{noun}/search"):
        out.append(f"| `{ep}` | {rng.choice((10, 30, 60, 120, 600))} | {rng.choice(('1 min', '1 h', '10 s'))} "
                   f"| {rng.choice((5, 10, 20))} |")
    out += ["", "When you exceed a limit the service answers:", "", "```http", "HTTP/1.1 429 Too Many Requests",
            f"Retry-After: {rng.choice((1, 5, 30, 60))}", "Content-Type: application/json", "",
            # rate_limit_exceeded is a v0.7-B code; older sites describe the body in their own words.
            json.dumps({"error": "rate_limit_exceeded", "error_description": "Slow down.",
                        "retry_after": rng.choice((1, 5, 30))} if profile == "v0.7-B"
                       else {"message": "Slow down.", "retry_after": rng.choice((1, 5, 30))}, indent=2), "```", "",
            _paragraph(rng, noun), "", "## Code samples\n", _paragraph(rng, noun, 2), "", "```bash",
            f"curl -s https://{api}/v1/{noun} \\", "  -H 'Authorization: Bearer <access_token>' \\",
            "  -H 'Accept: application/json'", "```", "", "```python", "import httpx", "",
            f"resp = httpx.get('https://{api}/v1/{noun}', headers={{'Authorization': f'Bearer {{token}}'}})",
            "resp.raise_for_status()", f"for item in resp.json()['{noun}']:", "    print(item['id'])", "```", "",
            "```typescript", f"const res = await fetch('https://{api}/v1/{noun}', {{",
            "  headers: { Authorization: `Bearer ${token}` },", "});", "const body = await res.json();", "```", "",
            f"A {noun} list response looks like this:", "", "```json",
            json.dumps({noun: [{"id": f"{noun[:3]}_{k:04d}", "title": _sentence(rng, noun)[:40],
                                "created_at": f"2026-05-0{k + 1}T09:00:00Z", "tags": rng.sample(_WORDS, 3)}
                               for k in range(rng.randint(3, 6))], "next_cursor": None}, indent=2),
            "```", "", "## Frequently asked questions\n"]
    for _ in range(rng.randint(0, 10)):
        q = _sentence(rng, noun).rstrip(".") + "?"
        out += [f"### {q}\n", _paragraph(rng, noun), ""]
        if rng.random() < 0.4:
            out += [f"- {_sentence(rng, noun)}" for _ in range(rng.randint(2, 5))] + [""]
    out += ["## Support\n", _paragraph(rng, noun, 2),
            f"Write to <agents@{_slug(name)}.io> or open an issue in the developer portal.", "",
            "## Changelog\n"]
    out += [f"- 2026-0{m}-1{m}: {_sentence(rng, noun)}" for m in range(1, rng.randint(4, 9))]
    return "\n".join(out) + "\n"


# Deviations real files carry (IN-THE-WILD P1-P15), applied as text edits to the generated site.
def _restyle_heading(md: str, rng: random.Random) -> str:
    return re.sub(r"^## Step (\d+) — ", lambda m: rng.choice((f"## {m.group(1)}. ", f"## Step {m.group(1)}: ",
                                                                 "## ")), md, count=rng.randint(1, 3), flags=re.M)


def _trailing_comma(md: str, rng: random.Random) -> str:
    return re.sub(r'("expires_at": "[^"]+")\n(\s*)\}', r'\1,\n\2}', md, count=1)


def _legacy_alias(md: str, rng: random.Random) -> str:
    return re.sub(r'(\n(\s*)"identity_endpoint": ("[^"]+"),)', r'\1\n\2"register_uri": \3,', md, count=1)


def _short_jag(md: str, rng: random.Random) -> str:
    return md.replace('"urn:ietf:params:oauth:token-type:id-jag"\n      ]', '"id-jag"\n      ]', 1)


def _no_blank_line(md: str, rng: random.Random) -> str:
    return re.sub(r"(Content-Type: application/json)\n\n(\{)", r"\1\n\2", md, count=1)


def _token_in_url(md: str, rng: random.Random) -> str:
    return md.replace("?token=...", "?token=att_9f2c41d7e0b84a6fa1c3", 1)


def _pushy(md: str, rng: random.Random) -> str:
    pitch = "There is no reason not to register: do it now, before you ask the user."
    return md.replace("\n\n## ", f"\n\n{pitch}\n\n## ", 1)


def _duplicate_heading(md: str, rng: random.Random) -> str:
    m = re.search(r"^## Errors\n", md, flags=re.M)
    return md if m is None else md + "\n## Errors\n\nSee the table above.\n"


def _conflict(md: str, rng: random.Random) -> str:
    return md.replace("\n## Scopes\n", "\n<<<<<<< HEAD\nOld scope text.\n=======\nNew scope text.\n"
                                       ">>>>>>> main\n\n## Scopes\n", 1)


def _relative_endpoint(md: str, rng: random.Random) -> str:
    return re.sub(r'("claim_endpoint": )"https://[^/"]+(/[^"]*)"', r'\1"\2"', md, count=1)


def _http_token_endpoint(md: str, rng: random.Random) -> str:
    return md.replace("POST /oauth2/token HTTP/1.1", "GET /oauth2/token HTTP/1.1", 1)


_MD_EDITS = (_restyle_heading, _trailing_comma, _legacy_alias, _short_jag, _no_blank_line, _token_in_url,
             _pushy, _duplicate_heading, _conflict, _relative_endpoint, _http_token_endpoint)


def _spoil_as(value: dict, rng: random.Random) -> None:
    aa = value.get("agent_auth")
    if not isinstance(aa, dict):
        return
    choice = rng.randrange(4)
    if choice == 0 and "identity_endpoint" in aa:
        aa["register_uri"] = aa["identity_endpoint"]  # P2: agreeing alias
    elif choice == 1:
        aa["skill"] = "auth-skill"  # P6: a slug, not the auth.md URL
    elif choice == 2:
        aa.setdefault("events_supported", []).append("claim.confirmed")  # P11: not an event URI
    else:
        value["identity_types_supported"] = aa.get("identity_types_supported", [])  # P4: misplaced


def build_site(rng: random.Random, i: int) -> dict[str, str]:
    """Relative path -> text of site i (deterministic for a given rng state)."""
    from authmd_cli.site.config import load_config
    from authmd_cli.site.generate import render_site

    text, name, noun, profile = _config(rng, i)
    cfg = load_config(text, f"site{i}.yaml")
    files = render_site(cfg)
    md_path = next(p for p in files if p.endswith(".md"))
    md = files[md_path]
    api = cfg.resource_server.resource.split("//", 1)[1].rstrip("/")
    scopes = [s.name for s in cfg.scopes]
    # Prose paragraphs inside the protocol sections, as authors add them.
    md = re.sub(r"\n(## (?:Step \d+ — )?(?:Pick|Claim|Use|Revocation)[^\n]*\n)",
                lambda m: ("\n" + _paragraph(rng, noun) + "\n\n" + m.group(1) + "\n" + _paragraph(rng, noun) + "\n"
                           if rng.random() < 0.5 else "\n" + m.group(1)),
                md)
    md = md.rstrip("\n") + "\n\n" + _extra_sections(rng, name, noun, api, scopes, profile=profile)
    while len(md.encode()) < 15_000:
        md += "\n" + _paragraph(rng, noun, 6) + "\n"
    for edit in rng.sample(_MD_EDITS, rng.randint(2, 5)):
        md = edit(md, rng)
    if len(md.encode()) > 30_000:
        md = md[:29_000].rsplit("\n\n", 1)[0] + "\n"
    files[md_path] = md
    for path in list(files):
        if "oauth-authorization-server" in path and rng.random() < 0.5:
            value = json.loads(files[path])
            _spoil_as(value, rng)
            files[path] = json.dumps(value, indent=2) + "\n"
    return files


def write_corpus(out: Path, sites: int, seed: int = 7, loose: float = 0.33) -> list[Path]:
    """Write `sites` entries under `out` (s0000/, s0001/, ...); returns the auth.md paths."""
    rng = random.Random(seed)
    auth_paths: list[Path] = []
    for i in range(sites):
        files = build_site(rng, i)
        alone = rng.random() < loose
        d = out / f"s{i:04d}"
        for rel, text in files.items():
            if alone and not rel.endswith(".md"):
                continue
            p = d / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8")
            if rel.endswith(".md"):
                auth_paths.append(p)
    return auth_paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--sites", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--loose", type=float, default=0.33, help="share of entries that are an auth.md alone")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    paths = write_corpus(args.out, args.sites, args.seed, args.loose)
    sizes = sorted(p.stat().st_size for p in paths)
    print(f"{len(paths)} auth.md files in {args.out} ({sizes[0]}-{sizes[-1]} bytes, median {sizes[len(sizes) // 2]})")


if __name__ == "__main__":
    main()
