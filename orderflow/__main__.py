"""`python -m orderflow` is the `orderflow` command."""

from orderflow.cli import main

main()
