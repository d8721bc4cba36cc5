"""Shared plumbing: diagnostics, errors, exit codes, redaction, URLs, safe YAML, HTTP client, JWTs, files."""
