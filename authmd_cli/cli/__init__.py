"""The command line: the typer app and one module per command group (parse, call the library, render, exit)."""
