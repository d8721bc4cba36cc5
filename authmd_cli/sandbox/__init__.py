"""`authmd serve`: a local sandbox of the auth.md protocol (SPEC §6-§10), service side.

Import `authmd_cli.sandbox.app.create_app` (Starlette) or `authmd_cli.sandbox.server.serve`;
this package's `__init__` imports nothing heavy.
"""
