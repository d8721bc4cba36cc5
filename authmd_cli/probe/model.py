"""What a probe records: one `Exchange` per logical request (its redirect hops inside).

An `Exchange` is the unit of the trace (`authmd probe` prints one line per exchange; the JSON
report has one `trace[]` object per exchange), of `--save` snapshots and of `--replay`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from authmd_cli.core.display import scrub

# Response headers the trace shows (the ones that decide what an agent does with the answer).
# Set-Cookie and anything else that may carry a secret are never shown.
TRACE_HEADERS = ("content-type", "content-length", "content-encoding", "cache-control", "expires", "pragma",
                 "location", "www-authenticate", "retry-after", "access-control-allow-origin")
# Fields that hold one value (RFC 9110 §5.3): a repeated line is the sender's error, and joining
# two of them would make a value neither line sent, so the first line is read.
_SINGLETON_FIELDS = frozenset({"content-type", "content-length", "location", "retry-after", "expires", "date",
                               "last-modified", "etag", "age", "content-location", "access-control-allow-origin"})


@dataclass(frozen=True)
class Failure:
    """Why an exchange has no usable answer (`kind` as in `core.net.FetchError`, plus
    "deadline" when the probe's overall deadline ran out and "not-in-snapshot" on replay)."""

    kind: str
    message: str


@dataclass(frozen=True)
class Hop:
    """One request/response of an exchange (redirects make several)."""

    method: str
    url: str
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    ms: float = 0.0
    failure: Failure | None = None
    retried_after: float | None = None
    size: int | None = None  # the body's length, kept when the body itself was dropped (`Exchange.slim`)

    def header(self, name: str) -> str | None:
        """The field's value; several lines of a list-based field are one comma-separated list
        (RFC 9110 §5.3): `WWW-Authenticate: Basic …` then `WWW-Authenticate: Bearer …` hold both
        challenges, `Cache-Control: no-cache` then `Cache-Control: no-store` both directives."""
        low = name.lower()
        values = [v for k, v in self.headers if k.lower() == low]
        if not values:
            return None
        return values[0] if low in _SINGLETON_FIELDS else ", ".join(values)

    @property
    def length(self) -> int:
        return self.size if self.size is not None else len(self.body)


@dataclass(frozen=True)
class Exchange:
    """One logical request of the walk: `step` names its role ("auth.md", "challenge", "prm",
    "as-metadata", …), `hops` holds every redirect and the final answer."""

    index: int
    step: str
    method: str
    url: str
    hops: tuple[Hop, ...]
    side_effect: bool = False  # a request that may change state on the service (--check-endpoints, --active)
    after: int | None = None  # index of the exchange whose answer this request needed
    note: str = ""  # why this request was made, shown in the trace ("from the 401 challenge")
    request_headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    @property
    def final(self) -> Hop:
        return self.hops[-1]

    @property
    def status(self) -> int | None:
        return self.final.status

    @property
    def failure(self) -> Failure | None:
        return self.final.failure

    @property
    def body(self) -> bytes:
        return self.final.body

    @property
    def final_url(self) -> str:
        return self.final.url

    @property
    def ok(self) -> bool:
        return self.failure is None and self.status is not None and 200 <= self.status < 300

    @property
    def redirects(self) -> tuple[Hop, ...]:
        return self.hops[:-1]

    @property
    def ms(self) -> float:
        return sum(h.ms for h in self.hops)

    def header(self, name: str) -> str | None:
        return self.final.header(name)

    def slim(self) -> Exchange:
        """The same exchange without its bodies (sizes kept): what a report needs once analysed."""
        from dataclasses import replace

        return replace(self, hops=tuple(replace(h, body=b"", size=h.length) for h in self.hops))

    def media_type(self) -> str:
        value = self.header("content-type") or ""
        return value.split(";", 1)[0].strip().lower()

    def trace_dict(self) -> dict[str, Any]:
        """The JSON report's `trace[]` object (secrets in URLs and headers scrubbed)."""
        final = self.final
        return {
            "index": self.index,
            "step": self.step,
            "method": self.method,
            "url": scrub(self.url),
            "status": final.status,
            "headers": {k: scrub(v) for k, v in _selected(final.headers).items()},
            "bytes": final.length,
            "ms": round(self.ms, 1),
            "redirects": [{"url": scrub(h.url), "status": h.status, "location": scrub(h.header("location") or "")}
                          for h in self.redirects],
            "error": None if final.failure is None else {"kind": final.failure.kind,
                                                         "message": scrub(final.failure.message)},
            "side_effect": self.side_effect,
            "after": self.after,
            "note": self.note,
        }


def _selected(headers: tuple[tuple[str, str], ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in headers:
        low = k.lower()
        if low in TRACE_HEADERS:
            out[low] = f"{out[low]}, {v}" if low in out else v
    return out


def html_body(ex: Exchange) -> bool:
    """The body is an HTML page (an SPA shell served for every path), whatever its media type says: a
    Markdown or JSON body mislabelled `text/html` is still the document."""
    head = ex.body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))
