"""Console entry point. `authmd --version` answers before typer (about 20 ms of import) loads;
everything else goes to the typer app in `cli.py`."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        from authmd_cli.cli.version import version_text

        print(version_text())
        return
    from authmd_cli.cli.app import main as cli_main

    cli_main()
