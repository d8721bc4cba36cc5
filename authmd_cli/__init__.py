"""authmd: lint, generate, probe, simulate and serve auth.md agent-registration documents.

Importing this package must stay cheap: `authmd --help` and a one-file lint depend on it.
Heavy modules (jsonschema, httpx, jwt, jinja2, starlette) are imported inside the
functions that need them.
"""

__version__ = "0.1.0"
