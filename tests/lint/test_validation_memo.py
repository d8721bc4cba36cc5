"""One lint run validates the same JSON against the same schema once (RuleContext.validate):
an auth.md that shows the served metadata does not cost two validations of it, and the report
is what validating every time gives."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from authmd_cli.lint.engine import LintOptions, lint_paths
from authmd_cli.protocol import schemas

SITE = Path(__file__).resolve().parents[1] / "fixtures" / "profiles" / "v0.7-B"


def _site_showing_its_metadata(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / ".well-known").mkdir(parents=True)
    prm = (SITE / ".well-known" / "oauth-protected-resource").read_text(encoding="utf-8")
    (site / ".well-known" / "oauth-protected-resource").write_text(prm, encoding="utf-8")
    (site / ".well-known" / "oauth-authorization-server").write_text(
        (SITE / ".well-known" / "oauth-authorization-server").read_text(encoding="utf-8"), encoding="utf-8")
    text = (SITE / "auth.md").read_text(encoding="utf-8")
    (site / "auth.md").write_text(text + "\n## Appendix: our PRM\n\n```json\n" + prm.strip() + "\n```\n",
                                  encoding="utf-8")
    return site


def _report(site: Path) -> str:
    return json.dumps([d.__dict__ for d in lint_paths([str(site)], LintOptions()).diagnostics], default=str)


def test_the_same_json_is_validated_once_per_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = _site_showing_its_metadata(tmp_path)
    expected = _report(site)
    calls: Counter[tuple[str, str]] = Counter()
    real = schemas.validate

    def counting(instance: object, name: str, *args: object, **kwargs: object) -> list[schemas.SchemaViolation]:
        calls[(name, json.dumps(instance))] += 1
        return real(instance, name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(schemas, "validate", counting)
    assert _report(site) == expected
    prm = json.dumps(json.loads((site / ".well-known" / "oauth-protected-resource").read_text(encoding="utf-8")))
    assert calls[("prm", prm)] == 1  # the served PRM and the same PRM shown in the auth.md
    assert calls and max(calls.values()) == 1
