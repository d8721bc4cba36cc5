"""Starlette routes, one module per concern; each exposes `routes(ctx) -> list[Route]`."""
