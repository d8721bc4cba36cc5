"""`python -m authmd_cli` runs the same command line as `authmd`."""

from authmd_cli.cli.entry import main

if __name__ == "__main__":
    main()
