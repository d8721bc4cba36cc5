"""Generation detection (SPEC §1.3, §14 D2, D13; IN-THE-WILD §3). Placeholder: being written."""

from __future__ import annotations

from typing import Any

from authmd_cli.model import AuthDoc, Detection, DocKind, JsonDoc


def detect(kind: DocKind, auth: AuthDoc | None, json: JsonDoc | None) -> Detection:
    """Name the profile a document follows, with evidence; pure."""
    _unused: Any = (kind, auth, json)
    return Detection(profile=None)
