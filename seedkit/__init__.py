"""seedkit: fill a database with the data it needs to start working, from one seed.toml."""

__version__ = "0.1.0"

#: The name seedkit is installed under (`pip install seedkit-db`): `seedkit` on PyPI is an
#: unrelated project. The import package and the command are `seedkit`.
DISTRIBUTION = "seedkit-db"
