"""`python -m seedkit` runs the same CLI as the `seedkit` console script."""

from seedkit.cli import main

main()
