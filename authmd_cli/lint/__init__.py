"""The lint engine: loader, configuration, inline directives and rules (one module per family)."""
