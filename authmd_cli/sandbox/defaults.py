"""The service `authmd serve` plays when no `--config` is given: every method on, two scopes,
the reference's timings (SPEC §13.2). Loaded through the same validated path as a user's
`authmd.yaml`, then re-based on the served origin."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from authmd_cli.site.config import ServiceConfig

DEFAULT_CONFIG_YAML = """\
profile: {profile}
service:
  name: authmd sandbox
  description: A local sandbox of the auth.md agent-registration protocol.
resource_server:
  resource: http://127.0.0.1:8000/api
  example_path: /api/resource
authorization_server:
  issuer: http://127.0.0.1:8000
scopes:
  - name: api.read
    description: Read your data.
  - name: api.write
    description: Change your data.
pre_claim_scopes: [api.read]
methods:
  identity_assertion: true
  service_auth: true
  anonymous: true
"""


def default_config(profile: str = "v0.7-B") -> ServiceConfig:
    from authmd_cli.site.config import load_config

    return load_config(DEFAULT_CONFIG_YAML.format(profile=profile), "<built-in sandbox config>")
