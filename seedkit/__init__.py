"""seedkit: fill a database with the data it needs to start working, from one seed.toml."""

__version__ = "0.1.0"
